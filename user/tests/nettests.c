// nettests: UDP sockets over loopback -- addresses, echo and ping-pong,
// bulk transfer with loss accounting, exclusive wakeups of readers, time-outs,
// non-blocking calls, signals (EINTR, SA_RESTART, SIGIO), MSG_PEEK and
// MSG_TRUNC, shutdown, freeing on close, ICMP port-unreachable, poll, bad
// input, read/write/dup/fork, connecting and reconnecting under load -- run
// inside the guest. The runner is in
// testlib.h.
//
// Every blocking receive in a child has a time-out (SO_RCVTIMEO), so a test
// that goes wrong reports instead of leaving a process blocked forever.
#include "kernel/uapi/types.h"
#include "kernel/uapi/errno.h"
#include "kernel/uapi/poll.h"
#include "kernel/uapi/signal.h"
#include "kernel/uapi/socket.h"
#include "kernel/uapi/time.h"
#include "kernel/uapi/wqctl.h"
#include "user/lib/testlib.h"
#include "user/lib/user.h"

#define SA(p) ((struct sockaddr *)(p))

// Every test has ports of its own.
enum {
  PORT_ECHO = 7101,
  PORT_PP_A = 7111,
  PORT_PP_B = 7112,
  PORT_BULK = 7121,
  PORT_EXCL = 7131,
  PORT_TIMEO = 7141,
  PORT_DW = 7151,
  PORT_SIG = 7161,
  PORT_SIGIO = 7171,
  PORT_PEEK = 7181,
  PORT_TRUNC = 7191,
  PORT_SHUT = 7201,
  PORT_SHUT2 = 7202,
  PORT_CLOSE = 7211,
  PORT_NONE = 7221, // never bound
  PORT_POLL = 7231,
  PORT_BAD = 7241,
  PORT_BAD2 = 7242,
  PORT_RW_A = 7251,
  PORT_RW_B = 7252,
  PORT_RC = 7261,   // the reconnecting receiver
  PORT_RC_A = 7262, // its senders A, B, C: 127.0.0.2, .3, .4 on 7262, 7263, 7264
  PORT_WSPACE = 7271,
  PORT_SMALL = 7281,
  PORT_RCVBUF = 7291,
};

static char buf[UDP_MAX_PAYLOAD + 64];  // receive buffer (the stack is one page)
static char sbuf[UDP_MAX_PAYLOAD + 64]; // send buffer

// ---- helpers

static int udp_socket(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT(s >= 0, "socket(AF_INET, SOCK_DGRAM, 0) failed: %s", strerror(errno));
  return s;
}

static int bound_socket(int port) {
  int s = udp_socket();
  struct sockaddr_in a = loopback_addr(port);
  EXPECT(bind(s, SA(&a), sizeof a) == 0, "bind to 127.0.0.1:%d failed: %s", port, strerror(errno));
  return s;
}

static void xconnect(int s, int port) {
  struct sockaddr_in a = loopback_addr(port);
  EXPECT(connect(s, SA(&a), sizeof a) == 0, "connect to 127.0.0.1:%d failed: %s", port, strerror(errno));
}

static void set_timeout(int s, long sec, long usec) {
  struct timeval tv = {sec, usec};
  EXPECT(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "setsockopt(SO_RCVTIMEO) failed: %s",
         strerror(errno));
}

static void set_rcvbuf(int s, int bytes) {
  EXPECT(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes) == 0, "setsockopt(SO_RCVBUF) failed: %s",
         strerror(errno));
}

// sendto 127.0.0.1:port; the whole datagram must be accepted.
static void send_to(int s, const void *p, int n, int port) {
  struct sockaddr_in a = loopback_addr(port);
  long r = sendto(s, p, n, 0, SA(&a), sizeof a);
  if (r != n)
    fail("sendto(%d bytes, port %d) returned %ld (%s)", n, port, r, r < 0 ? strerror(errno) : "short");
}

// The socket's own port (host order), from getsockname.
static int local_port(int s) {
  struct sockaddr_in a;
  unsigned int len = sizeof a;
  memset(&a, 0, sizeof a);
  EXPECT(getsockname(s, SA(&a), &len) == 0, "getsockname failed: %s", strerror(errno));
  EXPECT_EQ(len, sizeof a);
  EXPECT_EQ(a.sin_family, AF_INET);
  return ntohs(a.sin_port);
}

// a is AF_INET 127.0.0.1:port.
static void expect_addr(const struct sockaddr_in *a, int port, const char *what) {
  if (a->sin_family != AF_INET || ntohs(a->sin_port) != port || a->sin_addr.s_addr != htonl(INADDR_LOOPBACK))
    fail("%s: family %d address 0x%x port %d, expected AF_INET 127.0.0.1:%d", what, a->sin_family,
         ntohl(a->sin_addr.s_addr), ntohs(a->sin_port), port);
}

static void counters(struct net_counters *c) {
  EXPECT(netstat(-1, c) == 0, "netstat(-1) failed: %s", strerror(errno));
}

static uint64 drops(const struct net_counters *c) {
  return c->drops_rcvbuf + c->drops_nomem + c->drops_backlog;
}

static volatile int sig_count;   // SIGUSR1 / SIGIO handler runs
static volatile int alarm_count; // SIGALRM handler runs (a safety net)

static void on_sig(int sig) {
  (void)sig;
  sig_count++;
}

static void on_alarm(int sig) {
  (void)sig;
  alarm_count++;
}

static uint32 checksum(const unsigned char *p, int n) {
  uint32 h = 2166136261u;
  for (int i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

// ---- 1. echo

// The server: echoes each datagram back to its sender, prefixed with the
// sender's address as recvfrom gave it. Ends at "quit".
static void echo_server(int s) {
  set_timeout(s, 5, 0);
  for (int i = 0; i < 64; i++) {
    struct sockaddr_in from;
    unsigned int fl = sizeof from;
    memset(&from, 0xee, sizeof from);
    long n = recvfrom(s, sbuf + sizeof from, UDP_MAX_PAYLOAD, 0, SA(&from), &fl);
    if (n < 0) fail("echo server: recvfrom failed: %s", strerror(errno));
    if (fl != sizeof from) fail("echo server: recvfrom set addrlen %d, expected %d", fl, (int)sizeof from);
    if (n == 4 && memcmp(sbuf + sizeof from, "quit", 4) == 0) exit(0);
    if (from.sin_family != AF_INET || from.sin_addr.s_addr != htonl(INADDR_LOOPBACK) || from.sin_port == 0 ||
        ntohs(from.sin_port) == PORT_ECHO)
      fail("echo server: recvfrom gave the source family %d address 0x%x port %d", from.sin_family,
           ntohl(from.sin_addr.s_addr), ntohs(from.sin_port));
    memcpy(sbuf, &from, sizeof from);
    long r = sendto(s, sbuf, n + sizeof from, 0, SA(&from), fl);
    if (r != n + (long)sizeof from) fail("echo server: sendto returned %ld (%s)", r, strerror(errno));
  }
  fail("echo server: no \"quit\" after 64 datagrams");
}

// Check an echo of msg arriving in buf (n bytes): the server saw the client
// as 127.0.0.1:myport.
static void check_echo(long n, const char *msg, int myport) {
  int len = strlen(msg);
  if (n < 0) fail("receiving the echo of \"%s\" failed: %s", msg, strerror(errno));
  EXPECT(n == len + (long)sizeof(struct sockaddr_in), "echo of \"%s\": %ld bytes, expected %d", msg, n,
         len + (int)sizeof(struct sockaddr_in));
  struct sockaddr_in seen;
  memcpy(&seen, buf, sizeof seen);
  expect_addr(&seen, myport, "the sender address the server's recvfrom gave");
  EXPECT(memcmp(buf + sizeof seen, msg, len) == 0, "echo of \"%s\" came back changed", msg);
}

static void test_echo(void) {
  int s = bound_socket(PORT_ECHO);
  struct sockaddr_in a;
  unsigned int len = sizeof a;
  EXPECT_EQ(getsockname(s, SA(&a), &len), 0);
  EXPECT_EQ(len, sizeof a);
  expect_addr(&a, PORT_ECHO, "getsockname of the server");
  EXPECT_ERR(getpeername(s, SA(&a), &len), ENOTCONN);

  int pid = xfork();
  if (pid == 0) echo_server(s);
  close(s);

  struct sockaddr_in srv = loopback_addr(PORT_ECHO), from;
  int c = udp_socket();
  // Not bound yet: Linux reports port 0.
  len = sizeof a;
  memset(&a, 0xee, sizeof a);
  EXPECT_EQ(getsockname(c, SA(&a), &len), 0);
  EXPECT_EQ(a.sin_family, AF_INET);
  EXPECT_EQ(a.sin_port, 0);
  set_timeout(c, 3, 0);

  // First send: an ephemeral port is assigned.
  EXPECT_EQ(sendto(c, "hello", 5, 0, SA(&srv), sizeof srv), 5);
  int myport = local_port(c);
  EXPECT(myport != 0, "no port assigned by the first sendto");
  unsigned int fl = sizeof from;
  memset(&from, 0, sizeof from);
  long n = recvfrom(c, buf, sizeof buf, 0, SA(&from), &fl);
  check_echo(n, "hello", myport);
  EXPECT_EQ(fl, sizeof from);
  expect_addr(&from, PORT_ECHO, "recvfrom's source address of the echo");
  // The port stays.
  EXPECT_EQ(sendto(c, "again", 5, 0, SA(&srv), sizeof srv), 5);
  EXPECT_EQ(local_port(c), myport);
  check_echo(recvfrom(c, buf, sizeof buf, 0, 0, 0), "again", myport);

  // A connected socket: send/recv and write/read.
  int c2 = udp_socket();
  set_timeout(c2, 3, 0);
  xconnect(c2, PORT_ECHO);
  len = sizeof a;
  memset(&a, 0, sizeof a);
  EXPECT_EQ(getpeername(c2, SA(&a), &len), 0);
  EXPECT_EQ(len, sizeof a);
  expect_addr(&a, PORT_ECHO, "getpeername of the connected socket");
  EXPECT_EQ(send(c2, "abc", 3, 0), 3);
  int port2 = local_port(c2);
  EXPECT(port2 != 0 && port2 != myport, "connected socket has port %d (first socket %d)", port2, myport);
  check_echo(recv(c2, buf, sizeof buf, 0), "abc", port2);
  EXPECT_EQ(write(c2, "wxyz", 4), 4);
  check_echo(read(c2, buf, sizeof buf), "wxyz", port2);

  // AF_UNSPEC disconnects.
  struct sockaddr_in un;
  memset(&un, 0, sizeof un);
  un.sin_family = AF_UNSPEC;
  EXPECT_EQ(connect(c2, SA(&un), sizeof un), 0);
  len = sizeof a;
  EXPECT_ERR(getpeername(c2, SA(&a), &len), ENOTCONN);
  EXPECT_ERR(send(c2, "x", 1, 0), EDESTADDRREQ);
  EXPECT_ERR(write(c2, "x", 1), EDESTADDRREQ);
  // With an address it still sends.
  EXPECT_EQ(sendto(c2, "after", 5, 0, SA(&srv), sizeof srv), 5);
  check_echo(recv(c2, buf, sizeof buf, 0), "after", local_port(c2));

  EXPECT_EQ(sendto(c, "quit", 4, 0, SA(&srv), sizeof srv), 4);
  expect_child(pid, 0, "the echo server");
  close(c);
  close(c2);
}

// ---- 2. pingpong

enum { PP_ROUNDS = 1000 };

static int pp_len(int i) { return 1 + (i * 7) % 61; }

static char pp_byte(int i, int j) { return (char)(i * 13 + j * 5 + 1); }

static void test_pingpong(void) {
  int a = bound_socket(PORT_PP_A);
  int b = bound_socket(PORT_PP_B);
  set_timeout(a, 3, 0);
  set_timeout(b, 3, 0);
  int pid = xfork();
  if (pid == 0) {
    close(a);
    for (int i = 0; i < PP_ROUNDS; i++) {
      struct sockaddr_in from;
      unsigned int fl = sizeof from;
      long n = recvfrom(b, buf, 128, 0, SA(&from), &fl);
      if (n != pp_len(i))
        fail("pong round %d: recvfrom returned %ld (%s), expected %d", i, n, n < 0 ? strerror(errno) : "",
             pp_len(i));
      expect_addr(&from, PORT_PP_A, "pong: the ping's source");
      for (int j = 0; j < n; j++) {
        if (buf[j] != pp_byte(i, j))
          fail("pong round %d: byte %d is 0x%x, expected 0x%x", i, j, buf[j] & 0xff, pp_byte(i, j) & 0xff);
        buf[j] = (char)~buf[j];
      }
      if (sendto(b, buf, n, 0, SA(&from), fl) != n)
        fail("pong round %d: sendto failed: %s", i, strerror(errno));
    }
    exit(0);
  }
  close(b);
  for (int i = 0; i < PP_ROUNDS; i++) {
    int len = pp_len(i);
    for (int j = 0; j < len; j++) sbuf[j] = pp_byte(i, j);
    send_to(a, sbuf, len, PORT_PP_B);
    long n = recv(a, buf, 128, 0);
    if (n != len)
      fail("ping round %d: recv returned %ld (%s), expected %d", i, n, n < 0 ? strerror(errno) : "", len);
    for (int j = 0; j < len; j++)
      if (buf[j] != (char)~pp_byte(i, j)) fail("ping round %d: byte %d of the reply is wrong", i, j);
  }
  expect_child(pid, 0, "the pong side");
  close(a);
}

// ---- 3. bulk

enum {
  BULK_SENDERS = 3,
  BULK_COUNT = 1000,  // datagrams per sender
  BULK_PACE = 16,     // a tick of sleep after this many
  BULK_OVERFLOW = 64, // datagrams to a socket nobody reads
};

struct bulk_hdr {
  uint32 sender;
  uint32 seq;
  uint32 len; // the whole datagram
  uint32 sum; // of the bytes after the header
};

static void bulk_sender(int id) {
  int s = udp_socket();
  uint32 seed = 0x9e3779b9u * (id + 1);
  for (int i = 0; i < BULK_COUNT; i++) {
    struct bulk_hdr h;
    h.sender = id;
    h.seq = i;
    h.len = sizeof h + rnd(&seed) % (UDP_MAX_PAYLOAD - sizeof h + 1);
    for (uint32 j = sizeof h; j < h.len; j++) sbuf[j] = (char)rnd(&seed);
    h.sum = checksum((unsigned char *)sbuf + sizeof h, h.len - sizeof h);
    memcpy(sbuf, &h, sizeof h);
    send_to(s, sbuf, h.len, PORT_BULK);
    if (i % BULK_PACE == BULK_PACE - 1) sleep(1);
  }
  close(s);
  exit(0);
}

// Validate one received datagram; update the per-sender sequence numbers.
static void bulk_check(long n, int *last) {
  struct bulk_hdr h;
  EXPECT(n >= (long)sizeof h, "a %ld-byte datagram, shorter than the header", n);
  memcpy(&h, buf, sizeof h);
  EXPECT(h.sender < BULK_SENDERS, "datagram from sender %d?", h.sender);
  EXPECT(h.len == n, "sender %d seq %d: %ld bytes arrived, %d sent", h.sender, h.seq, n, h.len);
  EXPECT(checksum((unsigned char *)buf + sizeof h, n - sizeof h) == h.sum, "sender %d seq %d: bad checksum",
         h.sender, h.seq);
  EXPECT((int)h.seq > last[h.sender] && h.seq < BULK_COUNT,
         "sender %d: seq %d after seq %d (duplicated or reordered)", h.sender, h.seq, last[h.sender]);
  last[h.sender] = h.seq;
}

static void test_bulk(void) {
  int r = udp_socket();
  struct sockaddr_in any = loopback_addr(PORT_BULK);
  any.sin_addr.s_addr = htonl(INADDR_ANY);
  EXPECT(bind(r, SA(&any), sizeof any) == 0, "bind to 0.0.0.0:%d failed: %s", PORT_BULK, strerror(errno));
  int v0 = 0, v1 = 0;
  unsigned int vl = sizeof v0;
  EXPECT_EQ(getsockopt(r, SOL_SOCKET, SO_RCVBUF, &v0, &vl), 0);
  EXPECT_EQ(vl, sizeof v0);
  set_rcvbuf(r, 512 * 1024);
  vl = sizeof v1;
  EXPECT_EQ(getsockopt(r, SOL_SOCKET, SO_RCVBUF, &v1, &vl), 0);
  EXPECT(v1 >= v0 && v1 > 0, "SO_RCVBUF %d after setting 512 KiB (was %d)", v1, v0);
  set_timeout(r, 0, 100000);

  struct net_counters c0, c1, rc;
  counters(&c0);
  int pids[BULK_SENDERS];
  for (int i = 0; i < BULK_SENDERS; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) {
      close(r);
      bulk_sender(i);
    }
  }

  int last[BULK_SENDERS];
  for (int i = 0; i < BULK_SENDERS; i++) last[i] = -1;
  long got = 0;
  int done = 0;
  uint64 deadline = rdtime() + 30ull * TIMEBASE_HZ;
  for (;;) {
    long n = recvfrom(r, buf, sizeof buf, 0, 0, 0);
    if (n >= 0) {
      bulk_check(n, last);
      got++;
      continue;
    }
    EXPECT(errno == EAGAIN, "receiver: recvfrom failed: %s", strerror(errno));
    int st;
    int w;
    while (done < BULK_SENDERS && (w = waitpid(-1, &st, WNOHANG)) > 0) {
      EXPECT(st == 0, "sender %d exited with status 0x%x", w, st);
      done++;
    }
    if (done == BULK_SENDERS) break;
    EXPECT(rdtime() < deadline, "senders not done after 30 s (%ld datagrams received)", got);
  }
  sleep(2); // anything still on its way lands
  for (int i = 0; i < 100000; i++) {
    long n = recvfrom(r, buf, sizeof buf, MSG_DONTWAIT, 0, 0);
    if (n < 0) {
      EXPECT(errno == EAGAIN, "receiver: draining recvfrom failed: %s", strerror(errno));
      break;
    }
    bulk_check(n, last);
    got++;
  }
  counters(&c1);
  EXPECT_EQ(netstat(r, &rc), 0);
  close(r);

  long sent = BULK_SENDERS * BULK_COUNT;
  long lost = (long)(drops(&c1) - drops(&c0));
  EXPECT(c1.datagrams_out - c0.datagrams_out == (uint64)sent, "datagrams_out rose by %ld, %ld were sent",
         (long)(c1.datagrams_out - c0.datagrams_out), sent);
  EXPECT(
      got + lost == sent,
      "%ld sent, %ld received, %ld counted as dropped (rcvbuf %ld, nomem %ld, backlog %ld): %ld unaccounted",
      sent, got, lost, (long)(c1.drops_rcvbuf - c0.drops_rcvbuf), (long)(c1.drops_nomem - c0.drops_nomem),
      (long)(c1.drops_backlog - c0.drops_backlog), sent - got - lost);
  EXPECT(c1.datagrams_in - c0.datagrams_in == (uint64)got, "datagrams_in rose by %ld, %ld received",
         (long)(c1.datagrams_in - c0.datagrams_in), got);
  EXPECT(rc.datagrams_in == (uint64)got, "the socket's own datagrams_in is %ld, %ld received",
         (long)rc.datagrams_in, got);
  EXPECT(got * 2 >= sent, "only %ld of %ld datagrams arrived (%ld dropped)", got, sent, lost);

  // Overflow: nobody reads a socket with the smallest receive buffer, so
  // most datagrams are dropped -- and every one is counted.
  r = bound_socket(PORT_BULK);
  set_rcvbuf(r, 1);
  int c = udp_socket();
  counters(&c0);
  for (int i = 0; i < BULK_OVERFLOW; i++) {
    memset(sbuf, i, 100 + i);
    send_to(c, sbuf, 100 + i, PORT_BULK);
  }
  sleep(2);
  got = 0;
  int prev = -1;
  for (int i = 0; i < BULK_OVERFLOW + 1; i++) {
    long n = recvfrom(r, buf, sizeof buf, MSG_DONTWAIT, 0, 0);
    if (n < 0) {
      EXPECT(errno == EAGAIN, "overflow: draining recvfrom failed: %s", strerror(errno));
      break;
    }
    int seq = (int)n - 100;
    EXPECT(seq > prev && seq < BULK_OVERFLOW && (buf[0] & 0xff) == seq && (buf[n - 1] & 0xff) == seq,
           "overflow: a %ld-byte datagram after datagram %d", n, prev);
    prev = seq;
    got++;
  }
  counters(&c1);
  EXPECT_EQ(netstat(r, &rc), 0);
  lost = (long)(drops(&c1) - drops(&c0));
  EXPECT(got + lost == BULK_OVERFLOW, "overflow: %d sent, %ld received, %ld counted as dropped",
         BULK_OVERFLOW, got, lost);
  EXPECT(got > 0 && c1.drops_rcvbuf - c0.drops_rcvbuf > 0,
         "overflow: %d datagrams to a full receive buffer: %ld received, drops_rcvbuf rose by %ld",
         BULK_OVERFLOW, got, (long)(c1.drops_rcvbuf - c0.drops_rcvbuf));
  EXPECT(rc.drops_rcvbuf == c1.drops_rcvbuf - c0.drops_rcvbuf && rc.datagrams_in == (uint64)got,
         "overflow: the socket's own counters: datagrams_in %ld drops_rcvbuf %ld; %ld received, %ld dropped",
         (long)rc.datagrams_in, (long)rc.drops_rcvbuf, got, (long)(c1.drops_rcvbuf - c0.drops_rcvbuf));
  // Reading gave the buffer space back.
  send_to(c, "room", 4, PORT_BULK);
  set_timeout(r, 2, 0);
  long n = recv(r, buf, sizeof buf, 0);
  EXPECT(n == 4, "overflow: after draining, recv returned %ld (%s)", n, n < 0 ? strerror(errno) : "");
  close(c);
  close(r);
}

// ---- 4. exclusive

enum { NREADERS = 8 }; // as bench's sock_wakeups_8: still one wakeup per datagram

static void test_exclusive(void) {
  int s = bound_socket(PORT_EXCL);
  set_timeout(s, 5, 0);
  int p[2];
  xpipe(p);
  int pids[NREADERS];
  for (int i = 0; i < NREADERS; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) {
      close(p[0]);
      char b[16];
      long n = recvfrom(s, b, sizeof b, 0, 0, 0);
      if (n != 1) fail("reader %d: recvfrom returned %ld (%s)", i, n, n < 0 ? strerror(errno) : "");
      xwrite(p[1], b, 1);
      exit(0);
    }
  }
  close(p[1]);
  for (int i = 0; i < NREADERS; i++) wait_until_asleep(pids[i], "a reader"); // in recvfrom

  int c = udp_socket();
  struct net_counters c0, c1;
  counters(&c0);
  send_to(c, "A", 1, PORT_EXCL);
  char got[NREADERS + 1];
  EXPECT(read(p[0], got, 1) == 1, "no reader returned the first datagram");
  sleep(10); // time for a wrongly woken second reader to show up
  struct pollfd pf = {p[0], POLLIN, 0};
  EXPECT(poll(&pf, 1, 0) == 0, "one datagram, but a second reader returned too");
  counters(&c1);
  EXPECT(c1.wakeups - c0.wakeups == 1, "one datagram, %ld readers woken (wakeups counter)",
         (long)(c1.wakeups - c0.wakeups));

  for (char d = 'B'; d < 'A' + NREADERS; d++) send_to(c, &d, 1, PORT_EXCL);
  int n = readn(p[0], got + 1, NREADERS); // to EOF: every reader has exited
  EXPECT(n == NREADERS - 1, "%d readers returned after the other %d datagrams", n, NREADERS - 1);
  int seen = 0;
  for (int i = 0; i < NREADERS; i++) {
    EXPECT(got[i] >= 'A' && got[i] < 'A' + NREADERS, "a reader got '%c'", got[i]);
    EXPECT(!(seen & (1 << (got[i] - 'A'))), "two readers got '%c'", got[i]);
    seen |= 1 << (got[i] - 'A');
  }
  reap_all(pids, NREADERS, 0, 0, "readers");
  counters(&c1);
  EXPECT(c1.wakeups - c0.wakeups == NREADERS, "%d datagrams to %d blocked readers: %ld wakeups", NREADERS,
         NREADERS, (long)(c1.wakeups - c0.wakeups));
  close(p[0]);
  close(c);
  close(s);
}

// A POLLOUT wakeup on the socket's queue, the one Linux sends as sent data
// is freed (wqctl's WQ_WRITE_SPACE makes it), is not for a reader: the
// readers' callback passes it by, so it wakes nobody, and the datagram that
// comes next wakes the reader once.
static void test_writespace(void) {
  int s = bound_socket(PORT_WSPACE);
  set_timeout(s, 5, 0);
  int pid = xfork();
  if (pid == 0) {
    long n = recvfrom(s, buf, 16, 0, 0, 0);
    if (n != 4) fail("the reader's recvfrom returned %ld (%s)", n, n < 0 ? strerror(errno) : "");
    exit(0);
  }
  wait_until_asleep(pid, "the reader"); // in recvfrom
  struct net_counters c0, c1;
  counters(&c0);
  for (int i = 0; i < 3; i++) EXPECT_EQ(wqctl(WQ_WRITE_SPACE, s, 0), 0);
  sleep(5);
  counters(&c1);
  EXPECT(c1.wakeups == c0.wakeups, "3 POLLOUT wakeups: the blocked reader was woken %ld times",
         (long)(c1.wakeups - c0.wakeups));
  int c = udp_socket();
  send_to(c, "data", 4, PORT_WSPACE);
  expect_child(pid, 0, "the reader");
  counters(&c1);
  EXPECT(c1.wakeups - c0.wakeups == 1, "3 POLLOUT wakeups and a datagram: %ld reader wakeups, expected 1",
         (long)(c1.wakeups - c0.wakeups));
  int p[2];
  xpipe(p);
  EXPECT_ERR(wqctl(WQ_WRITE_SPACE, p[0], 0), ENOTSOCK);
  close(p[0]);
  close(p[1]);
  EXPECT_ERR(wqctl(WQ_WRITE_SPACE, p[0], 0), EBADF);
  close(c);
  close(s);
}

// ---- 5. rcvtimeo

// A blocking recvfrom on s (bound to PORT_TIMEO) waits for the datagram a
// child sends 500 ms later (what: the time-out set on s).
static void late_datagram_arrives(int s, const char *what) {
  int pid = xfork();
  if (pid == 0) {
    close(s);
    int c = udp_socket();
    sleep(50);
    send_to(c, "late", 4, PORT_TIMEO);
    exit(0);
  }
  alarm_count = 0;
  xsigaction(SIGALRM, on_alarm, 0); // a safety net: ends the wait after 5 s
  alarm(5);
  unsigned long t0 = time_ns();
  long n = recvfrom(s, buf, 16, 0, 0, 0);
  int err = errno;
  unsigned long ms = ms_since(t0);
  alarm(0);
  EXPECT(n == 4, "%s: recvfrom returned %ld (%s) after %lu ms, expected the datagram sent after 500 ms%s",
         what, n, n < 0 ? strerror(err) : "", ms, alarm_count ? " (the 5 s safety alarm fired)" : "");
  EXPECT(ms >= 400, "%s: recvfrom returned after %lu ms, before the datagram was sent", what, ms);
  expect_child(pid, 0, "the late sender");
}

static void test_rcvtimeo(void) {
  int s = bound_socket(PORT_TIMEO);
  struct timeval tv, g;
  unsigned int gl = sizeof g;
  EXPECT_EQ(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &g, &gl), 0);
  EXPECT_EQ(gl, sizeof g);
  EXPECT(g.tv_sec == 0 && g.tv_usec == 0, "default SO_RCVTIMEO is {%ld, %ld}", g.tv_sec, g.tv_usec);

  set_timeout(s, 0, 300000);
  gl = sizeof g;
  EXPECT_EQ(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &g, &gl), 0);
  EXPECT_EQ(gl, sizeof g);
  EXPECT(g.tv_sec == 0 && g.tv_usec == 300000, "SO_RCVTIMEO set {0, 300000}, got {%ld, %ld}", g.tv_sec,
         g.tv_usec);
  unsigned long t0 = time_ns();
  EXPECT_ERR(recvfrom(s, buf, 16, 0, 0, 0), EAGAIN);
  unsigned long ms = ms_since(t0);
  // A tick (10 ms) of slack below, as for the other time-outs.
  EXPECT(ms >= 290 && ms <= 1000, "a 300 ms SO_RCVTIMEO expired after %lu ms", ms);
  t0 = time_ns();
  EXPECT_ERR(read(s, buf, 16), EAGAIN);
  ms = ms_since(t0);
  EXPECT(ms >= 290 && ms <= 1000, "read with a 300 ms SO_RCVTIMEO returned after %lu ms", ms);

  set_timeout(s, 1, 500000);
  gl = sizeof g;
  EXPECT_EQ(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &g, &gl), 0);
  EXPECT(g.tv_sec == 1 && g.tv_usec == 500000, "SO_RCVTIMEO set {1, 500000}, got {%ld, %ld}", g.tv_sec,
         g.tv_usec);

  // {0, 0}: no time-out; a datagram 500 ms later ends the wait.
  tv.tv_sec = 0;
  tv.tv_usec = 0;
  EXPECT_EQ(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
  gl = sizeof g;
  EXPECT_EQ(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &g, &gl), 0);
  EXPECT(g.tv_sec == 0 && g.tv_usec == 0, "SO_RCVTIMEO set {0, 0}, got {%ld, %ld}", g.tv_sec, g.tv_usec);
  late_datagram_arrives(s, "SO_RCVTIMEO {0, 0}");

  // A time-out too long to count in ticks is no time-out either (Linux
  // caps it at MAX_SCHEDULE_TIMEOUT): it must not wrap into a short or
  // negative one.
  set_timeout(s, 0x7fffffffffffffffl, 999999);
  late_datagram_arrives(s, "SO_RCVTIMEO {LONG_MAX, 999999}");
  set_timeout(s, 1l << 62, 0);
  late_datagram_arrives(s, "SO_RCVTIMEO {2^62, 0}");
  close(s);
}

// ---- 6. dontwait

static void test_dontwait(void) {
  int s = bound_socket(PORT_DW);
  unsigned long t0 = time_ns();
  EXPECT_ERR(recvfrom(s, buf, 16, MSG_DONTWAIT, 0, 0), EAGAIN);
  EXPECT_ERR(recv(s, buf, 16, MSG_DONTWAIT | MSG_PEEK), EAGAIN);
  unsigned long ms = ms_since(t0);
  EXPECT(ms < 50, "MSG_DONTWAIT took %lu ms", ms);

  int fl = fcntl(s, F_GETFL, 0);
  EXPECT(fl >= 0, "fcntl(F_GETFL) failed: %s", strerror(errno));
  EXPECT(!(fl & O_NONBLOCK), "a new socket has O_NONBLOCK (flags 0x%x)", fl);
  EXPECT_EQ(fcntl(s, F_SETFL, fl | O_NONBLOCK), 0);
  int fl2 = fcntl(s, F_GETFL, 0);
  EXPECT(fl2 >= 0 && (fl2 & O_NONBLOCK), "F_GETFL gave 0x%x after setting O_NONBLOCK", fl2);
  t0 = time_ns();
  EXPECT_ERR(recvfrom(s, buf, 16, 0, 0, 0), EAGAIN);
  EXPECT_ERR(read(s, buf, 16), EAGAIN);
  ms = ms_since(t0);
  EXPECT(ms < 50, "O_NONBLOCK recvfrom and read took %lu ms", ms);

  // Non-blocking, but a datagram that is there is returned.
  int c = udp_socket();
  send_to(c, "now", 3, PORT_DW);
  long n = -1;
  for (int i = 0; i < 100; i++) {
    n = recvfrom(s, buf, 16, 0, 0, 0);
    if (n >= 0) break;
    EXPECT(errno == EAGAIN, "O_NONBLOCK recvfrom failed: %s", strerror(errno));
    sleep(1);
  }
  EXPECT(n == 3 && memcmp(buf, "now", 3) == 0, "O_NONBLOCK recvfrom returned %ld", n);

  // Cleared again: recvfrom blocks (until the time-out).
  EXPECT_EQ(fcntl(s, F_SETFL, fl & ~O_NONBLOCK), 0);
  fl2 = fcntl(s, F_GETFL, 0);
  EXPECT(fl2 >= 0 && !(fl2 & O_NONBLOCK), "F_GETFL gave 0x%x after clearing O_NONBLOCK", fl2);
  set_timeout(s, 0, 100000);
  t0 = time_ns();
  EXPECT_ERR(recvfrom(s, buf, 16, 0, 0, 0), EAGAIN);
  ms = ms_since(t0);
  EXPECT(ms >= 90, "after clearing O_NONBLOCK recvfrom returned after %lu ms, not the 100 ms time-out", ms);

  // MSG_DONTWAIT with a datagram there returns it.
  send_to(c, "x", 1, PORT_DW);
  n = -1;
  for (int i = 0; i < 100; i++) {
    n = recvfrom(s, buf, 16, MSG_DONTWAIT, 0, 0);
    if (n >= 0) break;
    EXPECT(errno == EAGAIN, "MSG_DONTWAIT recvfrom failed: %s", strerror(errno));
    sleep(1);
  }
  EXPECT(n == 1 && buf[0] == 'x', "MSG_DONTWAIT recvfrom returned %ld", n);
  close(c);
  close(s);
}

// ---- 7. signal

// A reader blocked in recvfrom gets SIGUSR1 (handler installed with flags)
// from another process. With a time-out set on the socket, or without
// SA_RESTART, the call fails with EINTR; otherwise it is restarted and
// returns the datagram sent after the signal.
static void interrupted_recv(unsigned long flags, int timeout_sec, int expect_eintr, int use_read) {
  int s = bound_socket(PORT_SIG);
  if (timeout_sec) set_timeout(s, timeout_sec, 0);
  sig_count = 0;
  alarm_count = 0;
  xsigaction(SIGUSR1, on_sig, flags);
  xsigaction(SIGALRM, on_alarm, 0);
  int parent = getpid();
  int pid = xfork();
  if (pid == 0) {
    close(s);
    int c = udp_socket();
    wait_until_asleep(parent, "the reader");
    if (kill(parent, SIGUSR1) != 0) fail("kill(SIGUSR1) failed: %s", strerror(errno));
    if (!expect_eintr) {
      wait_until_asleep(parent, "the restarted reader");
      send_to(c, "late", 4, PORT_SIG);
    }
    exit(0);
  }
  alarm(5); // a safety net
  unsigned long t0 = time_ns();
  long n = use_read ? read(s, buf, 16) : recvfrom(s, buf, 16, 0, 0, 0);
  int err = errno;
  unsigned long ms = ms_since(t0);
  alarm(0);
  const char *call = use_read ? "read" : "recvfrom";
  const char *how = flags & SA_RESTART ? "SA_RESTART" : "no SA_RESTART";
  const char *tmo = timeout_sec ? "a time-out" : "no time-out";
  if (expect_eintr) {
    EXPECT(n == -1 && err == EINTR, "%s, %s: %s returned %ld (%s) after %lu ms, expected EINTR%s", how, tmo,
           call, n, n < 0 ? strerror(err) : "", ms, alarm_count ? " (the 5 s safety alarm fired)" : "");
    EXPECT(ms < 1500, "%s, %s: EINTR only after %lu ms", how, tmo, ms);
  } else {
    EXPECT(n == 4 && memcmp(buf, "late", 4) == 0,
           "%s, %s: %s returned %ld (%s) after %lu ms, expected the datagram%s", how, tmo, call, n,
           n < 0 ? strerror(err) : "", ms, alarm_count ? " (the 5 s safety alarm fired)" : "");
  }
  EXPECT(sig_count == 1, "%s, %s: the SIGUSR1 handler ran %d times", how, tmo, sig_count);
  expect_child(pid, 0, "the signal sender");
  close(s);
}

static void test_signal(void) {
  interrupted_recv(0, 3, 1, 0);
  interrupted_recv(0, 0, 1, 0);
  // Linux (signal(7)): a receive on a socket with SO_RCVTIMEO set is never
  // restarted, SA_RESTART or not.
  interrupted_recv(SA_RESTART, 3, 1, 0);
  interrupted_recv(SA_RESTART, 0, 0, 0);
  // read() on a socket the same way.
  interrupted_recv(0, 0, 1, 1);
  interrupted_recv(SA_RESTART, 0, 0, 1);
  interrupted_recv(SA_RESTART, 3, 1, 1);
}

// ---- 8. sigio

static void wait_count(int n, const char *what) {
  for (int i = 0; i < 200 && sig_count < n; i++) sleep(1);
  EXPECT(sig_count == n, "%s: SIGIO handler ran %d times, expected %d", what, sig_count, n);
}

static void test_sigio(void) {
  sig_count = 0;
  xsigaction(SIGIO, on_sig, SA_RESTART);
  int s = bound_socket(PORT_SIGIO);
  EXPECT_EQ(fcntl(s, F_SETOWN, getpid()), 0);
  EXPECT_EQ(fcntl(s, F_GETOWN, 0), getpid());
  EXPECT_EQ(fcntl(s, F_SETFL, O_ASYNC | O_NONBLOCK), 0);
  int fl = fcntl(s, F_GETFL, 0);
  EXPECT(fl >= 0 && (fl & O_ASYNC) && (fl & O_NONBLOCK), "F_GETFL gave 0x%x after O_ASYNC|O_NONBLOCK", fl);
  sleep(2);
  EXPECT(sig_count == 0, "SIGIO before any datagram");

  // From another process.
  int pid = xfork();
  if (pid == 0) {
    close(s);
    int c = udp_socket();
    send_to(c, "io", 2, PORT_SIGIO);
    exit(0);
  }
  wait_count(1, "a datagram from another process");
  EXPECT_EQ(recv(s, buf, 16, 0), 2);
  expect_child(pid, 0, "the sender");

  // From this process.
  int c = udp_socket();
  send_to(c, "io2", 3, PORT_SIGIO);
  wait_count(2, "a datagram from this process");
  EXPECT_EQ(recv(s, buf, 16, 0), 3);
  sleep(5);
  EXPECT(sig_count == 2, "%d SIGIOs for 2 datagrams", sig_count);

  // Without O_ASYNC: no SIGIO.
  EXPECT_EQ(fcntl(s, F_SETFL, O_NONBLOCK), 0);
  send_to(c, "quiet", 5, PORT_SIGIO);
  sleep(10);
  EXPECT(sig_count == 2, "SIGIO after O_ASYNC was cleared");
  long n = -1;
  for (int i = 0; i < 100 && n < 0; i++) {
    n = recv(s, buf, 16, 0);
    if (n < 0) sleep(1);
  }
  EXPECT_EQ(n, 5);
  close(c);
  close(s);
}

// ---- 9. peek

static void test_peek(void) {
  int s = bound_socket(PORT_PEEK);
  set_timeout(s, 2, 0);
  int c = udp_socket();
  send_to(c, "peekaboo", 8, PORT_PEEK);
  send_to(c, "second", 6, PORT_PEEK);
  int cport = local_port(c);

  struct sockaddr_in from;
  unsigned int fl = sizeof from;
  memset(buf, 0, 16);
  EXPECT_EQ(recvfrom(s, buf, 64, MSG_PEEK, SA(&from), &fl), 8);
  EXPECT(memcmp(buf, "peekaboo", 8) == 0, "MSG_PEEK returned \"%s\"", buf);
  EXPECT_EQ(fl, sizeof from);
  expect_addr(&from, cport, "MSG_PEEK's source address");
  memset(buf, 0, 16);
  EXPECT_EQ(recv(s, buf, 4, MSG_PEEK), 4);
  EXPECT(memcmp(buf, "peek", 4) == 0 && buf[4] == 0, "a 4-byte MSG_PEEK returned \"%s\"", buf);
  memset(buf, 0, 16);
  fl = sizeof from;
  EXPECT_EQ(recvfrom(s, buf, 64, 0, SA(&from), &fl), 8);
  EXPECT(memcmp(buf, "peekaboo", 8) == 0, "recv after MSG_PEEK returned \"%s\"", buf);
  expect_addr(&from, cport, "the source address after MSG_PEEK");

  memset(buf, 0, 16);
  EXPECT_EQ(recv(s, buf, 64, MSG_PEEK), 6);
  EXPECT(memcmp(buf, "second", 6) == 0, "MSG_PEEK of the second datagram returned \"%s\"", buf);
  memset(buf, 0, 16);
  EXPECT_EQ(recv(s, buf, 64, MSG_PEEK | MSG_DONTWAIT), 6);
  EXPECT_EQ(recv(s, buf, 64, 0), 6);
  EXPECT(memcmp(buf, "second", 6) == 0, "recv of the second datagram returned \"%s\"", buf);
  EXPECT_ERR(recv(s, buf, 64, MSG_DONTWAIT), EAGAIN);
  EXPECT_ERR(recv(s, buf, 64, MSG_DONTWAIT | MSG_PEEK), EAGAIN);
  close(c);
  close(s);
}

// ---- 10. trunc

static void test_trunc(void) {
  int s = bound_socket(PORT_TRUNC);
  set_timeout(s, 2, 0);
  int c = udp_socket();
  for (int i = 0; i < 100; i++) sbuf[i] = (char)(i * 3 + 1);

  send_to(c, sbuf, 100, PORT_TRUNC);
  memset(buf, 0x55, 128);
  EXPECT_EQ(recv(s, buf, 10, 0), 10);
  EXPECT(memcmp(buf, sbuf, 10) == 0, "the truncated datagram's first 10 bytes are wrong");
  EXPECT((buf[10] & 0xff) == 0x55, "recv wrote past the 10-byte buffer");
  EXPECT_ERR(recv(s, buf, 128, MSG_DONTWAIT), EAGAIN);

  send_to(c, sbuf, 100, PORT_TRUNC);
  memset(buf, 0x55, 128);
  EXPECT_EQ(recv(s, buf, 10, MSG_TRUNC), 100);
  EXPECT(memcmp(buf, sbuf, 10) == 0, "MSG_TRUNC: the first 10 bytes are wrong");
  EXPECT((buf[10] & 0xff) == 0x55, "MSG_TRUNC: recv wrote past the 10-byte buffer");
  EXPECT_ERR(recv(s, buf, 128, MSG_DONTWAIT), EAGAIN);

  // MSG_TRUNC | MSG_PEEK: the full length, and the datagram stays.
  send_to(c, sbuf, 100, PORT_TRUNC);
  EXPECT_EQ(recv(s, buf, 10, MSG_TRUNC | MSG_PEEK), 100);
  memset(buf, 0x55, 128);
  EXPECT_EQ(recv(s, buf, 128, 0), 100);
  EXPECT(memcmp(buf, sbuf, 100) == 0, "the datagram after MSG_TRUNC|MSG_PEEK is wrong");
  EXPECT_ERR(recv(s, buf, 128, MSG_DONTWAIT), EAGAIN);
  close(c);
  close(s);
}

// ---- 11. shutdown

// A child blocks in recvfrom on s; this process shuts s down for reading
// (expecting shutdown to return want_r / want_errno); the child gets 0.
static void shutdown_wakes(int s, int want_r, int want_errno, const char *what) {
  set_timeout(s, 5, 0);
  int pid = xfork();
  if (pid == 0) {
    unsigned long t0 = time_ns();
    long n = recvfrom(s, buf, 16, 0, 0, 0);
    if (n != 0)
      fail("%s: the blocked reader's recvfrom returned %ld (%s) after %lu ms, expected 0", what, n,
           n < 0 ? strerror(errno) : "data", ms_since(t0));
    exit(0);
  }
  wait_until_asleep(pid, what); // the reader, blocked in recvfrom
  int r = shutdown(s, SHUT_RD);
  if (want_r == 0)
    EXPECT(r == 0, "%s: shutdown(SHUT_RD) failed: %s", what, strerror(errno));
  else
    EXPECT(r == -1 && errno == want_errno, "%s: shutdown(SHUT_RD) returned %d (%s), expected -1 with %s",
           what, r, strerror(errno), strerror(want_errno));
  expect_child(pid, 0, what);
  // Later receives return 0 at once too.
  unsigned long t0 = time_ns();
  long n = recv(s, buf, 16, 0);
  EXPECT(n == 0, "%s: recv after shutdown returned %ld (%s)", what, n, n < 0 ? strerror(errno) : "data");
  EXPECT(ms_since(t0) < 1000, "%s: recv after shutdown blocked", what);
}

static void test_shutdown(void) {
  // Unconnected: ENOTCONN, but the reader wakes all the same.
  int s = bound_socket(PORT_SHUT);
  shutdown_wakes(s, -1, ENOTCONN, "unconnected socket");
  close(s);

  // Connected: success.
  int o = bound_socket(PORT_SHUT);
  s = bound_socket(PORT_SHUT2);
  xconnect(s, PORT_SHUT);
  shutdown_wakes(s, 0, 0, "connected socket");
  close(s);
  close(o);
}

// ---- 12. closefree

enum { CF_COUNT = 30, CF_SIZE = 1024 };

// A socket with CF_COUNT datagrams queued, closed.
static void fill_and_close(void) {
  struct net_counters c0, c1, sc;
  int s = bound_socket(PORT_CLOSE);
  set_rcvbuf(s, 256 * 1024);
  int c = udp_socket();
  counters(&c0);
  memset(sbuf, 'q', CF_SIZE);
  for (int i = 0; i < CF_COUNT; i++) send_to(c, sbuf, CF_SIZE, PORT_CLOSE);
  for (int i = 0; i < 100; i++) {
    counters(&c1);
    if (c1.datagrams_in - c0.datagrams_in + drops(&c1) - drops(&c0) >= CF_COUNT) break;
    sleep(1);
  }
  EXPECT(c1.datagrams_in - c0.datagrams_in == CF_COUNT, "%d sent, %ld queued, %ld dropped", CF_COUNT,
         (long)(c1.datagrams_in - c0.datagrams_in), (long)(drops(&c1) - drops(&c0)));
  EXPECT_EQ(netstat(s, &sc), 0);
  EXPECT(sc.datagrams_in == CF_COUNT, "the socket's own datagrams_in is %ld", (long)sc.datagrams_in);
  close(c);
  close(s);
}

static void check_freed(uint64 before, const char *what) {
  uint64 after = freepages();
  for (int i = 0; i < 50 && after != before; i++) {
    sleep(1);
    after = freepages();
  }
  EXPECT(after == before, "%s: %ld free pages before, %ld after", what, (long)before, (long)after);
}

static void test_closefree(void) {
  uint64 before = freepages();
  fill_and_close();
  check_freed(before, "a socket with 30 queued datagrams closed");
  // The same in a child that exits without closing.
  int pid = xfork();
  if (pid == 0) {
    int s = bound_socket(PORT_CLOSE);
    int c = udp_socket();
    memset(sbuf, 'e', CF_SIZE);
    for (int i = 0; i < CF_COUNT; i++) send_to(c, sbuf, CF_SIZE, PORT_CLOSE);
    EXPECT_EQ(recv(s, buf, 16, MSG_PEEK), 16);
    exit(0);
  }
  expect_child(pid, 0, "the child with queued datagrams");
  check_freed(before, "a process with a socket and queued datagrams exited");
}

// ---- 13. unreachable

static void test_unreachable(void) {
  struct net_counters c0, c1;
  int c = udp_socket();
  xconnect(c, PORT_NONE);
  counters(&c0);
  EXPECT_EQ(send(c, "x", 1, 0), 1);
  long n = 0;
  int err = 0;
  for (int i = 0; i < 20; i++) {
    n = recv(c, buf, 16, MSG_DONTWAIT);
    err = errno;
    if (n >= 0 || err != EAGAIN) break;
    sleep(1);
  }
  EXPECT(n == -1 && err == ECONNREFUSED, "after a send to a port with no socket, recv returned %ld (%s)", n,
         n < 0 ? strerror(err) : "data");
  counters(&c1);
  EXPECT(c1.drops_noport - c0.drops_noport == 1, "drops_noport rose by %ld",
         (long)(c1.drops_noport - c0.drops_noport));
  EXPECT(c1.icmp_unreachable - c0.icmp_unreachable == 1, "icmp_unreachable rose by %ld",
         (long)(c1.icmp_unreachable - c0.icmp_unreachable));
  // The error is reported once.
  EXPECT_ERR(recv(c, buf, 16, MSG_DONTWAIT), EAGAIN);

  // send reports it too.
  EXPECT_EQ(send(c, "y", 1, 0), 1);
  n = 0;
  for (int i = 0; i < 20; i++) {
    sleep(1);
    n = send(c, "z", 1, 0);
    err = errno;
    if (n != 1) break;
  }
  EXPECT(n == -1 && err == ECONNREFUSED, "sends to a port with no socket: send returned %ld (%s)", n,
         n < 0 ? strerror(err) : "");
  close(c);

  // Unconnected: no error.
  int u = udp_socket();
  counters(&c0);
  send_to(u, "x", 1, PORT_NONE);
  for (int i = 0; i < 100; i++) {
    counters(&c1);
    if (c1.icmp_unreachable != c0.icmp_unreachable) break;
    sleep(1);
  }
  EXPECT(c1.drops_noport - c0.drops_noport == 1, "unconnected: drops_noport rose by %ld",
         (long)(c1.drops_noport - c0.drops_noport));
  EXPECT(c1.icmp_unreachable - c0.icmp_unreachable == 1, "unconnected: icmp_unreachable rose by %ld",
         (long)(c1.icmp_unreachable - c0.icmp_unreachable));
  sleep(2);
  EXPECT_ERR(recv(u, buf, 16, MSG_DONTWAIT), EAGAIN);
  send_to(u, "y", 1, PORT_NONE);
  sleep(2);
  send_to(u, "z", 1, PORT_NONE);
  EXPECT_ERR(recv(u, buf, 16, MSG_DONTWAIT), EAGAIN);
  close(u);
}

// ---- 14. poll

static void test_poll(void) {
  int s = bound_socket(PORT_POLL);
  struct pollfd pf = {s, POLLIN | POLLOUT, 0};
  EXPECT_EQ(poll(&pf, 1, 0), 1);
  EXPECT(pf.revents == POLLOUT, "an empty socket: revents 0x%x, expected POLLOUT", pf.revents);
  pf.events = POLLIN;
  pf.revents = 0;
  EXPECT_EQ(poll(&pf, 1, 0), 0);
  EXPECT_EQ(pf.revents, 0);

  int pid = xfork();
  if (pid == 0) {
    close(s);
    int c = udp_socket();
    sleep(20);
    send_to(c, "ping", 4, PORT_POLL);
    exit(0);
  }
  unsigned long t0 = time_ns();
  int r = poll(&pf, 1, 3000);
  unsigned long ms = ms_since(t0);
  EXPECT(r == 1 && pf.revents == POLLIN, "poll for a datagram returned %d (revents 0x%x) after %lu ms", r,
         pf.revents, ms);
  EXPECT(ms >= 100 && ms < 2500, "poll woke after %lu ms; the datagram came after 200", ms);
  pf.events = POLLIN | POLLOUT;
  EXPECT_EQ(poll(&pf, 1, 0), 1);
  EXPECT(pf.revents == (POLLIN | POLLOUT), "a socket with a datagram: revents 0x%x", pf.revents);
  EXPECT_EQ(recv(s, buf, 16, MSG_DONTWAIT), 4);
  EXPECT(memcmp(buf, "ping", 4) == 0, "wrong datagram");
  pf.events = POLLIN;
  EXPECT_EQ(poll(&pf, 1, 0), 0);
  EXPECT(pf.revents == 0, "a drained socket: revents 0x%x", pf.revents);
  // A timed poll on an empty socket times out.
  t0 = time_ns();
  EXPECT_EQ(poll(&pf, 1, 100), 0);
  ms = ms_since(t0);
  EXPECT(ms >= 90 && ms < 1000, "poll(100 ms) on an empty socket returned after %lu ms", ms);
  expect_child(pid, 0, "the sender");
  close(s);
}

// ---- 15. badargs

// Every socket call on fd fails with errno err.
static void all_fail(int fd, int err, const char *what) {
  struct sockaddr_in a = loopback_addr(PORT_BAD);
  unsigned int len = sizeof a;
  struct timeval tv = {1, 0};
  static const char *names[] = {"bind",        "connect",    "sendto",     "recvfrom", "getsockname",
                                "getpeername", "setsockopt", "getsockopt", "shutdown", "send"};
  for (int i = 0; i < 10; i++) {
    errno = 0;
    long v = 0;
    switch (i) {
    case 0: v = bind(fd, SA(&a), sizeof a); break;
    case 1: v = connect(fd, SA(&a), sizeof a); break;
    case 2: v = sendto(fd, "x", 1, 0, SA(&a), sizeof a); break;
    case 3: v = recvfrom(fd, buf, 16, MSG_DONTWAIT, 0, 0); break;
    case 4:
      len = sizeof a;
      v = getsockname(fd, SA(&a), &len);
      break;
    case 5:
      len = sizeof a;
      v = getpeername(fd, SA(&a), &len);
      break;
    case 6: v = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv); break;
    case 7:
      len = sizeof tv;
      v = getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
      break;
    case 8: v = shutdown(fd, SHUT_RDWR); break;
    case 9: v = send(fd, "x", 1, 0); break;
    }
    if (v != -1 || errno != err)
      fail("%s on %s returned %ld (errno %d: %s), expected -1 with errno %d (%s)", names[i], what, v, errno,
           strerror(errno), err, strerror(err));
  }
}

// Each call given a bad address fails with EFAULT. s is bound to
// PORT_BAD; s2, bound elsewhere, is connected to it here.
static void badptr_calls(int s, int s2, void *bad, void *kern) {
  struct sockaddr_in a = loopback_addr(PORT_BAD);
  unsigned int len = sizeof a;
  int v = 0;
  unsigned int vl = sizeof v;
  EXPECT_ERR(connect(s2, (struct sockaddr *)bad, sizeof a), EFAULT);
  EXPECT_ERR(getsockname(s, (struct sockaddr *)bad, &len), EFAULT);
  EXPECT_ERR(getsockname(s, SA(&a), (unsigned int *)kern), EFAULT);
  EXPECT_ERR(getsockopt(s, SOL_SOCKET, SO_RCVBUF, bad, &vl), EFAULT);
  EXPECT_ERR(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, (unsigned int *)bad), EFAULT);
  EXPECT_ERR(setsockopt(s, SOL_SOCKET, SO_RCVBUF, kern, sizeof v), EFAULT);
  EXPECT_ERR(netstat(s, (struct net_counters *)bad), EFAULT);
  EXPECT_ERR(netstat(-1, (struct net_counters *)kern), EFAULT);
  EXPECT_EQ(connect(s2, SA(&a), sizeof a), 0);
  len = sizeof a;
  EXPECT_ERR(getpeername(s2, (struct sockaddr *)bad, &len), EFAULT);
  EXPECT_ERR(write(s2, bad, 4), EFAULT);
  EXPECT_ERR(recv(s, buf, 16, MSG_DONTWAIT), EAGAIN); // nothing was sent
  // Receiving: each bad call may keep or drop its datagram.
  send_to(s2, "data", 4, PORT_BAD);
  EXPECT_ERR(read(s, bad, 16), EFAULT);
  recv(s, buf, 16, MSG_DONTWAIT);
  send_to(s2, "data", 4, PORT_BAD);
  len = sizeof a;
  EXPECT_ERR(recvfrom(s, buf, 16, 0, (struct sockaddr *)kern, &len), EFAULT);
  recv(s, buf, 16, MSG_DONTWAIT);
  send_to(s2, "data", 4, PORT_BAD);
  EXPECT_ERR(recvfrom(s, buf, 16, 0, SA(&a), (unsigned int *)bad), EFAULT);
  recv(s, buf, 16, MSG_DONTWAIT);
}

static void test_badargs(void) {
  void *bad = (void *)0x7ffff000ul;
  void *kern = (void *)0x80000000ul;

  EXPECT_ERR(socket(1, SOCK_DGRAM, 0), EAFNOSUPPORT);
  EXPECT_ERR(socket(AF_INET, 5, 0), ESOCKTNOSUPPORT); // SOCK_SEQPACKET
  EXPECT_ERR(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
  EXPECT_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);

  int s = udp_socket();
  struct sockaddr_in a = loopback_addr(PORT_BAD);
  EXPECT_ERR(bind(s, (struct sockaddr *)bad, sizeof a), EFAULT);
  EXPECT_ERR(bind(s, (struct sockaddr *)kern, sizeof a), EFAULT);
  EXPECT_ERR(bind(s, SA(&a), 4), EINVAL);
  a.sin_family = 10; // AF_INET6
  EXPECT_ERR(bind(s, SA(&a), sizeof a), EAFNOSUPPORT);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = inet_addr("10.0.0.1"); // not an address of this machine
  EXPECT_ERR(bind(s, SA(&a), sizeof a), EADDRNOTAVAIL);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(s, SA(&a), sizeof a), 0);
  EXPECT_ERR(bind(s, SA(&a), sizeof a), EINVAL); // bound already
  int s2 = udp_socket();
  EXPECT_ERR(bind(s2, SA(&a), sizeof a), EADDRINUSE);
  struct sockaddr_in a2 = loopback_addr(PORT_BAD2);
  EXPECT_EQ(bind(s2, SA(&a2), sizeof a2), 0);
  set_timeout(s, 2, 0);

  // sendto: bad buffer, unreachable network, no address, too big.
  EXPECT_ERR(sendto(s2, bad, 10, 0, SA(&a), sizeof a), EFAULT);
  EXPECT_ERR(sendto(s2, kern, 10, 0, SA(&a), sizeof a), EFAULT);
  EXPECT_ERR(sendto(s2, "x", 1, 0, (struct sockaddr *)bad, sizeof a), EFAULT);
  struct sockaddr_in far = loopback_addr(7);
  far.sin_addr.s_addr = inet_addr("10.0.0.1");
  EXPECT_ERR(sendto(s2, "x", 1, 0, SA(&far), sizeof far), ENETUNREACH);
  EXPECT_ERR(sendto(s2, "x", 1, 0, 0, 0), EDESTADDRREQ);
  EXPECT_ERR(send(s2, "x", 1, 0), EDESTADDRREQ);
  EXPECT_ERR(sendto(s2, sbuf, UDP_MAX_PAYLOAD + 1, 0, SA(&a), sizeof a), EMSGSIZE);
  // Nothing of those arrived.
  EXPECT_ERR(recv(s, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
  // UDP_MAX_PAYLOAD itself goes through.
  for (int i = 0; i < UDP_MAX_PAYLOAD; i++) sbuf[i] = (char)(i ^ (i >> 8));
  EXPECT_EQ(sendto(s2, sbuf, UDP_MAX_PAYLOAD, 0, SA(&a), sizeof a), UDP_MAX_PAYLOAD);
  EXPECT_EQ(recv(s, buf, sizeof buf, 0), UDP_MAX_PAYLOAD);
  EXPECT(memcmp(buf, sbuf, UDP_MAX_PAYLOAD) == 0, "a UDP_MAX_PAYLOAD datagram came back changed");

  // recvfrom into a bad buffer (the datagram may be kept or dropped).
  send_to(s2, "data", 4, PORT_BAD);
  EXPECT_EQ(recv(s, buf, 16, MSG_PEEK), 4); // it is there
  EXPECT_ERR(recvfrom(s, bad, 16, 0, 0, 0), EFAULT);
  recv(s, buf, 16, MSG_DONTWAIT);
  send_to(s2, "data", 4, PORT_BAD);
  EXPECT_EQ(recv(s, buf, 16, MSG_PEEK), 4);
  EXPECT_ERR(recvfrom(s, kern, 16, 0, 0, 0), EFAULT);
  recv(s, buf, 16, MSG_DONTWAIT);

  // Options.
  int v = 1;
  EXPECT_ERR(setsockopt(s, SOL_SOCKET, 9999, &v, sizeof v), ENOPROTOOPT);
  unsigned int vl = sizeof v;
  EXPECT_ERR(getsockopt(s, SOL_SOCKET, 9999, &v, &vl), ENOPROTOOPT);
  EXPECT_ERR(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, bad, sizeof(struct timeval)), EFAULT);
  unsigned int len = sizeof a;
  EXPECT_ERR(getpeername(s, SA(&a), &len), ENOTCONN);

  // Bad pointers in the other calls, read and write included: EFAULT.
  badptr_calls(s, s2, bad, kern);

  // A closed descriptor, one never opened, and a pipe.
  int dead = udp_socket();
  close(dead);
  all_fail(dead, EBADF, "a closed fd");
  all_fail(-1, EBADF, "fd -1");
  all_fail(200, EBADF, "fd 200");
  int p[2];
  xpipe(p);
  all_fail(p[0], ENOTSOCK, "a pipe's read end");
  all_fail(p[1], ENOTSOCK, "a pipe's write end");
  close(p[0]);
  close(p[1]);

  // The kernel lives, and the sockets still work.
  send_to(s2, "alive", 5, PORT_BAD);
  EXPECT_EQ(recv(s, buf, 16, 0), 5);
  EXPECT(memcmp(buf, "alive", 5) == 0, "wrong datagram after the bad calls");
  close(s);
  close(s2);
}

// ---- 16. readwrite

static void expect_read(int fd, const char *msg, const char *what) {
  int len = strlen(msg);
  memset(buf, 0, 64);
  long n = read(fd, buf, 64);
  if (n != len || memcmp(buf, msg, len) != 0)
    fail("%s: read returned %ld (%s), expected \"%s\"", what, n, n < 0 ? strerror(errno) : buf, msg);
}

static void test_readwrite(void) {
  int a = bound_socket(PORT_RW_A);
  int b = bound_socket(PORT_RW_B);
  xconnect(a, PORT_RW_B);
  xconnect(b, PORT_RW_A);
  set_timeout(a, 3, 0);
  set_timeout(b, 3, 0);

  EXPECT_EQ(write(a, "hello", 5), 5);
  expect_read(b, "hello", "write/read");
  EXPECT_EQ(write(b, "back", 4), 4);
  expect_read(a, "back", "write/read the other way");
  // A zero-length datagram is a datagram.
  EXPECT_EQ(send(a, "", 0, 0), 0);
  EXPECT_EQ(recv(b, buf, 16, 0), 0);
  EXPECT_ERR(recv(b, buf, 16, MSG_DONTWAIT), EAGAIN);

  // A connected socket takes datagrams from its peer only: another
  // sender's finds no socket on the port.
  int o = udp_socket();
  struct net_counters c0, c1;
  counters(&c0);
  send_to(o, "stranger", 8, PORT_RW_B);
  sleep(2);
  EXPECT_ERR(recv(b, buf, 16, MSG_DONTWAIT), EAGAIN);
  counters(&c1);
  EXPECT(c1.drops_noport - c0.drops_noport == 1,
         "a datagram to a connected socket from a stranger: drops_noport rose by %ld",
         (long)(c1.drops_noport - c0.drops_noport));
  close(o);

  // dup: the same socket.
  int d = dup(b);
  EXPECT(d >= 0, "dup failed");
  EXPECT_EQ(local_port(d), PORT_RW_B);
  EXPECT_EQ(write(a, "viadup", 6), 6);
  expect_read(d, "viadup", "read from a dup");
  EXPECT_EQ(write(d, "fromdup", 7), 7);
  expect_read(a, "fromdup", "write to a dup");

  // Inherited over fork; the child closes its copies and exits.
  int pid = xfork();
  if (pid == 0) {
    expect_read(b, "tochild", "child: read an inherited socket");
    EXPECT_EQ(write(b, "fromchild", 9), 9);
    close(b);
    close(d);
    close(a);
    exit(0);
  }
  EXPECT_EQ(write(a, "tochild", 7), 7);
  expect_read(a, "fromchild", "read what the child wrote");
  expect_child(pid, 0, "the child");
  EXPECT_EQ(write(a, "stillb", 6), 6);
  expect_read(b, "stillb", "the parent's copy after the child closed its copies");

  // Closing one descriptor leaves the dup working.
  close(b);
  EXPECT_EQ(write(a, "onlyd", 5), 5);
  expect_read(d, "onlyd", "the dup after the original was closed");
  EXPECT_EQ(write(d, "dwrite", 6), 6);
  expect_read(a, "dwrite", "a write through the dup after the original was closed");
  // The port is held until the last descriptor closes.
  int x = udp_socket();
  struct sockaddr_in addr = loopback_addr(PORT_RW_B);
  EXPECT_ERR(bind(x, SA(&addr), sizeof addr), EADDRINUSE);
  close(d);
  EXPECT(bind(x, SA(&addr), sizeof addr) == 0,
         "the port is still in use after its last descriptor closed: %s", strerror(errno));
  close(x);
  close(a);
}

// ---- 17. reconnect

// A receiver connects to A, to B, then to nobody (AF_UNSPEC), round and
// round, while a process on another hart sends to it from A, B and C (C is
// never its peer). A connected socket takes datagrams from its peer only, so
// each datagram that arrives must have had a moment, between its sending
// and its receipt, when the receiver was connected to its sender or to
// nobody. The moments are rdtime() readings: one clock for every hart.
enum {
  RC_SENDERS = 3,       // A, B, C
  RC_SEND_MS = 800,     // how long the sender sends
  RC_EPOCH_US = 1000,   // how long the receiver keeps one peer
  RC_MAX_EPOCHS = 2000, // a run takes about 400
};

struct rc_msg {
  uint32 sender; // 0: A, 1: B, 2: C
  uint32 seq;    // per sender, counting only datagrams sent
  uint64 sent_at;
};

// One state of the receiver: peer (0: A, 1: B, -1: nobody) held from
// `from` (before the connect that set it) to `to` (after the one that ended it).
struct rc_epoch {
  uint64 from, to;
  int peer;
};
static struct rc_epoch epochs[RC_MAX_EPOCHS];
static int nepochs;

static struct sockaddr_in rc_addr(int sender) {
  struct sockaddr_in a = loopback_addr(PORT_RC_A + sender);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + sender);
  return a;
}

// A sends with send() on a connected socket, so it also hears of the
// datagrams the receiver refused (ECONNREFUSED); B and C use sendto().
static void rc_sender(void) {
  int s[RC_SENDERS];
  uint32 seq[RC_SENDERS];
  struct sockaddr_in to = loopback_addr(PORT_RC);
  for (int i = 0; i < RC_SENDERS; i++) {
    struct sockaddr_in a = rc_addr(i);
    s[i] = udp_socket();
    EXPECT(bind(s[i], SA(&a), sizeof a) == 0, "sender %c: bind failed: %s", 'A' + i, strerror(errno));
    seq[i] = 0;
  }
  EXPECT(connect(s[0], SA(&to), sizeof to) == 0, "sender A: connect failed: %s", strerror(errno));
  uint64 end = rdtime() + RC_SEND_MS * (TIMEBASE_HZ / 1000);
  for (int i = 0; rdtime() < end; i = (i + 1) % RC_SENDERS) {
    struct rc_msg m = {i, seq[i], rdtime()};
    long r = i == 0 ? send(s[0], &m, sizeof m, 0) : sendto(s[i], &m, sizeof m, 0, SA(&to), sizeof to);
    if (r == sizeof m)
      seq[i]++;
    else
      EXPECT(i == 0 && r == -1 && errno == ECONNREFUSED, "sender %c: send returned %ld (%s)", 'A' + i, r,
             r < 0 ? strerror(errno) : "short");
  }
  for (int i = 0; i < RC_SENDERS; i++) close(s[i]);
  exit(0);
}

// Connect r to peer (-1: nobody) and start a new epoch.
static void rc_connect(int r, int peer) {
  struct sockaddr_in a = peer >= 0 ? rc_addr(peer) : loopback_addr(0);
  if (peer < 0) a.sin_family = AF_UNSPEC;
  uint64 from = rdtime();
  EXPECT(connect(r, SA(&a), sizeof a) == 0, "connect to %c failed: %s", peer < 0 ? '-' : 'A' + peer,
         strerror(errno));
  epochs[nepochs - 1].to = rdtime();
  epochs[nepochs].from = from;
  epochs[nepochs].to = ~0ull;
  epochs[nepochs].peer = peer;
  nepochs++;
  struct sockaddr_in got;
  unsigned int len = sizeof got;
  int rc = getpeername(r, SA(&got), &len);
  if (peer < 0)
    EXPECT(rc == -1 && errno == ENOTCONN, "getpeername after AF_UNSPEC gave %d (%s)", rc, strerror(errno));
  else
    EXPECT(rc == 0 && got.sin_addr.s_addr == a.sin_addr.s_addr && got.sin_port == a.sin_port,
           "getpeername after connecting to %c gave %d: 0x%x:%d", 'A' + peer, rc, ntohl(got.sin_addr.s_addr),
           ntohs(got.sin_port));
}

// Could the receiver have taken m at some moment from its sending to now?
static int rc_acceptable(const struct rc_msg *m, uint64 now) {
  for (int k = nepochs - 1; k >= 0 && epochs[k].to >= m->sent_at; k--)
    if (epochs[k].from <= now && (epochs[k].peer < 0 || epochs[k].peer == (int)m->sender)) return 1;
  return 0;
}

// Take one datagram, if there is one, and check it. Returns 0 if none.
static int rc_receive(int r, uint32 *next, long *got) {
  struct rc_msg m;
  struct sockaddr_in from;
  unsigned int len = sizeof from;
  long n = recvfrom(r, &m, sizeof m, MSG_DONTWAIT, SA(&from), &len);
  uint64 now = rdtime();
  if (n < 0) {
    EXPECT(errno == EAGAIN, "recvfrom failed: %s", strerror(errno));
    return 0;
  }
  EXPECT(n == sizeof m && m.sender < RC_SENDERS, "a %ld-byte datagram from sender %d", n, (int)m.sender);
  struct sockaddr_in want = rc_addr(m.sender);
  char c = 'A' + m.sender;
  EXPECT(from.sin_addr.s_addr == want.sin_addr.s_addr && from.sin_port == want.sin_port,
         "sender %c's datagram came from 0x%x:%d", c, ntohl(from.sin_addr.s_addr), ntohs(from.sin_port));
  EXPECT(m.seq >= next[m.sender], "sender %c: datagram %d after %d (duplicated or reordered)", c, m.seq,
         next[m.sender] - 1);
  if (!rc_acceptable(&m, now))
    fail("sender %c's datagram %d, sent %ld us before it was read, was taken while the receiver was "
         "connected to someone else all that time (connected now to %c)",
         c, m.seq, (long)((now - m.sent_at) / (TIMEBASE_HZ / 1000000)),
         epochs[nepochs - 1].peer < 0 ? '-' : 'A' + epochs[nepochs - 1].peer);
  next[m.sender] = m.seq + 1;
  got[m.sender]++;
  return 1;
}

static void test_reconnect(void) {
  static const int peers[] = {0, 1, -1}; // A, then B, then nobody
  uint64 before = freepages();
  int r = udp_socket();
  struct sockaddr_in any = loopback_addr(PORT_RC);
  any.sin_addr.s_addr = htonl(INADDR_ANY);
  EXPECT(bind(r, SA(&any), sizeof any) == 0, "bind to 0.0.0.0:%d failed: %s", PORT_RC, strerror(errno));
  nepochs = 1;
  epochs[0].from = 0;
  epochs[0].to = ~0ull;
  epochs[0].peer = -1;
  int pid = xfork();
  if (pid == 0) {
    close(r);
    rc_sender();
  }

  uint32 next[RC_SENDERS] = {0, 0, 0};
  long got[RC_SENDERS] = {0, 0, 0};
  uint64 deadline = rdtime() + 20ull * TIMEBASE_HZ;
  int st = 0;
  for (int k = 0; waitpid(pid, &st, WNOHANG) != pid; k++) {
    EXPECT(rdtime() < deadline, "the sender is not done after 20 s");
    if (nepochs < RC_MAX_EPOCHS) rc_connect(r, peers[k % 3]);
    uint64 until = rdtime() + RC_EPOCH_US * (TIMEBASE_HZ / 1000000);
    while (rdtime() < until) rc_receive(r, next, got);
  }
  EXPECT(st == 0, "the sender exited with status 0x%x", st);
  for (int i = 0; i < 1000 && rc_receive(r, next, got); i++) // what it sent last
    ;
  close(r);
  EXPECT(nepochs > 30, "only %d connects while the sender sent for %d ms", nepochs - 1, RC_SEND_MS);
  EXPECT(got[0] > 0 && got[1] > 0 && got[2] > 0,
         "datagrams received from A: %ld, B: %ld, C: %ld; some from each were expected", got[0], got[1],
         got[2]);
  check_freed(before, "sockets reconnected under load, then closed");
}

// ---------------------------------------------------------------------------
// malformed: packets built by hand and injected into the loopback device's
// receive path (netinject): every malformed one is dropped and counted, a
// well-formed one is delivered.

// The Internet checksum over n bytes, as network-order 16-bit words.
static unsigned short inet_csum(const unsigned char *p, int n, uint32 sum) {
  for (; n > 1; n -= 2, p += 2) sum += (uint32)(p[0] << 8 | p[1]);
  if (n) sum += (uint32)(p[0] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons((unsigned short)~sum);
}

static unsigned char pkt[64];

// A 20-byte IPv4 header, an 8-byte UDP header and a 4-byte payload "kite"
// from 127.0.0.1:9999 to 127.0.0.1:port, with correct checksums. Returns
// the length.
static int build_packet(int port) {
  memset(pkt, 0, sizeof pkt);
  int len = 20 + 8 + 4;
  pkt[0] = 0x45;
  pkt[2] = 0;
  pkt[3] = (unsigned char)len;
  pkt[8] = 64; // ttl
  pkt[9] = 17; // UDP
  unsigned int lo = htonl(INADDR_LOOPBACK);
  memcpy(pkt + 12, &lo, 4);
  memcpy(pkt + 16, &lo, 4);
  unsigned short ck = inet_csum(pkt, 20, 0);
  memcpy(pkt + 10, &ck, 2);
  unsigned char *u = pkt + 20;
  unsigned short sport = htons(9999), dport = htons((unsigned short)port), ulen = htons(12);
  memcpy(u, &sport, 2);
  memcpy(u + 2, &dport, 2);
  memcpy(u + 4, &ulen, 2);
  memcpy(u + 8, "kite", 4);
  // The pseudo-header: addresses, protocol, UDP length.
  unsigned char ph[12];
  memcpy(ph, &lo, 4);
  memcpy(ph + 4, &lo, 4);
  ph[8] = 0;
  ph[9] = 17;
  memcpy(ph + 10, &ulen, 2);
  uint32 sum = 0;
  for (int i = 0; i < 12; i += 2) sum += (uint32)(ph[i] << 8 | ph[i + 1]);
  unsigned short uck = inet_csum(u, 12, sum);
  memcpy(u + 6, &uck, 2);
  return len;
}

static uint64 malformed_now(void) {
  struct net_counters c;
  EXPECT_EQ(netstat(-1, &c), 0);
  return c.drops_malformed;
}

static void inject_bad(const char *what, int len) {
  uint64 before = malformed_now();
  EXPECT_EQ(netinject(pkt, len), 0);
  EXPECT(malformed_now() == before + 1, "%s: malformed drops went %ld -> %ld", what, (long)before,
         (long)malformed_now());
}

static void test_malformed(void) {
  const int port = 7700;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, (struct sockaddr *)&a, sizeof a), 0);

  int len = build_packet(port);
  inject_bad("a 10-byte packet", 10);
  build_packet(port);
  pkt[10] ^= 0x55;
  inject_bad("a bad IP header checksum", len);
  build_packet(port);
  pkt[0] = 0x65;
  inject_bad("IP version 6 in an IPv4 header", len);
  build_packet(port);
  pkt[3] = (unsigned char)(len + 40);
  inject_bad("an IP length past the packet", len);
  build_packet(port);
  pkt[20 + 8] ^= 1;
  inject_bad("a bad UDP checksum", len);
  build_packet(port);
  pkt[20 + 5] = 200; // UDP length 200 in a 12-byte datagram
  inject_bad("a UDP length past the datagram", len);

  // None of them reached the socket; a correct one does.
  char b[8];
  EXPECT_EQ(recv(fd, b, sizeof b, MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);
  len = build_packet(port);
  EXPECT_EQ(netinject(pkt, len), 0);
  EXPECT_EQ(recv(fd, b, sizeof b, MSG_DONTWAIT), 4);
  EXPECT(memcmp(b, "kite", 4) == 0, "the injected datagram's payload differs");
  EXPECT_EQ(netinject((void *)0x7ffff000, 20), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(netinject(pkt, -1), -1);
  EXPECT_EQ(errno, EINVAL);
  close(fd);
}

// ---- receive memory (sk_rcvbuf, truesize)

enum {
  SMALL_COUNT = 200,       // 4-byte datagrams sent before the reader reads
  RCVBUF_DEFAULT = 212992, // Linux's net.core.rmem_default
  FILL_SIZE = 1000,        // a datagram that set_rcvbuf's check sends
};

// Receives up to max datagrams without waiting; each must be n bytes and
// carry its sequence number in its first byte(s). Returns how many came.
static int drain_seq(int r, int n, int max) {
  int got = 0;
  for (;;) {
    long m = recvfrom(r, buf, sizeof buf, MSG_DONTWAIT, 0, 0);
    if (m < 0) {
      EXPECT(errno == EAGAIN, "draining recvfrom failed: %s", strerror(errno));
      return got;
    }
    EXPECT(got < max, "more than the %d datagrams sent arrived", max);
    int seq;
    memcpy(&seq, buf, sizeof seq);
    EXPECT(m == n && seq == got, "datagram %d: %ld bytes with sequence number %d", got, m, seq);
    got++;
  }
}

// A socket is charged what a datagram really uses, not a page: 200 small
// datagrams queued before anybody reads all arrive, as on Linux.
static void test_smallbufs(void) {
  int r = bound_socket(PORT_SMALL);
  int c = udp_socket();
  struct net_counters rc;
  for (int i = 0; i < SMALL_COUNT; i++) send_to(c, &i, sizeof i, PORT_SMALL);
  sleep(1);
  EXPECT_EQ(netstat(r, &rc), 0);
  EXPECT(rc.datagrams_in == SMALL_COUNT && rc.drops_rcvbuf == 0,
         "%d small datagrams queued: the socket counts datagrams_in %ld, drops_rcvbuf %ld", SMALL_COUNT,
         (long)rc.datagrams_in, (long)rc.drops_rcvbuf);
  int got = drain_seq(r, sizeof(int), SMALL_COUNT);
  EXPECT(got == SMALL_COUNT, "%d of %d small datagrams arrived", got, SMALL_COUNT);
  close(c);
  close(r);
}

// Sends count datagrams of size bytes to a fresh socket with the default
// buffer before reading any. Those that fit must number at least linux_fit
// (what Linux keeps, charging a 4-byte datagram 768 bytes and a 1000-byte
// one 2,304: its sk_buff, its shared info and a kmalloc-512 or kmalloc-2k
// buffer) and no more than a charge of the payload and 100 bytes each would
// allow; the rest are dropped, and counted by the socket and system-wide.
static void fill_rcvbuf(int port, int size, int count, int linux_fit) {
  int r = bound_socket(port);
  int c = udp_socket();
  struct net_counters c0, c1, rc;
  counters(&c0);
  memset(sbuf, 0, size);
  for (int i = 0; i < count; i++) {
    memcpy(sbuf, &i, sizeof i);
    send_to(c, sbuf, size, port);
  }
  sleep(1);
  int got = drain_seq(r, size, count);
  counters(&c1);
  EXPECT_EQ(netstat(r, &rc), 0);
  EXPECT(got >= linux_fit && got <= RCVBUF_DEFAULT / (size + 100),
         "%d of %d %d-byte datagrams fit in a %d-byte receive buffer (Linux: %d)", got, count, size,
         RCVBUF_DEFAULT, linux_fit);
  EXPECT(got < count, "all %d %d-byte datagrams fit: nothing was dropped", count, size);
  EXPECT(rc.datagrams_in == (uint64)got && rc.drops_rcvbuf == (uint64)(count - got),
         "%d sent, %d received: the socket counts datagrams_in %ld, drops_rcvbuf %ld", count, got,
         (long)rc.datagrams_in, (long)rc.drops_rcvbuf);
  EXPECT(c1.drops_rcvbuf - c0.drops_rcvbuf == (uint64)(count - got),
         "the system-wide drops_rcvbuf rose by %ld, %d were dropped",
         (long)(c1.drops_rcvbuf - c0.drops_rcvbuf), count - got);
  close(c);
  close(r);
}

// Past the default buffer, datagrams are dropped and counted; small ones
// (charged a few hundred bytes) and ones of about 1 KiB (charged half a
// page: the kmalloc-2016 class) both queue about as many as on Linux.
static void test_rcvbuf_full(void) {
  fill_rcvbuf(PORT_SMALL + 1, sizeof(int), 1200, RCVBUF_DEFAULT / 768);
  fill_rcvbuf(PORT_SMALL + 2, 1000, 150, RCVBUF_DEFAULT / 2304);
}

static int get_rcvbuf(int s) {
  int v = -1;
  unsigned int vl = sizeof v;
  EXPECT_EQ(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &vl), 0);
  EXPECT_EQ(vl, sizeof v);
  return v;
}

// SO_RCVBUF as Linux: the default is rmem_default, a value set is doubled
// (room for the kernel's bookkeeping) and clamped, and getsockopt returns
// the doubled value.
static void test_rcvbuf(void) {
  int s = bound_socket(PORT_RCVBUF);
  EXPECT_EQ(get_rcvbuf(s), RCVBUF_DEFAULT);
  set_rcvbuf(s, 10000);
  EXPECT_EQ(get_rcvbuf(s), 20000);
  set_rcvbuf(s, 65536);
  EXPECT_EQ(get_rcvbuf(s), 131072);
  set_rcvbuf(s, 1);
  int min = get_rcvbuf(s);
  EXPECT(min > 2 * 2048 && min < 8192, "SO_RCVBUF 1 gave %d: not clamped to the minimum", min);
  set_rcvbuf(s, -5);
  EXPECT_EQ(get_rcvbuf(s), min);
  set_rcvbuf(s, min / 2 + 10);
  EXPECT_EQ(get_rcvbuf(s), 2 * (min / 2 + 10));
  set_rcvbuf(s, 100 * 1024 * 1024);
  int max = get_rcvbuf(s);
  EXPECT(max >= RCVBUF_DEFAULT && max < 200 * 1024 * 1024, "SO_RCVBUF 100 MiB gave %d: not clamped", max);
  set_rcvbuf(s, 0x7fffffff);
  EXPECT_EQ(get_rcvbuf(s), max);
  // The minimum still holds a datagram of the largest small class.
  set_rcvbuf(s, 1);
  int c = udp_socket();
  memset(sbuf, 7, FILL_SIZE);
  send_to(c, sbuf, FILL_SIZE, PORT_RCVBUF);
  set_timeout(s, 2, 0);
  EXPECT_EQ(recv(s, buf, sizeof buf, 0), FILL_SIZE);
  close(c);
  close(s);
}

static const struct test tests[] = {
    {"echo", test_echo},
    {"pingpong", test_pingpong},
    {"bulk", test_bulk},
    {"exclusive", test_exclusive},
    {"rcvtimeo", test_rcvtimeo},
    {"dontwait", test_dontwait},
    {"signal", test_signal},
    {"sigio", test_sigio},
    {"peek", test_peek},
    {"trunc", test_trunc},
    {"shutdown", test_shutdown},
    {"closefree", test_closefree},
    {"unreachable", test_unreachable},
    {"poll", test_poll},
    {"badargs", test_badargs},
    {"readwrite", test_readwrite},
    {"malformed", test_malformed},
    {"reconnect", test_reconnect},
    {"writespace", test_writespace},
    {"smallbufs", test_smallbufs},
    {"rcvbuf_full", test_rcvbuf_full},
    {"rcvbuf", test_rcvbuf},
};

int main(int argc, char *argv[]) {
  exit(test_main("nettests", tests, sizeof tests / sizeof tests[0], argc, argv));
}
