// The in-guest test framework shared by the test programs (usertests,
// waittests, ...). Plain C.
//
//   PROG -l            list the tests, one name per line
//   PROG               run every test
//   PROG NAME...       run the named tests
//
// Each test runs in a child process of its own. For each test the parent
// prints exactly one line, which tools/test.py reads:
//   PROG: NAME: OK        or        PROG: NAME: FAILED: reason
// and at the end
//   PROG: N ok, M failed
// A test fails when its process exits with a non-zero status (fail() does
// that), is killed, or reports a reason. The reason travels back to the
// runner through a pipe that the test process (and every process it forks)
// inherits, so a failure found in a grandchild is reported in its own words.
//
// Every test cleans up after itself -- files, children, descriptors --
// because the harness checks that no physical page leaked over the whole
// run. Every loop is bounded, so a failing test reports instead of hanging.
// The user stack is a single page: keep large buffers static.
#pragma once
#include "kernel/uapi/types.h"

struct sysinfo;

struct test {
  const char *name;
  void (*fn)(void);
};

// main() of a test program: runs tests[0..n) as the command line asks.
int test_main(const char *prog, const struct test *tests, int n, int argc, char *argv[]);

// Report why the test failed and exit. Usable in any process a test forks.
void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define EXPECT(cond, ...)                                                                                    \
  do {                                                                                                       \
    if (!(cond)) fail(__VA_ARGS__);                                                                          \
  } while (0)

// a == b, as integers; the message shows the expression and both values.
// (A function rather than code in the macro keeps the programs small.)
void expect_eq(long a, long b, int line, const char *expr);
#define EXPECT_EQ(a, b) expect_eq((long)(a), (long)(b), __LINE__, #a)
// expr failed with -1 and errno e.
void expect_err(long r, int e, int line, const char *expr);
#define EXPECT_ERR(expr, e) expect_err((long)(expr), (e), __LINE__, #expr)
unsigned long ms_since(unsigned long t0); // milliseconds since time_ns() gave t0

int xfork(void);    // fork, or fail
int xwait(int pid); // wait for child pid; its exit status
void expect_child(int pid, int status, const char *what);
// waitpid for child pid, which a signal sig must have ended.
void expect_killed(int pid, int sig, const char *what);
// Reap n children pids[] in any order; each must exit with status[i] (or,
// if status is null, with st).
void reap_all(const int *pids, int n, const int *status, int st, const char *what);
// Wait, a tick at a time for up to 5 s, until process pid is asleep in a
// system call that a wakeup, kill or signal ends (procstate's
// PROC_SLEEPING); fail if it never is. For a test about waking a blocked
// process: kill it before it blocks, and it dies all the same, and the
// test passes without the wakeup it is about.
void wait_until_asleep(int pid, const char *what);
void xpipe(int *p);
// sigaction(sig) with this handler and sa_flags, or fail.
void xsigaction(int sig, void (*handler)(int), unsigned long flags);
int xopen(const char *path, int mode);
void xwrite(int fd, const void *p, int n); // the whole write, or fail
int readn(int fd, void *p, int max);       // read to EOF or max bytes
void xsysinfo(struct sysinfo *si);
uint64 freepages(void);
uint64 nprocs(void);
uint32 rnd(uint32 *state); // xorshift32; state != 0

// The `time` counter (10 MHz on QEMU virt), readable in user mode: lets a
// process wait or measure without a system call.
static inline uint64 rdtime(void) {
  uint64 t;
  asm volatile("rdtime %0" : "=r"(t));
  return t;
}
enum { TIMEBASE_HZ = 10000000 };
