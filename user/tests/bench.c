// bench: how fast Kite's pipes, sockets, system calls and processes are,
// measured inside the guest. tools/bench.py runs it (`make bench`);
// docs/performance.md explains each figure and gives the latest results.
//
//   bench            every figure, each the median of RUNS runs
//   bench -q         quick: small sizes, one run each (a test checks that
//                    every figure is produced)
//   bench [-q] P...  only the figures whose names start with a prefix P
//   bench -x         exit at once: the program the exec figure runs
//
// For each figure it prints one line, which the harness reads:
//   bench NAME VALUE UNIT
// and at the end `bench: done`; on an error `bench: FAILED: reason` and
// exit status 1. The runs are rounds over all the figures, not five runs
// of one figure in a row, so a burst of load on the host spoils one sample
// of many figures rather than every sample of one.
//
// Times come from the `time` CSR (rdtime: 10 MHz on QEMU's virt machine),
// read without a system call. Under `-icount` QEMU derives it from the
// number of instructions executed, so the figures are then guest time.
// No floating point: the kernel does not save FP registers across a
// switch. Figures are fixed point, in thousandths of their unit.
#include <stdarg.h>

#include "kernel/uapi/types.h"
#include "kernel/uapi/errno.h"
#include "kernel/uapi/socket.h"
#include "kernel/uapi/sysinfo.h"
#include "kernel/uapi/time.h"
#include "user/lib/testlib.h"
#include "user/lib/user.h"

#define SA(p) ((struct sockaddr *)(p))

enum {
  RUNS = 5,     // runs per figure; the median is reported
  CHUNK = 4096, // bytes per pipe read/write and per memcpy
  RING = 16384, // memcpy's destination; small, because the fork figures copy bench itself
  PORT_TPUT = 7301,
  PORT_PING = 7311,
  PORT_PONG = 7312,
  PORT_WAKE = 7321,
  PORT_TCP_TPUT = 7331,
  PORT_TCP_RTT = 7341,
  PORT_TCP_CONN = 7351,
};

// Sizes, full and quick (-q).
struct sizes {
  uint64 pipe_bytes; // pipe throughput
  int rtt_rounds;    // pipe and UDP ping-pong
  int udp_small;     // 64-byte datagrams sent
  int udp_large;     // 1 KiB datagrams sent
  int syscalls;      // getpid calls
  int forks;         // fork+exit+wait
  int execs;         // fork+exec+wait
  int wake_rounds;   // datagrams or writes per wakeup sample
  uint64 copy_bytes; // memcpy
  uint64 loops;      // empty loop iterations
  uint64 csr_reads;  // rdtime instructions
  int connects;      // TCP connect+accept+close
};

static const struct sizes full = {8 << 20, 10000, 8192,    4096,     100000,  200,
                                  50,      4,     8 << 20, 50000000, 1000000, 200};
static const struct sizes quick = {256 << 10, 200, 256, 256, 2000, 10, 4, 2, 256 << 10, 1000000, 10000, 10};

static const struct sizes *sz = &full;
static int runs = RUNS;

static char buf[UDP_MAX_PAYLOAD + CHUNK]; // the stack is one page: buffers are static
static char ring[RING];

// ---- helpers

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...) {
  static char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  printf("bench: FAILED: %s\n", msg);
  exit(1);
}

static int must_fork(void) {
  int pid = fork();
  if (pid < 0) die("fork failed");
  return pid;
}

// Wait for child pid (-1: any child), which must exit with status 0.
static void reap(int pid, const char *what) {
  int st = -1;
  int w = wait(&st);
  if (w < 0 || (pid > 0 && w != pid) || st != 0) die("%s: child %d exited with status %d", what, w, st);
}

static void mkpipe(int *p) {
  if (pipe(p) < 0) die("pipe failed");
}

// Start gate: a child forked ahead blocks in gate_wait until the parent,
// clock in hand, calls gate_open. Fork costs stay out of the measurement.
static void gate_wait(int *gate) {
  char c;
  close(gate[1]);
  if (read(gate[0], &c, 1) != 1) exit(1);
  close(gate[0]);
}

static void gate_open(int *gate) {
  close(gate[0]);
  if (write(gate[1], "g", 1) != 1) die("gate write failed");
  close(gate[1]);
}

static int bound_socket(int port) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = loopback_addr(port);
  if (s < 0 || bind(s, SA(&a), sizeof a) < 0) die("socket bound to port %d: %s", port, strerror(errno));
  return s;
}

static void set_timeout(int s, long usec) {
  struct timeval tv = {usec / 1000000, usec % 1000000};
  if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) die("SO_RCVTIMEO: %s", strerror(errno));
}

static void counters(struct net_counters *c) {
  if (netstat(-1, c) < 0) die("netstat: %s", strerror(errno));
}

static uint64 chan_wakeups(void) {
  struct sysinfo si;
  if (sysinfo(&si) < 0) die("sysinfo failed");
  return si.chan_wakeups;
}

// ---- units: thousandths, from a count and a time in ticks (1/TIMEBASE_HZ s)

// n things in t ticks, in millions a second (MB/s when n counts bytes)
static uint64 mega_per_s(uint64 n, uint64 t) { return n * (TIMEBASE_HZ / 1000000) * 1000 / (t ? t : 1); }

// t ticks over n operations, in microseconds each
static uint64 us_each(uint64 t, uint64 n) { return t * (1000ull * 1000000 / TIMEBASE_HZ) / n; }

// the same in nanoseconds
static uint64 ns_each(uint64 t, uint64 n) { return t * (1000ull * 1000000000 / TIMEBASE_HZ) / n; }

// ---- the report

static uint64 median(uint64 *v, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      uint64 t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return v[n / 2];
}

// `bench NAME VALUE UNIT`, VALUE given in thousandths; three significant
// digits at least, so small and large figures both read well.
static void figure(const char *name, uint64 milli, const char *unit) {
  uint64 whole = milli / 1000, frac = milli % 1000;
  if (whole >= 100)
    printf("bench %s %lu.%lu %s\n", name, whole, frac / 100, unit);
  else if (whole >= 10)
    printf("bench %s %lu.%02lu %s\n", name, whole, frac / 10, unit);
  else
    printf("bench %s %lu.%03lu %s\n", name, whole, frac, unit);
}

// ---- pipes

// pipe_bytes (8 MiB) from a child to its parent through one pipe, in 4 KiB
// writes and reads.
static uint64 pipe_throughput(void) {
  int p[2], gate[2];
  mkpipe(p);
  mkpipe(gate);
  int pid = must_fork();
  if (pid == 0) {
    close(p[0]);
    gate_wait(gate);
    for (uint64 sent = 0; sent < sz->pipe_bytes; sent += CHUNK)
      if (write(p[1], buf, CHUNK) != CHUNK) exit(1);
    exit(0);
  }
  close(p[1]);
  uint64 t0 = rdtime();
  gate_open(gate);
  uint64 got = 0;
  while (got < sz->pipe_bytes) {
    int n = read(p[0], buf, CHUNK);
    if (n <= 0) die("pipe throughput: read returned %d after %lu bytes", n, got);
    got += n;
  }
  uint64 t = rdtime() - t0;
  close(p[0]);
  reap(pid, "pipe throughput");
  return mega_per_s(got, t);
}

// One byte there and back through two pipes, rtt_rounds times.
static uint64 pipe_rtt(void) {
  int there[2], back[2];
  mkpipe(there);
  mkpipe(back);
  int pid = must_fork();
  char c = 'x';
  if (pid == 0) {
    close(there[1]);
    close(back[0]);
    while (read(there[0], &c, 1) == 1)
      if (write(back[1], &c, 1) != 1) exit(1);
    exit(0);
  }
  close(there[0]);
  close(back[1]);
  uint64 t0 = rdtime();
  for (int i = 0; i < sz->rtt_rounds; i++)
    if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1) die("pipe ping-pong: round %d failed", i);
  uint64 t = rdtime() - t0;
  close(there[1]);
  close(back[0]);
  reap(pid, "pipe ping-pong");
  return us_each(t, sz->rtt_rounds);
}

// ---- UDP

static uint64 net_drops(const struct net_counters *c) {
  return c->drops_rcvbuf + c->drops_nomem + c->drops_backlog;
}

static uint64 udp_drops; // per cent of the last throughput run's datagrams

// A child sends count datagrams of size bytes as fast as it can; the parent
// receives, with the receive buffer Linux would give it (rcvbuf 0) or with
// SO_RCVBUF set to rcvbuf. The rate is of bytes received, up to the last
// datagram's arrival; what the receive buffer could not hold is dropped,
// and counted.
static uint64 udp_throughput(int size, int count, int rcvbuf) {
  int r = bound_socket(PORT_TPUT);
  if (rcvbuf && setsockopt(r, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0)
    die("SO_RCVBUF: %s", strerror(errno));
  set_timeout(r, 20000); // only to notice the end when datagrams were lost
  int gate[2];
  mkpipe(gate);
  int pid = must_fork();
  if (pid == 0) {
    close(r);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = loopback_addr(PORT_TPUT);
    gate_wait(gate);
    for (int i = 0; i < count; i++)
      if (sendto(s, buf, size, 0, SA(&to), sizeof to) != size) exit(1);
    exit(0);
  }
  struct net_counters c0, c1;
  counters(&c0);
  uint64 t0 = rdtime(), last = t0;
  gate_open(gate);
  int got = 0;
  uint64 deadline = t0 + 60ull * TIMEBASE_HZ;
  while (got < count) {
    long n = recv(r, buf, UDP_MAX_PAYLOAD, 0);
    if (n == size) {
      got++;
      last = rdtime();
      continue;
    }
    if (n >= 0 || errno != EAGAIN)
      die("UDP throughput: recv returned %ld (%s)", n, n < 0 ? strerror(errno) : "wrong size");
    counters(&c1);
    if (got + net_drops(&c1) - net_drops(&c0) >= (uint64)count || rdtime() > deadline) break;
  }
  counters(&c1);
  close(r);
  reap(pid, "UDP sender");
  uint64 lost = net_drops(&c1) - net_drops(&c0);
  if (got + lost != (uint64)count) die("UDP throughput: %d sent, %d received, %lu dropped", count, got, lost);
  udp_drops = lost * 100000 / count;
  return mega_per_s((uint64)got * size, last - t0);
}

// Small datagrams with the default buffer (212,992 bytes: about 580 of
// them, each charged a 256-byte buffer and its sk_buff); 1 KiB ones with
// the largest (2 MiB, doubled to 4 MiB: about 1,970 of them).
static uint64 udp64_throughput(void) { return udp_throughput(64, sz->udp_small, 0); }
static uint64 udp1k_throughput(void) { return udp_throughput(1024, sz->udp_large, 2 << 20); }
static uint64 last_udp_drops(void) { return udp_drops; }

// The two ends of a socket ping-pong: the echoing side, until recv stops
// returning a byte, and the timed side, rtt_rounds round trips.
static void pong(int s) {
  char c;
  while (recv(s, &c, 1, 0) == 1)
    if (send(s, &c, 1, 0) != 1) exit(1);
}

static uint64 time_ping_pong(int s, const char *what) {
  char c = 'x';
  uint64 t0 = rdtime();
  for (int i = 0; i < sz->rtt_rounds; i++)
    if (send(s, &c, 1, 0) != 1 || recv(s, &c, 1, 0) != 1)
      die("%s ping-pong: round %d failed: %s", what, i, strerror(errno));
  return rdtime() - t0;
}

static uint64 udp_rtt(void) {
  int a = bound_socket(PORT_PING);
  int b = bound_socket(PORT_PONG);
  struct sockaddr_in pa = loopback_addr(PORT_PING), pb = loopback_addr(PORT_PONG);
  if (connect(a, SA(&pb), sizeof pb) < 0 || connect(b, SA(&pa), sizeof pa) < 0)
    die("UDP ping-pong: connect: %s", strerror(errno));
  int pid = must_fork();
  if (pid == 0) {
    close(a);
    set_timeout(b, 5000000); // the loop ends when the pings stop
    pong(b);
    exit(0);
  }
  close(b);
  uint64 t = time_ping_pong(a, "UDP");
  // A zero-length datagram tells the pong side to stop (recv returns 0).
  if (send(a, "", 0, 0) != 0) die("UDP ping-pong: the last send failed");
  close(a);
  reap(pid, "UDP pong");
  return us_each(t, sz->rtt_rounds);
}

// ---- TCP

static int tcp_listener(int port) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  struct sockaddr_in a = loopback_addr(port);
  if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(ls, SA(&a), sizeof a) < 0 || listen(ls, 8) < 0)
    die("TCP: cannot listen on port %d: %s", port, strerror(errno));
  return ls;
}

static int tcp_connect(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = loopback_addr(port);
  if (s < 0 || connect(s, SA(&a), sizeof a) < 0) die("TCP: connect to port %d: %s", port, strerror(errno));
  return s;
}

static int tcp_accept(int ls) {
  int s = accept(ls, 0, 0);
  if (s < 0) die("TCP: accept: %s", strerror(errno));
  return s;
}

// pipe_bytes (8 MiB) from a child to its parent over one connection, in
// 4 KiB writes and reads: the pipe throughput figure's twin.
static uint64 tcp_throughput(void) {
  int ls = tcp_listener(PORT_TCP_TPUT);
  int gate[2];
  mkpipe(gate);
  int pid = must_fork();
  if (pid == 0) {
    int s = tcp_connect(PORT_TCP_TPUT);
    gate_wait(gate);
    for (uint64 sent = 0; sent < sz->pipe_bytes; sent += CHUNK)
      if (send(s, buf, CHUNK, 0) != CHUNK) exit(1);
    close(s);
    exit(0);
  }
  int s = tcp_accept(ls);
  close(ls);
  uint64 t0 = rdtime();
  gate_open(gate);
  uint64 got = 0;
  while (got < sz->pipe_bytes) {
    long n = recv(s, buf, CHUNK, 0);
    if (n <= 0) die("TCP throughput: recv returned %ld after %lu bytes", n, got);
    got += n;
  }
  uint64 t = rdtime() - t0;
  close(s);
  reap(pid, "TCP throughput");
  return mega_per_s(got, t);
}

// One byte there and back over one connection, rtt_rounds times.
static uint64 tcp_rtt(void) {
  int ls = tcp_listener(PORT_TCP_RTT);
  int pid = must_fork();
  if (pid == 0) {
    int s = tcp_connect(PORT_TCP_RTT);
    pong(s);
    close(s);
    exit(0);
  }
  int s = tcp_accept(ls);
  close(ls);
  uint64 t = time_ping_pong(s, "TCP");
  close(s); // the pong side reads end of file
  reap(pid, "TCP pong");
  return us_each(t, sz->rtt_rounds);
}

// A connection's whole life in one process: socket and connect (the
// handshake runs in the software interrupt), accept, and both closes.
static uint64 tcp_connect_close(void) {
  int ls = tcp_listener(PORT_TCP_CONN);
  uint64 t0 = rdtime();
  for (int i = 0; i < sz->connects; i++) {
    int c = tcp_connect(PORT_TCP_CONN);
    int s = tcp_accept(ls);
    close(c);
    close(s);
  }
  uint64 t = rdtime() - t0;
  close(ls);
  return us_each(t, sz->connects);
}

// ---- system calls and processes

static uint64 syscall_rtt(void) {
  uint64 t0 = rdtime();
  for (int i = 0; i < sz->syscalls; i++) getpid();
  return us_each(rdtime() - t0, sz->syscalls);
}

static uint64 fork_exit_wait(void) {
  uint64 t0 = rdtime();
  for (int i = 0; i < sz->forks; i++) {
    int pid = must_fork();
    if (pid == 0) exit(0);
    reap(pid, "fork+exit+wait");
  }
  return us_each(rdtime() - t0, sz->forks);
}

static uint64 fork_exec_wait(void) {
  char *argv[] = {"bench", "-x", 0};
  uint64 t0 = rdtime();
  for (int i = 0; i < sz->execs; i++) {
    int pid = must_fork();
    if (pid == 0) {
      exec("bench", argv);
      exit(1);
    }
    reap(pid, "fork+exec+wait");
  }
  return us_each(rdtime() - t0, sz->execs);
}

// ---- wakeups

// Readers blocked in recvfrom on one socket wait exclusively: a datagram
// should wake one of them. The kernel counts the wakeups it tries
// (net_counters.wakeups). Returns thousandths of a wakeup per datagram.
static uint64 socket_wakeups(int readers) {
  int s = bound_socket(PORT_WAKE);
  int ack[2];
  mkpipe(ack);
  for (int i = 0; i < readers; i++) {
    if (must_fork() == 0) {
      char c;
      close(ack[0]);
      set_timeout(s, 10000000); // no reader outlives a failed run
      while (recv(s, &c, 1, 0) == 1 && c != 'q')
        if (write(ack[1], &c, 1) != 1) exit(1);
      exit(0);
    }
  }
  close(ack[1]);
  int c = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = loopback_addr(PORT_WAKE);
  uint64 total = 0;
  for (int i = 0; i < sz->wake_rounds; i++) {
    sleep(2); // every reader is back asleep in recvfrom
    struct net_counters c0, c1;
    counters(&c0);
    // The wakeup happens inside sendto: the receive path runs in a software
    // interrupt on this hart before sendto returns.
    if (sendto(c, "d", 1, 0, SA(&to), sizeof to) != 1) die("socket wakeups: sendto: %s", strerror(errno));
    counters(&c1);
    total += c1.wakeups - c0.wakeups;
    char b;
    if (read(ack[0], &b, 1) != 1) die("socket wakeups: no reader took datagram %d", i);
  }
  for (int i = 0; i < readers; i++)
    if (sendto(c, "q", 1, 0, SA(&to), sizeof to) != 1) die("socket wakeups: sendto: %s", strerror(errno));
  for (int i = 0; i < readers; i++) reap(-1, "socket reader");
  close(c);
  close(s);
  close(ack[0]);
  return total * 1000 / sz->wake_rounds;
}

// Readers blocked in read() on one empty pipe all sleep on one xv6
// channel; one write's wakeup() makes every one of them runnable (the
// thundering herd), and all but one find the byte gone and sleep again.
// sysinfo's chan_wakeups counts them.
static uint64 pipe_wakeups(int readers) {
  int p[2], ack[2];
  mkpipe(p);
  mkpipe(ack);
  for (int i = 0; i < readers; i++) {
    if (must_fork() == 0) {
      char c;
      close(p[1]);
      close(ack[0]);
      while (read(p[0], &c, 1) == 1)
        if (write(ack[1], &c, 1) != 1) exit(1);
      exit(0);
    }
  }
  close(p[0]);
  close(ack[1]);
  uint64 total = 0;
  for (int i = 0; i < sz->wake_rounds; i++) {
    sleep(2); // every reader is back asleep in read
    uint64 w0 = chan_wakeups();
    if (write(p[1], "d", 1) != 1) die("pipe wakeups: write failed");
    total += chan_wakeups() - w0; // wakeup() ran inside write
    char b;
    if (read(ack[0], &b, 1) != 1) die("pipe wakeups: no reader took byte %d", i);
  }
  close(p[1]); // end of file: every reader exits
  for (int i = 0; i < readers; i++) reap(-1, "pipe reader");
  close(ack[0]);
  return total * 1000 / sz->wake_rounds;
}

// ---- the limits

// What the kernel's memmove does for a pipe (kernel/lib/string.cc): aligned
// 8-byte words. The empty asm keeps GCC from turning the loop into a call
// to ulib's byte-wise memcpy.
static void copy_words(uint64 *dst, const uint64 *src, int n) {
  for (int i = 0; i < n; i++) {
    dst[i] = src[i];
    asm volatile("");
  }
}

// sz->copy_bytes from a 4 KiB buffer into a ring the size of a pipe's, 4 KiB
// at a time, as a pipe write does.
static uint64 memcpy_rate(void) {
  uint64 t0 = rdtime();
  for (uint64 done = 0; done < sz->copy_bytes; done += CHUNK)
    copy_words((uint64 *)(ring + done % RING), (const uint64 *)buf, CHUNK / 8);
  return mega_per_s(sz->copy_bytes, rdtime() - t0);
}

static uint64 loop_rate(void) {
  uint64 t0 = rdtime();
  for (uint64 i = 0; i < sz->loops; i++) asm volatile("");
  return mega_per_s(sz->loops, rdtime() - t0);
}

// QEMU ends a translated block at every CSR access and goes back to its
// main loop: the unit of cost that trap entry and exit, and every
// push_off/pop_off, are made of. One rdtime each, in nanoseconds.
static uint64 csr_read_cost(void) {
  uint64 t0 = rdtime();
  for (uint64 i = 0; i < sz->csr_reads; i++) (void)rdtime();
  return ns_each(rdtime() - t0, sz->csr_reads);
}

// ---- main

static uint64 sock_wakeups_1(void) { return socket_wakeups(1); }
static uint64 sock_wakeups_4(void) { return socket_wakeups(4); }
static uint64 sock_wakeups_8(void) { return socket_wakeups(8); }
static uint64 pipe_wakeups_4(void) { return pipe_wakeups(4); }
static uint64 pipe_wakeups_8(void) { return pipe_wakeups(8); }

static struct figure {
  const char *name;
  const char *unit;
  uint64 (*run)(void); // one sample, in thousandths of unit
  int selected;
  uint64 samples[RUNS];
} figures[] = {
    {"pipe_throughput", "MB/s", pipe_throughput},
    {"pipe_rtt", "us", pipe_rtt},
    {"udp64_throughput", "MB/s", udp64_throughput},
    {"udp64_drops", "%", last_udp_drops}, // of the run just before
    {"udp1k_throughput", "MB/s", udp1k_throughput},
    {"udp1k_drops", "%", last_udp_drops},
    {"udp_rtt", "us", udp_rtt},
    {"tcp_throughput", "MB/s", tcp_throughput},
    {"tcp_rtt", "us", tcp_rtt},
    {"tcp_connect", "us", tcp_connect_close},
    {"getpid", "us", syscall_rtt},
    {"fork_exit_wait", "us", fork_exit_wait},
    {"fork_exec_wait", "us", fork_exec_wait},
    {"sock_wakeups_1", "wakeups/datagram", sock_wakeups_1},
    {"sock_wakeups_4", "wakeups/datagram", sock_wakeups_4},
    {"sock_wakeups_8", "wakeups/datagram", sock_wakeups_8},
    {"pipe_wakeups_4", "wakeups/write", pipe_wakeups_4},
    {"pipe_wakeups_8", "wakeups/write", pipe_wakeups_8},
    {"memcpy", "MB/s", memcpy_rate},
    {"empty_loop", "Mloops/s", loop_rate},
    {"csr_read", "ns", csr_read_cost},
};
enum { NFIGURES = sizeof figures / sizeof figures[0] };

static int has_prefix(const char *s, const char *prefix) {
  while (*prefix)
    if (*s++ != *prefix++) return 0;
  return 1;
}

// Mark the figures the arguments name (all when none does); how many.
static int select_figures(int argc, char **argv) {
  int n = 0;
  for (int f = 0; f < NFIGURES; f++) {
    figures[f].selected = argc == 0;
    for (int i = 0; i < argc; i++) figures[f].selected |= has_prefix(figures[f].name, argv[i]);
    n += figures[f].selected;
  }
  return n;
}

int main(int argc, char *argv[]) {
  argv++, argc--;
  if (argc > 0 && strcmp(argv[0], "-x") == 0) exit(0);
  if (argc > 0 && strcmp(argv[0], "-q") == 0) {
    sz = &quick;
    runs = 1;
    argv++, argc--;
  }
  if (select_figures(argc, argv) == 0) {
    fprintf(2, "usage: bench [-q] [figure-prefix...]\n");
    exit(2);
  }
  struct sysinfo si;
  if (sysinfo(&si) < 0) die("sysinfo failed");
  printf("bench: %lu harts, median of %d runs%s\n", si.ncpu, runs, sz == &quick ? ", quick sizes" : "");
  for (int r = 0; r < runs; r++)
    for (struct figure *f = figures; f < figures + NFIGURES; f++)
      if (f->selected) f->samples[r] = f->run();
  for (struct figure *f = figures; f < figures + NFIGURES; f++)
    if (f->selected) figure(f->name, median(f->samples, runs), f->unit);
  printf("bench: done\n");
  exit(0);
}
