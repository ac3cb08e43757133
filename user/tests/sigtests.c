// sigtests: signals -- handlers, sigreturn, masks, sa_mask, SA_NODEFER,
// SA_RESETHAND, default actions, SIGKILL, pause, alarm, EINTR and
// SA_RESTART, SIGPIPE, waitpid -- run inside the guest. The runner is in
// testlib.h.
#include "kernel/uapi/types.h"
#include "kernel/uapi/errno.h"
#include "kernel/uapi/signal.h"
#include "kernel/uapi/syscall.h"
#include "user/lib/testlib.h"
#include "user/lib/user.h"

static volatile int caught;   // signals the handlers saw
static volatile int last_sig; // the last one

static void count_handler(int sig) {
  caught++;
  last_sig = sig;
}

// ---- a handler interrupts code that has a value in every register

// spin_with_regs(&flag): fills every register it may with a known value,
// spins until *flag becomes non-zero (a handler sets it), then checks that
// every register still holds its value. Returns 0, or the number of the
// first register that changed; -1 if *flag was set already when it first
// looked, so the handler may have run before the registers were filled.
int spin_with_regs(volatile int *flag);
asm(".text\n"
    ".global spin_with_regs\n"
    "spin_with_regs:\n"
    "  addi sp, sp, -128\n"
    "  sd a0, 120(sp)\n"
    "  .irp n, 1,3,4,8,9,18,19,20,21,22,23,24,25,26,27\n"
    "  sd x\\n, (\\n * 4)(sp)\n"
    "  .endr\n"
    "  .irp n, 1,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
    "  li x\\n, (0x5a5a0000 + 0x101 * \\n)\n"
    "  .endr\n"
    "  ld a0, 120(sp)\n"
    "  lw a0, 0(a0)\n"
    "  bnez a0, 4f\n"
    "1:\n"
    "  ld a0, 120(sp)\n"
    "  lw a0, 0(a0)\n"
    "  beqz a0, 1b\n"
    "  .irp n, 1,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
    "  li a0, (0x5a5a0000 + 0x101 * \\n)\n"
    "  beq x\\n, a0, 2f\n"
    "  li a0, \\n\n"
    "  j 3f\n"
    "2:\n"
    "  .endr\n"
    "  li a0, 0\n"
    "  j 3f\n"
    "4:\n"
    "  li a0, -1\n"
    "3:\n"
    "  .irp n, 1,3,4,8,9,18,19,20,21,22,23,24,25,26,27\n"
    "  ld x\\n, (\\n * 4)(sp)\n"
    "  .endr\n"
    "  addi sp, sp, 128\n"
    "  ret\n");

static volatile int spin_flag;

static void flag_handler(int sig) {
  // Clobber what a C function may: the kernel must restore it all.
  volatile long x = sig * 12345;
  for (int i = 0; i < 100; i++) x = x * 31 + i;
  spin_flag = 1;
}

// The handler runs, and the interrupted code finds every register intact.
// The signal must interrupt the spinning loop, which no system call can
// tell another process it has reached: a signal that comes too early (a
// slow host) is seen by spin_with_regs, and the round is run again.
static void test_handler(void) {
  xsigaction(SIGUSR1, count_handler, 0);
  EXPECT_EQ(raise(SIGUSR1), 0);
  EXPECT_EQ(caught, 1);
  EXPECT_EQ(last_sig, SIGUSR1);

  xsigaction(SIGUSR2, flag_handler, 0);
  int parent = getpid();
  int bad = -1;
  for (int round = 0; round < 5 && bad == -1; round++) {
    spin_flag = 0;
    int pid = xfork();
    if (pid == 0) {
      sleep(3); // let the parent get into its loop
      exit(kill(parent, SIGUSR2) == 0 ? 0 : 1);
    }
    bad = spin_with_regs(&spin_flag);
    expect_child(pid, 0, "the sender");
  }
  EXPECT(bad != -1, "5 times the signal came before spin_with_regs was spinning");
  EXPECT(bad == 0, "register x%d changed across the signal handler", bad);
}

// SIGKILL can be neither caught, ignored nor blocked.
static void test_sigkill(void) {
  struct sigaction act = {count_handler, 0, 0, 0};
  EXPECT_EQ(sigaction(SIGKILL, &act, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  act.sa_handler = SIG_IGN;
  EXPECT_EQ(sigaction(SIGKILL, &act, 0), -1);
  sigset_t all = ~0ul, now = 0;
  EXPECT_EQ(sigprocmask(SIG_SETMASK, &all, 0), 0);
  EXPECT_EQ(sigprocmask(SIG_SETMASK, 0, &now), 0);
  EXPECT((now & (1ul << (SIGKILL - 1))) == 0, "SIGKILL is blocked");
  sigset_t none = 0;
  EXPECT_EQ(sigprocmask(SIG_SETMASK, &none, 0), 0);

  int pid = xfork();
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &all, 0);
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_IGN);
    for (;;) pause();
  }
  wait_until_asleep(pid, "a child that blocks and ignores every signal"); // in pause(), all blocked
  EXPECT_EQ(kill(pid, SIGKILL), 0);
  expect_killed(pid, SIGKILL, "a child that blocks and ignores every signal");
}

// pause() returns -1/EINTR once a handler has run.
static void test_pause(void) {
  xsigaction(SIGUSR1, count_handler, 0);
  int parent = getpid();
  int pid = xfork();
  if (pid == 0) {
    wait_until_asleep(parent, "the parent in pause()");
    exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
  }
  EXPECT_EQ(pause(), -1);
  EXPECT_EQ(errno, EINTR);
  EXPECT_EQ(caught, 1);
  expect_child(pid, 0, "the sender");
}

// alarm() fires SIGALRM after about the right time; a new alarm replaces
// the old one, alarm(0) cancels, and each reports what was left.
static void test_alarm(void) {
  xsigaction(SIGALRM, count_handler, 0);
  unsigned long t0 = time_ns();
  EXPECT_EQ(alarm(1), 0);
  EXPECT_EQ(pause(), -1);
  unsigned long ms = ms_since(t0);
  EXPECT_EQ(last_sig, SIGALRM);
  EXPECT(ms >= 990 && ms < 2000, "alarm(1) fired after %lu ms", ms);
  EXPECT_EQ(alarm(5), 0);
  int left = alarm(1);
  EXPECT(left >= 4 && left <= 5, "alarm(1) reported %d seconds left of alarm(5)", left);
  EXPECT_EQ(alarm(0), 1); // rounded up: a pending alarm never has 0 left
  sleep(150);             // 1.5 s at HZ 100: past when the cancelled alarm(1) was due
  EXPECT_EQ(caught, 1);
}

// A read blocked on an empty pipe: EINTR without SA_RESTART, restarted
// (and so returning the data sent after the signal) with it.
static void read_interrupted(unsigned long flags) {
  int p[2];
  xpipe(p);
  xsigaction(SIGUSR1, count_handler, flags);
  int parent = getpid();
  int pid = xfork();
  if (pid == 0) {
    close(p[0]);
    wait_until_asleep(parent, "the reader");
    kill(parent, SIGUSR1);
    // Asleep again: in the restarted read, or (EINTR) waiting for this child.
    wait_until_asleep(parent, "the reader after the signal");
    xwrite(p[1], "late", 4);
    exit(0);
  }
  close(p[1]);
  char b[8];
  int n = read(p[0], b, sizeof b);
  if (flags & SA_RESTART) {
    EXPECT(n == 4 && b[0] == 'l', "restarted read returned %d", n);
  } else {
    EXPECT(n == -1 && errno == EINTR, "interrupted read returned %d (errno %d)", n, errno);
  }
  EXPECT_EQ(caught, 1);
  expect_child(pid, 0, "the writer"); // before closing: its late write needs a reader
  close(p[0]);
}

static void test_eintr(void) { read_interrupted(0); }
static void test_restart(void) { read_interrupted(SA_RESTART); }

// A blocked signal stays pending and is delivered as soon as it is unblocked.
static void test_blocked(void) {
  xsigaction(SIGUSR2, count_handler, 0);
  sigset_t set = 1ul << (SIGUSR2 - 1), old;
  EXPECT_EQ(sigprocmask(SIG_BLOCK, &set, &old), 0);
  EXPECT_EQ(raise(SIGUSR2), 0);
  sleep(2);
  EXPECT_EQ(caught, 0);
  EXPECT_EQ(sigprocmask(SIG_UNBLOCK, &set, 0), 0);
  EXPECT_EQ(caught, 1); // delivered on the way back from sigprocmask
  // The mask comes back after the handler (samask checks it during).
  EXPECT_EQ(sigprocmask(SIG_SETMASK, 0, &old), 0);
  EXPECT_EQ(old & set, 0);
}

static volatile int depth, max_depth;  // handlers running now, and at most
static volatile sigset_t handler_mask; // the blocked set the first handler saw

// Notes the blocked set it runs with, and raises its own signal once from
// inside: nested delivery shows whether that signal is really blocked.
static void mask_handler(int sig) {
  sigset_t now = 0;
  depth++;
  if (depth > max_depth) max_depth = depth;
  if (++caught == 1) {
    sigprocmask(SIG_SETMASK, 0, &now);
    handler_mask = now;
    raise(sig);
  }
  depth--;
}

// Raises SIGUSR1, handled by mask_handler with sa_mask SIGUSR2|SIGALRM and
// these flags, while SIGTERM is blocked; checks the mask the handler saw
// (SIGTERM kept, plus sa_mask, plus SIGUSR1 itself unless SA_NODEFER), how
// deep its own raise nested, and that the old mask is back after.
static void raise_with_mask(unsigned long flags) {
  const sigset_t usr1 = 1ul << (SIGUSR1 - 1), term = 1ul << (SIGTERM - 1);
  const sigset_t sa_mask = (1ul << (SIGUSR2 - 1)) | (1ul << (SIGALRM - 1));
  sigset_t now = 0;
  caught = depth = max_depth = 0;
  handler_mask = 0;
  struct sigaction act = {mask_handler, flags, 0, sa_mask};
  EXPECT_EQ(sigaction(SIGUSR1, &act, 0), 0);
  EXPECT_EQ(sigprocmask(SIG_SETMASK, &term, 0), 0);
  EXPECT_EQ(raise(SIGUSR1), 0);
  sigset_t want = term | sa_mask | (flags & SA_NODEFER ? 0 : usr1);
  EXPECT(handler_mask == want, "flags 0x%lx: the handler ran with mask 0x%lx, expected 0x%lx", flags,
         (unsigned long)handler_mask, want);
  // Blocked, the second SIGUSR1 waits for the first handler's sigreturn.
  EXPECT(caught == 2 && max_depth == (flags & SA_NODEFER ? 2 : 1),
         "flags 0x%lx: %d handlers ran, nested %d deep", flags, caught, max_depth);
  EXPECT_EQ(sigprocmask(SIG_SETMASK, 0, &now), 0);
  EXPECT(now == term, "flags 0x%lx: mask 0x%lx after the handler, expected 0x%lx", flags, now, term);
  sigset_t none = 0;
  EXPECT_EQ(sigprocmask(SIG_SETMASK, &none, 0), 0);
}

// While a handler runs, its sa_mask and (without SA_NODEFER) its own signal
// are blocked too; sigreturn puts the old mask back.
static void test_samask(void) {
  raise_with_mask(0);
  raise_with_mask(SA_NODEFER);
}

// SA_RESETHAND: the handler runs once, then the default action is back.
static void test_resethand(void) {
  int pid = xfork();
  if (pid == 0) {
    xsigaction(SIGUSR1, count_handler, SA_RESETHAND);
    raise(SIGUSR1);
    EXPECT_EQ(caught, 1);
    raise(SIGUSR1); // SIG_DFL now: this one kills
    exit(2);
  }
  expect_killed(pid, SIGUSR1, "a child that raised SIGUSR1 twice under SA_RESETHAND");
}

// Default actions: SIGPIPE and SIGTERM end the process, SIGCHLD does not;
// SIG_IGN ignores.
static void test_defaults(void) {
  int p[2];
  xpipe(p);
  close(p[0]); // before the fork: the child's write must find no reader at all
  int pid = xfork();
  if (pid == 0) {
    write(p[1], "x", 1); // SIGPIPE
    exit(7);
  }
  close(p[1]);
  expect_killed(pid, SIGPIPE, "the writer");

  pid = xfork();
  if (pid == 0) {
    raise(SIGCHLD); // ignored by default
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    raise(SIGTERM);
    exit(8);
  }
  expect_killed(pid, SIGTERM, "a child that raised SIGTERM");

  pid = xfork();
  if (pid == 0) exit(42);
  int st;
  EXPECT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 42, "status 0x%x, expected exit 42", st);
}

// waitpid: a given child, WNOHANG, ECHILD.
static void test_waitpid(void) {
  int a = xfork();
  if (a == 0) {
    sleep(20);
    exit(1);
  }
  int b = xfork();
  if (b == 0) exit(2);
  int st = 0;
  EXPECT_EQ(waitpid(a, &st, WNOHANG), 0);
  EXPECT_EQ(waitpid(b, &st, 0), b);
  EXPECT_EQ(WEXITSTATUS(st), 2);
  EXPECT_EQ(waitpid(a, &st, 0), a);
  EXPECT_EQ(WEXITSTATUS(st), 1);
  EXPECT_EQ(waitpid(-1, &st, 0), -1);
  EXPECT_EQ(errno, ECHILD);
}

// Bad input fails with the right errno, and the kernel lives.
static void test_badargs(void) {
  EXPECT_EQ(kill(getpid(), 99), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(kill(getpid(), -1), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(kill(999999, SIGUSR1), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(kill(getpid(), 0), 0); // signal 0: the process exists
  EXPECT_EQ(rt_sigaction(SIGUSR1, (struct sigaction *)0x7ffff000, 0), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(rt_sigaction(0, 0, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(rt_sigaction(NSIG, 0, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  sigset_t set = 0;
  EXPECT_EQ(sigprocmask(7, &set, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(sigprocmask(SIG_BLOCK, (sigset_t *)0x80000000, 0), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(waitpid(-1, (int *)0x80000000, 0), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_EQ(rt_sigaction(SIGUSR1, 0, (struct sigaction *)0x80000000), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(sigprocmask(SIG_BLOCK, 0, (sigset_t *)0x7ffff000), -1);
  EXPECT_EQ(errno, EFAULT);

  // A bad status address fails waitpid and leaves the zombie for a retry.
  int zombie = xfork();
  if (zombie == 0) exit(3);
  EXPECT_EQ(waitpid(zombie, (int *)0x7ffff000, 0), -1);
  EXPECT_EQ(errno, EFAULT);
  int zst;
  EXPECT_EQ(waitpid(zombie, &zst, 0), zombie);
  EXPECT(WIFEXITED(zst) && WEXITSTATUS(zst) == 3, "status 0x%x after the failed waitpid", zst);

  // A handler at a bad address: delivering the signal faults, and only the
  // process dies of it.
  int pid = xfork();
  if (pid == 0) {
    xsigaction(SIGUSR1, (void (*)(int))0x7ffff000, 0);
    raise(SIGUSR1);
    exit(9);
  }
  expect_killed(pid, SIGSEGV, "a child whose handler is at an unmapped address");
}

// The word that ends a signal frame on the user stack (kernel/signal.cc:
// the saved registers, the blocked set, then this).
#define SIGFRAME_MAGIC 0x5349474652414d45ul

static volatile int frame_found;

// Finds its own signal frame a little above its locals and asks for every
// signal to be blocked once it returns.
static void block_all_handler(int sig) {
  volatile uint64 here = sig;
  volatile uint64 *w = &here;
  for (int i = 0; i < 128; i++, w++) {
    if (w[0] == SIGFRAME_MAGIC) {
      w[-1] = ~0ul;
      frame_found = 1;
      return;
    }
  }
}

static void exit_eleven(void) { exit(11); }

// In a child: rt_sigreturn from a frame made up here, whose registers
// would resume at exit_eleven on a stack of its own; magic as given.
static int sigreturn_made_up(uint64 magic) {
  static uint64 stack[256] __attribute__((aligned(16)));
  static uint64 frame[36]; // trapframe (34 registers), blocked, magic
  int pid = xfork();
  if (pid == 0) {
    frame[1] = (uint64)&stack[256];  // sp
    frame[31] = (uint64)exit_eleven; // epc
    frame[35] = magic;
    register long a7 asm("a7") = SYS_rt_sigreturn;
    register uint64 sp asm("t0") = (uint64)frame;
    asm volatile("mv sp, t0\n ecall" : : "r"(a7), "r"(sp) : "memory");
    exit(10); // not reached
  }
  int st;
  EXPECT_EQ(waitpid(pid, &st, 0), pid);
  return st;
}

// rt_sigreturn checks what it is given: a frame without the magic number
// kills the caller (SIGSEGV) -- the same frame with it resumes where it
// says -- and a saved mask cannot block SIGKILL or SIGSTOP.
static void test_sigreturn(void) {
  int st = sigreturn_made_up(SIGFRAME_MAGIC);
  EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 11,
         "rt_sigreturn from a made-up frame: status 0x%x, expected exit 11", st);
  st = sigreturn_made_up(0);
  EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
         "rt_sigreturn from a frame without the magic number: status 0x%x, expected SIGSEGV", st);

  xsigaction(SIGUSR1, block_all_handler, 0);
  EXPECT_EQ(raise(SIGUSR1), 0);
  EXPECT(frame_found, "the handler found no signal frame above it");
  sigset_t now = 0, none = 0;
  EXPECT_EQ(sigprocmask(SIG_SETMASK, 0, &now), 0);
  sigset_t unblockable = (1ul << (SIGKILL - 1)) | (1ul << (SIGSTOP - 1));
  EXPECT(now == ~unblockable, "a saved mask of every signal came back as 0x%lx", now);
  EXPECT_EQ(sigprocmask(SIG_SETMASK, &none, 0), 0);
}

// init survives every signal a process can send it: its exit would panic
// the kernel. (Any program could do that with `kill 1`.)
static void test_init(void) {
  static const int sigs[] = {SIGTERM, SIGUSR1, SIGSEGV, SIGALRM, SIGIO, SIGKILL};
  for (int i = 0; i < sizeof sigs / sizeof sigs[0]; i++) EXPECT_EQ(kill(1, sigs[i]), 0);
  EXPECT_EQ(kill(1), 0); // xv6's kill: SIGKILL
  sleep(5);              // were init dying, the kernel would panic meanwhile
  EXPECT_EQ(kill(1, 0), 0);
  // And init still reaps orphans: a grandchild whose parent exits first.
  int pid = xfork();
  if (pid == 0) {
    if (fork() == 0) {
      sleep(5);
      exit(0);
    }
    exit(0);
  }
  expect_child(pid, 0, "the orphan's parent");
  uint64 n0 = nprocs();
  for (int i = 0; i < 100 && nprocs() >= n0; i++) sleep(2);
  EXPECT(nprocs() < n0, "the orphan was not reaped: %lu processes", nprocs());
}

static const struct test tests[] = {
    {"handler", test_handler}, {"sigkill", test_sigkill},     {"pause", test_pause},
    {"alarm", test_alarm},     {"eintr", test_eintr},         {"restart", test_restart},
    {"blocked", test_blocked}, {"defaults", test_defaults},   {"waitpid", test_waitpid},
    {"badargs", test_badargs}, {"init", test_init},           {"sigreturn", test_sigreturn},
    {"samask", test_samask},   {"resethand", test_resethand},
};

int main(int argc, char *argv[]) {
  exit(test_main("sigtests", tests, sizeof tests / sizeof tests[0], argc, argv));
}
