// Formatted output: printf and fprintf, and snprintf into a string.
//
// Conversions: %d %i %u %x %p %s %c %%, with an optional 'l' for 64-bit
// integers (%ld %lu %lx; a bare %l means %ld). Between the % and the
// conversion may come the flags '-' (left-justify) and '0' (pad numbers with
// zeros), then a field width given as digits or as '*' (taken from the
// arguments), e.g. %5d, %08x, %-14s.
//
// Output is collected in a buffer and handed to the kernel with a single
// write() at the end of the call. When several processes print to the same
// console or pipe at once, each printf call therefore appears in one piece
// instead of interleaved byte by byte with the others'. Only a call that
// produces more than the buffer holds needs more than one write.
#include <stdarg.h>

#include "kernel/uapi/types.h"
#include "user/lib/user.h"

enum { OUTBUF = 1024 };

// The output of the call in progress. A user process has a single thread,
// so one static buffer suffices (and keeps it off the small stack).
static struct {
  int fd;    // printf/fprintf: where flush() writes
  char *str; // snprintf: the caller's buffer instead (fd unused)
  int size;  // snprintf: its size
  int total; // characters produced so far by this call
  int len;   // characters waiting in buf
  char buf[OUTBUF];
} out;

static void flush(void) {
  if (out.len > 0) write(out.fd, out.buf, out.len);
  out.len = 0;
}

static void put(char c) {
  if (out.str) {
    if (out.total < out.size - 1) out.str[out.total] = c;
    out.total++;
    return;
  }
  if (out.len == OUTBUF) flush();
  out.buf[out.len++] = c;
  out.total++;
}

static void put_repeat(char c, int n) {
  while (n-- > 0) put(c);
}

// How one conversion is to be laid out.
struct spec {
  int width; // minimum field width
  int left;  // 1: pad on the right instead of the left
  int zero;  // 1: pad numbers with '0' instead of ' '
};

// Print the string s (of length n) in its field, padded with spaces.
static void put_field(const char *s, int n, struct spec *sp) {
  if (!sp->left) put_repeat(' ', sp->width - n);
  for (int i = 0; i < n; i++) put(s[i]);
  if (sp->left) put_repeat(' ', sp->width - n);
}

// Print the number x in the given base, with a minus sign first if neg is
// set and at least mindigits digits. Zero padding goes between the sign and
// the digits ("-0042"), space padding before the sign ("  -42").
static void put_number(uint64 x, int base, int neg, int mindigits, struct spec *sp) {
  static const char digitchars[] = "0123456789abcdef";
  char digits[24]; // 2^64 has 20 decimal digits
  int n = 0;

  // Produce the digits least significant first.
  do {
    digits[n++] = digitchars[x % base];
    x /= base;
  } while (x != 0);
  while (n < mindigits) digits[n++] = '0';

  int len = n + neg;
  int pad = sp->width > len ? sp->width - len : 0;
  if (!sp->left && !sp->zero) put_repeat(' ', pad);
  if (neg) put('-');
  if (!sp->left && sp->zero) put_repeat('0', pad);
  while (n > 0) put(digits[--n]);
  if (sp->left) put_repeat(' ', pad);
}

// Print a signed value: its magnitude, with a sign if negative. The magnitude
// of the most negative value does not fit in a long, so it is computed in
// unsigned arithmetic, where negation is well defined.
static void put_signed(long v, struct spec *sp) {
  uint64 mag = v < 0 ? -(uint64)v : (uint64)v;
  put_number(mag, 10, v < 0, 1, sp);
}

// Format fmt with the arguments in ap, through put().
static void vformat(const char *fmt, va_list ap) {
  for (const char *p = fmt; *p != '\0'; p++) {
    if (*p != '%') {
      put(*p);
      continue;
    }
    p++;

    // Flags, then width.
    struct spec sp = {0, 0, 0};
    for (;; p++) {
      if (*p == '-')
        sp.left = 1;
      else if (*p == '0')
        sp.zero = 1;
      else
        break;
    }
    if (*p == '*') {
      sp.width = va_arg(ap, int);
      if (sp.width < 0) { // as in C: a negative width means '-'
        sp.left = 1;
        sp.width = -sp.width;
      }
      p++;
    }
    while (*p >= '0' && *p <= '9') sp.width = sp.width * 10 + (*p++ - '0');

    // Length: 'l' (or 'll') selects 64-bit integers. A bare "%l" with no
    // conversion letter after it is an older spelling of "%ld".
    int islong = 0;
    if (*p == 'l') {
      islong = 1;
      p++;
      if (*p == 'l') p++;
      if (*p != 'd' && *p != 'i' && *p != 'u' && *p != 'x') {
        put_signed(va_arg(ap, long), &sp);
        p--; // the character after the 'l' is ordinary text
        continue;
      }
    }

    switch (*p) {
    case 'd':
    case 'i': put_signed(islong ? va_arg(ap, long) : va_arg(ap, int), &sp); break;
    case 'u': put_number(islong ? va_arg(ap, uint64) : va_arg(ap, uint), 10, 0, 1, &sp); break;
    case 'x': put_number(islong ? va_arg(ap, uint64) : va_arg(ap, uint), 16, 0, 1, &sp); break;
    case 'p':
      // A pointer is shown in full: 0x and all 16 hex digits.
      put('0');
      put('x');
      put_number((uint64)va_arg(ap, void *), 16, 0, 16, &sp);
      break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (s == 0) s = "(null)";
      put_field(s, strlen(s), &sp);
      break;
    }
    case 'c': {
      char c = (char)va_arg(ap, int);
      put_field(&c, 1, &sp);
      break;
    }
    case '%': put('%'); break;
    case '\0':
      // The format ended with a lone '%': print it, and stop.
      put('%');
      p--;
      break;
    default:
      // Unknown conversion: show it as written, so the mistake is visible.
      put('%');
      put(*p);
      break;
    }
  }
}

static void vprint(int fd, const char *fmt, va_list ap) {
  out.fd = fd;
  out.str = 0;
  out.len = 0;
  out.total = 0;
  vformat(fmt, ap);
  flush();
}

// Like C's: writes at most size-1 characters and a NUL, returns how many
// the whole result has (so a return >= size means it was cut short).
int vsnprintf(char *str, int size, const char *fmt, va_list ap) {
  out.str = str;
  out.size = size;
  out.total = 0;
  vformat(fmt, ap);
  if (size > 0) str[out.total < size ? out.total : size - 1] = '\0';
  out.str = 0;
  return out.total;
}

int snprintf(char *str, int size, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  int n = vsnprintf(str, size, fmt, ap);
  va_end(ap);
  return n;
}

void fprintf(int fd, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vprint(fd, fmt, ap);
  va_end(ap);
}

void printf(const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vprint(1, fmt, ap);
  va_end(ap);
}
