// stress: pipes and UDP sockets hammered by many processes at once.
//
//   stress [SECONDS]        (default 10)
//
// For SECONDS, NPIPE pipes each carry records from PW writers to PR
// readers, and NSOCK UDP sockets each take datagrams from SW connected
// senders, while the parent interrupts them all with signals (some restart
// the interrupted call, some see EINTR). Readers wait in read(), in poll(),
// or in recv() with a receive time-out. Then every byte and datagram is
// accounted for:
//   pipes    every record written is read exactly once and intact, and each
//            reader sees each writer's records in order. A write of at most
//            PIPE_BUF bytes is atomic, so whole records written never
//            interleave, and reads of whole records return whole records.
//   sockets  a datagram may be dropped when a receive queue is full, but
//            the kernel counts each drop (netstat): sent == received +
//            dropped, per socket and in total. Every datagram received is
//            intact, and each sender's arrive in the order sent.
// Every second the parent prints a progress line, which the harness
// (tools/stress.py) watches to tell a hang from slow progress:
//   stress: 3 s: 123456 records, 7890 datagrams, 321 signals
// and at the end one summary line, and exits non-zero on any discrepancy:
//   stress: OK: ...        or        stress: FAILED: reason
#include <stdarg.h>

#include "kernel/uapi/types.h"
#include "kernel/uapi/param.h"
#include "kernel/uapi/errno.h"
#include "kernel/uapi/poll.h"
#include "kernel/uapi/signal.h"
#include "kernel/uapi/socket.h"
#include "kernel/uapi/time.h"
#include "user/lib/testlib.h"
#include "user/lib/user.h"

enum {
  NPIPE = 3,
  PW = 3,
  PR = 2, // pipes; writers and readers per pipe
  NSOCK = 2,
  SW = 3,                   // sockets; senders per socket
  MAXW = PW > SW ? PW : SW, // the most writers or senders one reader sees
  NKIDS = NPIPE * (PW + PR) + NSOCK * (1 + SW),
  PIPE_BUF = 4096,
  BASEPORT = 9100,
  RCVTIMEO_MS = 20,      // receivers also wake up by time-out
  LATE_SECONDS = 60,     // after the end, give up waiting after this
  SIGNALS_PER_ROUND = 8, // signals the parent sends each time it wakes
};

// A pipe record: several go in one write of at most PIPE_BUF bytes.
struct rec {
  uint32 wid; // writer, 0 .. NPIPE*PW-1
  uint32 seq;
  uint32 salt;
  uint32 sum;
};
enum { RECS_PER_WRITE = PIPE_BUF / sizeof(struct rec) };

// A datagram starts with this; len bytes of payload follow.
struct dgram {
  uint32 sid; // sender, 0 .. NSOCK*SW-1
  uint32 seq;
  uint32 len;
  uint32 sum;
};
enum { MAXPAYLOAD = UDP_MAX_PAYLOAD - sizeof(struct dgram) };

// What children tell the parent, through one pipe (whole records: atomic).
enum kind { PROGRESS, WRITER, READER, SENDER, RECEIVER, FAILURE };
struct report {
  int kind;
  int who;            // pipe or socket number for READER/RECEIVER
  uint64 count[MAXW]; // READER/RECEIVER: per writer/sender
  uint64 sum[MAXW];   //   sum of the sequence numbers
  uint64 sumsq[MAXW]; //   sum of their squares
  uint64 a;           // WRITER: records; SENDER: datagrams sent;
                      // RECEIVER: the socket's datagrams_in;
                      // PROGRESS: records read
  uint64 b;           // RECEIVER: drops_rcvbuf; SENDER: sends that
                      // failed for want of memory; PROGRESS: datagrams
  uint64 intr;        // calls that failed with EINTR
  char why[96];       // FAILURE
};

static uint64 deadline; // rdtime() at the end of the busy phase
static int repfd = -1;  // write end of the report pipe, in children

// Buffers: the stack is one page.
static struct rec wbuf[RECS_PER_WRITE];
static char rbuf[2 * PIPE_BUF];
static char dbuf[UDP_MAX_PAYLOAD + 64];
static struct report rep;

static void on_usr1(int sig) { (void)sig; }

// Catch SIGUSR1. With restart the kernel restarts a call it interrupts
// (SA_RESTART); without, the call fails with EINTR and is tried again.
static void catch_usr1(int restart) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGUSR1, &sa, 0);
}

// Send a report to the parent, whole.
static void send_report(struct report *r) {
  for (int tries = 0; tries < 1000; tries++) {
    int n = write(repfd, r, sizeof *r);
    if (n == sizeof *r) return;
    if (n >= 0 || errno != EINTR) break;
  }
  exit(2); // the parent sees the missing report and the exit status
}

// A writer's or sender's last report (its counts), then exit.
static void report_and_exit(int kind, int who, uint64 a, uint64 b, uint64 intr) {
  memset(&rep, 0, sizeof rep);
  rep.kind = kind;
  rep.who = who;
  rep.a = a;
  rep.b = b;
  rep.intr = intr;
  send_report(&rep);
  exit(0);
}

// A child found a discrepancy: tell the parent and exit.
static void child_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void child_fail(const char *fmt, ...) {
  va_list ap;
  memset(&rep, 0, sizeof rep);
  rep.kind = FAILURE;
  va_start(ap, fmt);
  vsnprintf(rep.why, sizeof rep.why, fmt, ap);
  va_end(ap);
  send_report(&rep);
  exit(1);
}

static uint32 mix(uint32 a, uint32 b, uint32 c) {
  uint32 x = (a * 0x9e3779b1u) ^ (b * 0x85ebca6bu) ^ (c * 0xc2b2ae35u);
  x ^= x >> 15;
  return x ^ 0x5bd1e995u;
}

// A child keeps only the descriptors it needs (and 0..2): otherwise a
// stray write end would keep a reader from ever seeing end of file.
static void keep_only(int a, int b, int c) {
  for (int fd = 3; fd < NOFILE; fd++)
    if (fd != a && fd != b && fd != c) close(fd);
}

static int late(void) { return rdtime() > deadline + (uint64)LATE_SECONDS * TIMEBASE_HZ; }

// ---------------------------------------------------------------------------
// Pipes.

static void writer(int wid, int fd) {
  uint32 s = mix(wid, 1, 0x5eed) | 1;
  uint32 seq = 0;
  int intr = 0;
  catch_usr1(wid % 2);
  while (rdtime() < deadline) {
    uint32 k = 1 + rnd(&s) % RECS_PER_WRITE;
    for (uint32 i = 0; i < k; i++) {
      wbuf[i].wid = wid;
      wbuf[i].seq = seq + i;
      wbuf[i].salt = rnd(&s);
      wbuf[i].sum = mix(wid, seq + i, wbuf[i].salt);
    }
    int n = k * sizeof(struct rec), r;
    for (int tries = 0;; tries++) {
      r = write(fd, wbuf, n);
      if (r >= 0 || errno != EINTR || tries == 1000) break;
      intr++; // interrupted before anything was written: again
    }
    if (r != n)
      child_fail("writer %d: write of %d bytes returned %d (%s): a write of at most PIPE_BUF must be whole",
                 wid, n, r, r < 0 ? strerror(errno) : "short");
    seq += k;
  }
  report_and_exit(WRITER, wid, seq, 0, intr);
}

static void reader(int pipe, int r, int fd) {
  static long last[PW];
  uint32 s = mix(pipe, r, 0xbeef) | 1;
  uint64 progress = 0, tprog = rdtime();
  catch_usr1(r % 2 == 0);
  memset(&rep, 0, sizeof rep);
  for (int w = 0; w < PW; w++) last[w] = -1;
  for (;;) {
    if (late()) child_fail("reader %d of pipe %d: no end of file %d s after the end", r, pipe, LATE_SECONDS);
    // Reader 1 waits in poll() first: its wakeups are another path.
    struct pollfd pf = {fd, POLLIN, 0};
    if (r == 1 && poll(&pf, 1, -1) < 0) {
      if (errno != EINTR) child_fail("reader %d of pipe %d: poll: %s", r, pipe, strerror(errno));
      rep.intr++;
      continue;
    }
    int want = sizeof(struct rec) * (1 + rnd(&s) % (sizeof rbuf / sizeof(struct rec)));
    int n = read(fd, rbuf, want);
    if (n < 0 && errno == EINTR) {
      rep.intr++;
      continue;
    }
    if (n < 0) child_fail("reader %d of pipe %d: read: %s", r, pipe, strerror(errno));
    if (n == 0) break;
    if (n % sizeof(struct rec) != 0)
      child_fail("reader %d of pipe %d: a read of %d bytes returned %d: part of a record", r, pipe, want, n);
    for (struct rec *x = (struct rec *)rbuf; x < (struct rec *)(rbuf + n); x++) {
      int w = x->wid - pipe * PW;
      if (w < 0 || w >= PW || x->sum != mix(x->wid, x->seq, x->salt))
        child_fail("pipe %d: reader %d got a corrupt record (writer %u, seq %u, sum %x)", pipe, r, x->wid,
                   x->seq, x->sum);
      if ((long)x->seq <= last[w])
        child_fail("pipe %d: reader %d got writer %u's record %u after %ld", pipe, r, x->wid, x->seq,
                   (long)last[w]);
      last[w] = x->seq;
      rep.count[w]++;
      rep.sum[w] += x->seq;
      rep.sumsq[w] += (uint64)x->seq * x->seq;
    }
    progress += n / sizeof(struct rec);
    if (rdtime() - tprog > TIMEBASE_HZ / 4) {
      static struct report pr;
      pr.kind = PROGRESS;
      pr.a = progress;
      send_report(&pr);
      progress = 0;
      tprog = rdtime();
    }
  }
  static struct report pr;
  pr.kind = PROGRESS;
  pr.a = progress;
  send_report(&pr);
  rep.kind = READER;
  rep.who = pipe;
  send_report(&rep);
  exit(0);
}

// ---------------------------------------------------------------------------
// UDP sockets.

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static uint32 payload_sum(const uchar *p, uint32 len, uint32 seed) {
  uint32 h = seed * 0x9e3779b1u + len;
  for (uint32 i = 0; i < len; i++) h = (h ^ p[i]) * 0x01000193u;
  return h;
}

static void sender(int sid, int sock) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = loopback(BASEPORT + sock);
  if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) < 0)
    child_fail("sender %d: socket or connect: %s", sid, strerror(errno));
  uint32 s = mix(sid, 2, 0xfeed) | 1;
  uint32 seq = 0;
  uint64 nomem = 0;
  catch_usr1(sid % 2);
  struct dgram *d = (struct dgram *)dbuf;
  uchar *payload = (uchar *)(d + 1);
  while (rdtime() < deadline) {
    d->sid = sid;
    d->seq = seq;
    d->len = rnd(&s) % (MAXPAYLOAD + 1);
    for (uint32 i = 0; i < d->len; i++) payload[i] = rnd(&s);
    d->sum = payload_sum(payload, d->len, d->seq ^ sid);
    long n = send(fd, d, sizeof *d + d->len, 0);
    if (n == (long)(sizeof *d + d->len))
      seq++;
    else if (n < 0 && errno == ENOBUFS)
      nomem++; // not sent: the kernel had no memory for it
    else
      child_fail("sender %d: send of %d bytes returned %ld (%s)", sid, (int)(sizeof *d + d->len), n,
                 n < 0 ? strerror(errno) : "short");
  }
  close(fd);
  report_and_exit(SENDER, sid, seq, nomem, 0);
}

// Has the parent closed the stop pipe (all senders are done)?
static int stopped(int stopfd) {
  struct pollfd pf = {stopfd, POLLIN, 0};
  return poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP);
}

// Check one datagram of n bytes; count it.
static void got_datagram(int sock, long n, long *last) {
  struct dgram *d = (struct dgram *)dbuf;
  int w = d->sid - sock * SW;
  if (n < (long)sizeof *d || w < 0 || w >= SW || n != (long)(sizeof *d + d->len) ||
      d->sum != payload_sum((uchar *)(d + 1), d->len, d->seq ^ d->sid))
    child_fail("socket %d: corrupt datagram of %ld bytes (sender %u, seq %u, len %u)", sock, n, d->sid,
               d->seq, d->len);
  if ((long)d->seq <= last[w])
    child_fail("socket %d: sender %u's datagram %u came after %ld", sock, d->sid, d->seq, (long)last[w]);
  last[w] = d->seq;
  rep.count[w]++;
  rep.sum[w] += d->seq;
}

// Even receivers wait in recv() with a time-out; odd ones in poll() on the
// socket and the stop pipe, then take what is there without waiting.
static void receiver(int sock, int fd, int stopfd) {
  static long last[SW];
  uint64 progress = 0, tprog = rdtime();
  struct timeval tv = {0, RCVTIMEO_MS * 1000};
  int use_poll = sock % 2;
  catch_usr1(sock % 2);
  memset(&rep, 0, sizeof rep);
  for (int w = 0; w < SW; w++) last[w] = -1;
  if (!use_poll && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
    child_fail("receiver %d: setsockopt: %s", sock, strerror(errno));
  int draining = 0;
  for (;;) {
    if (late()) child_fail("receiver %d: still receiving %d s after the end", sock, LATE_SECONDS);
    if (use_poll && !draining) {
      struct pollfd pf[2] = {{fd, POLLIN, 0}, {stopfd, POLLIN, 0}};
      if (poll(pf, 2, -1) < 0) {
        if (errno != EINTR) child_fail("receiver %d: poll: %s", sock, strerror(errno));
        rep.intr++;
        continue;
      }
      if (!(pf[0].revents & POLLIN)) {
        draining = (pf[1].revents & POLLHUP) != 0; // stopped, and nothing was queued
        continue;
      }
    }
    long n = recv(fd, dbuf, sizeof dbuf, draining || use_poll ? MSG_DONTWAIT : 0);
    if (n >= 0) {
      got_datagram(sock, n, last);
      progress++;
    } else if (errno == EINTR) {
      rep.intr++;
    } else if (errno != EAGAIN) {
      child_fail("receiver %d: recv: %s", sock, strerror(errno));
    } else if (draining) {
      break; // the senders are done and the queue is empty
    } else if (!use_poll && stopped(stopfd)) {
      draining = 1; // one more pass, without waiting, for the last ones
    }
    if (rdtime() - tprog > TIMEBASE_HZ / 4) {
      static struct report pr;
      pr.kind = PROGRESS;
      pr.b = progress;
      send_report(&pr);
      progress = 0;
      tprog = rdtime();
    }
  }
  struct net_counters c;
  if (netstat(fd, &c) < 0) child_fail("receiver %d: netstat: %s", sock, strerror(errno));
  static struct report pr;
  pr.kind = PROGRESS;
  pr.b = progress;
  send_report(&pr);
  rep.kind = RECEIVER;
  rep.who = sock;
  rep.a = c.datagrams_in;
  rep.b = c.drops_rcvbuf;
  send_report(&rep);
  exit(0);
}

// ---------------------------------------------------------------------------
// The parent: start everyone, interrupt them, collect and check.

static int kids[NKIDS], ids[NKIDS], nkids;
static const char *roles[NKIDS];
static struct report reps[16];
static uint64 written[NPIPE * PW], sent[NSOCK * SW];
static uint64 rcount[NPIPE * PW], rsum[NPIPE * PW], rsumsq[NPIPE * PW];
static uint64 dcount[NSOCK * SW], sock_in[NSOCK], sock_drops[NSOCK];
static uint64 records, datagrams, intr, nomem;
static int nsignals;
static int nwriters, nreaders, nsenders, nreceivers;
static char failure[160];

static void note_failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note_failure(const char *fmt, ...) {
  va_list ap;
  if (failure[0]) return; // the first one is the one to report
  va_start(ap, fmt);
  vsnprintf(failure, sizeof failure, fmt, ap);
  va_end(ap);
}

// The child's number, and what it works on: set just before each spawn.
static int c_id, c_num, c_fd, c_stop;

static void spawn(const char *role, void (*start)(void), int keep1, int keep2, int keep3) {
  int pid = fork();
  if (pid < 0) {
    note_failure("fork failed");
    return;
  }
  if (pid == 0) {
    keep_only(keep1, keep2, keep3);
    start();
    exit(0);
  }
  roles[nkids] = role;
  ids[nkids] = c_id;
  kids[nkids++] = pid;
}

// What each kind of child runs.
static void start_writer(void) { writer(c_id, c_fd); }
static void start_reader(void) { reader(c_id, c_num, c_fd); }
static void start_sender(void) { sender(c_id, c_num); }
static void start_receiver(void) { receiver(c_id, c_fd, c_stop); }

static void collect(struct report *r) {
  switch (r->kind) {
  case PROGRESS:
    records += r->a;
    datagrams += r->b;
    return;
  case WRITER:
    written[r->who] = r->a;
    nwriters++;
    break;
  case READER:
    for (int w = 0; w < PW; w++) {
      rcount[r->who * PW + w] += r->count[w];
      rsum[r->who * PW + w] += r->sum[w];
      rsumsq[r->who * PW + w] += r->sumsq[w];
    }
    nreaders++;
    break;
  case SENDER:
    sent[r->who] = r->a;
    nomem += r->b;
    nsenders++;
    break;
  case RECEIVER:
    for (int w = 0; w < SW; w++) dcount[r->who * SW + w] = r->count[w];
    sock_in[r->who] = r->a;
    sock_drops[r->who] = r->b;
    nreceivers++;
    break;
  case FAILURE: note_failure("%s", r->why); return;
  }
  intr += r->intr;
}

// 0^2 + 1^2 + ... + (n-1)^2 = (n-1) n (2n-1) / 6, modulo 2^64 as the
// readers' sums are: divide before multiplying.
static uint64 sum_of_squares(uint64 n) {
  uint64 f[3] = {n - 1, n, 2 * n - 1};
  f[f[0] % 2 == 0 ? 0 : 1] /= 2;
  for (int i = 0; i < 3; i++)
    if (f[i] % 3 == 0) {
      f[i] /= 3;
      break;
    }
  return f[0] * f[1] * f[2];
}

static void check_pipes(void) {
  for (int w = 0; w < NPIPE * PW; w++) {
    uint64 n = written[w];
    if (rcount[w] != n || rsum[w] != n * (n - 1) / 2 || (n && rsumsq[w] != sum_of_squares(n)))
      note_failure("pipe %d: writer %d wrote %lu records, readers got %lu (sequence sum %lu, expected %lu)",
                   w / PW, w, n, rcount[w], rsum[w], n * (n - 1) / 2);
  }
}

static void check_sockets(const struct net_counters *b, const struct net_counters *a) {
  uint64 out = a->datagrams_out - b->datagrams_out, in = a->datagrams_in - b->datagrams_in;
  uint64 rcvbuf = a->drops_rcvbuf - b->drops_rcvbuf, backlog = a->drops_backlog - b->drops_backlog;
  uint64 other = (a->drops_noport - b->drops_noport) + (a->drops_malformed - b->drops_malformed);
  uint64 total = 0, got = 0;
  for (int s = 0; s < NSOCK * SW; s++) total += sent[s];
  for (int s = 0; s < NSOCK * SW; s++) got += dcount[s];
  if (out != total) note_failure("udp: senders sent %lu datagrams, the kernel counted %lu", total, out);
  if (out != in + rcvbuf + backlog + other)
    note_failure("udp: %lu datagrams sent but %lu delivered + %lu + %lu dropped (queue, backlog) + %lu lost",
                 out, in, rcvbuf, backlog, other);
  if (other) note_failure("udp: %lu datagrams without a port or malformed", other);
  if (got != in) note_failure("udp: %lu datagrams delivered to sockets, %lu received", in, got);
  for (int k = 0; k < NSOCK; k++) {
    uint64 to = 0, from = 0;
    for (int w = 0; w < SW; w++) {
      to += sent[k * SW + w];
      from += dcount[k * SW + w];
      if (dcount[k * SW + w] > sent[k * SW + w])
        note_failure("socket %d: %lu datagrams from sender %d, which sent %lu", k, dcount[k * SW + w],
                     k * SW + w, sent[k * SW + w]);
    }
    if (from != sock_in[k])
      note_failure("socket %d: counted %lu datagrams in, its reader got %lu", k, sock_in[k], from);
    // Backlog drops are not counted per socket: exact only without them.
    if (backlog == 0 ? to != sock_in[k] + sock_drops[k] : to < sock_in[k] + sock_drops[k])
      note_failure("socket %d: %lu datagrams sent to it, %lu delivered + %lu dropped", k, to, sock_in[k],
                   sock_drops[k]);
  }
}

static void start_all(int stopfd, int *rfds) {
  for (int p = 0; p < NPIPE; p++) {
    int fds[2];
    if (pipe(fds) < 0) {
      note_failure("pipe failed");
      return;
    }
    for (int r = 0; r < PR; r++) {
      c_id = p, c_num = r, c_fd = fds[0];
      spawn("reader of pipe", start_reader, fds[0], repfd, -1);
    }
    for (int w = 0; w < PW; w++) {
      c_id = p * PW + w, c_fd = fds[1];
      spawn("writer", start_writer, fds[1], repfd, -1);
    }
    close(fds[0]);
    close(fds[1]);
  }
  for (int k = 0; k < NSOCK; k++) {
    c_id = k, c_fd = rfds[k], c_stop = stopfd;
    spawn("receiver", start_receiver, rfds[k], repfd, stopfd);
    close(rfds[k]);
  }
  for (int k = 0; k < NSOCK; k++)
    for (int w = 0; w < SW; w++) {
      c_id = k * SW + w, c_num = k;
      spawn("sender", start_sender, repfd, -1, -1);
    }
}

// Bound receiving sockets, made before any sender exists: a datagram
// never finds its port unbound.
static int bind_receivers(int *rfds) {
  for (int k = 0; k < NSOCK; k++) {
    struct sockaddr_in a = loopback(BASEPORT + k);
    rfds[k] = socket(AF_INET, SOCK_DGRAM, 0);
    if (rfds[k] < 0 || bind(rfds[k], (struct sockaddr *)&a, sizeof a) < 0) {
      note_failure("cannot bind port %d: %s", BASEPORT + k, strerror(errno));
      return -1;
    }
  }
  return 0;
}

// Read reports until every child has closed the report pipe, meanwhile
// sending signals until the deadline and printing progress each second.
static void supervise(int rd, int stopw, uint64 start) {
  uint32 s = 0x51a1;
  uint64 next_print = start + TIMEBASE_HZ;
  int sigs = 0;
  for (;;) {
    if (late()) {
      note_failure("children still running %d s after the end", LATE_SECONDS);
      for (int i = 0; i < nkids; i++) kill(kids[i], SIGKILL);
      return;
    }
    struct pollfd pf = {rd, POLLIN, 0};
    poll(&pf, 1, 10);
    if (pf.revents) {
      int n = read(rd, reps, sizeof reps);
      if (n == 0) break; // every child has exited
      if (n < 0 || n % sizeof(struct report) != 0) {
        note_failure("reading reports: %d", n);
        break;
      }
      for (int i = 0; i < n / (int)sizeof(struct report); i++) collect(&reps[i]);
    }
    uint64 now = rdtime();
    for (int i = 0; now < deadline && nkids > 0 && i < SIGNALS_PER_ROUND; i++)
      if (kill(kids[rnd(&s) % nkids], SIGUSR1) == 0) sigs++;
    if (stopw >= 0 && nsenders == NSOCK * SW) {
      close(stopw); // the receivers may finish once their queues are empty
      stopw = -1;
    }
    if (now >= next_print) {
      printf("stress: %d s: %lu records, %lu datagrams, %d signals\n", (int)((now - start) / TIMEBASE_HZ),
             records, datagrams, sigs);
      next_print += TIMEBASE_HZ;
    }
  }
  if (stopw >= 0) close(stopw);
  nsignals = sigs;
}

int main(int argc, char *argv[]) {
  int seconds = argc > 1 ? atoi(argv[1]) : 10;
  if (seconds < 1 || seconds > 3600) {
    fprintf(2, "usage: stress [SECONDS]   (1 to 3600)\n");
    exit(2);
  }
  struct net_counters before, after;
  int rep_pipe[2], stop_pipe[2], rfds[NSOCK];
  uint64 start = rdtime();
  deadline = start + (uint64)seconds * TIMEBASE_HZ;
  if (netstat(-1, &before) < 0 || pipe(rep_pipe) < 0 || pipe(stop_pipe) < 0) {
    printf("stress: FAILED: setting up: %s\n", strerror(errno));
    exit(1);
  }
  repfd = rep_pipe[1];
  catch_usr1(0); // inherited: no child can die of a signal that comes before its own
  if (bind_receivers(rfds) == 0) start_all(stop_pipe[0], rfds);
  close(rep_pipe[1]);
  close(stop_pipe[0]);
  repfd = -1;
  supervise(rep_pipe[0], stop_pipe[1], start);
  close(rep_pipe[0]);

  for (int i = 0; i < nkids; i++) {
    int st, w = wait(&st);
    for (int k = 0; k < nkids; k++)
      if (kids[k] == w && st != 0)
        note_failure("%s %d (pid %d) exited with status %d", roles[k], ids[k], w, st);
  }
  if (nwriters != NPIPE * PW || nreaders != NPIPE * PR || nsenders != NSOCK * SW || nreceivers != NSOCK)
    note_failure("reports from %d/%d writers, %d/%d readers, %d/%d senders, %d/%d receivers", nwriters,
                 NPIPE * PW, nreaders, NPIPE * PR, nsenders, NSOCK * SW, nreceivers, NSOCK);
  netstat(-1, &after);
  check_pipes();
  check_sockets(&before, &after);

  uint64 total = 0,
         drops = (after.drops_rcvbuf - before.drops_rcvbuf) + (after.drops_backlog - before.drops_backlog);
  for (int s = 0; s < NSOCK * SW; s++) total += sent[s];
  int secs = (int)((rdtime() - start) / TIMEBASE_HZ);
  if (failure[0]) {
    printf("stress: FAILED: %s\n", failure);
    exit(1);
  }
  printf("stress: OK: %d s, %d processes: %lu records through %d pipes; %lu datagrams sent, %lu received, "
         "%lu dropped; %d signals, %lu calls interrupted\n",
         secs, nkids, records, NPIPE, total, datagrams, drops, nsignals, intr);
  exit(0);
}
