// The console: line editing on input, and the `console` device file.
// Mirrors xv6's console.c.
//
// Input is cooked a line at a time. The UART interrupt hands each character
// to consoleintr(), which echoes it and edits the current line; a reader in
// consoleread() sleeps until a whole line (or ^D) is there.
//   ^H / DEL  erase a character      ^U  erase the line
//   ^D        end of file            ^P  print the process table
#include "console.hh"
#include <cstdint>
#include "dev/uart.hh"
#include "fs/file.hh"
#include "uapi/errno.h"
#include "signal.hh"
#include "uapi/poll.h"
#include "poll.hh"
#include "printf.hh"
#include "sched.hh"
#include "fs/sleeplock.hh"
#include "proc.hh"
#include "spinlock.hh"

namespace kernel {

namespace {

constexpr int ctrl(char c) { return c - '@'; }
constexpr int BACKSPACE = 0x100; // consputc: erase the last character on screen
constexpr int DEL = 0x7f;
constexpr uint32_t INPUT_SIZE = 128;

// The input ring. Guarded by lock. Indices only grow:
//   [r, w) complete lines ready for readers, [w, e) the line being edited.
struct console_input {
  spinlock lock{"cons"};
  char buf[INPUT_SIZE] = {};
  uint32_t r = 0;
  uint32_t w = 0;
  uint32_t e = 0;
};

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::cons);
// static keeps it private to this file all the same.
static constinit console_input cons;

namespace {

// One write() at a time reaches the UART, so that a line a program prints
// with one write is not interleaved character by character with another
// process's output. A sleep lock: uartputc may sleep while holding it.
constinit sleeplock cons_write_lock{"console write"};
constinit wait_queue_head cons_poll_wq{"console poll"}; // poll() callers

// Copies at most one line to dst. Returns the count, or -ERESTARTSYS if a
// signal (or kill) came before any input.
int consoleread(either_ptr dst, int n) {
  const int wanted = n;
  lock_guard g(cons.lock);
  while (n > 0) {
    while (cons.r == cons.w) {
      if (signal_pending(myproc())) return n < wanted ? wanted - n : -ERESTARTSYS;
      sleep(&cons.r, g);
    }
    char c = cons.buf[cons.r++ % INPUT_SIZE];
    if (c == ctrl('D')) {
      // End of file. If this read already has data, leave the ^D for the
      // next read, so that it returns 0.
      if (n < wanted) cons.r--;
      break;
    }
    if (either_copyout(dst, &c, 1) < 0) break;
    dst = dst + 1;
    n--;
    if (c == '\n') break;
  }
  return wanted - n;
}

int consolewrite(either_ptr src, int n) {
  char chunk[64];
  int done = 0;
  acquiresleep(&cons_write_lock);
  while (done < n) {
    int len = n - done < static_cast<int>(sizeof chunk) ? n - done : static_cast<int>(sizeof chunk);
    if (either_copyin(chunk, src + done, len) < 0) break;
    for (int i = 0; i < len; i++) uartputc(chunk[i]);
    done += len;
  }
  releasesleep(&cons_write_lock);
  return done > 0 || n == 0 ? done : -EFAULT;
}

uint32_t consolepoll(poll_table *pt) {
  poll_wait(&cons_poll_wq, pt);
  lock_guard g(cons.lock);
  return (cons.r != cons.w ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
}

void erase_last() {
  cons.e--;
  consputc(BACKSPACE);
}

} // namespace

void consputc(int c) {
  if (c == BACKSPACE) {
    uartputc_sync('\b'); // back up, overwrite with a space, back up again
    uartputc_sync(' ');
    uartputc_sync('\b');
  } else {
    uartputc_sync(c);
  }
}

void consoleintr(int c) {
  bool dump = false;
  {
    lock_guard g(cons.lock);
    if (c == ctrl('P')) {
      dump = true; // after releasing the lock: procdump prints the whole table, and printf's lock need not
                   // nest in ours
    } else if (c == ctrl('U')) {
      while (cons.e != cons.w && cons.buf[(cons.e - 1) % INPUT_SIZE] != '\n') erase_last();
    } else if (c == ctrl('H') || c == DEL) {
      if (cons.e != cons.w) erase_last();
    } else if (c != 0 && cons.e - cons.r < INPUT_SIZE) {
      if (c == '\r') c = '\n';
      consputc(c);
      cons.buf[cons.e++ % INPUT_SIZE] = static_cast<char>(c);
      if (c == '\n' || c == ctrl('D') || cons.e - cons.r == INPUT_SIZE) {
        cons.w = cons.e; // the line is complete: hand it to readers
        wakeup(&cons.r);
        wake_up_interruptible_poll(&cons_poll_wq, POLLIN | POLLRDNORM);
      }
    }
  }
  if (dump) procdump();
}

void consoleinit() {
  uartinit();
  devsw[CONSOLE].read = consoleread;
  devsw[CONSOLE].write = consolewrite;
  devsw[CONSOLE].poll = consolepoll;
}

} // namespace kernel
