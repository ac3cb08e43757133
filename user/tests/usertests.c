// usertests: tests of the kernel core's system calls -- processes, memory,
// the file system, pipes -- run inside the guest. The runner and the
// protocol the harness reads are in testlib.h.
#include <stdarg.h>

#include "kernel/uapi/types.h"
#include "kernel/uapi/stat.h"
#include "kernel/uapi/fcntl.h"
#include "kernel/uapi/fs.h"
#include "kernel/uapi/param.h"
#include "kernel/uapi/sysinfo.h"
#include "kernel/uapi/errno.h"
#include "kernel/uapi/signal.h"
#include "user/lib/testlib.h"
#include "user/lib/user.h"

enum {
  PGSIZE = 4096,
  PIPESIZE = 65536, // a pipe's buffer
  PIPE_BUF = 4096,  // writes up to this size are atomic
};

// Scratch buffers. Each test runs in its own process, so tests share them.
static char buf[8192 + 64] __attribute__((aligned(16)));
static char buf2[8192 + 64] __attribute__((aligned(16)));

// Helpers are kept out of line: see expect_eq.
#define NOINLINE __attribute__((noinline))

// The page below the stack: mapped, but not accessible to user code.
static NOINLINE uint64 stack_guard(void) {
  volatile char c = 0;
  return ((uint64)&c & ~(uint64)(PGSIZE - 1)) - PGSIZE;
}

// Grow the heap to a page boundary and by one more page; return the new
// break, the first address of an unmapped page.
static NOINLINE char *heap_end_page(void) {
  uint64 a = (uint64)sbrk(0);
  if (a % PGSIZE != 0 && sbrk(PGSIZE - a % PGSIZE) == (char *)-1) fail("sbrk to align the break failed");
  if (sbrk(PGSIZE) == (char *)-1) fail("sbrk(%d) failed", PGSIZE);
  return sbrk(0);
}

// Does the directory entry hold name (at most DIRSIZ characters)?
static NOINLINE int dirent_is(const struct dirent *de, const char *name) {
  uint n = strlen(name);
  if (n > DIRSIZ) return 0;
  return memcmp(de->name, name, n) == 0 && (n == DIRSIZ || de->name[n] == '\0');
}

// ---------------------------------------------------------------------------
// fork: fork and wait.

static void test_fork(void) {
  int st;

  EXPECT_EQ(wait(&st), -1);
  EXPECT_EQ(wait(0), -1);

  // One child at a time, each with its own status.
  for (int i = 0; i < 50; i++) {
    int pid = xfork();
    if (pid == 0) exit(i * 3 + 1);
    int s = xwait(pid);
    if (s != i * 3 + 1) fail("child %d exited with %d, expected %d", i, s, i * 3 + 1);
  }

  // Twenty at once: wait returns each exactly once, with its status.
  int pids[20], status[20];
  for (int i = 0; i < 20; i++) {
    status[i] = 200 + i;
    pids[i] = xfork();
    if (pids[i] == 0) exit(200 + i);
  }
  reap_all(pids, 20, status, 0, "20 children");
  EXPECT_EQ(wait(&st), -1);

  // Fill the process table. The children wait for end of file on a pipe
  // whose write end only this process holds, then exit.
  int p[2];
  xpipe(p);
  static int kids[NPROC + 1];
  int n = 0, full = 0;
  for (int i = 0; i < NPROC + 1; i++) {
    int pid = fork();
    if (pid < 0) {
      full = 1;
      break;
    }
    if (pid == 0) {
      close(p[1]);
      char c;
      int r = read(p[0], &c, 1);
      exit(r == 0 ? 0 : 3);
    }
    kids[n++] = pid;
  }
  struct sysinfo si;
  xsysinfo(&si);
  close(p[1]);
  close(p[0]);
  reap_all(kids, n, 0, 0, "full table");
  EXPECT_EQ(wait(0), -1);
  EXPECT(full, "fork never failed: %d children", n);
  EXPECT(si.nproc == NPROC, "fork failed with %lu processes in use, expected %d", si.nproc, NPROC);

  // The slots are free again.
  int pid = xfork();
  if (pid == 0) exit(7);
  expect_child(pid, 7, "fork after a full table");
}

// ---------------------------------------------------------------------------
// exec.

static char *argvbuf[MAXARG + 8];
static char words[MAXARG + 8][8];
static char bigarg[3][2100];
static char outb[4096];

// Run argv in a child with its standard output on a pipe; return what it
// printed (NUL-terminated in out). The child must exit with status 0.
static NOINLINE int capture(char **argv, char *out, int max) {
  int p[2];
  xpipe(p);
  int pid = xfork();
  if (pid == 0) {
    close(1);
    if (dup(p[1]) != 1) fail("dup did not return fd 1");
    close(p[0]);
    close(p[1]);
    exec(argv[0], argv);
    fail("exec %s failed", argv[0]);
  }
  close(p[1]);
  int n = readn(p[0], out, max - 1);
  close(p[0]);
  out[n] = '\0';
  expect_child(pid, 0, argv[0]);
  return n;
}

// Write the first n bytes of file from into a new file to.
static NOINLINE void copy_prefix(const char *from, const char *to, int n) {
  int fd = xopen(from, O_RDONLY);
  int got = readn(fd, buf, n);
  close(fd);
  EXPECT(got == n, "%s has only %d bytes", from, got);
  fd = xopen(to, O_CREATE | O_WRONLY | O_TRUNC);
  xwrite(fd, buf, n);
  close(fd);
}

static void test_exec(void) {
  // Arguments arrive exactly.
  char *a1[] = {"/echo", "hello", "exec", "world", 0};
  capture(a1, outb, sizeof outb);
  EXPECT(strcmp(outb, "hello exec world\n") == 0, "echo printed \"%s\"", outb);

  char *a2[] = {"/echo", "", "x", 0};
  capture(a2, outb, sizeof outb);
  EXPECT(strcmp(outb, " x\n") == 0, "echo with an empty argument printed \"%s\"", outb);

  // The most arguments exec takes: MAXARG entries including the null.
  argvbuf[0] = "/echo";
  char *want = buf2;
  int wl = 0;
  for (int i = 1; i < MAXARG - 1; i++) {
    snprintf(words[i], sizeof words[i], "w%d", i);
    argvbuf[i] = words[i];
    wl += snprintf(want + wl, 64, "%s%c", words[i], i + 1 < MAXARG - 1 ? ' ' : '\n');
  }
  argvbuf[MAXARG - 1] = 0;
  capture(argvbuf, outb, sizeof outb);
  EXPECT(strcmp(outb, want) == 0, "echo with %d arguments printed \"%s\"", MAXARG - 1, outb);

  // A long argument.
  memset(bigarg[0], 'q', 1500);
  bigarg[0][1500] = '\0';
  char *a3[] = {"/echo", bigarg[0], 0};
  int n = capture(a3, outb, sizeof outb);
  EXPECT(n == 1501 && outb[1499] == 'q' && outb[1500] == '\n',
         "echo of a 1500-byte argument printed %d bytes", n);

  // Files that are not programs.
  unlink("ut_exec_text");
  unlink("ut_exec_empty");
  unlink("ut_exec_trunc1");
  unlink("ut_exec_trunc2");
  int fd = xopen("ut_exec_text", O_CREATE | O_WRONLY);
  xwrite(fd, "#!/bin/sh\necho hi\n", 18);
  close(fd);
  close(xopen("ut_exec_empty", O_CREATE | O_WRONLY));
  copy_prefix("/echo", "ut_exec_trunc1", 100);  // the ELF header, cut short
  copy_prefix("/echo", "ut_exec_trunc2", 3000); // headers, but not the code

  // Failing execs return -1 to a caller that carries on, leaking nothing.
  // In a child: if one of them wrongly succeeded, the child would become
  // echo and exit with 0 instead of 77. Its output goes nowhere.
  int pid = xfork();
  if (pid == 0) {
    close(1);
    uint64 before = freepages();
    char *av[] = {"x", 0};
    EXPECT_EQ(exec("/ut-no-such-program", av), -1);
    EXPECT_EQ(exec("ut_no_such_dir/echo", av), -1);
    EXPECT_EQ(exec("/", av), -1);
    EXPECT_EQ(exec("ut_exec_text", av), -1);
    EXPECT_EQ(exec("ut_exec_empty", av), -1);
    EXPECT_EQ(exec("ut_exec_trunc1", av), -1);
    EXPECT_EQ(exec("ut_exec_trunc2", av), -1);

    // Too many arguments: MAXARG+1 of them.
    for (int i = 0; i <= MAXARG; i++) argvbuf[i] = "arg";
    argvbuf[MAXARG + 1] = 0;
    EXPECT_EQ(exec("/echo", argvbuf), -1);
    // Exactly MAXARG arguments leave no room for the null.
    argvbuf[MAXARG] = 0;
    EXPECT_EQ(exec("/echo", argvbuf), -1);

    // Arguments too big for the one-page stack.
    for (int i = 0; i < 3; i++) {
      memset(bigarg[i], 'a' + i, 2000);
      bigarg[i][2000] = '\0';
    }
    char *a4[] = {"/echo", bigarg[0], bigarg[1], bigarg[2], 0};
    EXPECT_EQ(exec("/echo", a4), -1);

    uint64 after = freepages();
    EXPECT(after == before, "failed execs lost %ld pages", (long)before - (long)after);
    exit(77);
  }
  expect_child(pid, 77, "failing execs");

  EXPECT_EQ(unlink("ut_exec_text"), 0);
  EXPECT_EQ(unlink("ut_exec_empty"), 0);
  EXPECT_EQ(unlink("ut_exec_trunc1"), 0);
  EXPECT_EQ(unlink("ut_exec_trunc2"), 0);
}

// ---------------------------------------------------------------------------
// exitwait: exit statuses, and orphans.

// Wait (boundedly) until no more than base processes exist.
static NOINLINE void wait_nproc(uint64 base, const char *what) {
  uint64 n = 0;
  for (int i = 0; i < 150; i++) {
    n = nprocs();
    if (n <= base) return;
    sleep(2);
  }
  fail("%s: %lu processes remain, expected %lu", what, n, base);
}

static void test_exitwait(void) {
  static const int statuses[] = {
      0,     1,       2,  42, 127,  128,  255,  256,        65535,
      65536, 1000000, -1, -2, -128, -255, -256, 0x7fffffff, (int)0x80000000,
  };
  enum { NS = sizeof statuses / sizeof statuses[0] };
  uint64 base = nprocs();

  for (int i = 0; i < NS; i++) {
    int pid = xfork();
    if (pid == 0) exit(statuses[i]);
    int st = xwait(pid);
    if (st != statuses[i]) fail("exit(%d) reached wait as %d", statuses[i], st);
  }

  int pids[NS];
  for (int i = 0; i < NS; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) exit(statuses[i]);
  }
  reap_all(pids, NS, statuses, 0, "concurrent exits");

  // A null status pointer is allowed.
  int pid = xfork();
  if (pid == 0) exit(9);
  EXPECT_EQ(wait(0), pid);
  EXPECT_EQ(wait(0), -1);

  // An orphan: its parent exits first, then it writes to a pipe and exits;
  // init reaps it.
  int p[2];
  xpipe(p);
  pid = xfork();
  if (pid == 0) {
    close(p[0]);
    int g = fork();
    if (g < 0) fail("fork of the grandchild failed");
    if (g == 0) {
      sleep(10); // give its parent time to exit
      xwrite(p[1], "orphan ok\n", 10);
      exit(0);
    }
    exit(0);
  }
  close(p[1]);
  expect_child(pid, 0, "the orphan's parent");
  int n = readn(p[0], buf, 100);
  close(p[0]);
  buf[n] = '\0';
  EXPECT(strcmp(buf, "orphan ok\n") == 0, "the orphan wrote \"%s\"", buf);

  // A child that is already a zombie when its parent exits.
  pid = xfork();
  if (pid == 0) {
    int g = fork();
    if (g < 0) fail("fork of the grandchild failed");
    if (g == 0) exit(3);
    sleep(5);
    exit(0);
  }
  expect_child(pid, 0, "the zombie's parent");
  EXPECT_EQ(wait(0), -1);

  // init reaps both: the number of processes goes back to what it was.
  wait_nproc(base, "orphans");
}

// ---------------------------------------------------------------------------
// kill.

// Spin in user mode, without system calls, for at most 10 seconds.
static void spin(int fd) {
  uint64 t0 = rdtime();
  write(fd, "s", 1); // after rdtime: it works in user mode
  while (rdtime() - t0 < 10ul * TIMEBASE_HZ)
    ;
  exit(0);
}

static void test_kill(void) {
  enum { NSPIN = 3 };
  int p[2];
  xpipe(p);
  int pids[NSPIN];
  for (int i = 0; i < NSPIN; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) {
      close(p[0]);
      spin(p[1]);
    }
  }
  close(p[1]);
  int got = 0;
  while (got < NSPIN) {
    int r = read(p[0], buf, NSPIN - got);
    if (r <= 0) break;
    got += r;
  }
  close(p[0]);
  EXPECT(got == NSPIN, "only %d of %d spinning children started", got, NSPIN);
  sleep(3); // they are in user mode, running or waiting for a hart

  int t0 = uptime();
  for (int i = 0; i < NSPIN; i++) EXPECT_EQ(kill(pids[i]), 0);
  reap_all(pids, NSPIN, 0, -1, "killed spinners");
  int dt = uptime() - t0;
  EXPECT(dt < 300, "killed spinners took %d ticks to die", dt);

  // Processes that do not exist.
  for (int i = 0; i < NSPIN; i++) EXPECT_EQ(kill(pids[i]), -1);
  EXPECT_EQ(kill(1000000), -1);
  EXPECT_EQ(kill(-5), -1);

  // A child asleep in sleep().
  int pid = xfork();
  if (pid == 0) {
    sleep(1000);
    exit(0);
  }
  wait_until_asleep(pid, "the sleeper");
  t0 = uptime();
  EXPECT_EQ(kill(pid), 0);
  expect_child(pid, -1, "killed sleeper");
  dt = uptime() - t0;
  EXPECT(dt < 300, "a killed sleeper took %d ticks to die", dt);

  // A process that kills itself dies on its way back to user mode.
  pid = xfork();
  if (pid == 0) {
    kill(getpid());
    exit(0);
  }
  expect_child(pid, -1, "self-kill");

  // A child blocked in wait() for a child of its own. The grandchild
  // outlives it as an orphan, which init reaps a second later.
  uint64 base = nprocs();
  pid = xfork();
  if (pid == 0) {
    int g = fork();
    if (g < 0) fail("fork of the grandchild failed");
    if (g == 0) {
      sleep(200);
      exit(0);
    }
    wait(0);
    exit(0); // reached only if wait returned: too late, or not killed
  }
  wait_until_asleep(pid, "the waiter");
  t0 = uptime();
  EXPECT_EQ(kill(pid), 0);
  expect_child(pid, -1, "killed waiter");
  dt = uptime() - t0;
  EXPECT(dt < 100, "a process killed in wait() took %d ticks to die", dt);
  wait_nproc(base, "orphan of the killed waiter");

  // Killing a zombie does not change its exit status.
  pid = xfork();
  if (pid == 0) exit(12);
  sleep(5);
  kill(pid);
  expect_child(pid, 12, "killed zombie");
}

// ---------------------------------------------------------------------------
// sbrk.

static void test_sbrk(void) {
  char *a = sbrk(0);
  if ((uint64)a % PGSIZE) {
    EXPECT(sbrk(PGSIZE - (uint64)a % PGSIZE) == a, "sbrk to align failed");
    a = sbrk(0);
  }
  uint64 fp0 = freepages();

  // Whole pages: zeroed, writable, readable.
  enum { NPG = 10 };
  char *p = sbrk(NPG * PGSIZE);
  EXPECT(p == a, "sbrk returned %p, expected the old break %p", p, a);
  EXPECT(sbrk(0) == a + NPG * PGSIZE, "break is %p, expected %p", sbrk(0), a + NPG * PGSIZE);
  uint64 *w = (uint64 *)p;
  for (int i = 0; i < NPG * PGSIZE / 8; i++)
    if (w[i] != 0) fail("new heap word %d is %lx, not zero", i, w[i]);
  for (int i = 0; i < NPG * PGSIZE / 8; i++) w[i] = i * 0x9e3779b97f4a7c15ul;
  for (int i = 0; i < NPG * PGSIZE / 8; i++)
    if (w[i] != i * 0x9e3779b97f4a7c15ul) fail("heap word %d changed", i);
  uint64 fp1 = freepages();
  EXPECT(fp1 + NPG <= fp0, "%d pages of heap took only %ld free pages", NPG, (long)fp0 - (long)fp1);

  // Odd sizes: each call returns the previous break and moves it by exactly n.
  static const int odd[] = {1, 7, 4095, 1, 5000, 123, 8191, 3};
  enum { NODD = sizeof odd / sizeof odd[0] };
  static char *oddp[NODD];
  char *brk = sbrk(0);
  for (int i = 0; i < NODD; i++) {
    char *r = sbrk(odd[i]);
    EXPECT(r == brk, "sbrk(%d) returned %p, expected %p", odd[i], r, brk);
    oddp[i] = r;
    for (int j = 0; j < odd[i]; j++)
      if (r[j] != 0) fail("byte %d of sbrk(%d) is %d, not zero", j, odd[i], r[j]);
    for (int j = 0; j < odd[i]; j++) r[j] = (char)(i * 37 + j + 1);
    brk += odd[i];
    EXPECT(sbrk(0) == brk, "after sbrk(%d) the break is %p, expected %p", odd[i], sbrk(0), brk);
  }
  for (int i = 0; i < NODD; i++)
    for (int j = 0; j < odd[i]; j++)
      if (oddp[i][j] != (char)(i * 37 + j + 1)) fail("byte %d of sbrk(%d) changed", j, odd[i]);

  // Shrink back to a: the pages are freed and no longer usable.
  char *top = sbrk(0);
  int len = top - a;
  EXPECT(sbrk(-len) == top, "sbrk(-%d) did not return the old break", len);
  EXPECT(sbrk(0) == a, "after shrinking the break is %p, expected %p", sbrk(0), a);
  uint64 fp2 = freepages();
  EXPECT(fp2 + 3 >= fp0, "shrinking the heap left %ld pages in use", (long)fp0 - (long)fp2);
  int pp[2];
  xpipe(pp);
  EXPECT_EQ(write(pp[1], a, 1), -1);
  EXPECT_EQ(write(pp[1], a + 5 * PGSIZE + 17, 1), -1);
  EXPECT_EQ(write(pp[1], top - 1, 1), -1);
  xwrite(pp[1], "z", 1);
  EXPECT_EQ(read(pp[0], a + 100, 1), -1);
  EXPECT_EQ(read(pp[0], buf, 1), 1);
  EXPECT(buf[0] == 'z', "the pipe gave '%c'", buf[0]);
  close(pp[0]);
  close(pp[1]);

  // Requests that cannot be met fail, change nothing, and the process lives.
  EXPECT_EQ((long)sbrk(0x7fffffff), -1);
  EXPECT(sbrk(0) == a, "a failed sbrk moved the break");
  int past = (int)(0x80000000ul - (uint64)a + PGSIZE);
  EXPECT_EQ((long)sbrk(past), -1);
  EXPECT(sbrk(0) == a, "a failed sbrk moved the break");
  uint64 fp3 = freepages();
  EXPECT_EQ((long)sbrk(0x40000000), -1); // 1 GiB: more than the machine has
  EXPECT(sbrk(0) == a, "a failed sbrk moved the break");
  uint64 fp4 = freepages();
  // Page-table pages may stay until exit; data pages must come back.
  EXPECT(fp4 + 100 >= fp3, "a failed 1 GiB sbrk kept %ld pages", (long)fp3 - (long)fp4);
  char *r = sbrk(-(int)((uint64)a + PGSIZE)); // below address 0
  EXPECT(r == (char *)-1 || r == a, "sbrk below 0 returned %p", r);
  EXPECT(sbrk(0) == a, "sbrk below 0 moved the break to %p", sbrk(0));

  // A big heap, copied by fork: the child sees the parent's data, and its
  // writes stay its own.
  enum { BIG = 8 << 20 };
  char *h = sbrk(BIG);
  EXPECT(h == a, "sbrk(%d) returned %p", BIG, h);
  for (uint64 i = 0; i < BIG / PGSIZE; i++) {
    uint64 *pg = (uint64 *)(h + i * PGSIZE);
    pg[0] = i ^ 0x5555;
    pg[511] = ~i;
  }
  int pid = xfork();
  if (pid == 0) {
    EXPECT(sbrk(0) == h + BIG, "the child's break is %p", sbrk(0));
    for (uint64 i = 0; i < BIG / PGSIZE; i++) {
      uint64 *pg = (uint64 *)(h + i * PGSIZE);
      if (pg[0] != (i ^ 0x5555) || pg[511] != ~i) fail("the child sees wrong data in heap page %lu", i);
      pg[0] = 0xdead;
      pg[511] = 0xbeef;
    }
    for (uint64 i = 0; i < BIG / PGSIZE; i++) {
      uint64 *pg = (uint64 *)(h + i * PGSIZE);
      if (pg[0] != 0xdead || pg[511] != 0xbeef) fail("the child's heap page %lu did not keep its writes", i);
    }
    exit(0);
  }
  expect_child(pid, 0, "heap in a child");
  for (uint64 i = 0; i < BIG / PGSIZE; i++) {
    uint64 *pg = (uint64 *)(h + i * PGSIZE);
    if (pg[0] != (i ^ 0x5555) || pg[511] != ~i)
      fail("the child's writes changed the parent's heap page %lu", i);
  }

  // Pages given back and taken again come zeroed.
  EXPECT(sbrk(-BIG) == h + BIG, "shrinking the big heap failed");
  char *z = sbrk(4 * PGSIZE);
  EXPECT(z == h, "sbrk returned %p, expected %p", z, h);
  w = (uint64 *)z;
  for (int i = 0; i < 4 * PGSIZE / 8; i++)
    if (w[i] != 0) fail("re-grown heap word %d is %lx, not zero", i, w[i]);
  sbrk(-4 * PGSIZE);
}

// ---------------------------------------------------------------------------
// badptr: system calls given addresses they may not use.

static const uint64 badaddrs[] = {
    0x7ffff000ul,         // user range, unmapped
    0x7ffffffful,         // the last user byte, unmapped
    0x80000000ul,         // kernel memory
    0x80200000ul,         // kernel memory
    0xc0000000ul,         // devices
    0x4000000000ul,       // beyond the 39-bit address space
    0xfffffffffffff000ul, // the very top
    0xfffffffffffffffful,
};
enum { NBAD = sizeof badaddrs / sizeof badaddrs[0] };

static uint64 bad_addr; // the address being tried, for messages

// The call must fail as xv6's calls do, with -1, and say why: EFAULT
// (or err, for EXPECT_BAD_ERR).
static NOINLINE void expect_bad(long r, int err, int line, const char *expr) {
  int got = errno;
  if (r != -1) fail("line %d: %s with address %p gave %ld, expected -1", line, expr, (void *)bad_addr, r);
  if (got != err)
    fail("line %d: %s with address %p failed with errno %d (%s), expected %s", line, expr, (void *)bad_addr,
         got, strerror(got), strerror(err));
}
#define EXPECT_BAD(call) EXPECT_BAD_ERR(call, EFAULT)
#define EXPECT_BAD_ERR(call, err)                                                                            \
  do {                                                                                                       \
    errno = 0;                                                                                               \
    expect_bad((long)(call), err, __LINE__, #call);                                                          \
  } while (0)

// wait(st) with a zombie child must fail; then a good wait reaps it.
static NOINLINE void bad_wait(int *st) {
  int pid = xfork();
  if (pid == 0) exit(5);
  bad_addr = (uint64)st;
  EXPECT_BAD(wait(st));
  expect_child(pid, 5, "wait after a failed wait");
}

static void test_badptr(void) {
  static uint64 addrs[NBAD + 2];
  int na = 0;
  for (int i = 0; i < NBAD; i++) addrs[na++] = badaddrs[i];
  addrs[na++] = stack_guard();
  uint64 text = (uint64)test_badptr; // readable, not writable

  unlink("ut_bp_file");
  unlink("ut_bp_link");
  unlink("ut_bpend");
  int fd = xopen("ut_bp_file", O_CREATE | O_RDWR);
  xwrite(fd, "0123456789", 10);
  close(fd);
  fd = xopen("ut_bp_file", O_RDWR);
  int p[2];
  xpipe(p);
  xwrite(p[1], "abcdefgh", 8);
  int lowfd = dup(0);
  close(lowfd);
  uint64 fp0 = freepages();

  for (int i = 0; i < na; i++) {
    bad_addr = addrs[i];
    void *v = (void *)bad_addr;
    char *s = (char *)bad_addr;
    EXPECT_BAD(read(fd, v, 10));
    EXPECT_BAD(read(p[0], v, 4));
    EXPECT_BAD(write(fd, v, 10));
    EXPECT_BAD(write(p[1], v, 10));
    EXPECT_BAD(pipe((int *)v));
    EXPECT_BAD(open(s, O_RDONLY));
    EXPECT_BAD(open(s, O_CREATE | O_RDWR));
    EXPECT_BAD(fstat(fd, v));
    EXPECT_BAD(chdir(s));
    EXPECT_BAD(link(s, "ut_bp_link"));
    EXPECT_BAD(link("ut_bp_file", s));
    EXPECT_BAD(unlink(s));
    EXPECT_BAD(mkdir(s));
    EXPECT_BAD(mknod(s, 1, 0));
    EXPECT_BAD(sysinfo(v));
    bad_wait((int *)v);
  }

  // Calls that write to user memory, given read-only program text.
  bad_addr = text;
  EXPECT_BAD(read(fd, (void *)text, 10));
  EXPECT_BAD(read(p[0], (void *)text, 4));
  EXPECT_BAD(pipe((int *)text));
  EXPECT_BAD(fstat(fd, (void *)text));
  EXPECT_BAD(sysinfo((void *)text));
  bad_wait((int *)text);

  // exec, in a child that must survive every attempt.
  int pid = xfork();
  if (pid == 0) {
    close(1);
    for (int i = 0; i < na; i++) {
      bad_addr = addrs[i];
      char *av[] = {"echo", (char *)bad_addr, 0};
      EXPECT_BAD(exec((char *)bad_addr, av + 1));
      EXPECT_BAD(exec("/echo", (char **)bad_addr));
      EXPECT_BAD(exec("/echo", av));
    }
    exit(77);
  }
  expect_child(pid, 77, "exec with bad pointers");

  // Nothing was changed, consumed or leaked by the failed calls.
  EXPECT_EQ(read(fd, buf, 100), 10);
  EXPECT(memcmp(buf, "0123456789", 10) == 0, "the file's data changed");
  struct stat st;
  EXPECT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.size, 10);
  EXPECT_EQ(st.nlink, 1);
  EXPECT_EQ(read(p[0], buf, 100), 8);
  EXPECT(memcmp(buf, "abcdefgh", 8) == 0, "the pipe's data changed");
  EXPECT_EQ(open("ut_bp_link", O_RDONLY), -1);
  int d = dup(0);
  EXPECT(d == lowfd, "lowest free fd is %d, was %d: failed calls kept fds", d, lowfd);
  close(d);
  uint64 fp1 = freepages();
  EXPECT(fp1 == fp0, "failed calls lost %ld pages", (long)fp0 - (long)fp1);

  // Objects that start in the last mapped page and run past its end.
  char *end = heap_end_page();
  bad_addr = (uint64)(end - 8);
  EXPECT_BAD(fstat(fd, (void *)(end - 8)));
  EXPECT_BAD(sysinfo((void *)(end - 8)));
  EXPECT_BAD(pipe((int *)(end - 4)));
  bad_wait((int *)(end - 2));

  // Strings with no NUL before the end of memory.
  char *s = end - 8;
  for (int i = 0; i < 8; i++) s[i] = 'a';
  bad_addr = (uint64)s;
  EXPECT_BAD(open(s, O_RDONLY));
  EXPECT_BAD(open(s, O_CREATE | O_RDWR));
  EXPECT_BAD(mkdir(s));
  EXPECT_BAD(unlink(s));
  EXPECT_BAD(chdir(s));
  EXPECT_BAD(link(s, "ut_bp_link"));
  EXPECT_BAD(link("ut_bp_file", s));
  EXPECT_BAD(mknod(s, 1, 0));
  pid = xfork();
  if (pid == 0) {
    close(1);
    char *av[] = {"echo", s, 0};
    EXPECT_BAD(exec(s, av));
    EXPECT_BAD(exec("/echo", av));
    // An argv array with no null before the end of memory.
    char **av2 = (char **)(end - 16);
    av2[0] = "echo";
    av2[1] = "x";
    bad_addr = (uint64)av2;
    EXPECT_BAD(exec("/echo", av2));
    exit(77);
  }
  expect_child(pid, 77, "exec with strings running off the end of memory");

  // The same place, NUL-terminated in the last byte, is a good string.
  memcpy(end - 9, "ut_bpend", 9);
  int fd2 = open(end - 9, O_CREATE | O_RDWR);
  EXPECT(fd2 >= 0, "open of a name ending at the last mapped byte failed");
  close(fd2);
  EXPECT_EQ(unlink(end - 9), 0);

  // A path longer than MAXPATH.
  static char longpath[MAXPATH + 64];
  memset(longpath, 'b', MAXPATH + 10);
  longpath[MAXPATH + 10] = '\0';
  bad_addr = (uint64)longpath;
  EXPECT_BAD_ERR(open(longpath, O_CREATE | O_RDWR), ENAMETOOLONG);
  EXPECT_BAD_ERR(mkdir(longpath), ENAMETOOLONG);

  close(fd);
  close(p[0]);
  close(p[1]);
  EXPECT_EQ(unlink("ut_bp_file"), 0);
}

// ---------------------------------------------------------------------------
// errno: xv6's calls still fail with exactly -1, and now also say why, with
// the errno Linux would give. (They used to leave errno alone for most
// reasons; stat(), built on open, inherits the reason.)

#define EXPECT_ERRNO(call, err) expect_errno((long)(call), err, __LINE__, #call)
static NOINLINE void expect_errno(long r, int err, int line, const char *expr) {
  int got = errno;
  if (r != -1 || got != err)
    fail("line %d: %s gave %ld (errno %d: %s), expected -1 with %s", line, expr, r, got, strerror(got),
         strerror(err));
  errno = 0;
}

static void errno_files(void) {
  struct stat st;
  EXPECT_ERRNO(open("ut_en_none", O_RDONLY), ENOENT);
  EXPECT_ERRNO(stat("ut_en_none", &st), ENOENT);
  EXPECT_ERRNO(open("ut_en_none/f", O_CREATE | O_RDWR), ENOENT);
  EXPECT_ERRNO(open("ut_en_d", O_RDWR), EISDIR);
  EXPECT_ERRNO(open("ut_en_d", O_CREATE | O_WRONLY), EISDIR);
  EXPECT_ERRNO(mkdir("ut_en_d"), EEXIST);
  EXPECT_ERRNO(mkdir("ut_en_f"), EEXIST);
  EXPECT_ERRNO(mknod("ut_en_f", 1, 0), EEXIST);
  EXPECT_ERRNO(mknod("ut_en_dev", NDEV, 0), EINVAL);
  EXPECT_ERRNO(chdir("ut_en_f"), ENOTDIR);
  EXPECT_ERRNO(chdir("ut_en_none"), ENOENT);
  EXPECT_ERRNO(unlink("ut_en_none"), ENOENT);
  EXPECT_ERRNO(unlink("ut_en_d"), ENOTEMPTY);
  EXPECT_ERRNO(unlink("ut_en_d/."), EINVAL);
  EXPECT_ERRNO(unlink("ut_en_d/.."), EINVAL);
  EXPECT_ERRNO(link("ut_en_d", "ut_en_l"), EPERM);
  EXPECT_ERRNO(link("ut_en_none", "ut_en_l"), ENOENT);
  EXPECT_ERRNO(link("ut_en_f", "ut_en_d/g"), EEXIST);
  EXPECT_ERRNO(link("ut_en_f", "ut_en_none/g"), ENOENT);
  EXPECT_ERRNO(stat("ut_en_l", &st), ENOENT);
  EXPECT_EQ(stat("ut_en_f", &st), 0);
  EXPECT_EQ(st.nlink, 1); // the failed links left the count alone
}

static void errno_descriptors(void) {
  char c;
  EXPECT_ERRNO(read(-1, &c, 1), EBADF);
  EXPECT_ERRNO(read(NOFILE, &c, 1), EBADF);
  EXPECT_ERRNO(write(NOFILE - 1, &c, 1), EBADF);
  EXPECT_ERRNO(close(NOFILE - 1), EBADF);
  EXPECT_ERRNO(dup(-5), EBADF);
  struct stat st;
  EXPECT_ERRNO(fstat(NOFILE - 1, &st), EBADF);
  int fd = xopen("ut_en_f", O_RDONLY);
  EXPECT_ERRNO(write(fd, "x", 1), EBADF); // not open for writing
  EXPECT_ERRNO(read(fd, &c, -1), EINVAL);
  close(fd);
  fd = xopen("ut_en_f", O_WRONLY);
  EXPECT_ERRNO(read(fd, &c, 1), EBADF);
  close(fd);
  int p[2];
  xpipe(p);
  EXPECT_ERRNO(fstat(p[0], &st), EINVAL); // a pipe has no inode
  // Fill the descriptor table: then open, dup and pipe say EMFILE.
  int fds[NOFILE], n = 0;
  while (n < NOFILE && (fds[n] = dup(0)) >= 0) n++;
  EXPECT(n < NOFILE && errno == EMFILE, "dup into a full table: errno %d", errno);
  EXPECT_ERRNO(open("ut_en_f", O_RDONLY), EMFILE);
  EXPECT_ERRNO(dup(0), EMFILE);
  close(fds[--n]); // one free slot: a pipe needs two
  int p2[2];
  EXPECT_ERRNO(pipe(p2), EMFILE);
  for (int i = 0; i < n; i++) close(fds[i]);
  close(p[0]);
  close(p[1]);
}

static void errno_processes(void) {
  EXPECT_ERRNO(kill(999999), ESRCH);
  EXPECT_ERRNO(wait(0), ECHILD);
  EXPECT(sbrk(0x7fffffff) == (char *)-1, "sbrk past the end of user memory succeeded");
  EXPECT_EQ(errno, ENOMEM);
  char *av[MAXARG + 2] = {"echo", 0};
  EXPECT_ERRNO(exec("ut_en_none", av), ENOENT);
  EXPECT_ERRNO(exec("ut_en_f", av), ENOEXEC); // a text file
  EXPECT_ERRNO(exec("ut_en_d", av), ENOEXEC);
  for (int i = 0; i < MAXARG + 1; i++) av[i] = "x";
  av[MAXARG + 1] = 0;
  EXPECT_ERRNO(exec("/echo", av), E2BIG);
}

static void test_errno(void) {
  unlink("ut_en_d/g");
  unlink("ut_en_d");
  unlink("ut_en_f");
  unlink("ut_en_l");
  EXPECT_EQ(mkdir("ut_en_d"), 0);
  close(xopen("ut_en_d/g", O_CREATE | O_RDWR));
  int fd = xopen("ut_en_f", O_CREATE | O_RDWR);
  xwrite(fd, "not a program\n", 14);
  close(fd);

  errno = 0;
  errno_files();
  errno_descriptors();
  errno_processes();

  // Every failed call above ended its file-system transaction exactly
  // once: a transaction left open would keep the log from ever committing,
  // and writing more blocks than it holds would wait for room in it for
  // ever (an extra end would panic).
  fd = xopen("ut_en_l", O_CREATE | O_RDWR);
  memset(buf, 'e', sizeof buf);
  for (int i = 0; i < 8; i++) xwrite(fd, buf, 8192);
  close(fd);
  EXPECT_EQ(unlink("ut_en_l"), 0);
  EXPECT_EQ(unlink("ut_en_d/g"), 0);
  EXPECT_EQ(unlink("ut_en_d"), 0);
  EXPECT_EQ(unlink("ut_en_f"), 0);
}

// ---------------------------------------------------------------------------
// fs: files, directories, links.

// The whole content of path must be want.
static NOINLINE void expect_content(const char *path, const char *want) {
  int fd = xopen(path, O_RDONLY);
  int n = readn(fd, buf2, sizeof buf2 - 1);
  close(fd);
  buf2[n] = '\0';
  EXPECT(n == strlen(want) && memcmp(buf2, want, n) == 0, "%s holds \"%s\", expected \"%s\"", path, buf2,
         want);
}

static NOINLINE void xstat(const char *path, struct stat *st) {
  if (stat(path, st) < 0) fail("stat %s failed", path);
}

static void test_fs(void) {
  struct stat st, st2, home, dst;

  unlink("ut_fs_d/sub");
  unlink("ut_fs_d/f1");
  unlink("ut_fs_d");
  unlink("ut_fs_a");
  unlink("ut_fs_b");
  unlink("ut_fs_c");
  unlink("ut_fs_abcdefgh");

  // Missing files.
  EXPECT_EQ(open("ut_fs_a", O_RDONLY), -1);
  EXPECT_EQ(open("ut_fs_a", O_RDWR), -1);
  EXPECT_EQ(open("ut_fs_nodir/x", O_CREATE | O_RDWR), -1);
  EXPECT_EQ(unlink("ut_fs_a"), -1);

  // Create, write, read.
  int fd = open("ut_fs_a", O_CREATE | O_RDWR);
  EXPECT(fd >= 0, "create ut_fs_a failed");
  EXPECT_EQ(write(fd, "hello, file", 11), 11);
  EXPECT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.type, T_FILE);
  EXPECT_EQ(st.size, 11);
  EXPECT_EQ(st.nlink, 1);
  close(fd);
  fd = xopen("ut_fs_a", O_RDONLY);
  EXPECT_EQ(read(fd, buf, 100), 11);
  EXPECT(memcmp(buf, "hello, file", 11) == 0, "read back wrong data");
  EXPECT_EQ(read(fd, buf, 100), 0);
  EXPECT_EQ(write(fd, "x", 1), -1); // read-only
  close(fd);
  fd = xopen("ut_fs_a", O_WRONLY);
  EXPECT_EQ(read(fd, buf, 1), -1); // write-only
  EXPECT_EQ(write(fd, "HE", 2), 2);
  close(fd);
  expect_content("ut_fs_a", "HEllo, file");

  // O_CREATE of an existing file opens it as it is; O_TRUNC empties it.
  fd = xopen("ut_fs_a", O_CREATE | O_RDWR);
  EXPECT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.size, 11);
  close(fd);
  fd = xopen("ut_fs_a", O_WRONLY | O_TRUNC);
  EXPECT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.size, 0);
  EXPECT_EQ(write(fd, "xy", 2), 2);
  close(fd);
  expect_content("ut_fs_a", "xy");

  // Directories.
  xstat(".", &home);
  EXPECT_EQ(mkdir("ut_fs_d"), 0);
  EXPECT_EQ(mkdir("ut_fs_d"), -1);
  EXPECT_EQ(mkdir("ut_fs_a"), -1);                     // a file's name
  EXPECT_EQ(open("ut_fs_a/x", O_CREATE | O_RDWR), -1); // not a directory
  EXPECT_EQ(chdir("ut_fs_a"), -1);
  EXPECT_EQ(open("ut_fs_d", O_WRONLY), -1);
  EXPECT_EQ(open("ut_fs_d", O_RDWR), -1);
  EXPECT_EQ(open("ut_fs_d", O_CREATE | O_RDWR), -1);
  fd = xopen("ut_fs_d", O_RDONLY);
  EXPECT_EQ(fstat(fd, &dst), 0);
  close(fd);
  EXPECT_EQ(dst.type, T_DIR);
  EXPECT_EQ(dst.nlink, 1);
  EXPECT_EQ(dst.size, 2 * sizeof(struct dirent));

  EXPECT_EQ(chdir("ut_fs_d"), 0);
  xstat(".", &st);
  EXPECT_EQ(st.ino, dst.ino);
  xstat("..", &st);
  EXPECT_EQ(st.ino, home.ino);
  fd = xopen("f1", O_CREATE | O_RDWR);
  xwrite(fd, "in d", 4);
  close(fd);
  EXPECT_EQ(mkdir("sub"), 0);
  xstat(".", &st);
  EXPECT_EQ(st.nlink, 2); // sub's ".." names it
  xstat("sub/..", &st);
  EXPECT_EQ(st.ino, dst.ino);
  expect_content("../ut_fs_d/f1", "in d");
  expect_content("../ut_fs_a", "xy");
  expect_content("sub/../f1", "in d");
  EXPECT_EQ(chdir(".."), 0);
  xstat(".", &st);
  EXPECT_EQ(st.ino, home.ino);
  expect_content("ut_fs_d/f1", "in d");

  // The directory's entries.
  struct stat f1st, subst;
  xstat("ut_fs_d/f1", &f1st);
  xstat("ut_fs_d/sub", &subst);
  EXPECT_EQ(subst.type, T_DIR);
  fd = xopen("ut_fs_d", O_RDONLY);
  struct dirent de;
  int found = 0, used = 0;
  for (int i = 0; i < 64 && read(fd, &de, sizeof de) == sizeof de; i++) {
    if (de.inum == 0) continue;
    used++;
    if (dirent_is(&de, ".") && de.inum == dst.ino)
      found |= 1;
    else if (dirent_is(&de, "..") && de.inum == home.ino)
      found |= 2;
    else if (dirent_is(&de, "f1") && de.inum == f1st.ino)
      found |= 4;
    else if (dirent_is(&de, "sub") && de.inum == subst.ino)
      found |= 8;
  }
  close(fd);
  EXPECT(found == 15 && used == 4, "ut_fs_d has %d entries, found mask %d (want . .. f1 sub)", used, found);

  // Removing.
  EXPECT_EQ(unlink("ut_fs_d"), -1); // not empty
  EXPECT_EQ(unlink("ut_fs_d/."), -1);
  EXPECT_EQ(unlink("ut_fs_d/.."), -1);
  EXPECT_EQ(unlink("ut_fs_d/sub"), 0);
  xstat("ut_fs_d", &st);
  EXPECT_EQ(st.nlink, 1);
  EXPECT_EQ(unlink("ut_fs_d"), -1); // still holds f1
  EXPECT_EQ(unlink("ut_fs_d/f1"), 0);
  EXPECT_EQ(unlink("ut_fs_d/f1"), -1);
  EXPECT_EQ(unlink("ut_fs_d"), 0);
  EXPECT_EQ(open("ut_fs_d", O_RDONLY), -1);
  EXPECT_EQ(chdir("ut_fs_d"), -1);

  // Links.
  EXPECT_EQ(link("ut_fs_a", "ut_fs_b"), 0);
  xstat("ut_fs_a", &st);
  xstat("ut_fs_b", &st2);
  EXPECT_EQ(st.ino, st2.ino);
  EXPECT_EQ(st.nlink, 2);
  EXPECT_EQ(link("ut_fs_a", "ut_fs_b"), -1);       // the name exists
  EXPECT_EQ(link("ut_fs_nosuch", "ut_fs_c"), -1);  // nothing to link
  EXPECT_EQ(link(".", "ut_fs_c"), -1);             // no links to directories
  EXPECT_EQ(link("ut_fs_a", "ut_fs_nodir/c"), -1); // no such directory
  EXPECT_EQ(open("ut_fs_c", O_RDONLY), -1);
  xstat("ut_fs_a", &st);
  EXPECT_EQ(st.nlink, 2); // the failed links left the count alone
  fd = xopen("ut_fs_b", O_WRONLY | O_TRUNC);
  xwrite(fd, "linked", 6);
  close(fd);
  expect_content("ut_fs_a", "linked");
  EXPECT_EQ(unlink("ut_fs_a"), 0);
  EXPECT_EQ(open("ut_fs_a", O_RDONLY), -1);
  xstat("ut_fs_b", &st);
  EXPECT_EQ(st.nlink, 1);
  expect_content("ut_fs_b", "linked");

  // An open file that is unlinked stays readable until closed.
  fd = xopen("ut_fs_b", O_RDONLY);
  EXPECT_EQ(unlink("ut_fs_b"), 0);
  EXPECT_EQ(open("ut_fs_b", O_RDONLY), -1);
  EXPECT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.nlink, 0);
  EXPECT_EQ(read(fd, buf, 100), 6);
  EXPECT(memcmp(buf, "linked", 6) == 0, "the unlinked file's data changed");
  close(fd);

  // A name of exactly DIRSIZ characters.
  fd = xopen("ut_fs_abcdefgh", O_CREATE | O_RDWR);
  xwrite(fd, "14", 2);
  close(fd);
  expect_content("ut_fs_abcdefgh", "14");
  EXPECT_EQ(unlink("ut_fs_abcdefgh"), 0);
  EXPECT_EQ(open("ut_fs_abcdefgh", O_RDONLY), -1);
}

// ---------------------------------------------------------------------------
// bigfile: a file that needs the indirect block, up to the largest size.

static uchar bigpat(uint32 off) {
  uint32 x = off * 2654435761u;
  return (uchar)((x >> 24) ^ (off >> 10));
}

static NOINLINE void fill_big(char *b, uint32 off, int n) {
  for (int i = 0; i < n; i++) b[i] = bigpat(off + i);
}

static NOINLINE void check_big(const char *b, uint32 off, int n) {
  for (int i = 0; i < n; i++)
    if ((uchar)b[i] != bigpat(off + i))
      fail("byte %d of the big file is %d, expected %d", off + i, (uchar)b[i], bigpat(off + i));
}

// Odd sizes, to cross block boundaries every which way.
static const int chunks[] = {1, 1023, 1024, 1025, 7, 4097, 8191, 513, 3000, 2};
enum { NCH = sizeof chunks / sizeof chunks[0] };

// Write the pattern from off up to end, in the sizes of chunks[] from
// index first on. Returns the offset reached: end.
static uint32 write_big(int fd, uint32 off, uint32 end, int first) {
  for (int i = 0; off < end && i < 10000; i++) {
    int n = chunks[(i + first) % NCH];
    if (n > end - off) n = end - off;
    fill_big(buf, off, n);
    int r = write(fd, buf, n);
    if (r != n) fail("write of %d bytes at offset %d returned %d", n, off, r);
    off += n;
  }
  return off;
}

static void test_bigfile(void) {
  enum { SIZE = 200 * 1024 + 777, MAXBYTES = MAXFILE * BSIZE };
  struct stat st;

  unlink("ut_big");
  int fd = xopen("ut_big", O_CREATE | O_RDWR);
  uint32 off = write_big(fd, 0, SIZE, 0);
  EXPECT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.size, SIZE);
  close(fd);

  // Read it back in other sizes.
  fd = xopen("ut_big", O_RDWR);
  EXPECT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.size, SIZE);
  off = 0;
  for (int i = 0; off < SIZE && i < 10000; i++) {
    int n = chunks[(NCH - 1 - i % NCH + 3) % NCH];
    int want = n < SIZE - off ? n : SIZE - off;
    int r = read(fd, buf, n);
    if (r != want) fail("read of %d bytes at offset %d returned %d, expected %d", n, off, r, want);
    check_big(buf, off, r);
    off += r;
  }
  EXPECT_EQ(read(fd, buf, 100), 0);

  // Grow it to the largest size a file can have (the offset is at the end).
  off = write_big(fd, off, MAXBYTES, 5);
  EXPECT_EQ(write(fd, buf, 1), -1); // one byte too many
  EXPECT_EQ(write(fd, buf, 2000), -1);
  EXPECT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.size, MAXBYTES);
  close(fd);

  fd = xopen("ut_big", O_RDONLY);
  off = 0;
  for (int i = 0; off < MAXBYTES && i < 10000; i++) {
    int r = read(fd, buf, 8192);
    if (r <= 0) fail("read at offset %d returned %d", off, r);
    check_big(buf, off, r);
    off += r;
  }
  EXPECT_EQ(off, MAXBYTES);
  EXPECT_EQ(read(fd, buf, 100), 0);
  close(fd);
  EXPECT_EQ(unlink("ut_big"), 0);
  EXPECT_EQ(open("ut_big", O_RDONLY), -1);
}

// ---------------------------------------------------------------------------
// pipebulk: megabytes through a pipe, in chunks of varying size.

static uchar bulkpat(uint32 i) {
  uint32 x = i * 2246822519u;
  return (uchar)((x >> 24) ^ (i >> 12));
}

// b[0..n) gets the pattern's bytes from stream position pos on.
static void put_bulkpat(char *b, int n, uint32 pos) {
  for (int i = 0; i < n; i++) b[i] = bulkpat(pos + i);
}

// Fail unless b[0..n) holds the pattern's bytes from stream position pos on.
static void check_bulkpat(const char *b, int n, uint32 pos, const char *what) {
  for (int i = 0; i < n; i++)
    if ((uchar)b[i] != bulkpat(pos + i))
      fail("%s: byte %d is %d, expected %d", what, pos + i, (uchar)b[i], bulkpat(pos + i));
}

// Write the pattern's first `bytes` bytes to fd, PIPE_BUF at a time (each
// write must go in whole).
static void put_bulkpat_fd(int fd, int bytes) {
  for (int off = 0; off < bytes; off += PIPE_BUF) {
    int n = bytes - off < PIPE_BUF ? bytes - off : PIPE_BUF;
    put_bulkpat(buf, n, off);
    xwrite(fd, buf, n);
  }
}

static void test_pipebulk(void) {
  enum { TOTAL = 6 << 20 };
  int p[2];
  xpipe(p);
  int pid = xfork();
  if (pid == 0) {
    close(p[0]);
    uint32 s = 0x2545f491;
    uint32 pos = 0;
    while (pos < TOTAL) {
      int n = 1 + rnd(&s) % 8192;
      if (n > TOTAL - pos) n = TOTAL - pos;
      put_bulkpat(buf, n, pos);
      int r = write(p[1], buf, n);
      if (r != n) fail("writer: write of %d bytes at %d returned %d", n, pos, r);
      pos += n;
    }
    close(p[1]);
    exit(0);
  }
  close(p[1]);
  uint32 s = 0x6b8b4567;
  uint32 got = 0;
  for (int iter = 0; iter <= TOTAL; iter++) {
    int n = 1 + rnd(&s) % 8192;
    int r = read(p[0], buf2, n);
    if (r < 0) fail("read failed after %d bytes", got);
    if (r == 0) break;
    if (r > n) fail("read of %d bytes returned %d", n, r);
    if (got + r > TOTAL) fail("read %d bytes, more than the %d written", got + r, TOTAL);
    check_bulkpat(buf2, r, got, "the pipe");
    got += r;
  }
  EXPECT(got == TOTAL, "end of file after %d bytes, expected %d", got, TOTAL);
  EXPECT_EQ(read(p[0], buf2, 10), 0);
  close(p[0]);
  expect_child(pid, 0, "pipe writer");
}

// ---------------------------------------------------------------------------
// pipemany: several writers and readers on one pipe, whole records.

enum { PM_W = 4, PM_R = 4, PM_REC = 2000 };

struct rec {
  uint32 wid;
  uint32 seq;
  uint32 salt;
  uint32 sum;
};

struct report {
  uint32 rid;
  uint32 odd; // reads that returned part of a record
  uint64 count[PM_W];
  uint64 sum[PM_W];
  uint64 sumsq[PM_W];
};

static uint32 rec_sum(uint32 wid, uint32 seq, uint32 salt) {
  uint32 x = (wid * 0x9e3779b1u) ^ (seq * 0x85ebca6bu) ^ (salt * 0xc2b2ae35u);
  x ^= x >> 15;
  return x ^ 0x5bd1e995u;
}

static void pm_writer(int w, int fd) {
  uint32 s = 0x1234567u + w * 7919u;
  struct rec *r = (struct rec *)buf;
  uint32 seq = 0;
  while (seq < PM_REC) {
    uint32 k = 1 + rnd(&s) % (PIPE_BUF / sizeof(struct rec));
    if (k > PM_REC - seq) k = PM_REC - seq;
    for (uint32 i = 0; i < k; i++) {
      r[i].wid = w;
      r[i].seq = seq + i;
      r[i].salt = rnd(&s);
      r[i].sum = rec_sum(w, seq + i, r[i].salt);
    }
    int n = k * sizeof(struct rec);
    int got = write(fd, buf, n);
    if (got != n) fail("writer %d: write of %d bytes returned %d", w, n, got);
    seq += k;
  }
  exit(0);
}

static void pm_reader(int id, int fd, int repfd) {
  static struct report rep;
  static int last[PM_W];
  uint32 s = 0xabcdef1u + id * 104729u;
  int have = 0; // bytes of an incomplete record at the start of buf
  memset(&rep, 0, sizeof rep);
  rep.rid = id;
  for (int i = 0; i < PM_W; i++) last[i] = -1;
  for (int iter = 0;; iter++) {
    if (iter > 200000) fail("reader %d: no end of file after %d reads", id, iter);
    int want = sizeof(struct rec) * (1 + rnd(&s) % (PIPE_BUF / sizeof(struct rec)));
    int n = read(fd, buf + have, want);
    if (n < 0) fail("reader %d: read failed", id);
    if (n == 0) {
      if (have != 0) fail("reader %d: %d bytes of a record at end of file", id, have);
      break;
    }
    if (n % sizeof(struct rec) != 0) rep.odd++;
    have += n;
    int whole = have - have % sizeof(struct rec);
    for (int off = 0; off < whole; off += sizeof(struct rec)) {
      struct rec *r = (struct rec *)(buf + off);
      if (r->wid >= PM_W || r->sum != rec_sum(r->wid, r->seq, r->salt))
        fail("reader %d: bad record (writer %u, seq %u, sum %x)", id, r->wid, r->seq, r->sum);
      if ((int)r->seq <= last[r->wid])
        fail("reader %d: writer %u's record %u came after %d", id, r->wid, r->seq, last[r->wid]);
      last[r->wid] = r->seq;
      rep.count[r->wid]++;
      rep.sum[r->wid] += r->seq;
      rep.sumsq[r->wid] += (uint64)r->seq * r->seq;
    }
    memmove(buf, buf + whole, have - whole);
    have -= whole;
  }
  xwrite(repfd, &rep, sizeof rep);
  exit(0);
}

static void test_pipemany(void) {
  int d[2], r[2];
  xpipe(d);
  xpipe(r);
  int pids[PM_R + PM_W];
  for (int i = 0; i < PM_R; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) {
      close(d[1]);
      close(r[0]);
      pm_reader(i, d[0], r[1]);
    }
  }
  for (int i = 0; i < PM_W; i++) {
    pids[PM_R + i] = xfork();
    if (pids[PM_R + i] == 0) {
      close(d[0]);
      close(r[0]);
      close(r[1]);
      pm_writer(i, d[1]);
    }
  }
  close(d[0]);
  close(d[1]);
  close(r[1]);

  static struct report reps[PM_R + 1];
  int n = readn(r[0], reps, sizeof reps);
  close(r[0]);
  reap_all(pids, PM_R + PM_W, 0, 0, "readers and writers");
  EXPECT(n == PM_R * sizeof(struct report), "got %d bytes of reports, expected %d", n,
         (int)(PM_R * sizeof(struct report)));

  uint64 count[PM_W] = {0}, sum[PM_W] = {0}, sumsq[PM_W] = {0};
  int seen = 0;
  for (int i = 0; i < PM_R; i++) {
    EXPECT(reps[i].rid < PM_R && !(seen & (1 << reps[i].rid)), "bad or repeated report from reader %u",
           reps[i].rid);
    seen |= 1 << reps[i].rid;
    for (int w = 0; w < PM_W; w++) {
      count[w] += reps[i].count[w];
      sum[w] += reps[i].sum[w];
      sumsq[w] += reps[i].sumsq[w];
    }
  }
  const uint64 n0 = PM_REC;
  for (int w = 0; w < PM_W; w++) {
    EXPECT(count[w] == n0, "writer %d: %lu records arrived, expected %lu", w, count[w], n0);
    EXPECT(sum[w] == n0 * (n0 - 1) / 2, "writer %d: sequence numbers sum to %lu", w, sum[w]);
    EXPECT(sumsq[w] == (n0 - 1) * n0 * (2 * n0 - 1) / 6, "writer %d: squares of sequence numbers sum to %lu",
           w, sumsq[w]);
  }
}

// ---------------------------------------------------------------------------
// pipeeof: end of file, and writing with no reader.

static void test_pipeeof(void) {
  int p[2];

  // Data, then end of file, and end of file again.
  xpipe(p);
  xwrite(p[1], "abc", 3);
  close(p[1]);
  EXPECT_EQ(read(p[0], buf, 100), 3);
  EXPECT(memcmp(buf, "abc", 3) == 0, "read wrong data");
  EXPECT_EQ(read(p[0], buf, 100), 0);
  EXPECT_EQ(read(p[0], buf, 100), 0);
  close(p[0]);

  // Partial reads, the rest after the writer has gone.
  xpipe(p);
  xwrite(p[1], "0123456789", 10);
  EXPECT_EQ(read(p[0], buf, 4), 4);
  EXPECT(memcmp(buf, "0123", 4) == 0, "read wrong data");
  close(p[1]);
  EXPECT_EQ(read(p[0], buf, 100), 6);
  EXPECT(memcmp(buf, "456789", 6) == 0, "read wrong data");
  EXPECT_EQ(read(p[0], buf, 100), 0);
  close(p[0]);

  // Write ends held by children too: no end of file until all are closed.
  xpipe(p);
  int pids[2];
  for (int i = 0; i < 2; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) {
      close(p[0]);
      sleep(5 + 10 * i);
      xwrite(p[1], i == 0 ? "A" : "B", 1);
      exit(0);
    }
  }
  close(p[1]);
  EXPECT_EQ(read(p[0], buf, 100), 1);
  EXPECT(buf[0] == 'A', "first read gave '%c'", buf[0]);
  EXPECT_EQ(read(p[0], buf, 100), 1);
  EXPECT(buf[0] == 'B', "second read gave '%c'", buf[0]);
  EXPECT_EQ(read(p[0], buf, 100), 0);
  close(p[0]);
  reap_all(pids, 2, 0, 0, "writers");

  // No reader: writes fail with EPIPE, and a writer that ignores SIGPIPE
  // lives on (waittests checks that one that does not, dies of it).
  signal(SIGPIPE, SIG_IGN);
  xpipe(p);
  close(p[0]);
  EXPECT_EQ(write(p[1], "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
  EXPECT_EQ(write(p[1], buf, 5000), -1);
  close(p[1]);
  xpipe(p);
  xwrite(p[1], "abc", 3);
  close(p[0]); // with data still in the pipe
  EXPECT_EQ(write(p[1], "d", 1), -1);
  close(p[1]);

  // A writer blocked on a full pipe gets -1 when the reader goes away.
  int n[2];
  xpipe(p);
  xpipe(n);
  int pid = xfork();
  if (pid == 0) {
    close(p[0]);
    close(n[0]);
    memset(buf, 'f', PIPE_BUF);
    for (int i = 0; i < PIPESIZE / PIPE_BUF; i++)
      if (write(p[1], buf, PIPE_BUF) != PIPE_BUF) fail("filling the pipe: write %d failed", i);
    xwrite(n[1], "F", 1);
    for (int i = 0; i < 20; i++)
      if (write(p[1], buf, PIPE_BUF) == -1) exit(0);
    exit(2);
  }
  close(p[1]);
  close(n[1]);
  EXPECT_EQ(read(n[0], buf2, 1), 1);
  close(n[0]);
  wait_until_asleep(pid, "the writer to a full pipe");
  close(p[0]);
  expect_child(pid, 0, "writer to a pipe whose reader closed");
}

// ---------------------------------------------------------------------------
// pipekill: killing processes blocked on pipes.

static void test_pipekill(void) {
  int a[2], b[2];
  xpipe(a);
  xpipe(b);

  // A reads an empty pipe.
  int ra = xfork();
  if (ra == 0) {
    close(a[1]);
    close(b[0]);
    close(b[1]);
    int r = read(a[0], buf, 1);
    exit(r == 0 ? 3 : 4);
  }
  // B writes to a pipe nobody reads.
  int wb = xfork();
  if (wb == 0) {
    close(a[0]);
    close(a[1]);
    close(b[0]);
    memset(buf, 'w', PIPE_BUF);
    for (int i = 0; i < 64; i++)
      if (write(b[1], buf, PIPE_BUF) < 0) exit(3);
    exit(4);
  }
  // A watchdog holds the other ends. Its exit (after 4 seconds) would
  // release A and B even if kill did not work, so the test cannot hang.
  int wd = xfork();
  if (wd == 0) {
    close(a[0]);
    close(b[1]);
    sleep(400);
    exit(0);
  }
  close(a[0]);
  close(a[1]);
  close(b[0]);
  close(b[1]);

  wait_until_asleep(ra, "reader A");
  wait_until_asleep(wb, "writer B");
  int t0 = uptime();
  EXPECT_EQ(kill(ra), 0);
  EXPECT_EQ(kill(wb), 0);
  int left = 2;
  for (int i = 0; i < 2; i++) {
    int st;
    int w = wait(&st);
    if (w == wd)
      fail("killed processes blocked on pipes did not die until the "
           "watchdog exited and released their pipes");
    EXPECT(w == ra || w == wb, "wait returned %d, not a killed child", w);
    EXPECT(st == -1, "killed %s exited with status %d", w == ra ? "reader" : "writer", st);
    left--;
  }
  EXPECT(left == 0, "not all killed children reaped");
  int dt = uptime() - t0;
  EXPECT(dt < 200, "killed blocked processes took %d ticks to die", dt);

  EXPECT_EQ(kill(wd), 0);
  expect_child(wd, -1, "watchdog");
}

// ---------------------------------------------------------------------------
// pipebadptr: bad buffers on pipes lose no data.

static void test_pipebadptr(void) {
  uint64 bad[] = {0x7ffff000ul, 0x80000000ul, 0xfffffffffffffffful, stack_guard(), (uint64)test_pipebadptr};
  enum { NB = sizeof bad / sizeof bad[0] };
  char *end = heap_end_page();
  int p[2];
  xpipe(p);

  // Reads into bad buffers fail and take nothing.
  xwrite(p[1], "0123456789", 10);
  for (int i = 0; i < NB; i++) {
    bad_addr = bad[i];
    EXPECT_BAD(read(p[0], (void *)bad[i], 10));
  }
  // A buffer that runs off the end of memory: fails, or takes what fits.
  const char *rest = "0123456789";
  int r = read(p[0], end - 4, 10);
  if (r == 4) {
    EXPECT(memcmp(end - 4, "0123", 4) == 0, "the partial read got wrong data");
    rest = "456789";
  } else {
    EXPECT(r == -1, "read into a buffer running off memory returned %d", r);
  }
  EXPECT_EQ(read(p[0], buf, 100), strlen(rest));
  EXPECT(memcmp(buf, rest, strlen(rest)) == 0, "data was lost or changed");

  // Writes from bad buffers fail and add nothing (text is readable: skip it).
  for (int i = 0; i < NB - 1; i++) {
    bad_addr = bad[i];
    EXPECT_BAD(write(p[1], (void *)bad[i], 10));
  }
  memcpy(end - 4, "wxyz", 4);
  r = write(p[1], end - 4, 10);
  EXPECT(r == -1 || r == 4, "write from a buffer running off memory returned %d", r);
  xwrite(p[1], "tail", 4);
  close(p[1]);
  int n = readn(p[0], buf, 100);
  buf[n] = '\0';
  const char *want = r == 4 ? "wxyztail" : "tail";
  EXPECT(strcmp(buf, want) == 0, "the pipe held \"%s\", expected \"%s\"", buf, want);
  close(p[0]);

  // A reader that waits on an empty pipe with a bad buffer: when data comes
  // the read fails, and the data is still there for a good read.
  xpipe(p);
  int pid = xfork();
  if (pid == 0) {
    close(p[1]);
    bad_addr = 0x80000000ul;
    EXPECT_BAD(read(p[0], (void *)0x80000000ul, 10));
    int k = read(p[0], buf, 100);
    if (k != 5 || memcmp(buf, "hello", 5) != 0) fail("after a failed read the child read %d bytes", k);
    exit(0);
  }
  close(p[0]);
  wait_until_asleep(pid, "the reader with a bad buffer");
  xwrite(p[1], "hello", 5);
  close(p[1]);
  expect_child(pid, 0, "reader with a bad buffer");
}

// ---------------------------------------------------------------------------
// pipesignal: a write of at most PIPE_BUF bytes stays whole while signals
// keep arriving. A signal may interrupt a write that has to wait for room
// (EINTR, nothing written), never one that is copying: that would cut a
// record in two and let another writer's bytes in between. (Found by
// `make stress`.)

enum { PS_WRITES = 1500, PS_LEN = 4000 }; // 4000: most writes cross a page of the ring

static void ps_handler(int sig) { (void)sig; }

static void test_pipesignal(void) {
  int p[2];
  xpipe(p);
  struct sigaction sa = {ps_handler, 0, 0, 0}; // no SA_RESTART: EINTR
  sigaction(SIGUSR1, &sa, 0);                  // before the first signal
  int writer = xfork();
  if (writer == 0) {
    close(p[0]);
    memset(buf, 'w', PS_LEN);
    for (int i = 0; i < PS_WRITES; i++) {
      int r = -1;
      for (int tries = 0; tries < 100000; tries++)
        if ((r = write(p[1], buf, PS_LEN)) >= 0 || errno != EINTR) break;
      if (r != PS_LEN) {
        sigset_t usr1 = 1ul << (SIGUSR1 - 1);
        sigprocmask(SIG_BLOCK, &usr1, 0); // or the report could be interrupted too
        fail("write %d of %d bytes returned %d while signals arrived", i, PS_LEN, r);
      }
    }
    exit(0);
  }
  // Signal the writer as fast as possible until it has been reaped.
  int sender = xfork();
  if (sender == 0) {
    close(p[0]);
    close(p[1]);
    for (int i = 0; i < 2000000 && kill(writer, SIGUSR1) == 0; i++)
      ;
    exit(0);
  }
  close(p[1]);
  int n = readn(p[0], buf2, sizeof buf2), total = n;
  while (n > 0) total += (n = readn(p[0], buf2, sizeof buf2));
  close(p[0]);
  int pids[] = {writer, sender};
  reap_all(pids, 2, 0, 0, "writer and signal sender");
  EXPECT(total == PS_WRITES * PS_LEN, "read %d bytes, expected %d", total, PS_WRITES * PS_LEN);
}

// ---------------------------------------------------------------------------
// pipeatomic: a write of at most PIPE_BUF bytes that does not fit waits for
// room for all of it, having written nothing (POSIX); xv6 wrote what fitted
// and slept for the rest, which lets another writer's bytes in between.
// pipemany's records cannot tell: they divide the pipe's size. No race here:
// one process leaves `room` bytes free, and SIGALRM (no SA_RESTART) ends the
// blocked write, which must fail with EINTR and leave the pipe as it was.

static void test_pipeatomic(void) {
  static const int rooms[] = {100, PIPE_BUF - 1};
  xsigaction(SIGALRM, ps_handler, 0); // no SA_RESTART: EINTR
  for (int c = 0; c < (int)(sizeof rooms / sizeof rooms[0]); c++) {
    const int room = rooms[c], full = PIPESIZE - room;
    int p[2];
    xpipe(p);
    put_bulkpat_fd(p[1], full);
    memset(buf2, 'X', PIPE_BUF);
    alarm(1);
    int r = write(p[1], buf2, PIPE_BUF), err = errno;
    alarm(0);
    EXPECT(r == -1 && err == EINTR,
           "with %d bytes free, a write of %d bytes that SIGALRM interrupted returned %d (%s), "
           "expected -1 (EINTR) having written nothing",
           room, PIPE_BUF, r, r < 0 ? strerror(err) : "no error");
    // A write that fits exactly goes in whole at once.
    put_bulkpat(buf, room, full);
    xwrite(p[1], buf, room);
    close(p[1]);
    // The pipe holds the filling and that write: no byte of the interrupted one.
    char what[40];
    snprintf(what, sizeof what, "with %d bytes free", room);
    int got = 0, n;
    while (got <= PIPESIZE && (n = readn(p[0], buf, PIPE_BUF)) > 0) {
      check_bulkpat(buf, n, got, what);
      got += n;
    }
    EXPECT(got == PIPESIZE, "with %d bytes free: the pipe held %d bytes, expected %d", room, got, PIPESIZE);
    close(p[0]);
  }
}

// pipenonblock: ends made O_NONBLOCK with fcntl give EAGAIN where they would
// wait -- a read of an empty pipe, a write to a full one, an atomic write
// that does not fit whole (nothing of it written) -- and a longer write
// takes what fits, as on Linux.
static void test_pipenonblock(void) {
  int p[2];
  xpipe(p);
  EXPECT_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
  EXPECT_EQ(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
  EXPECT(fcntl(p[0], F_GETFL, 0) & O_NONBLOCK, "F_GETFL does not show O_NONBLOCK");
  EXPECT_ERR(read(p[0], buf, 1), EAGAIN);
  // Fill all but 100 bytes: a 101-byte write (atomic) must not go in at all.
  const int room = 100, full = PIPESIZE - room;
  put_bulkpat_fd(p[1], full);
  EXPECT_ERR(write(p[1], buf, room + 1), EAGAIN);
  // A write longer than PIPE_BUF is not atomic: it takes the 100 bytes left.
  static char big[PIPE_BUF + 1];
  put_bulkpat(big, room, full);
  EXPECT_EQ(write(p[1], big, sizeof big), room);
  EXPECT_ERR(write(p[1], big, 1), EAGAIN); // full
  // The reader gets exactly the pipe's worth, in order, then EAGAIN.
  int got = 0, n;
  while (got <= PIPESIZE && (n = read(p[0], buf, PIPE_BUF)) > 0) {
    check_bulkpat(buf, n, got, "the nonblocking pipe");
    got += n;
  }
  EXPECT(n == -1 && errno == EAGAIN, "the emptied pipe's read returned %d (%s), expected EAGAIN", n,
         n < 0 ? strerror(errno) : "no error");
  EXPECT_EQ(got, PIPESIZE);
  // With the writer gone, an empty pipe is end of file, not EAGAIN.
  close(p[1]);
  EXPECT_EQ(read(p[0], buf, 1), 0);
  close(p[0]);
}

// ---------------------------------------------------------------------------
// sleep and uptime.

static void test_sleep(void) {
  int t0 = uptime();
  EXPECT_EQ(sleep(10), 0);
  int dt = uptime() - t0;
  EXPECT(dt >= 10, "sleep(10) took %d ticks", dt);
  EXPECT(dt < 200, "sleep(10) took %d ticks", dt);

  t0 = uptime();
  EXPECT_EQ(sleep(0), 0);
  dt = uptime() - t0;
  EXPECT(dt <= 2, "sleep(0) took %d ticks", dt);

  t0 = uptime();
  for (int i = 0; i < 20; i++) sleep(1);
  dt = uptime() - t0;
  EXPECT(dt >= 20, "twenty sleep(1) took %d ticks", dt);

  // sysinfo's ticks agree with uptime.
  struct sysinfo si;
  int u0 = uptime();
  xsysinfo(&si);
  int u1 = uptime();
  EXPECT(si.ticks >= u0 && si.ticks <= u1, "sysinfo ticks %lu, uptime %d..%d", si.ticks, u0, u1);
  EXPECT(si.ncpu >= 1 && si.ncpu <= NCPU, "sysinfo ncpu %lu", si.ncpu);

  // Several sleepers at once all wake in time.
  int pids[4];
  t0 = uptime();
  for (int i = 0; i < 4; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) exit(sleep(20 + i) == 0 ? 0 : 1);
  }
  reap_all(pids, 4, 0, 0, "sleepers");
  dt = uptime() - t0;
  EXPECT(dt >= 23 && dt < 200, "four sleepers took %d ticks", dt);
}

// ---------------------------------------------------------------------------
// manyfiles: the per-process descriptor table.

static void test_manyfiles(void) {
  struct stat st;
  unlink("ut_many");
  int fd0 = xopen("ut_many", O_CREATE | O_RDWR);
  xwrite(fd0, "abcdefgh", 8);
  close(fd0);

  int already = 0;
  for (int fd = 0; fd < NOFILE; fd++) {
    int d = dup(fd);
    if (d >= 0) {
      already++;
      close(d);
    }
  }

  int fds[NOFILE];
  int n = 0;
  for (int i = 0; i < NOFILE + 2; i++) {
    int fd = open("ut_many", O_RDONLY);
    if (fd < 0) break;
    EXPECT(fd >= 0 && fd < NOFILE, "open returned fd %d", fd);
    EXPECT(n < NOFILE, "more than NOFILE descriptors open");
    for (int j = 0; j < n; j++) EXPECT(fds[j] != fd, "open returned fd %d twice", fd);
    fds[n++] = fd;
  }
  EXPECT(n + already == NOFILE, "%d files opened with %d already open; NOFILE is %d", n, already, NOFILE);
  EXPECT_EQ(open("ut_many", O_RDONLY), -1);
  EXPECT_EQ(dup(0), -1);
  uint64 fp = freepages();
  int pp[2];
  EXPECT_EQ(pipe(pp), -1);
  EXPECT(freepages() == fp, "a failed pipe() kept pages");

  // Each open has its own offset; dup shares one.
  EXPECT_EQ(read(fds[0], buf, 2), 2);
  EXPECT(memcmp(buf, "ab", 2) == 0, "read wrong data");
  EXPECT_EQ(read(fds[1], buf, 2), 2);
  EXPECT(memcmp(buf, "ab", 2) == 0, "offsets are shared between opens");
  EXPECT_EQ(read(fds[0], buf, 2), 2);
  EXPECT(memcmp(buf, "cd", 2) == 0, "read wrong data");
  EXPECT_EQ(close(fds[n - 1]), 0);
  int d = dup(fds[0]);
  EXPECT_EQ(d, fds[n - 1]); // the only free descriptor
  EXPECT_EQ(read(d, buf, 2), 2);
  EXPECT(memcmp(buf, "ef", 2) == 0, "dup does not share the offset");
  EXPECT_EQ(read(fds[0], buf, 2), 2);
  EXPECT(memcmp(buf, "gh", 2) == 0, "dup does not share the offset");

  for (int i = 0; i < n; i++) EXPECT_EQ(close(fds[i]), 0);

  // Descriptors that are not open, or out of range.
  EXPECT_EQ(close(fds[0]), -1);
  EXPECT_EQ(read(fds[0], buf, 1), -1);
  EXPECT_EQ(read(-1, buf, 1), -1);
  EXPECT_EQ(read(NOFILE, buf, 1), -1);
  EXPECT_EQ(write(NOFILE + 100, buf, 1), -1);
  EXPECT_EQ(write(-2, buf, 1), -1);
  EXPECT_EQ(close(-1), -1);
  EXPECT_EQ(close(NOFILE), -1);
  EXPECT_EQ(fstat(-1, &st), -1);
  EXPECT_EQ(fstat(NOFILE, &st), -1);
  EXPECT_EQ(dup(-1), -1);
  EXPECT_EQ(dup(NOFILE), -1);

  // Negative counts.
  int fd = xopen("ut_many", O_RDWR);
  EXPECT_EQ(read(fd, buf, -1), -1);
  EXPECT_EQ(write(fd, buf, -1), -1);
  close(fd);
  EXPECT_EQ(unlink("ut_many"), 0);
}

// ---------------------------------------------------------------------------
// concurrentfs: processes creating, checking and deleting files at once.

enum { CF_KIDS = 4, CF_ROUNDS = 12 };

static NOINLINE void cf_name(char *out, int kid, int k) { snprintf(out, 32, "ut_cfs/c%d_%d", kid, k); }

static int cf_len(int kid, int k) { return 300 + (kid * 761 + k * 1319) % 2600; }

static uchar cf_byte(int kid, int k, int i) { return (uchar)(kid * 31 + k * 17 + i * 7 + (i >> 8)); }

static NOINLINE void cf_check(const char *name, int kid, int k) {
  int fd = open(name, O_RDONLY);
  if (fd < 0) fail("cannot open %s", name);
  int len = cf_len(kid, k);
  int n = readn(fd, buf2, len + 1);
  close(fd);
  if (n != len) fail("%s has %d bytes, expected %d", name, n, len);
  for (int i = 0; i < len; i++)
    if ((uchar)buf2[i] != cf_byte(kid, k, i))
      fail("%s: byte %d is %d, expected %d", name, i, (uchar)buf2[i], cf_byte(kid, k, i));
}

static void cf_child(int kid) {
  char name[32], old[32];
  int won = mkdir("ut_cfs/race") == 0;
  for (int k = 0; k < CF_ROUNDS; k++) {
    cf_name(name, kid, k);
    int fd = open(name, O_CREATE | O_RDWR);
    if (fd < 0) fail("cannot create %s", name);
    int len = cf_len(kid, k);
    for (int i = 0; i < len; i++) buf[i] = cf_byte(kid, k, i);
    xwrite(fd, buf, len / 3);
    xwrite(fd, buf + len / 3, len - len / 3);
    close(fd);
    cf_check(name, kid, k);
    if (k >= 2 && (k - 2) % 3 != 0) {
      cf_name(old, kid, k - 2);
      if (unlink(old) != 0) fail("unlink %s failed", old);
    }
  }
  for (int k = CF_ROUNDS - 2; k < CF_ROUNDS; k++) {
    if (k % 3 != 0) {
      cf_name(name, kid, k);
      if (unlink(name) != 0) fail("unlink %s failed", name);
    }
  }
  exit(won ? 100 : 0);
}

static void test_concurrentfs(void) {
  char name[32];
  for (int kid = 0; kid < CF_KIDS; kid++)
    for (int k = 0; k < CF_ROUNDS; k++) {
      cf_name(name, kid, k);
      unlink(name);
    }
  unlink("ut_cfs/race");
  unlink("ut_cfs");

  EXPECT_EQ(mkdir("ut_cfs"), 0);
  int pids[CF_KIDS];
  for (int i = 0; i < CF_KIDS; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) cf_child(i);
  }
  int winners = 0;
  for (int i = 0; i < CF_KIDS; i++) {
    int st;
    int w = wait(&st);
    EXPECT(w > 0, "wait failed");
    EXPECT(st == 0 || st == 100, "child %d exited with %d", w, st);
    winners += st == 100;
  }
  EXPECT(winners == 1, "%d processes created the same directory", winners);

  // What is left: every kid's files with k % 3 == 0, and race.
  for (int kid = 0; kid < CF_KIDS; kid++)
    for (int k = 0; k < CF_ROUNDS; k += 3) {
      cf_name(name, kid, k);
      cf_check(name, kid, k);
    }
  int fd = xopen("ut_cfs", O_RDONLY);
  struct dirent de;
  int used = 0;
  for (int i = 0; i < 1000 && read(fd, &de, sizeof de) == sizeof de; i++) {
    if (de.inum == 0) continue;
    used++;
    char nm[DIRSIZ + 1];
    memmove(nm, de.name, DIRSIZ);
    nm[DIRSIZ] = '\0';
    if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0 || strcmp(nm, "race") == 0) continue;
    int ok = 0;
    for (int kid = 0; kid < CF_KIDS && !ok; kid++)
      for (int k = 0; k < CF_ROUNDS; k += 3) {
        cf_name(name, kid, k);
        if (strcmp(name + 7, nm) == 0) ok = 1;
      }
    if (!ok) {
      close(fd);
      fail("unexpected entry %s in ut_cfs", nm);
    }
  }
  close(fd);
  int want = 3 + CF_KIDS * ((CF_ROUNDS + 2) / 3);
  EXPECT(used == want, "ut_cfs has %d entries, expected %d", used, want);

  for (int kid = 0; kid < CF_KIDS; kid++)
    for (int k = 0; k < CF_ROUNDS; k += 3) {
      cf_name(name, kid, k);
      EXPECT_EQ(unlink(name), 0);
    }
  EXPECT_EQ(unlink("ut_cfs/race"), 0);
  EXPECT_EQ(unlink("ut_cfs"), 0);
}

// ---------------------------------------------------------------------------
// deaddir: a directory that has been removed takes no new entries. A
// process may still be in it (its current directory); what it created
// there would be named by no directory once the last reference to the
// directory went, and its inode and blocks would never be freed. (Found
// while fuzzing: one process removes a directory another is in.)

static void test_deaddir(void) {
  struct stat st;
  unlink("ut_dd/sub");
  unlink("ut_dd/f");
  unlink("ut_dd/g");
  unlink("ut_dd/dev");
  unlink("ut_dd");
  unlink("ut_dd_f");
  close(xopen("ut_dd_f", O_CREATE | O_RDWR));
  EXPECT_EQ(mkdir("ut_dd"), 0);
  EXPECT_EQ(chdir("ut_dd"), 0);
  EXPECT_EQ(unlink("../ut_dd"), 0); // empty: it may go while we are in it
  EXPECT_EQ(open("f", O_CREATE | O_RDWR), -1);
  EXPECT_EQ(mkdir("sub"), -1);
  EXPECT_EQ(mknod("dev", 2, 0), -1);
  EXPECT_EQ(link("../ut_dd_f", "g"), -1);
  int fd = open(".", O_RDONLY); // still a directory, only empty
  EXPECT(fd >= 0, "cannot open the removed current directory");
  close(fd);
  EXPECT_EQ(chdir(".."), 0);
  EXPECT(stat("ut_dd", &st) < 0, "ut_dd still exists");
  EXPECT_EQ(stat("ut_dd_f", &st), 0);
  EXPECT_EQ(st.nlink, 1);
  EXPECT_EQ(unlink("ut_dd_f"), 0);
}

// ---------------------------------------------------------------------------
// The runner.

static const struct test tests[] = {
    {"fork", test_fork},
    {"exec", test_exec},
    {"exitwait", test_exitwait},
    {"kill", test_kill},
    {"sbrk", test_sbrk},
    {"badptr", test_badptr},
    {"errno", test_errno},
    {"fs", test_fs},
    {"bigfile", test_bigfile},
    {"pipebulk", test_pipebulk},
    {"pipemany", test_pipemany},
    {"pipeeof", test_pipeeof},
    {"pipekill", test_pipekill},
    {"pipebadptr", test_pipebadptr},
    {"pipesignal", test_pipesignal},
    {"pipeatomic", test_pipeatomic},
    {"pipenonblock", test_pipenonblock},
    {"sleep", test_sleep},
    {"manyfiles", test_manyfiles},
    {"concurrentfs", test_concurrentfs},
    {"deaddir", test_deaddir},
};
enum { NTESTS = sizeof tests / sizeof tests[0] };

int main(int argc, char *argv[]) { exit(test_main("usertests", tests, NTESTS, argc, argv)); }
