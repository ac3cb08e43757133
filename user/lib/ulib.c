// The small C library every user program links with: the entry point, string
// and memory helpers, and a few wrappers around system calls.
#include "kernel/uapi/types.h"
#include "kernel/uapi/stat.h"
#include "kernel/uapi/fcntl.h"
#include "user/lib/user.h"

int main(int argc, char **argv);

// The kernel starts every program here, with argc in a0 and argv in a1 (the
// first two argument registers, so a plain C function can receive them).
// Returning from main is the same as calling exit with its result; _start
// itself must never return, because there is no caller to return to.
// user.ld places it at address 0, the start of the text: otherwise some C
// function could get address 0, which as a signal handler means SIG_DFL.
__attribute__((section(".text.start"))) void _start(int argc, char **argv) { exit(main(argc, argv)); }

char *strcpy(char *dst, const char *src) {
  char *d = dst;

  while ((*d++ = *src++) != '\0')
    ;
  return dst;
}

// Compare as unsigned chars, so that bytes >= 0x80 sort after ASCII.
int strcmp(const char *a, const char *b) {
  while (*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

uint strlen(const char *s) {
  uint n = 0;

  while (s[n] != '\0') n++;
  return n;
}

// The first c in s, or 0 if there is none. Searching for '\0' is not needed
// by any program here, so it simply reports "not found".
char *strchr(const char *s, char c) {
  for (; *s != '\0'; s++)
    if (*s == c) return (char *)s;
  return 0;
}

// The volatile pointer keeps the optimiser from recognising this loop as a
// memset and compiling it into a call to memset, that is, to itself.
void *memset(void *dst, int c, uint n) {
  volatile uchar *d = dst;

  for (uint i = 0; i < n; i++) d[i] = (uchar)c;
  return dst;
}

// Copy n bytes even when the two areas overlap: copy upwards when the
// destination lies below the source, downwards otherwise, so that no byte is
// overwritten before it has been read. (volatile: see memset.)
void *memmove(void *dst, const void *src, int n) {
  volatile uchar *d = dst;
  const uchar *s = src;

  if (n <= 0 || d == s) return dst;
  if (d < s) {
    for (int i = 0; i < n; i++) d[i] = s[i];
  } else {
    for (int i = n - 1; i >= 0; i--) d[i] = s[i];
  }
  return dst;
}

// memcpy may assume the areas do not overlap; memmove is correct either way.
void *memcpy(void *dst, const void *src, uint n) { return memmove(dst, src, n); }

int memcmp(const void *a, const void *b, uint n) {
  const uchar *p = a;
  const uchar *q = b;

  for (uint i = 0; i < n; i++)
    if (p[i] != q[i]) return p[i] - q[i];
  return 0;
}

// Decimal string to int: an optional '-' and then digits; stops at the first
// other character. No overflow checking.
int atoi(const char *s) {
  int sign = 1;
  int n = 0;

  if (*s == '-') {
    sign = -1;
    s++;
  }
  while (*s >= '0' && *s <= '9') n = n * 10 + (*s++ - '0');
  return sign * n;
}

// Read one line from fd 0 into buf: at most max-1 bytes, stopping after a
// newline or carriage return (which is kept) or at end of input, and always
// NUL-terminated. An empty result means end of input.
//
// It reads one byte per system call on purpose: a larger read could swallow
// bytes beyond the newline, and those belong to whoever reads fd 0 next
// (for example a command that the shell runs in the middle of a script).
char *gets(char *buf, int max) {
  int i = 0;

  while (i + 1 < max) {
    char c;
    if (read(0, &c, 1) != 1) break;
    buf[i++] = c;
    if (c == '\n' || c == '\r') break;
  }
  buf[i] = '\0';
  return buf;
}

// Like fstat, but by name. Opening read-only works for directories too.
int stat(const char *path, struct stat *st) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  int r = fstat(fd, st);
  close(fd);
  return r;
}
