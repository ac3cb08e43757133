// The in-guest test framework: the runner and the helpers every test
// program uses (see testlib.h for the protocol).
#include <stdarg.h>

#include "kernel/uapi/types.h"
#include "kernel/uapi/param.h"
#include "kernel/uapi/procstate.h"
#include "kernel/uapi/signal.h"
#include "kernel/uapi/sysinfo.h"
#include "user/lib/testlib.h"
#include "user/lib/user.h"

static int resultfd = -1; // the pipe to the runner, in test processes
static char reason[256];

void fail(const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  int n = vsnprintf(reason, sizeof reason - 1, fmt, ap);
  va_end(ap);
  for (int i = 0; i < n; i++)
    if (reason[i] == '\n') reason[i] = ' ';
  reason[n++] = '\n';
  write(resultfd >= 0 ? resultfd : 2, reason, n);
  exit(1);
}

void expect_eq(long a, long b, int line, const char *expr) {
  if (a != b) fail("line %d: %s gave %ld, expected %ld", line, expr, a, b);
}

void expect_err(long r, int e, int line, const char *expr) {
  int got = errno;
  if (r != -1 || got != e)
    fail("line %d: %s gave %ld (errno %d: %s), expected -1 with errno %d (%s)", line, expr, r, got,
         strerror(got), e, strerror(e));
}

unsigned long ms_since(unsigned long t0) { return (time_ns() - t0) / 1000000; }

// ---------------------------------------------------------------------------
// Helpers.

int xfork(void) {
  int pid = fork();
  if (pid < 0) fail("fork failed");
  return pid;
}

// Wait for the one child pid; return its exit status.
int xwait(int pid) {
  int st = 0x5a5a5a5a;
  int w = wait(&st);
  if (w != pid) fail("wait returned %d, expected child %d", w, pid);
  return st;
}

void expect_child(int pid, int status, const char *what) {
  int st = xwait(pid);
  if (st != status) fail("%s: child exited with status %d, expected %d", what, st, status);
}

void expect_killed(int pid, int sig, const char *what) {
  int st = 0;
  EXPECT(waitpid(pid, &st, 0) == pid, "%s: waitpid(%d) failed: %s", what, pid, strerror(errno));
  EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == sig, "%s: status 0x%x, expected death by signal %d", what, st,
         sig);
}

// Reap n children whose pids are in pids[] (in any order); each must exit
// with status[i] (or, if status is null, with st).
void reap_all(const int *pids, int n, const int *status, int st, const char *what) {
  static int seen[NPROC + 8];
  for (int i = 0; i < n; i++) seen[i] = 0;
  for (int k = 0; k < n; k++) {
    int s = 0x5a5a5a5a;
    int w = wait(&s);
    int j = 0;
    while (j < n && pids[j] != w) j++;
    if (j == n) fail("%s: wait returned %d, not one of the children", what, w);
    if (seen[j]) fail("%s: wait returned pid %d twice", what, w);
    seen[j] = 1;
    int want = status ? status[j] : st;
    if (s != want) fail("%s: child %d exited with status %d, expected %d", what, w, s, want);
  }
}

void wait_until_asleep(int pid, const char *what) {
  static const char *const names[] = {
      [PROC_NEW] = "being forked",
      [PROC_RUNNABLE] = "runnable",
      [PROC_RUNNING] = "running",
      [PROC_SLEEPING] = "asleep",
      [PROC_DISK_SLEEP] = "asleep uninterruptibly",
      [PROC_ZOMBIE] = "a zombie",
  };
  int st = 0;
  for (int i = 0; i < 500; i++) { // 5 s at 100 ticks a second
    st = procstate(pid);
    if (st == PROC_SLEEPING) return;
    if (st < 0 || st == PROC_ZOMBIE) break; // it will never block now
    sleep(1);
  }
  const char *now = st < 0 ? strerror(errno) : st <= PROC_ZOMBIE ? names[st] : "?";
  fail("%s (pid %d) never blocked in the kernel: %s", what, pid, now);
}

void xpipe(int *p) {
  if (pipe(p) < 0) fail("pipe failed");
}

void xsigaction(int sig, void (*handler)(int), unsigned long flags) {
  struct sigaction act = {handler, flags, 0, 0};
  if (sigaction(sig, &act, 0) < 0) fail("sigaction(%d) failed: %s", sig, strerror(errno));
}

int xopen(const char *path, int mode) {
  int fd = open(path, mode);
  if (fd < 0) fail("cannot open %s (mode 0x%x)", path, mode);
  return fd;
}

// A write that must be accepted whole.
void xwrite(int fd, const void *p, int n) {
  int r = write(fd, p, n);
  if (r != n) fail("write of %d bytes to fd %d returned %d", n, fd, r);
}

// Read until end of file or max bytes; returns the count.
int readn(int fd, void *p, int max) {
  int len = 0;
  while (len < max) {
    int r = read(fd, (char *)p + len, max - len);
    if (r < 0) fail("read from fd %d failed after %d bytes", fd, len);
    if (r == 0) break;
    len += r;
  }
  return len;
}

void xsysinfo(struct sysinfo *si) {
  if (sysinfo(si) < 0) fail("sysinfo failed");
}

uint64 freepages(void) {
  struct sysinfo si;
  xsysinfo(&si);
  return si.freepages;
}

uint64 nprocs(void) {
  struct sysinfo si;
  xsysinfo(&si);
  return si.nproc;
}

// xorshift32: deterministic pseudo-random numbers. The state must not be 0.
uint32 rnd(uint32 *s) {
  uint32 x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

// Run one test in a child; print its result line; return 1 if it passed.
static int run(const char *prog, const struct test *t) {
  static char msg[512];
  int p[2];

  if (pipe(p) < 0) {
    printf("%s: %s: FAILED: the runner cannot make a pipe\n", prog, t->name);
    return 0;
  }
  int pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    printf("%s: %s: FAILED: the runner cannot fork\n", prog, t->name);
    return 0;
  }
  if (pid == 0) {
    close(p[0]);
    resultfd = p[1];
    t->fn();
    exit(0);
  }
  close(p[1]);

  int st = 0, w = -1;
  for (int i = 0; i < 100; i++) {
    w = wait(&st);
    if (w == pid || w < 0) break;
  }
  // The reason, if any; end of file once the test and all it forked are gone.
  int len = 0;
  while (len < (int)sizeof msg - 1) {
    int r = read(p[0], msg + len, sizeof msg - 1 - len);
    if (r <= 0) break;
    len += r;
  }
  close(p[0]);
  msg[len] = '\0';
  for (int i = 0; i < len; i++) {
    if (msg[i] == '\n') {
      msg[i] = '\0';
      break;
    }
  }

  if (w != pid) {
    printf("%s: %s: FAILED: wait returned %d\n", prog, t->name, w);
    return 0;
  }
  if (st == 0 && len == 0) {
    printf("%s: %s: OK\n", prog, t->name);
    return 1;
  }
  if (len > 0)
    printf("%s: %s: FAILED: %s\n", prog, t->name, msg);
  else
    printf("%s: %s: FAILED: exit status %d\n", prog, t->name, st);
  return 0;
}

int test_main(const char *prog, const struct test *tests, int n, int argc, char *argv[]) {
  if (argc == 2 && strcmp(argv[1], "-l") == 0) {
    for (int i = 0; i < n; i++) printf("%s\n", tests[i].name);
    return 0;
  }

  int ok = 0, failed = 0;
  for (int a = 1; a < argc || (argc < 2 && a <= n); a++) {
    int i = a - 1; // no names given: every test in order
    if (argc >= 2) {
      i = 0;
      while (i < n && strcmp(tests[i].name, argv[a]) != 0) i++;
      if (i == n) {
        printf("%s: %s: FAILED: no such test\n", prog, argv[a]);
        failed++;
        continue;
      }
    }
    if (run(prog, &tests[i]))
      ok++;
    else
      failed++;
  }
  printf("%s: %d ok, %d failed\n", prog, ok, failed);
  return failed ? 1 : 0;
}
