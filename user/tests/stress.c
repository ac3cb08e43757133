// stress: pipes, UDP sockets and TCP connections hammered by many processes
// at once.
//
//   stress [SECONDS]        (default 10)
//
// For SECONDS, NPIPE pipes each carry records from PW writers to PR
// readers, NSOCK UDP sockets each take datagrams from SW connected
// senders, NTCP TCP connections each carry a stream both ways, and one
// process opens TCP sessions to another again and again, while the parent
// interrupts them all with signals (some restart the interrupted call, some
// see EINTR or a short count) and, for the middle half of the run, has the
// loopback device lose every DROP_EVERY-th TCP segment (netdrop), so that
// segments are sent again under load. Readers wait in read(), in poll(),
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
//   TCP      nothing is lost: every byte written is read exactly once,
//            intact, and in its writer's order, also when several writers
//            share a socket; every session opened is accepted and read
//            whole. Afterwards no connection is left but in TIME_WAIT, and
//            that ends.
// Every second the parent prints a progress line, which the harness
// (tools/stress.py) watches to tell a hang from slow progress:
//   stress: 3 s: 123456 records, 7890 datagrams, 4567890 TCP bytes, 120 sessions, 321 signals
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
  SW = 3,   // sockets; senders per socket
  NTCP = 4, // TCP connections, each with a stream each way
  NSTREAM = 2 * NTCP,
  MAXTW = 3,        // the most writers sharing one TCP stream
  TCP_WRITERS = 11, // writers of all streams together (tcp_kinds)
  MAXW = 3,         // the most writers or senders one reader sees
  NKIDS = NPIPE * (PW + PR) + NSOCK * (1 + SW) + NSTREAM + TCP_WRITERS + 2, // + dialer and acceptor
  PIPE_BUF = 4096,
  BASEPORT = 9100,
  TCPPORT = 9200,        // connection k listens on TCPPORT + k
  SESSIONPORT = 9210,    // the acceptor of sessions
  TCPBUF = 24 * 1024,    // the largest TCP write or read: more than a send buffer holds
  RCVTIMEO_MS = 20,      // receivers also wake up by time-out
  ACCEPT_TIMEO_MS = 50,  // and the acceptor of sessions
  DROP_EVERY = 50,       // netdrop: lose every 50th TCP segment ...
  DROP_COUNT = 1000000,  //   ... until told to stop
  LATE_SECONDS = 60,     // after the end, give up waiting after this
  SIGNALS_PER_ROUND = 8, // signals the parent sends each time it wakes
};

_Static_assert(PW <= MAXW && SW <= MAXW && MAXTW <= MAXW, "a reader's report counts MAXW writers");

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
enum kind { PROGRESS, WRITER, READER, SENDER, RECEIVER, TCP_WRITER, TCP_READER, DIALER, ACCEPTOR, FAILURE };
struct report {
  int kind;
  int who;            // pipe, socket or stream number for READER/RECEIVER/TCP_READER;
                      // TCP_WRITER: stream * MAXTW + writer
  uint64 count[MAXW]; // READER/RECEIVER/TCP_READER: per writer/sender (TCP: bytes)
  uint64 sum[MAXW];   //   sum of the sequence numbers (ACCEPTOR: [0], sessions)
  uint64 sumsq[MAXW]; //   sum of their squares
  uint64 a;           // WRITER: records; SENDER: datagrams sent;
                      // RECEIVER: the socket's datagrams_in; TCP_WRITER: bytes;
                      // DIALER, ACCEPTOR: sessions; PROGRESS: records read
  uint64 b;           // RECEIVER: drops_rcvbuf; SENDER: sends that
                      // failed for want of memory; TCP_WRITER: writes cut
                      // short; DIALER, ACCEPTOR: session bytes;
                      // PROGRESS: datagrams
  uint64 c;           // PROGRESS: TCP bytes read
  uint64 d;           // PROGRESS: sessions read
  uint64 intr;        // calls that failed with EINTR
  char why[128];      // FAILURE
};

static uint64 deadline; // rdtime() at the end of the busy phase
static int repfd = -1;  // write end of the report pipe, in children

// Buffers: the stack is one page.
static struct rec wbuf[RECS_PER_WRITE];
static char rbuf[2 * PIPE_BUF];
static char dbuf[UDP_MAX_PAYLOAD + 64];
static struct report rep;
static char tbuf[TCPBUF];   // TCP writes and reads
static char pbuf[PIPE_BUF]; // what MSG_PEEK saw

static volatile int usr1s; // SIGUSR1s caught

static void on_usr1(int sig) {
  (void)sig;
  usr1s++;
}

static int restarting; // SA_RESTART is set (catch_usr1)

// Catch SIGUSR1. With restart the kernel restarts a call it interrupts
// (SA_RESTART); without, the call fails with EINTR and is tried again.
static void catch_usr1(int restart) {
  struct sigaction sa;
  restarting = restart;
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

enum progress_of { OF_RECORDS, OF_DATAGRAMS, OF_TCP_BYTES, OF_SESSIONS };

// A PROGRESS report of what *progress counts (records, datagrams, TCP bytes
// or sessions), every quarter second since *since, or now if force; the
// count then starts again from 0.
static void report_progress(enum progress_of of, uint64 *progress, uint64 *since, int force) {
  if (!force && rdtime() - *since <= TIMEBASE_HZ / 4) return;
  static struct report pr;
  pr.kind = PROGRESS;
  pr.a = of == OF_RECORDS ? *progress : 0;
  pr.b = of == OF_DATAGRAMS ? *progress : 0;
  pr.c = of == OF_TCP_BYTES ? *progress : 0;
  pr.d = of == OF_SESSIONS ? *progress : 0;
  send_report(&pr);
  *progress = 0;
  *since = rdtime();
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
    report_progress(OF_RECORDS, &progress, &tprog, 0);
  }
  report_progress(OF_RECORDS, &progress, &tprog, 1);
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
    report_progress(OF_DATAGRAMS, &progress, &tprog, 0);
  }
  struct net_counters c;
  if (netstat(fd, &c) < 0) child_fail("receiver %d: netstat: %s", sock, strerror(errno));
  report_progress(OF_DATAGRAMS, &progress, &tprog, 1);
  rep.kind = RECEIVER;
  rep.who = sock;
  rep.a = c.datagrams_in;
  rep.b = c.drops_rcvbuf;
  send_report(&rep);
  exit(0);
}

// ---------------------------------------------------------------------------
// TCP streams.
//
// The parent makes NTCP connections before the run (connect, then accept
// or accept4). Each carries two streams: stream 2k "up", from connection
// k's connecting end, and stream 2k + 1 "down", back. A stream has one or
// more writer processes sharing the sending socket, and one reader.
//
// A TCP write is not atomic between writers: one that waits for room in
// the send buffer lets another in, anywhere in its bytes. So rather than
// records, every byte says where it belongs: with several writers its top
// two bits name the writer and the other six are a hash of that writer's
// own byte count; with one writer all eight bits are the hash. The reader
// splits the stream by writer and checks each byte against the one it
// expects next from that writer: a byte lost, repeated, reordered or
// changed shows within a byte or two, and at the end each writer's count
// must equal the reader's.

// How each stream's ends behave, so that every path has a taker.
enum { R_READ, R_POLL, R_TIMEO, R_WAITALL }; // how a reader waits
static const struct tcp_kind {
  int writers;  // writer processes sharing the sending socket
  int sndtimeo; // SO_SNDTIMEO on the sending socket: EAGAIN and short counts
  int nodelay;  // TCP_NODELAY on the sending socket
  int sndbuf;   // SO_SNDBUF of the sending socket (0: the default)
  int rcvbuf;   // SO_RCVBUF of the receiving socket: a small one shuts the window
  int rmode;    // R_*: read() (sometimes MSG_PEEK first); poll then
                // MSG_DONTWAIT; SO_RCVTIMEO; MSG_WAITALL
} tcp_kinds[NSTREAM] = {
    {1, 0, 0, 0, 0, R_READ},       // 0: connection 0 up
    {1, 1, 0, 0, 0, R_POLL},       // 1: connection 0 down
    {1, 0, 1, 0, 0, R_TIMEO},      // 2: connection 1 up
    {1, 0, 0, 4096, 0, R_WAITALL}, // 3: connection 1 down
    {2, 1, 0, 0, 0, R_READ},       // 4: connection 2 up
    {1, 0, 0, 0, 4096, R_POLL},    // 5: connection 2 down
    {3, 1, 0, 0, 0, R_TIMEO},      // 6: connection 3 up
    {1, 0, 1, 0, 0, R_WAITALL},    // 7: connection 3 down
};

// The byte a writer of stream st writes after its first off bytes.
static uchar tcp_byte(int st, int w, uint64 off) {
  uint32 x = mix(st * MAXTW + w, (uint32)(off >> 2), (uint32)(off >> 34)) >> (8 * (off & 3));
  return tcp_kinds[st].writers > 1 ? (uchar)(w << 6 | (x & 0x3f)) : (uchar)x;
}

// Small writes (Nagle's rule, segments joined), up to a segment, and more
// than the send buffer holds (the writer waits inside the call).
static int tcp_io_size(uint32 *s) {
  uint32 k = rnd(s) % 100;
  if (k < 40) return 1 + rnd(s) % 100;
  if (k < 85) return 1 + rnd(s) % 4096;
  return 4097 + rnd(s) % (TCPBUF - 4096);
}

// A writer calls write(), send(), or send(MSG_DONTWAIT) and poll().
enum { W_WRITE, W_SEND, W_DONTWAIT };

static long tcp_send(int fd, const char *p, int n, int how) {
  if (how == W_WRITE) return write(fd, p, n);
  return send(fd, p, n, MSG_NOSIGNAL | (how == W_DONTWAIT ? MSG_DONTWAIT : 0));
}

static char me[48]; // who this TCP writer is, for messages

// Write the n bytes at p, however many calls it takes. A call interrupted
// after taking some bytes returns their count; one interrupted before any,
// EINTR (unless SA_RESTART restarted it); one that timed out (timeo),
// EAGAIN or a count; so does MSG_DONTWAIT, when the buffer is full.
static void tcp_write_all(int fd, const char *p, int n, int how, int timeo, uint64 *partial) {
  for (int done = 0; done < n;) {
    if (late()) child_fail("%s: still writing %d s after the end", me, LATE_SECONDS);
    long r = tcp_send(fd, p + done, n - done, how);
    if (r > 0) {
      *partial += done + r < n;
      done += r;
    } else if (r < 0 && errno == EINTR) {
      // With SA_RESTART, only a time-out makes a blocking call give up.
      if (restarting && !timeo && how != W_DONTWAIT)
        child_fail("%s: write failed with EINTR: SA_RESTART should have restarted it", me);
      rep.intr++;
    } else if (r < 0 && errno == EAGAIN && (how == W_DONTWAIT || timeo)) {
      struct pollfd pf = {fd, POLLOUT, 0};
      if (how == W_DONTWAIT) poll(&pf, 1, 100); // the write-space wakeup
    } else {
      child_fail("%s: write of %d bytes returned %ld (%s)", me, n - done, r,
                 r < 0 ? strerror(errno) : "nothing");
    }
  }
}

static void tcp_writer(int st, int w, int fd) {
  int how = (st + w) % 3;
  uint32 s = mix(st, w, 0x7cb) | 1;
  uint64 off = 0, partial = 0;
  catch_usr1((st + w) % 2);
  memset(&rep, 0, sizeof rep);
  snprintf(me, sizeof me, "tcp stream %d: writer %d", st, w);
  while (rdtime() < deadline) {
    int n = tcp_io_size(&s);
    for (int i = 0; i < n; i++) tbuf[i] = tcp_byte(st, w, off + i);
    tcp_write_all(fd, tbuf, n, how, tcp_kinds[st].sndtimeo, &partial);
    off += n;
    if (rnd(&s) % 64 == 0) sleep(1); // the reader catches up, and waits for data
  }
  // A lone writer says it is done. Several share the socket with each
  // other and with the reader of the stream coming back: the FIN goes when
  // the last of them closes it.
  if (tcp_kinds[st].writers == 1 && shutdown(fd, SHUT_WR) < 0)
    child_fail("tcp stream %d: shutdown: %s", st, strerror(errno));
  close(fd);
  report_and_exit(TCP_WRITER, st * MAXTW + w, off, partial, rep.intr);
}

static void tcp_bad_byte(int st, uchar b) __attribute__((noreturn));
static void tcp_bad_byte(int st, uchar b) {
  int nw = tcp_kinds[st].writers, w = nw > 1 ? b >> 6 : 0;
  uint64 at = 0;
  for (int k = 0; k < nw; k++) at += rep.count[k];
  if (w >= nw) child_fail("tcp stream %d: byte %lu is 0x%02x, from no writer", st, at, b);
  child_fail("tcp stream %d: byte %lu is 0x%02x, not writer %d's byte %lu (0x%02x)", st, at, b, w,
             rep.count[w], tcp_byte(st, w, rep.count[w]));
}

// Check n bytes read from stream st; count them per writer.
static void tcp_check(int st, const uchar *p, long n) {
  int nw = tcp_kinds[st].writers;
  for (long i = 0; i < n; i++) {
    int w = nw > 1 ? p[i] >> 6 : 0;
    if (w >= nw || p[i] != tcp_byte(st, w, rep.count[w])) tcp_bad_byte(st, p[i]);
    rep.count[w]++;
  }
}

// A reader's call failed. EINTR is right unless SA_RESTART should have
// restarted the call: a recv that may wait without a time-out (poll is
// never restarted). EAGAIN is right after a time-out or MSG_DONTWAIT.
static void tcp_recv_failed(int st, const char *call) {
  int mode = tcp_kinds[st].rmode;
  if (errno == EINTR && restarting && mode != R_TIMEO && mode != R_POLL)
    child_fail("tcp stream %d: %s failed with EINTR: SA_RESTART should have restarted it", st, call);
  if (errno == EINTR)
    rep.intr++;
  else if (errno != EAGAIN || (mode != R_POLL && mode != R_TIMEO))
    child_fail("tcp stream %d: %s: %s", st, call, strerror(errno));
}

// Receive into tbuf as stream st's reader does; the count, or -1 to go round.
static long tcp_recv(int st, int fd, int want) {
  int mode = tcp_kinds[st].rmode;
  struct pollfd pf = {fd, POLLIN, 0};
  if (mode == R_POLL && poll(&pf, 1, -1) < 0) { // poll is never restarted
    tcp_recv_failed(st, "poll");
    return -1;
  }
  // Now and then look first: what MSG_PEEK sees must be what is read.
  long peeked = 0;
  if (mode == R_READ && want % 8 == 0 &&
      (peeked = recv(fd, pbuf, want < PIPE_BUF ? want : PIPE_BUF, MSG_PEEK)) < 0) {
    tcp_recv_failed(st, "recv(MSG_PEEK)");
    return -1;
  }
  long n = recv(fd, tbuf, want, mode == R_POLL ? MSG_DONTWAIT : mode == R_WAITALL ? MSG_WAITALL : 0);
  if (n < 0) {
    tcp_recv_failed(st, "recv");
    return -1;
  }
  if (peeked > 0 && memcmp(pbuf, tbuf, peeked < n ? peeked : n) != 0)
    child_fail("tcp stream %d: MSG_PEEK saw other bytes than the read after it", st);
  return n;
}

static void tcp_reader(int st, int fd) {
  uint32 s = mix(st, 4, 0xbead) | 1;
  uint64 progress = 0, tprog = rdtime();
  int must_end = 0;
  catch_usr1((st / 4 + st) % 2);
  memset(&rep, 0, sizeof rep);
  for (;;) {
    if (late()) child_fail("tcp stream %d: no end of file %d s after the end", st, LATE_SECONDS);
    int want = tcp_io_size(&s), sigs = usr1s;
    long n = tcp_recv(st, fd, want);
    if (n < 0) continue;
    if (n == 0) break;
    if (must_end)
      child_fail("tcp stream %d: MSG_WAITALL returned a short count with neither a signal nor the end", st);
    tcp_check(st, (uchar *)tbuf, n);
    // MSG_WAITALL stops short only for a signal, the end, or an error.
    must_end = tcp_kinds[st].rmode == R_WAITALL && n < want && usr1s == sigs;
    progress += n;
    report_progress(OF_TCP_BYTES, &progress, &tprog, 0);
  }
  close(fd);
  report_progress(OF_TCP_BYTES, &progress, &tprog, 1);
  rep.kind = TCP_READER;
  rep.who = st;
  send_report(&rep);
  exit(0);
}

// ---------------------------------------------------------------------------
// TCP sessions: the dialer connects again and again, each time sending a
// session -- a header and a payload of random length -- and closing; the
// acceptor accepts each and reads it to its end. The handshake, the accept
// queue, FIN and TIME_WAIT under load; connect and accept interrupted.

struct session {
  uint32 magic;
  uint32 num;  // 0, 1, ...
  uint32 len;  // payload bytes after the header
  uint32 last; // the dialer's last: the acceptor stops when it has all
};
enum { SESSION_MAGIC = 0x5e55104e, SESSION_MAX = 6000 };
static char sbuf[sizeof(struct session) + SESSION_MAX + 1];

static uchar session_byte(uint32 num, uint32 off) {
  return (uchar)(mix(num, off >> 2, 0x5e5) >> (8 * (off & 3)));
}

// A connection to the acceptor. connect interrupted by a signal goes on in
// the background; connect again waits for it (0), or finds it done.
static int dial(void) {
  struct sockaddr_in a = loopback(SESSIONPORT);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) child_fail("dialer: socket: %s", strerror(errno));
  while (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EISCONN) {
    if (errno != EINTR || late()) child_fail("dialer: connect: %s", strerror(errno));
    if (restarting) child_fail("dialer: connect failed with EINTR: SA_RESTART should have restarted it");
    rep.intr++;
  }
  return fd;
}

// Session num, in two writes cut anywhere; some wait for the acceptor's close.
static uint64 session(uint32 num, int last, uint32 *s) {
  struct session *h = (struct session *)sbuf;
  uint64 partial = 0;
  int fd = dial();
  h->magic = SESSION_MAGIC;
  h->num = num;
  h->len = rnd(s) % (SESSION_MAX + 1);
  h->last = last;
  for (uint32 i = 0; i < h->len; i++) sbuf[sizeof *h + i] = session_byte(num, i);
  int total = sizeof *h + h->len, cut = rnd(s) % (total + 1);
  tcp_write_all(fd, sbuf, cut, W_WRITE, 0, &partial);
  tcp_write_all(fd, sbuf + cut, total - cut, W_WRITE, 0, &partial);
  if (num % 4 == 0) {
    // Half-close and wait for the acceptor to finish: then its FIN.
    if (shutdown(fd, SHUT_WR) < 0) child_fail("dialer: shutdown: %s", strerror(errno));
    long r;
    while ((r = read(fd, tbuf, 1)) < 0 && errno == EINTR && !restarting) rep.intr++;
    if (r != 0)
      child_fail("dialer: session %u: read returned %ld (%s), not end of file", num, r, strerror(errno));
  }
  close(fd);
  return total - sizeof *h;
}

static void dialer(void) {
  uint32 s = mix(5, 5, 0xd1a1) | 1, num = 0;
  uint64 bytes = 0;
  memset(&rep, 0, sizeof rep);
  strcpy(me, "dialer");
  while (rdtime() < deadline) {
    catch_usr1(num % 2); // connect restarted, or EINTR
    bytes += session(num++, 0, &s);
  }
  bytes += session(num++, 1, &s);
  report_and_exit(DIALER, 0, num, bytes, rep.intr);
}

// Read a session from fd to its end, check it, count it. A non-blocking
// socket (accept4's SOCK_NONBLOCK) waits in poll; a blocking one has the
// listener's receive time-out.
static struct session *take_session(int fd, int nonblock) {
  struct session *h = (struct session *)sbuf;
  long got = 0;
  for (;;) {
    if (late()) child_fail("acceptor: a session has no end %d s after the end", LATE_SECONDS);
    struct pollfd pf = {fd, POLLIN, 0};
    if (nonblock && poll(&pf, 1, 100) < 0) rep.intr++;
    long n = read(fd, sbuf + got, sizeof sbuf - got);
    if (n == 0) break;
    if (n > 0 && (got += n) == sizeof sbuf)
      child_fail("acceptor: a session longer than %d bytes", SESSION_MAX);
    if (n < 0 && errno == EINTR) rep.intr++;
    if (n < 0 && errno != EINTR && errno != EAGAIN) child_fail("acceptor: read: %s", strerror(errno));
  }
  if (got < (long)sizeof *h || h->magic != SESSION_MAGIC || got != (long)(sizeof *h + h->len))
    child_fail("acceptor: a session of %ld bytes (magic 0x%x, num %u, len %u)", got, h->magic, h->num,
               h->len);
  for (uint32 i = 0; i < h->len; i++)
    if ((uchar)sbuf[sizeof *h + i] != session_byte(h->num, i))
      child_fail("acceptor: session %u: byte %u of %u changed", h->num, i, h->len);
  rep.count[0]++;
  rep.sum[0] += h->num;
  rep.sumsq[0] += (uint64)h->num * h->num;
  rep.b += h->len;
  return h;
}

static void acceptor(int ls) {
  struct timeval tv = {0, ACCEPT_TIMEO_MS * 1000};
  uint64 want = ~0ul, tprog = rdtime(), progress = 0;
  catch_usr1(1);
  memset(&rep, 0, sizeof rep);
  if (setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
    child_fail("acceptor: setsockopt: %s", strerror(errno));
  while (rep.count[0] < want) {
    if (late())
      child_fail("acceptor: %lu sessions of %lu %d s after the end", rep.count[0], want, LATE_SECONDS);
    int nb = rep.count[0] % 2;
    struct sockaddr_in peer;
    unsigned int len = sizeof peer;
    struct pollfd pf = {ls, POLLIN, 0};
    if (rep.count[0] % 3 == 2) poll(&pf, 1, 100); // a poller on the listener is woken too
    int fd = nb ? accept4(ls, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK) : accept(ls, 0, 0);
    if (fd < 0 && errno == EINTR) rep.intr++;
    if (fd < 0 && errno != EINTR && errno != EAGAIN) child_fail("acceptor: accept: %s", strerror(errno));
    if (fd < 0) continue;
    if (nb &&
        (len != sizeof peer || peer.sin_family != AF_INET || peer.sin_addr.s_addr != htonl(INADDR_LOOPBACK)))
      child_fail("acceptor: accept4 gave the peer as family %d address 0x%x", peer.sin_family,
                 ntohl(peer.sin_addr.s_addr));
    struct session *h = take_session(fd, nb);
    close(fd);
    if (h->last) want = h->num + 1;
    progress++;
    report_progress(OF_SESSIONS, &progress, &tprog, 0);
  }
  close(ls);
  report_progress(OF_SESSIONS, &progress, &tprog, 1);
  rep.kind = ACCEPTOR;
  rep.a = rep.count[0];
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
static uint64 tcp_written[NSTREAM * MAXTW], tcp_read[NSTREAM * MAXTW];
static uint64 dialed, dialed_bytes, accepted, accepted_sum, accepted_sumsq, accepted_bytes;
static uint64 records, datagrams, tcp_bytes, sessions, intr, nomem, cut_short;
static int nsignals;
static int nwriters, nreaders, nsenders, nreceivers, ntcpwriters, ntcpreaders, ndialers, nacceptors;
static char failure[200];

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
  if (nkids == NKIDS) {
    note_failure("more children than NKIDS: is TCP_WRITERS right?");
    return;
  }
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
static void start_tcp_writer(void) { tcp_writer(c_id, c_num, c_fd); }
static void start_tcp_reader(void) { tcp_reader(c_id, c_fd); }
static void start_dialer(void) { dialer(); }
static void start_acceptor(void) { acceptor(c_fd); }

static void collect(struct report *r) {
  switch (r->kind) {
  case PROGRESS:
    records += r->a;
    datagrams += r->b;
    tcp_bytes += r->c;
    sessions += r->d;
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
  case TCP_WRITER:
    tcp_written[r->who] = r->a;
    cut_short += r->b;
    ntcpwriters++;
    break;
  case TCP_READER:
    for (int w = 0; w < MAXTW; w++) tcp_read[r->who * MAXTW + w] = r->count[w];
    ntcpreaders++;
    break;
  case DIALER:
    dialed = r->a;
    dialed_bytes = r->b;
    ndialers++;
    break;
  case ACCEPTOR:
    accepted = r->count[0];
    accepted_sum = r->sum[0];
    accepted_sumsq = r->sumsq[0];
    accepted_bytes = r->b;
    nacceptors++;
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

// Did readers get each of n records (0 .. n-1) once: count, sum, sum of squares?
static int all_once(uint64 n, uint64 count, uint64 sum, uint64 sumsq) {
  return count == n && sum == n * (n - 1) / 2 && (n == 0 || sumsq == sum_of_squares(n));
}

static void check_pipes(void) {
  for (int w = 0; w < NPIPE * PW; w++) {
    uint64 n = written[w];
    if (!all_once(n, rcount[w], rsum[w], rsumsq[w]))
      note_failure("pipe %d: writer %d wrote %lu records, readers got %lu (sequence sum %lu, expected %lu)",
                   w / PW, w, n, rcount[w], rsum[w], n * (n - 1) / 2);
  }
}

// The stack's drop counters are shared with TCP (a segment without room in
// a receive buffer, or on a full backlog): UDP's own queue drops are its
// sockets' counts, and of the backlog's only a bound is known.
static void check_sockets(const struct net_counters *b, const struct net_counters *a) {
  uint64 out = a->datagrams_out - b->datagrams_out, in = a->datagrams_in - b->datagrams_in;
  uint64 backlog = a->drops_backlog - b->drops_backlog, rcvbuf = 0;
  uint64 other = (a->drops_noport - b->drops_noport) + (a->drops_malformed - b->drops_malformed);
  uint64 total = 0, got = 0;
  for (int s = 0; s < NSOCK * SW; s++) total += sent[s];
  for (int s = 0; s < NSOCK * SW; s++) got += dcount[s];
  for (int k = 0; k < NSOCK; k++) rcvbuf += sock_drops[k];
  if (out != total) note_failure("udp: senders sent %lu datagrams, the kernel counted %lu", total, out);
  if (out < in + rcvbuf + other || out > in + rcvbuf + backlog + other)
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

// TCP loses nothing: each writer's bytes all reached the reader (which
// checked each one as it came), and every session was accepted once.
static void check_tcp(void) {
  for (int st = 0; st < NSTREAM; st++)
    for (int w = 0; w < tcp_kinds[st].writers; w++) {
      int g = st * MAXTW + w;
      if (tcp_written[g] != tcp_read[g])
        note_failure("tcp stream %d (connection %d, %s): writer %d wrote %lu bytes, the reader got %lu", st,
                     st / 2, st % 2 ? "down" : "up", w, tcp_written[g], tcp_read[g]);
    }
  if (!all_once(dialed, accepted, accepted_sum, accepted_sumsq) || accepted_bytes != dialed_bytes)
    note_failure(
        "tcp sessions: %lu made with %lu bytes, %lu accepted with %lu (numbers' sum %lu, expected %lu)",
        dialed, dialed_bytes, accepted, accepted_bytes, accepted_sum, dialed * (dialed - 1) / 2);
}

static int tcp_port_ours(const struct sockaddr_in *a) {
  int port = ntohs(a->sin_port);
  return (port >= TCPPORT && port < TCPPORT + NTCP) || port == SESSIONPORT;
}

// Every connection of the run ends: the last ones, closed, finish alone,
// and TIME_WAIT lasts a second. None may be left after GONE_SECONDS.
static void check_tcp_gone(void) {
  enum { GONE_SECONDS = 10, MAXINFO = 64 };
  static struct sock_info info[MAXINFO];
  const struct sock_info *left = 0;
  int n = 0, count = 0;
  for (int tries = 0; tries < GONE_SECONDS * 10; tries++) {
    if ((n = netconns(info, MAXINFO)) < 0) {
      note_failure("netconns: %s", strerror(errno));
      return;
    }
    count = 0;
    for (int i = 0; i < n; i++)
      if (info[i].type == SOCK_STREAM && (tcp_port_ours(&info[i].local) || tcp_port_ours(&info[i].peer)))
        left = &info[i], count++;
    if (count == 0) return;
    sleep(10);
  }
  note_failure("%d TCP sockets of the run still there %d s after it, e.g. port %d to %d in state %d%s", count,
               GONE_SECONDS, ntohs(left->local.sin_port), ntohs(left->peer.sin_port), left->state,
               left->orphan ? " (closed)" : "");
}

static int tcp_listener(int port, int backlog) {
  struct sockaddr_in a = loopback(port);
  int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);
  // SO_REUSEADDR: an earlier run's connections may be in TIME_WAIT.
  if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, backlog) < 0) {
    note_failure("cannot listen on TCP port %d: %s", port, strerror(errno));
    if (ls >= 0) close(ls);
    return -1;
  }
  return ls;
}

// Each stream's options (tcp_kinds), on its sending socket fds[dir] and its
// receiving one; stream 2k + dir of connection k.
static int tcp_options(int k, const int *fds) {
  for (int dir = 0; dir < 2; dir++) {
    const struct tcp_kind *t = &tcp_kinds[2 * k + dir];
    struct timeval tv = {0, RCVTIMEO_MS * 1000};
    int out = fds[dir], in = fds[1 - dir], one = 1, err = 0;
    if (t->sndtimeo) err |= setsockopt(out, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (t->nodelay) err |= setsockopt(out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (t->sndbuf) err |= setsockopt(out, SOL_SOCKET, SO_SNDBUF, &t->sndbuf, sizeof t->sndbuf);
    if (t->rcvbuf) err |= setsockopt(in, SOL_SOCKET, SO_RCVBUF, &t->rcvbuf, sizeof t->rcvbuf);
    if (t->rmode == R_TIMEO) err |= setsockopt(in, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (err) {
      note_failure("tcp connection %d: setsockopt: %s", k, strerror(errno));
      return -1;
    }
  }
  return 0;
}

// Connection k: fds[0] connects, non-blocking for odd k (then poll says
// when it is done); fds[1] is what accept (accept4 for odd k) gives.
static int tcp_connection(int k, int *fds) {
  struct sockaddr_in a = loopback(TCPPORT + k);
  int ls = tcp_listener(TCPPORT + k, 1);
  if (ls < 0) return -1;
  int c = socket(AF_INET, SOCK_STREAM | (k % 2 ? SOCK_NONBLOCK : 0), 0), s = -1;
  int r = c < 0 ? -1 : connect(c, (struct sockaddr *)&a, sizeof a);
  if (r < 0 && c >= 0 && errno == EINPROGRESS) {
    struct pollfd pf = {c, POLLOUT, 0};
    r = poll(&pf, 1, 5000) == 1 && pf.revents == POLLOUT ? fcntl(c, F_SETFL, 0) : -1;
  }
  if (r == 0) s = k % 2 ? accept4(ls, 0, 0, 0) : accept(ls, 0, 0);
  close(ls);
  fds[0] = c, fds[1] = s;
  if (s >= 0 && tcp_options(k, fds) == 0) return 0;
  note_failure("tcp connection %d: %s", k, strerror(errno));
  if (c >= 0) close(c);
  if (s >= 0) close(s);
  return -1;
}

static void start_pipes(void) {
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
}

static void start_udp(int stopfd, int *rfds) {
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

// One connection at a time: a process may hold only NOFILE descriptors.
static void start_tcp(void) {
  for (int k = 0; k < NTCP; k++) {
    int fds[2];
    if (tcp_connection(k, fds) < 0) return;
    for (int dir = 0; dir < 2; dir++) {
      int st = 2 * k + dir;
      c_id = st, c_fd = fds[1 - dir];
      spawn("tcp reader of stream", start_tcp_reader, c_fd, repfd, -1);
      for (int w = 0; w < tcp_kinds[st].writers; w++) {
        c_id = st, c_num = w, c_fd = fds[dir];
        spawn("tcp writer of stream", start_tcp_writer, c_fd, repfd, -1);
      }
    }
    close(fds[0]);
    close(fds[1]);
  }
  int ls = tcp_listener(SESSIONPORT, 8); // before the dialer: no connect is refused
  if (ls < 0) return;
  c_id = 0, c_fd = ls;
  spawn("acceptor", start_acceptor, ls, repfd, -1);
  close(ls);
  spawn("dialer", start_dialer, repfd, -1, -1);
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

// For the middle half of the run the loopback device loses TCP segments:
// they are sent again (time-outs, fast retransmits, SYNs and FINs again).
static void lose_segments(uint64 now, uint64 start) {
  static int state; // 0: not yet; 1: losing; 2: over
  uint64 quarter = (deadline - start) / 4;
  if (state == 0 && now >= start + quarter) {
    if (netdrop(DROP_EVERY, DROP_COUNT) < 0) note_failure("netdrop: %s", strerror(errno));
    state = 1;
  } else if (state == 1 && now >= deadline - quarter) {
    netdrop(0, 0);
    state = 2;
  }
}

// Read reports until every child has closed the report pipe, meanwhile
// sending signals until the deadline and printing progress each second.
// After a failure the others are killed: a writer whose reader is gone
// could wait for ever.
static void supervise(int rd, int stopw, uint64 start) {
  uint32 s = 0x51a1;
  uint64 next_print = start + TIMEBASE_HZ;
  int sigs = 0, killed = 0;
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
    if (failure[0] && !killed) {
      for (int i = 0; i < nkids; i++) kill(kids[i], SIGKILL);
      killed = 1;
    }
    uint64 now = rdtime();
    lose_segments(now, start);
    for (int i = 0; now < deadline && nkids > 0 && i < SIGNALS_PER_ROUND; i++)
      if (kill(kids[rnd(&s) % nkids], SIGUSR1) == 0) sigs++;
    if (stopw >= 0 && nsenders == NSOCK * SW) {
      close(stopw); // the receivers may finish once their queues are empty
      stopw = -1;
    }
    if (now >= next_print) {
      printf("stress: %d s: %lu records, %lu datagrams, %lu TCP bytes, %lu sessions, %d signals\n",
             (int)((now - start) / TIMEBASE_HZ), records, datagrams, tcp_bytes, sessions, sigs);
      next_print += TIMEBASE_HZ;
    }
  }
  if (stopw >= 0) close(stopw);
  nsignals = sigs;
}

static void check_reports(void) {
  int tcpw = 0;
  for (int st = 0; st < NSTREAM; st++) tcpw += tcp_kinds[st].writers;
  if (tcpw != TCP_WRITERS) note_failure("tcp_kinds has %d writers, TCP_WRITERS says %d", tcpw, TCP_WRITERS);
  if (nwriters != NPIPE * PW || nreaders != NPIPE * PR || nsenders != NSOCK * SW || nreceivers != NSOCK)
    note_failure("reports from %d/%d writers, %d/%d readers, %d/%d senders, %d/%d receivers", nwriters,
                 NPIPE * PW, nreaders, NPIPE * PR, nsenders, NSOCK * SW, nreceivers, NSOCK);
  if (ntcpwriters != tcpw || ntcpreaders != NSTREAM || ndialers != 1 || nacceptors != 1)
    note_failure("reports from %d/%d tcp writers, %d/%d tcp readers, %d/1 dialers, %d/1 acceptors",
                 ntcpwriters, tcpw, ntcpreaders, NSTREAM, ndialers, nacceptors);
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
  start_pipes();
  if (bind_receivers(rfds) == 0) start_udp(stop_pipe[0], rfds);
  start_tcp();
  close(rep_pipe[1]);
  close(stop_pipe[0]);
  repfd = -1;
  supervise(rep_pipe[0], stop_pipe[1], start);
  netdrop(0, 0); // whatever happened: the tests after this one lose nothing
  close(rep_pipe[0]);

  for (int i = 0; i < nkids; i++) {
    int st, w = wait(&st);
    for (int k = 0; k < nkids; k++)
      if (kids[k] == w && st != 0)
        note_failure("%s %d (pid %d) exited with status %d", roles[k], ids[k], w, st);
  }
  check_reports();
  if (!failure[0]) check_tcp_gone();
  netstat(-1, &after);
  check_pipes();
  check_sockets(&before, &after);
  check_tcp();

  uint64 total = 0, in = after.datagrams_in - before.datagrams_in;
  for (int s = 0; s < NSOCK * SW; s++) total += sent[s];
  int secs = (int)((rdtime() - start) / TIMEBASE_HZ);
  if (failure[0]) {
    printf("stress: FAILED: %s\n", failure);
    exit(1);
  }
  printf("stress: OK: %d s, %d processes: %lu records through %d pipes; %lu datagrams sent, %lu received, "
         "%lu dropped; %lu TCP bytes through %d connections (%lu writes cut short), %lu sessions; %lu TCP "
         "segments lost on purpose, %lu sent again; %d signals, %lu calls interrupted\n",
         secs, nkids, records, NPIPE, total, datagrams, total - in, tcp_bytes, NTCP, cut_short, sessions,
         after.tcp_drops_injected - before.tcp_drops_injected, after.tcp_retrans - before.tcp_retrans,
         nsignals, intr);
  exit(0);
}
