// Kernel printf, the kernel log and panic.
// Mirrors xv6's printf.c.
//
// Everything printed also goes into a ring buffer, klog, so that GDB can show
// what the kernel said before a hang or panic even if the console is gone.
#include "printf.hh"
#include <cstdint>
#include "arch.hh"
#include "console.hh"
#include "proc.hh"
#include "spinlock.hh"
#include "syscall.hh"

namespace kernel {

volatile int panicked = 0;
volatile int panicking_hart = -1;

// The log ring: the last KLOG_SIZE characters printed since boot.
constexpr uint64_t KLOG_SIZE = 16384;
char klog[KLOG_SIZE];
uint64_t klog_len = 0; // characters ever written; klog[klog_len % KLOG_SIZE] is next

namespace {

// One printf at a time, so lines from different harts do not interleave.
constinit spinlock print_lock{"printf"};
bool locking = true; // off once panicking: the holder may be the panicking hart

void putc(int c) {
  klog[klog_len % KLOG_SIZE] = static_cast<char>(c);
  klog_len++;
  consputc(c);
}

void print_unsigned(uint64_t x, int base, int width, char pad) {
  static constexpr char digits[] = "0123456789abcdef";
  char buf[24];
  int i = 0;
  do {
    buf[i++] = digits[x % base];
    x /= base;
  } while (x != 0);
  while (i < width && i < static_cast<int>(sizeof buf)) buf[i++] = pad;
  while (--i >= 0) putc(buf[i]);
}

void print_signed(int64_t x, int width, char pad) {
  if (x < 0) {
    putc('-');
    print_unsigned(-static_cast<uint64_t>(x), 10, width > 0 ? width - 1 : 0, pad);
  } else {
    print_unsigned(static_cast<uint64_t>(x), 10, width, pad);
  }
}

void print_string(const char *s) {
  if (!s) s = "(null)";
  while (*s) putc(*s++);
}

// One conversion starting at fmt (just past '%'); returns the next format char.
// Takes the va_list by pointer so the caller's list advances too.
const char *print_one(const char *fmt, va_list *ap) {
  char pad = ' ';
  int width = 0;
  if (*fmt == '0') pad = '0';
  while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
  bool is_long = false;
  while (*fmt == 'l') {
    is_long = true;
    fmt++;
  }
  switch (*fmt) {
  case 'd': print_signed(is_long ? va_arg(*ap, int64_t) : va_arg(*ap, int), width, pad); break;
  case 'u': print_unsigned(is_long ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned), 10, width, pad); break;
  case 'x': print_unsigned(is_long ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned), 16, width, pad); break;
  case 'p':
    putc('0');
    putc('x');
    print_unsigned(reinterpret_cast<uint64_t>(va_arg(*ap, void *)), 16, 16, '0');
    break;
  case 's': print_string(va_arg(*ap, const char *)); break;
  case 'c': putc(va_arg(*ap, int)); break;
  case '%': putc('%'); break;
  case 0: return fmt;
  default: // unknown: print it as written
    putc('%');
    putc(*fmt);
  }
  return fmt + 1;
}

} // namespace

void vprintf(const char *fmt, va_list ap) {
  va_list args;
  va_copy(args, ap);
  while (*fmt) {
    if (*fmt != '%') {
      putc(*fmt++);
      continue;
    }
    fmt = print_one(fmt + 1, &args); // by pointer: each conversion consumes its argument
  }
  va_end(args);
}

void printf(const char *fmt, ...) {
  const bool lock = locking;
  if (lock) acquire(&print_lock);
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  if (lock) release(&print_lock);
}

// Walk the frame-pointer chain: with -fno-omit-frame-pointer each frame
// stores the caller's return address at fp-8 and the caller's fp at fp-16.
void print_backtrace(uint64_t fp, int depth, const char *before_each) {
  for (; depth > 0; depth--) {
    if (fp % 8 != 0 || !arch::is_kernel_ram(fp - 16)) break;
    uint64_t ra = reinterpret_cast<uint64_t *>(fp)[-1];
    if (ra == 0) break;
    printf("%s%p", before_each, reinterpret_cast<void *>(ra));
    fp = reinterpret_cast<uint64_t *>(fp)[-2];
  }
}

// The process this hart was running and the system call it was in: with
// them a user program that crashes the kernel can be found and rerun.
static void print_current() {
  const proc *p = mycpu()->proc;
  if (!p) {
    printf("  in the scheduler (no process)\n");
    return;
  }
  printf("  process %d (%s)", p->pid, p->name);
  if (p->syscall_nr >= 0) {
    const trapframe *tf = p->tf;
    printf(", in system call %ld %s(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)", p->syscall_nr,
           syscall_name(p->syscall_nr), tf->orig_a0, tf->a1, tf->a2, tf->a3, tf->a4, tf->a5);
  }
  printf("\n");
}

void panic(const char *msg, std::source_location where) {
  arch::intr_off();
  panicking_hart = arch::hartid();
  panicked = 1;
  locking = false;
  printf("\npanic on hart %d: %s\n  at %s:%u in %s\n", arch::hartid(), msg, where.file_name(),
         static_cast<unsigned>(where.line()), where.function_name());
  print_current();
  printf("backtrace (addr2line -e build/kernel/kernel ADDR, or `bt` in GDB):");
  print_backtrace(arch::frame_pointer(), 16, "\n  ");
  printf("\n");
  for (;;) arch::wait_for_interrupt();
}

} // namespace kernel
