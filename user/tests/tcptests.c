// tcptests: TCP over loopback -- the handshake and echo, bulk streams one
// way and both ways with checksums, the window stopping a writer until the
// reader drains it, half-close, resets (ECONNREFUSED, close with unread
// data, EPIPE/SIGPIPE), accept's time-out and signals, non-blocking
// connect, a full listen backlog, 32 connections at once, poll, segments
// dropped on purpose and sent again, malformed segments, bad arguments,
// a connection's owner killed in user mode, and every connection's memory
// coming back -- run inside the guest. The runner is in testlib.h.
//
// Every socket that may block has a time-out (SO_RCVTIMEO, SO_SNDTIMEO),
// so a test that goes wrong reports instead of hanging.
#include "kernel/uapi/types.h"
#include "kernel/uapi/errno.h"
#include "kernel/uapi/fcntl.h"
#include "kernel/uapi/poll.h"
#include "kernel/uapi/signal.h"
#include "kernel/uapi/socket.h"
#include "kernel/uapi/sysinfo.h"
#include "kernel/uapi/time.h"
#include "user/lib/testlib.h"
#include "user/lib/user.h"

#define SA(p) ((struct sockaddr *)(p))

// Every test has ports of its own.
enum {
  PORT_ECHO = 8101,
  PORT_REFUSED = 8111, // never listened on
  PORT_BULK = 8121,
  PORT_DUPLEX = 8131,
  PORT_HALF = 8141,
  PORT_RESET = 8151,
  PORT_PIPE = 8161,
  PORT_ACCEPT = 8171,
  PORT_NB = 8181,
  PORT_BACKLOG = 8191,
  PORT_MANY = 8201,
  PORT_POLL = 8211,
  PORT_WINDOW = 8221,
  PORT_DROP = 8231,
  PORT_BAD = 8241,
  PORT_MALFORMED = 8251,
  PORT_FREE = 8261,
  PORT_PEEK = 8271,
  PORT_RECV = 8281,
  PORT_SIGIO = 8291,
  PORT_RW = 8301,
  PORT_SNDTIMEO = 8311,
  PORT_REUSE = 8321,
  PORT_REORDER = 8331,
  PORT_KILLED = 8341,
  PORT_LATE = 8351,
};

enum { CHUNK = 4096 };
static char buf[CHUNK];  // receive buffer (the stack is one page)
static char sbuf[CHUNK]; // send buffer

// ---- helpers

static void set_timeo(int s, int name, long sec, long usec) {
  struct timeval tv = {sec, usec};
  EXPECT(setsockopt(s, SOL_SOCKET, name, &tv, sizeof tv) == 0, "setsockopt(%d) failed: %s", name,
         strerror(errno));
}

// Blocking calls on s give up after 20 s: a hang reports.
static void give_up_after_20s(int s) {
  set_timeo(s, SO_RCVTIMEO, 20, 0);
  set_timeo(s, SO_SNDTIMEO, 20, 0);
}

static int tcp_socket(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT(s >= 0, "socket(AF_INET, SOCK_STREAM, 0) failed: %s", strerror(errno));
  give_up_after_20s(s);
  return s;
}

// A listener on 127.0.0.1:port (SO_REUSEADDR, as servers do: the port's
// last connections may still be in TIME_WAIT from an earlier run).
static int listener(int port, int backlog) {
  int s = tcp_socket();
  int one = 1;
  EXPECT_EQ(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
  struct sockaddr_in a = loopback_addr(port);
  EXPECT(bind(s, SA(&a), sizeof a) == 0, "bind to 127.0.0.1:%d failed: %s", port, strerror(errno));
  EXPECT(listen(s, backlog) == 0, "listen on port %d failed: %s", port, strerror(errno));
  return s;
}

static int connect_to(int port) {
  int s = tcp_socket();
  struct sockaddr_in a = loopback_addr(port);
  EXPECT(connect(s, SA(&a), sizeof a) == 0, "connect to 127.0.0.1:%d failed: %s", port, strerror(errno));
  return s;
}

static int xaccept(int ls) {
  int s = accept(ls, 0, 0);
  EXPECT(s >= 0, "accept failed: %s", strerror(errno));
  give_up_after_20s(s);
  return s;
}

// Read exactly n bytes (a stream may hand them over in pieces).
static void read_exactly(int s, char *p, int n, const char *what) {
  int got = 0;
  while (got < n) {
    int r = read(s, p + got, n - got);
    if (r <= 0)
      fail("%s: read returned %d (%s) after %d of %d bytes", what, r, r < 0 ? strerror(errno) : "EOF", got,
           n);
    got += r;
  }
}

static void expect_eof(int s, const char *what) {
  int r = read(s, buf, sizeof buf);
  EXPECT(r == 0, "%s: read returned %d (%s), expected end of file", what, r,
         r < 0 ? strerror(errno) : "data");
}

static void counters(struct net_counters *c) {
  EXPECT(netstat(-1, c) == 0, "netstat(-1) failed: %s", strerror(errno));
}

static void sock_counters(int s, struct net_counters *c) {
  EXPECT(netstat(s, c) == 0, "netstat(%d) failed: %s", s, strerror(errno));
}

static volatile int sig_count;

static void on_sig(int sig) {
  (void)sig;
  sig_count++;
}

static int local_port(int s) {
  struct sockaddr_in a;
  unsigned int len = sizeof a;
  EXPECT(getsockname(s, SA(&a), &len) == 0, "getsockname failed: %s", strerror(errno));
  return ntohs(a.sin_port);
}

// The byte at offset i of stream `seed`: both ends can compute it.
static unsigned char pattern(uint32 seed, uint32 i) {
  uint32 x = (i / 4 + 1) * 2654435761u ^ seed;
  x ^= x >> 13;
  x *= 0x5bd1e995u;
  return (unsigned char)(x >> (8 * (i % 4)));
}

static void fill(char *p, int n, uint32 seed, uint32 off) {
  for (int i = 0; i < n; i++) p[i] = (char)pattern(seed, off + i);
}

// Send total bytes of stream seed in CHUNK writes.
static void send_stream(int s, uint32 seed, uint32 total) {
  for (uint32 off = 0; off < total; off += CHUNK) {
    int n = total - off < CHUNK ? (int)(total - off) : CHUNK;
    fill(sbuf, n, seed, off);
    int r = write(s, sbuf, n);
    if (r != n)
      fail("stream %u: write at %u returned %d (%s)", seed, off, r, r < 0 ? strerror(errno) : "short");
  }
}

// Read stream seed to its end; every byte must be the pattern's, and total of them.
static void recv_stream(int s, uint32 seed, uint32 total) {
  uint32 off = 0;
  for (;;) {
    int r = read(s, buf, sizeof buf);
    if (r < 0) fail("stream %u: read at %u failed: %s", seed, off, strerror(errno));
    if (r == 0) break;
    for (int i = 0; i < r; i++)
      if ((unsigned char)buf[i] != pattern(seed, off + i))
        fail("stream %u: byte %u is 0x%x, expected 0x%x", seed, off + i, (unsigned char)buf[i],
             pattern(seed, off + i));
    off += r;
    if (off > total) fail("stream %u: more than %u bytes", seed, total);
  }
  EXPECT(off == total, "stream %u: %u bytes arrived, expected %u", seed, off, total);
}

// Read exactly total bytes of stream seed (the writer does not close).
static void recv_stream_n(int s, uint32 seed, uint32 total) {
  for (uint32 off = 0; off < total;) {
    int want = total - off < sizeof buf ? (int)(total - off) : (int)sizeof buf;
    int r = read(s, buf, want);
    if (r <= 0) fail("stream %u: read at %u returned %d (%s)", seed, off, r, r < 0 ? strerror(errno) : "EOF");
    for (int i = 0; i < r; i++)
      if ((unsigned char)buf[i] != pattern(seed, off + i))
        fail("stream %u: byte %u is 0x%x, expected 0x%x", seed, off + i, (unsigned char)buf[i],
             pattern(seed, off + i));
    off += r;
  }
}

// The TCP sockets with port as their peer's, or as their own too when
// own is set (netconns).
static int tcp_sockets_with(int port, int own) {
  static struct sock_info info[64];
  int n = netconns(info, 64);
  EXPECT(n >= 0, "netconns failed: %s", strerror(errno));
  int count = 0;
  for (int i = 0; i < n; i++)
    if (info[i].type == SOCK_STREAM &&
        ((own && ntohs(info[i].local.sin_port) == port) || ntohs(info[i].peer.sin_port) == port))
      count++;
  return count;
}

static int tcp_sockets_on(int port) { return tcp_sockets_with(port, 1); }

// ---- echo: the handshake, addresses, and data both ways

static void test_echo(void) {
  int ls = listener(PORT_ECHO, 5);
  int pid = xfork();
  if (pid == 0) { // the server: echo until end of file
    struct sockaddr_in peer;
    unsigned int len = sizeof peer;
    int s = accept(ls, SA(&peer), &len);
    EXPECT(s >= 0, "accept failed: %s", strerror(errno));
    EXPECT_EQ(len, sizeof peer);
    EXPECT(peer.sin_family == AF_INET && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
           "accept gave the peer family %d address 0x%x", peer.sin_family, ntohl(peer.sin_addr.s_addr));
    // Tell the client which port accept saw, then echo.
    int port = ntohs(peer.sin_port);
    xwrite(s, &port, sizeof port);
    int n;
    while ((n = read(s, buf, sizeof buf)) > 0) xwrite(s, buf, n);
    EXPECT(n == 0, "server: read failed: %s", strerror(errno));
    close(s);
    exit(0);
  }
  int c = connect_to(PORT_ECHO);
  struct sockaddr_in a;
  unsigned int len = sizeof a;
  EXPECT_EQ(getpeername(c, SA(&a), &len), 0);
  EXPECT(a.sin_family == AF_INET && ntohs(a.sin_port) == PORT_ECHO &&
             a.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
         "getpeername gave family %d port %d", a.sin_family, ntohs(a.sin_port));
  int me = local_port(c);
  EXPECT(me >= 32768 && me <= 60999, "connect picked port %d, not an ephemeral one", me);
  int seen;
  read_exactly(c, (char *)&seen, sizeof seen, "the port the server saw");
  EXPECT(seen == me, "accept saw the client as port %d, getsockname says %d", seen, me);
  static const char *msgs[] = {"hello", "a somewhat longer line of text", "x"};
  for (int i = 0; i < 3; i++) {
    int n = strlen(msgs[i]);
    xwrite(c, msgs[i], n);
    read_exactly(c, buf, n, "the echo");
    EXPECT(memcmp(buf, msgs[i], n) == 0, "the echo of \"%s\" came back changed", msgs[i]);
  }
  close(c);
  expect_child(pid, 0, "the echo server");
  close(ls);
}

// ---- refused: a SYN to a port nobody listens on is answered by a RST

static void test_refused(void) {
  struct net_counters c0, c1;
  counters(&c0);
  int s = tcp_socket();
  struct sockaddr_in a = loopback_addr(PORT_REFUSED);
  EXPECT_ERR(connect(s, SA(&a), sizeof a), ECONNREFUSED);
  counters(&c1);
  EXPECT(c1.tcp_rst_out > c0.tcp_rst_out, "no RST was sent (%ld before, %ld after)", (long)c0.tcp_rst_out,
         (long)c1.tcp_rst_out);
  EXPECT(c1.tcp_rst_in > c0.tcp_rst_in, "no RST was received");
  unsigned int len = sizeof a;
  EXPECT_ERR(getpeername(s, SA(&a), &len), ENOTCONN);
  // The same socket may try again, and get through once someone listens.
  int ls = listener(PORT_REFUSED, 1);
  a = loopback_addr(PORT_REFUSED);
  EXPECT(connect(s, SA(&a), sizeof a) == 0, "a second connect after ECONNREFUSED failed: %s",
         strerror(errno));
  int t = xaccept(ls);
  xwrite(s, "ok", 2);
  read_exactly(t, buf, 2, "after reconnecting");
  close(t);
  close(s);
  close(ls);
}

// ---- bulk: 8 MiB one way, every byte checked

enum { BULK_BYTES = 8 * 1024 * 1024 };

static void test_bulk(void) {
  int ls = listener(PORT_BULK, 1);
  int pid = xfork();
  if (pid == 0) {
    int s = connect_to(PORT_BULK);
    send_stream(s, 1, BULK_BYTES);
    close(s);
    exit(0);
  }
  int s = xaccept(ls);
  close(ls);
  recv_stream(s, 1, BULK_BYTES);
  expect_child(pid, 0, "the sender");
  close(s);
}

// ---- duplex: 8 MiB each way at once on one connection

// Child pid (one of several) must exit with status 0.
static void expect_exit0(int pid, const char *what) {
  int st = 0;
  EXPECT(waitpid(pid, &st, 0) == pid, "%s: waitpid(%d) failed: %s", what, pid, strerror(errno));
  EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status 0x%x", what, st);
}

static void duplex_end(int s, uint32 out_seed, uint32 in_seed) {
  int pid = xfork();
  if (pid == 0) {
    send_stream(s, out_seed, BULK_BYTES);
    EXPECT_EQ(shutdown(s, SHUT_WR), 0);
    exit(0);
  }
  recv_stream(s, in_seed, BULK_BYTES);
  expect_exit0(pid, "the writer");
}

static void test_duplex(void) {
  int ls = listener(PORT_DUPLEX, 1);
  int pid = xfork();
  if (pid == 0) {
    int s = connect_to(PORT_DUPLEX);
    duplex_end(s, 2, 3);
    close(s);
    exit(0);
  }
  int s = xaccept(ls);
  close(ls);
  duplex_end(s, 3, 2);
  expect_exit0(pid, "the client");
  close(s);
}

// ---- halfclose: shutdown(SHUT_WR) gives the peer EOF; the other way still works

static void test_halfclose(void) {
  int ls = listener(PORT_HALF, 1);
  int pid = xfork();
  if (pid == 0) {
    int s = xaccept(ls);
    int n = readn(s, buf, sizeof buf); // to EOF
    EXPECT(n == 7 && memcmp(buf, "request", 7) == 0, "the server read %d bytes", n);
    xwrite(s, "response", 8);
    close(s);
    exit(0);
  }
  int c = connect_to(PORT_HALF);
  xwrite(c, "request", 7);
  EXPECT_EQ(shutdown(c, SHUT_WR), 0);
  EXPECT_ERR(send(c, "more", 4, MSG_NOSIGNAL), EPIPE);
  int n = readn(c, buf, sizeof buf);
  EXPECT(n == 8 && memcmp(buf, "response", 8) == 0, "the client read %d bytes after its shutdown", n);
  expect_child(pid, 0, "the server");
  close(c);
  close(ls);
}

// ---- lateaccept: a connection its client has closed waits in the accept
// queue longer than the client's orphan lives in FIN_WAIT2 (TCP_FIN_TIMEOUT,
// 1 s), and is still accepted whole: the orphan ends without a RST, as on
// Linux, so the server reads the request, then end of file.

static void test_lateaccept(void) {
  int ls = listener(PORT_LATE, 1);
  int c = connect_to(PORT_LATE);
  xwrite(c, "request", 7);
  close(c);
  sleep(150); // 1.5 s: past the client's FIN_WAIT2
  // Or nothing was tested: the client's end must be gone by now.
  EXPECT(tcp_sockets_with(PORT_LATE, 0) == 0, "the client's socket is still there 1.5 s after its close");
  struct sockaddr_in peer;
  unsigned int len = sizeof peer;
  int s = accept(ls, SA(&peer), &len);
  EXPECT(s >= 0, "accept 1.5 s after the client closed failed: %s", strerror(errno));
  give_up_after_20s(s);
  int n = readn(s, buf, sizeof buf);
  EXPECT(n == 7 && memcmp(buf, "request", 7) == 0, "the server read %d bytes, then end of file", n);
  close(s);
  close(ls);
}

// ---- reset: close() with unread data sends a RST; the peer's read fails with ECONNRESET

static void test_reset(void) {
  struct net_counters c0, c1;
  int ls = listener(PORT_RESET, 1);
  int c = connect_to(PORT_RESET);
  int s = xaccept(ls);
  xwrite(c, "unread", 6);
  xwrite(s, "x", 1);
  read_exactly(c, buf, 1, "before the reset");
  counters(&c0);
  // A reader blocked in read() is woken by the RST.
  int pid = xfork();
  if (pid == 0) {
    close(s); // the parent's close must be the last
    close(ls);
    int r = read(c, buf, sizeof buf);
    EXPECT(r == -1 && errno == ECONNRESET, "the blocked read returned %d (errno %d: %s), expected ECONNRESET",
           r, errno, strerror(errno));
    exit(0);
  }
  wait_until_asleep(pid, "the reader"); // blocked in read()
  close(s);                             // "unread" was never read: RST
  expect_child(pid, 0, "the reader");
  counters(&c1);
  EXPECT(c1.tcp_rst_out > c0.tcp_rst_out && c1.tcp_rst_in > c0.tcp_rst_in,
         "RST out %ld -> %ld, in %ld -> %ld", (long)c0.tcp_rst_out, (long)c1.tcp_rst_out, (long)c0.tcp_rst_in,
         (long)c1.tcp_rst_in);
  // The error was taken by the child's read: from here on, end of file or EPIPE.
  EXPECT_EQ(read(c, buf, sizeof buf), 0);
  EXPECT_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
  close(c);
  close(ls);
}

// ---- sigpipe: writing to a connection the peer closed

static void test_sigpipe(void) {
  int ls = listener(PORT_PIPE, 1);
  int c = connect_to(PORT_PIPE);
  int s = xaccept(ls);
  close(s); // a FIN: no unread data
  expect_eof(c, "after the peer's close");
  xsigaction(SIGPIPE, on_sig, 0);
  sig_count = 0;
  // The first write is accepted; the peer, gone, answers it with a RST.
  EXPECT_EQ(write(c, "a", 1), 1);
  EXPECT_ERR(write(c, "b", 1), EPIPE);
  EXPECT(sig_count == 1, "SIGPIPE came %d times, expected once", sig_count);
  EXPECT_ERR(send(c, "c", 1, MSG_NOSIGNAL), EPIPE);
  EXPECT(sig_count == 1, "MSG_NOSIGNAL still sent SIGPIPE");
  close(c);
  // Without a handler, SIGPIPE kills the writer.
  c = connect_to(PORT_PIPE);
  s = xaccept(ls);
  close(s);
  expect_eof(c, "after the second close");
  int pid = xfork();
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL); // the parent's handler came with the fork
    write(c, "a", 1);
    write(c, "b", 1);
    exit(0); // not reached
  }
  expect_killed(pid, SIGPIPE, "the writer");
  close(c);
  close(ls);
}

// ---- accept: its time-out, O_NONBLOCK, and signals

static void test_accept(void) {
  int ls = listener(PORT_ACCEPT, 4);
  set_timeo(ls, SO_RCVTIMEO, 0, 200000);
  unsigned long t0 = time_ns();
  EXPECT_ERR(accept(ls, 0, 0), EAGAIN);
  unsigned long ms = ms_since(t0);
  EXPECT(ms >= 190 && ms < 2000, "accept with a 200 ms SO_RCVTIMEO gave up after %ld ms", ms);
  // O_NONBLOCK on the listener: at once.
  EXPECT_EQ(fcntl(ls, F_SETFL, O_NONBLOCK), 0);
  t0 = time_ns();
  EXPECT_ERR(accept(ls, 0, 0), EAGAIN);
  EXPECT(ms_since(t0) < 100, "a non-blocking accept waited %ld ms", ms_since(t0));
  EXPECT_EQ(fcntl(ls, F_SETFL, 0), 0);
  set_timeo(ls, SO_RCVTIMEO, 0, 0);
  // A signal without SA_RESTART: EINTR.
  xsigaction(SIGUSR1, on_sig, 0);
  sig_count = 0;
  int parent = getpid();
  int pid = xfork();
  if (pid == 0) {
    wait_until_asleep(parent, "the acceptor");
    kill(parent, SIGUSR1);
    exit(0);
  }
  EXPECT_ERR(accept(ls, 0, 0), EINTR);
  EXPECT(sig_count == 1, "the handler ran %d times", sig_count);
  expect_child(pid, 0, "the signaller");
  // With SA_RESTART the accept goes on, and takes the connection that comes.
  xsigaction(SIGUSR1, on_sig, SA_RESTART);
  sig_count = 0;
  pid = xfork();
  if (pid == 0) {
    wait_until_asleep(parent, "the acceptor");
    kill(parent, SIGUSR1);
    wait_until_asleep(parent, "the restarted accept");
    int c = connect_to(PORT_ACCEPT);
    xwrite(c, "late", 4);
    close(c);
    exit(0);
  }
  int s = accept(ls, 0, 0);
  EXPECT(s >= 0, "the restarted accept failed: %s", strerror(errno));
  EXPECT(sig_count == 1, "the handler ran %d times", sig_count);
  EXPECT(readn(s, buf, sizeof buf) == 4 && memcmp(buf, "late", 4) == 0, "the late connection's data");
  close(s);
  expect_child(pid, 0, "the signaller and client");
  // With a receive time-out, a signal gives EINTR even with SA_RESTART (as recv).
  set_timeo(ls, SO_RCVTIMEO, 5, 0);
  sig_count = 0;
  pid = xfork();
  if (pid == 0) {
    wait_until_asleep(parent, "the acceptor");
    kill(parent, SIGUSR1);
    exit(0);
  }
  EXPECT_ERR(accept(ls, 0, 0), EINTR);
  expect_child(pid, 0, "the signaller");
  // accept4's SOCK_NONBLOCK makes the new file non-blocking.
  int c = connect_to(PORT_ACCEPT);
  s = accept4(ls, 0, 0, SOCK_NONBLOCK);
  EXPECT(s >= 0, "accept4 failed: %s", strerror(errno));
  EXPECT((fcntl(s, F_GETFL, 0) & O_NONBLOCK) != 0, "accept4(SOCK_NONBLOCK) gave a blocking file");
  EXPECT_ERR(read(s, buf, 1), EAGAIN);
  EXPECT_ERR(accept4(ls, 0, 0, 0x12345), EINVAL);
  close(s);
  close(c);
  close(ls);
}

// ---- nonblock: connect with O_NONBLOCK, then poll and SO_ERROR

static void test_nonblock(void) {
  int ls = listener(PORT_NB, 1);
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT(c >= 0, "socket(SOCK_NONBLOCK) failed: %s", strerror(errno));
  struct sockaddr_in a = loopback_addr(PORT_NB);
  EXPECT_ERR(connect(c, SA(&a), sizeof a), EINPROGRESS);
  struct pollfd p = {c, POLLOUT, 0};
  EXPECT(poll(&p, 1, 2000) == 1 && (p.revents & POLLOUT), "poll for POLLOUT gave revents 0x%x", p.revents);
  int err = -1;
  unsigned int len = sizeof err;
  EXPECT_EQ(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT(err == 0, "SO_ERROR is %d (%s) after the connection was made", err, strerror(err));
  // As in Linux: connect again says it is done (0), then EISCONN.
  EXPECT_EQ(connect(c, SA(&a), sizeof a), 0);
  EXPECT_ERR(connect(c, SA(&a), sizeof a), EISCONN);
  int s = xaccept(ls);
  EXPECT_ERR(read(c, buf, 1), EAGAIN);
  xwrite(s, "nb", 2);
  p.events = POLLIN;
  EXPECT(poll(&p, 1, 2000) == 1 && (p.revents & POLLIN), "poll for POLLIN gave revents 0x%x", p.revents);
  EXPECT_EQ(read(c, buf, sizeof buf), 2);
  close(s);
  close(c);
  // Refused: POLLOUT with POLLERR, and SO_ERROR says why (once).
  c = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(fcntl(c, F_SETFL, O_NONBLOCK), 0);
  a = loopback_addr(PORT_REFUSED);
  EXPECT_ERR(connect(c, SA(&a), sizeof a), EINPROGRESS);
  p.fd = c;
  p.events = POLLOUT;
  EXPECT(poll(&p, 1, 2000) == 1 && (p.revents & POLLERR), "poll after a refused connect gave revents 0x%x",
         p.revents);
  len = sizeof err;
  EXPECT_EQ(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT(err == ECONNREFUSED, "SO_ERROR is %d (%s), expected ECONNREFUSED", err, strerror(err));
  EXPECT_EQ(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT(err == 0, "SO_ERROR was not cleared by reading it");
  close(c);
  close(ls);
}

// ---- backlog: a full accept queue drops SYNs; the client's SYN comes again

static void test_backlog(void) {
  struct net_counters c0, c1;
  int ls = listener(PORT_BACKLOG, 1); // room for 2 (Linux takes backlog + 1)
  int c1s = connect_to(PORT_BACKLOG);
  int c2s = connect_to(PORT_BACKLOG);
  counters(&c0);
  int c3 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = loopback_addr(PORT_BACKLOG);
  EXPECT_ERR(connect(c3, SA(&a), sizeof a), EINPROGRESS);
  struct pollfd p = {c3, POLLOUT, 0};
  EXPECT(poll(&p, 1, 300) == 0, "a third connection got through a full backlog (revents 0x%x)", p.revents);
  counters(&c1);
  EXPECT(c1.tcp_listen_drops > c0.tcp_listen_drops, "no SYN was counted as dropped");
  int s1 = xaccept(ls); // room again: the SYN sent again after 1 s gets in
  EXPECT(poll(&p, 1, 5000) == 1 && (p.revents & POLLOUT), "the third connection never came (revents 0x%x)",
         p.revents);
  int s2 = xaccept(ls);
  int s3 = xaccept(ls);
  close(s1);
  close(s2);
  close(s3);
  close(c1s);
  close(c2s);
  close(c3);
  close(ls);
}

// ---- many: 32 connections at once through one listener

enum { MANY_CLIENTS = 4, MANY_EACH = 8 };

static void test_many(void) {
  int ls = listener(PORT_MANY, MANY_CLIENTS * MANY_EACH);
  int pids[2 * MANY_CLIENTS];
  // Servers: each accepts MANY_EACH connections (they wait in accept
  // together: each connection wakes one), then answers them all.
  for (int w = 0; w < MANY_CLIENTS; w++) {
    pids[w] = xfork();
    if (pids[w] == 0) {
      int s[MANY_EACH];
      for (int i = 0; i < MANY_EACH; i++) s[i] = xaccept(ls);
      for (int i = 0; i < MANY_EACH; i++) {
        int v;
        read_exactly(s[i], (char *)&v, sizeof v, "a client's number");
        v = v * 3 + 1;
        xwrite(s[i], &v, sizeof v);
      }
      for (int i = 0; i < MANY_EACH; i++) close(s[i]);
      exit(0);
    }
  }
  close(ls);
  for (int k = 0; k < MANY_CLIENTS; k++) {
    pids[MANY_CLIENTS + k] = xfork();
    if (pids[MANY_CLIENTS + k] == 0) {
      int c[MANY_EACH];
      for (int i = 0; i < MANY_EACH; i++) c[i] = connect_to(PORT_MANY);
      for (int i = 0; i < MANY_EACH; i++) {
        int v = k * 100 + i;
        xwrite(c[i], &v, sizeof v);
      }
      for (int i = 0; i < MANY_EACH; i++) {
        int v;
        read_exactly(c[i], (char *)&v, sizeof v, "the answer");
        EXPECT(v == (k * 100 + i) * 3 + 1, "client %d connection %d got %d", k, i, v);
        expect_eof(c[i], "after the answer");
        close(c[i]);
      }
      exit(0);
    }
  }
  reap_all(pids, 2 * MANY_CLIENTS, 0, 0, "servers and clients");
}

// ---- poll: listeners and connections

static void test_poll(void) {
  // A socket never connected: POLLOUT and POLLHUP, as in Linux.
  int fresh = tcp_socket();
  struct pollfd f = {fresh, POLLIN | POLLOUT, 0};
  EXPECT(poll(&f, 1, 0) == 1 && f.revents == (POLLOUT | POLLHUP), "an unconnected socket polled 0x%x",
         f.revents);
  close(fresh);
  int ls = listener(PORT_POLL, 2);
  struct pollfd p = {ls, POLLIN, 0};
  EXPECT(poll(&p, 1, 0) == 0, "an idle listener polled 0x%x", p.revents);
  // A poller asleep on the listener is woken by a connection.
  int pid = xfork();
  if (pid == 0) {
    sleep(10);
    int c = connect_to(PORT_POLL);
    sleep(20);
    xwrite(c, "data", 4);
    EXPECT_EQ(shutdown(c, SHUT_WR), 0);
    read_exactly(c, buf, 1, "the go-ahead");
    close(c);
    exit(0);
  }
  unsigned long t0 = time_ns();
  EXPECT(poll(&p, 1, 5000) == 1 && (p.revents & POLLIN), "the listener polled 0x%x", p.revents);
  EXPECT(ms_since(t0) >= 50, "poll on the listener returned before the connection (%ld ms)", ms_since(t0));
  int s = xaccept(ls);
  p.fd = s;
  p.events = POLLIN | POLLOUT | POLLRDHUP;
  EXPECT(poll(&p, 1, 0) == 1 && p.revents == POLLOUT, "a fresh connection polled 0x%x, expected POLLOUT",
         p.revents);
  // Asleep for POLLIN, woken by the data; then the FIN shows as POLLRDHUP.
  p.events = POLLIN;
  EXPECT(poll(&p, 1, 5000) == 1 && (p.revents & POLLIN), "waiting for data polled 0x%x", p.revents);
  // poll() returns at once while the data is unread, so it cannot wait
  // for the FIN: look again each tick, for up to 2 s (the client may have
  // been preempted between its write and its shutdown).
  for (int i = 0; i < 200; i++) {
    p.events = POLLIN | POLLRDHUP;
    poll(&p, 1, 0);
    if (p.revents & POLLRDHUP) break;
    sleep(1);
  }
  EXPECT((p.revents & (POLLIN | POLLRDHUP)) == (POLLIN | POLLRDHUP), "after the peer's shutdown: 0x%x",
         p.revents);
  EXPECT_EQ(read(s, buf, sizeof buf), 4);
  xwrite(s, "g", 1);
  expect_child(pid, 0, "the client");
  // The peer closed too: both directions are over for it; ours is still open.
  expect_eof(s, "after the client closed");
  p.events = POLLIN | POLLOUT;
  EXPECT(poll(&p, 1, 0) == 1 && (p.revents & POLLIN), "after the peer's close: 0x%x", p.revents);
  close(s);
  close(ls);
}

// ---- window: a reader that does not read stops the writer; draining wakes it

enum { WINDOW_BYTES = 256 * 1024 };

static int rx_queue_on(int port) {
  static struct sock_info info[64];
  int n = netconns(info, 64);
  for (int i = 0; i < n; i++)
    if (info[i].type == SOCK_STREAM && ntohs(info[i].local.sin_port) == port && info[i].state == 1)
      return info[i].rx_queue;
  return -1;
}

static void test_window(void) {
  int ls = listener(PORT_WINDOW, 1);
  int c = connect_to(PORT_WINDOW);
  int s = xaccept(ls);
  struct net_counters before, after;
  sock_counters(c, &before);
  // The writer: far more than the peer's window and the send buffer hold.
  int pipefd[2];
  xpipe(pipefd);
  int pid = xfork();
  if (pid == 0) {
    close(pipefd[0]);
    send_stream(c, 9, WINDOW_BYTES);
    xwrite(pipefd[1], "w", 1);
    exit(0);
  }
  close(pipefd[1]);
  sleep(30);
  // The writer is stuck: the reader's buffer holds only the window's worth.
  struct pollfd p = {pipefd[0], POLLIN, 0};
  EXPECT(poll(&p, 1, 0) == 0, "the writer got all %d bytes through a reader that does not read",
         WINDOW_BYTES);
  int queued = rx_queue_on(PORT_WINDOW);
  EXPECT(queued > 16 * 1024 && queued < 128 * 1024, "the reader has %d bytes queued, expected about a window",
         queued);
  p.fd = c;
  p.events = POLLOUT;
  EXPECT(poll(&p, 1, 0) == 0, "a full connection polled 0x%x", p.revents);
  // Drain it all: the writer wakes and finishes.
  recv_stream_n(s, 9, WINDOW_BYTES);
  EXPECT_EQ(read(pipefd[0], buf, 1), 1);
  expect_child(pid, 0, "the writer");
  sock_counters(c, &after);
  EXPECT(after.tcp_write_wakeups > before.tcp_write_wakeups,
         "the writer was never woken by sk_stream_write_space");
  close(pipefd[0]);
  close(s);
  close(c);
  close(ls);
}

// ---- sndtimeo: SO_SNDTIMEO ends a send that waits for room, and a connect that waits

static void test_sndtimeo(void) {
  int ls = listener(PORT_SNDTIMEO, 0); // room for one connection
  int c = connect_to(PORT_SNDTIMEO);
  int s = xaccept(ls);
  // Nobody reads s: a send fills the window and the buffer, then waits.
  set_timeo(c, SO_SNDTIMEO, 0, 300000);
  static char big[64 * 1024];
  long total = 0;
  unsigned long t0 = time_ns();
  for (int i = 0; i < 64; i++) {
    long r = send(c, big, sizeof big, 0);
    if (r < 0) {
      EXPECT(errno == EAGAIN, "a send with SO_SNDTIMEO failed: %s", strerror(errno));
      break;
    }
    total += r;
    if (r < (long)sizeof big) break; // the time ran out after some bytes: a short count
  }
  unsigned long ms = ms_since(t0);
  EXPECT(total > 0 && total < 64 * (long)sizeof big, "%ld bytes went into a connection nobody reads", total);
  EXPECT(ms >= 290 && ms < 5000, "the send gave up after %ld ms with a 300 ms SO_SNDTIMEO", ms);
  // A connect that waits for a handshake gives up as Linux does: EINPROGRESS.
  int c2 = connect_to(PORT_SNDTIMEO); // the second connection fills the accept queue (backlog 0: two)
  int c3 = tcp_socket();
  set_timeo(c3, SO_SNDTIMEO, 0, 300000);
  struct sockaddr_in a = loopback_addr(PORT_SNDTIMEO);
  t0 = time_ns();
  EXPECT_ERR(connect(c3, SA(&a), sizeof a), EINPROGRESS);
  ms = ms_since(t0);
  EXPECT(ms >= 290 && ms < 5000, "connect gave up after %ld ms with a 300 ms SO_SNDTIMEO", ms);
  close(c3);
  close(c2);
  close(s);
  close(c);
  close(ls);
}

// ---- reuse: SO_REUSEADDR lets a server bind again while its old connections are in TIME_WAIT

static void test_reuse(void) {
  int ls = listener(PORT_REUSE, 1);
  int c = connect_to(PORT_REUSE);
  int s = xaccept(ls);
  close(ls);
  close(s); // the server closes first: its side waits in TIME_WAIT on the port
  expect_eof(c, "after the server's close");
  close(c);
  EXPECT(tcp_sockets_on(PORT_REUSE) > 0, "no connection is left on the port");
  int plain = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = loopback_addr(PORT_REUSE);
  EXPECT_ERR(bind(plain, SA(&a), sizeof a), EADDRINUSE);
  close(plain);
  int again = listener(PORT_REUSE, 1); // with SO_REUSEADDR: allowed
  // Another listener on the same port, reuse or not, is refused.
  int second = tcp_socket();
  int one = 1;
  EXPECT_EQ(setsockopt(second, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
  EXPECT_ERR(bind(second, SA(&a), sizeof a), EADDRINUSE);
  close(second);
  c = connect_to(PORT_REUSE);
  s = xaccept(again);
  xwrite(c, "again", 5);
  read_exactly(s, buf, 5, "through the new listener");
  close(s);
  close(c);
  close(again);
}

// ---- drops: segments lost on purpose are sent again; the stream arrives whole

enum { DROP_BYTES = 1024 * 1024 };

static void test_drops(void) {
  struct net_counters c0, c1;
  int ls = listener(PORT_DROP, 1);
  counters(&c0);
  // The first segment of the handshake is lost: connect waits for the SYN sent again.
  EXPECT_EQ(netdrop(1, 1), 0);
  unsigned long t0 = time_ns();
  int c = connect_to(PORT_DROP);
  EXPECT(ms_since(t0) >= 900, "connect took %ld ms: the SYN was not lost?", ms_since(t0));
  int s = xaccept(ls);
  // Then every 13th segment, 30 times, in a stream both ways.
  EXPECT_EQ(netdrop(13, 30), 0);
  int pid = xfork();
  if (pid == 0) {
    close(s); // the server's close must be the last one of s
    close(ls);
    send_stream(c, 7, DROP_BYTES);
    EXPECT_EQ(shutdown(c, SHUT_WR), 0);
    recv_stream(c, 8, 64 * 1024);
    exit(0);
  }
  recv_stream(s, 7, DROP_BYTES);
  send_stream(s, 8, 64 * 1024);
  close(s);
  expect_child(pid, 0, "the sender");
  EXPECT_EQ(netdrop(0, 0), 0);
  counters(&c1);
  EXPECT(c1.tcp_drops_injected - c0.tcp_drops_injected == 31, "%ld segments were dropped, expected 31",
         (long)(c1.tcp_drops_injected - c0.tcp_drops_injected));
  EXPECT(c1.tcp_retrans - c0.tcp_retrans >= 31, "only %ld segments were sent again for 31 lost",
         (long)(c1.tcp_retrans - c0.tcp_retrans));
  close(c);
  close(ls);
}

// ---- malformed: hand-built segments are dropped and counted

struct seg {
  unsigned char ip[20];
  unsigned short sport, dport;
  unsigned int seq, ack;
  unsigned char doff, flags;
  unsigned short window, check, urg;
  unsigned char data[8];
};

static unsigned int sum16(const void *p, int n, unsigned int s) {
  const unsigned char *b = p;
  for (; n > 1; n -= 2, b += 2) s += (unsigned int)(b[0] << 8 | b[1]);
  if (n) s += (unsigned int)(b[0] << 8);
  return s;
}

static unsigned short fold(unsigned int s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return htons((unsigned short)~s);
}

// A segment from 127.0.0.1:sport to 127.0.0.1:dport with the given
// sequence numbers, flags, data offset (words) and payload (up to 8
// bytes); checksums right unless bad_csum. Returns its length.
static int fill_seg(struct seg *g, int sport, int dport, unsigned int seq, unsigned int ack, int flags,
                    int doff, const char *data, int datalen, int bad_csum) {
  memset(g, 0, sizeof *g);
  int tcplen = 20 + datalen;
  g->ip[0] = 0x45;
  g->ip[2] = (20 + tcplen) >> 8;
  g->ip[3] = (20 + tcplen) & 0xff;
  g->ip[8] = 64;
  g->ip[9] = 6;
  unsigned int lo = htonl(INADDR_LOOPBACK);
  memcpy(g->ip + 12, &lo, 4);
  memcpy(g->ip + 16, &lo, 4);
  unsigned short c = fold(sum16(g->ip, 20, 0));
  memcpy(g->ip + 10, &c, 2);
  g->sport = htons(sport);
  g->dport = htons(dport);
  g->seq = htonl(seq);
  g->ack = htonl(ack);
  g->doff = doff << 4;
  g->flags = flags;
  g->window = htons(1000);
  memcpy(g->data, data, datalen < 8 ? datalen : 8);
  unsigned char ph[12];
  memcpy(ph, &lo, 4);
  memcpy(ph + 4, &lo, 4);
  ph[8] = 0;
  ph[9] = 6;
  ph[10] = tcplen >> 8;
  ph[11] = tcplen & 0xff;
  g->check = fold(sum16(&g->sport, tcplen, sum16(ph, 12, 0)));
  if (bad_csum) g->check ^= 0x1234;
  return 20 + tcplen;
}

// A segment from port 40000 (nobody's) to 127.0.0.1:dport, for the checks
// that come before any socket's.
static int build_seg(struct seg *g, int dport, int flags, int doff, int datalen, int bad_csum) {
  return fill_seg(g, 40000, dport, 1000, 0, flags, doff, "payload!", datalen, bad_csum);
}

static void inject(const char *what, struct seg *g, int len, unsigned long offset) {
  struct net_counters c0, c1;
  counters(&c0);
  EXPECT(netinject(g, len) == 0, "%s: netinject failed: %s", what, strerror(errno));
  counters(&c1);
  unsigned long before = *(uint64 *)((char *)&c0 + offset), after = *(uint64 *)((char *)&c1 + offset);
  EXPECT(after == before + 1, "%s: its counter went from %ld to %ld", what, before, after);
}

#define COUNTER(name) ((unsigned long)&((struct net_counters *)0)->name)

static void test_malformed(void) {
  int ls = listener(PORT_MALFORMED, 4);
  static struct seg g;
  int n = build_seg(&g, PORT_MALFORMED, 0x02, 5, 0, 1);
  inject("a SYN with a bad checksum", &g, n, COUNTER(tcp_drops_csum));
  n = build_seg(&g, PORT_MALFORMED, 0x02, 4, 0, 0);
  inject("a data offset of 4 words", &g, n, COUNTER(tcp_drops_header));
  n = build_seg(&g, PORT_MALFORMED, 0x02, 15, 0, 0);
  inject("a data offset past the end", &g, n, COUNTER(tcp_drops_header));
  n = build_seg(&g, PORT_MALFORMED, 0x03, 5, 0, 0);
  inject("SYN and FIN together", &g, n, COUNTER(tcp_drops_flags));
  n = build_seg(&g, PORT_MALFORMED, 0x06, 5, 0, 0);
  inject("SYN and RST together", &g, n, COUNTER(tcp_drops_flags));
  n = build_seg(&g, PORT_MALFORMED, 0x00, 5, 8, 0);
  inject("no flags at all", &g, n, COUNTER(tcp_drops_flags));
  n = build_seg(&g, PORT_MALFORMED, 0x08, 5, 8, 0);
  inject("data without ACK", &g, n, COUNTER(tcp_drops_flags));
  // A good SYN to a port nobody listens on is answered with a RST.
  n = build_seg(&g, PORT_REFUSED, 0x02, 5, 0, 0);
  inject("a SYN to a closed port", &g, n, COUNTER(tcp_rst_out));
  // An ACK nobody expects, to the listener: a RST too.
  n = build_seg(&g, PORT_MALFORMED, 0x10, 5, 0, 0);
  inject("a stray ACK to a listener", &g, n, COUNTER(tcp_rst_out));
  // None of it made a connection.
  EXPECT_EQ(fcntl(ls, F_SETFL, O_NONBLOCK), 0);
  EXPECT_ERR(accept(ls, 0, 0), EAGAIN);
  // The listener still works.
  EXPECT_EQ(fcntl(ls, F_SETFL, 0), 0);
  int c = connect_to(PORT_MALFORMED);
  int s = xaccept(ls);
  xwrite(c, "fine", 4);
  read_exactly(s, buf, 4, "after the malformed segments");
  close(s);
  close(c);
  close(ls);
}

// ---- reorder: a segment after a gap waits until the gap is filled

// The server's end of a connection, from netconns: its sequence numbers.
static struct sock_info server_end(int port, int peer_port) {
  static struct sock_info info[64];
  int n = netconns(info, 64);
  for (int i = 0; i < n; i++)
    if (info[i].type == SOCK_STREAM && ntohs(info[i].local.sin_port) == port &&
        ntohs(info[i].peer.sin_port) == peer_port)
      return info[i];
  fail("netconns shows no connection from port %d to %d", peer_port, port);
  return info[0];
}

// Segments that claim to come from the client are injected straight to the
// server's socket: the second half of a message, then the first. Two harts
// sending for one connection reorder segments the same way (tcp_input.cc).
static void test_reorder(void) {
  int ls = listener(PORT_REORDER, 1);
  int c = connect_to(PORT_REORDER);
  int s = xaccept(ls);
  struct sockaddr_in ca;
  socklen_t len = sizeof ca;
  EXPECT_EQ(getsockname(c, SA(&ca), &len), 0);
  const int cport = ntohs(ca.sin_port);
  struct sock_info si = server_end(PORT_REORDER, cport);
  static struct seg g;
  int n = fill_seg(&g, cport, PORT_REORDER, si.rcv_nxt + 5, si.snd_nxt, 0x18, 5, "WORLD", 5, 0);
  inject("the second half, first", &g, n, COUNTER(tcp_ofo_queue));
  EXPECT_ERR(recv(s, buf, sizeof buf, MSG_DONTWAIT), EAGAIN); // the first five bytes are missing
  n = fill_seg(&g, cport, PORT_REORDER, si.rcv_nxt, si.snd_nxt, 0x18, 5, "HELLO", 5, 0);
  EXPECT_EQ(netinject(&g, n), 0);
  read_exactly(s, buf, 10, "both halves");
  EXPECT(memcmp(buf, "HELLOWORLD", 10) == 0, "the halves came out as %.10s", buf);
  // Another after a gap, then one that starts with two old bytes: only its
  // new ones are kept.
  n = fill_seg(&g, cport, PORT_REORDER, si.rcv_nxt + 13, si.snd_nxt, 0x18, 5, "defgh", 5, 0);
  inject("a third segment after a gap", &g, n, COUNTER(tcp_ofo_queue));
  n = fill_seg(&g, cport, PORT_REORDER, si.rcv_nxt + 8, si.snd_nxt, 0x18, 5, "LDabc", 5, 0);
  EXPECT_EQ(netinject(&g, n), 0);
  read_exactly(s, buf, 8, "the overlapping segments");
  EXPECT(memcmp(buf, "abcdefgh", 8) == 0, "the overlapping segments came out as %.8s", buf);
  // The server is now out of step with the real client, which never sent
  // those bytes: one more byte, left unread, makes close() send a reset.
  n = fill_seg(&g, cport, PORT_REORDER, si.rcv_nxt + 18, si.snd_nxt, 0x18, 5, "!", 1, 0);
  EXPECT_EQ(netinject(&g, n), 0);
  close(s);
  EXPECT_ERR(recv(c, buf, sizeof buf, 0), ECONNRESET);
  close(c);
  close(ls);
}

// ---- free: every connection's memory comes back

static uint64 tcp_objects(void) {
  struct sysinfo si;
  xsysinfo(&si);
  for (uint64 i = 0; i < si.ncaches; i++)
    if (strcmp(si.caches[i].name, "TCP") == 0) return si.caches[i].objects;
  fail("sysinfo lists no TCP cache");
}

// The TCP sockets in the whole system (listeners, connections, TIME_WAIT).
static int tcp_sockets(void) {
  static struct sock_info info[64];
  int n = netconns(info, 64), count = 0;
  for (int i = 0; i < n; i++) count += info[i].type == SOCK_STREAM;
  return count;
}

static void test_free(void) {
  // Earlier tests' connections may still be in TIME_WAIT (1 s).
  for (int i = 0; i < 60 && tcp_sockets() > 0; i++) sleep(10);
  EXPECT(tcp_sockets() == 0, "%d TCP sockets are left from before", tcp_sockets());
  uint64 pages = freepages();
  uint64 objects = tcp_objects();
  int ls = listener(PORT_FREE, 8);
  for (int i = 0; i < 8; i++) {
    int c = connect_to(PORT_FREE);
    int s = xaccept(ls);
    xwrite(c, sbuf, 3000);
    read_exactly(s, buf, 3000, "a connection's data");
    if (i % 2) { // half closed by the client first, half by the server
      close(c);
      close(s);
    } else {
      close(s);
      close(c);
    }
  }
  // One more, closed with data queued both ways.
  int c = connect_to(PORT_FREE);
  int s = xaccept(ls);
  xwrite(c, sbuf, 2000);
  xwrite(s, sbuf, 2000);
  close(ls);
  close(c);
  close(s);
  EXPECT(tcp_sockets_on(PORT_FREE) > 0, "no connection is in TIME_WAIT");
  for (int i = 0; i < 60 && tcp_sockets_on(PORT_FREE) > 0; i++) sleep(10); // TIME_WAIT lasts 1 s
  EXPECT(tcp_sockets_on(PORT_FREE) == 0, "sockets on the port are still there after 6 s");
  EXPECT(tcp_objects() == objects, "TCP socks in use: %ld before, %ld after", (long)objects,
         (long)tcp_objects());
  uint64 after = freepages();
  for (int i = 0; i < 20 && after != pages; i++) {
    sleep(5);
    after = freepages();
  }
  EXPECT(after == pages, "%ld free pages before, %ld after", (long)pages, (long)after);
}

// ---- badargs: bad pointers and calls in the wrong state fail cleanly

static void test_badargs(void) {
  void *bad = (void *)0x7ffff000ul;
  void *kern = (void *)0x80000000ul;
  int ls = listener(PORT_BAD, 1);
  int c = tcp_socket();
  struct sockaddr_in a = loopback_addr(PORT_BAD);
  // Not connected yet.
  EXPECT_ERR(read(c, buf, 1), ENOTCONN);
  EXPECT_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
  EXPECT_ERR(shutdown(c, SHUT_WR), ENOTCONN);
  unsigned int len = sizeof a;
  EXPECT_ERR(getpeername(c, SA(&a), &len), ENOTCONN);
  EXPECT_ERR(accept(c, 0, 0), EINVAL); // not listening
  EXPECT_ERR(connect(c, (struct sockaddr *)bad, sizeof a), EFAULT);
  EXPECT_ERR(connect(c, SA(&a), 4), EINVAL);
  struct sockaddr_in far = loopback_addr(PORT_BAD);
  far.sin_addr.s_addr = inet_addr("10.0.0.1");
  EXPECT_ERR(connect(c, SA(&far), sizeof far), ENETUNREACH);
  // A port in use.
  int d = tcp_socket();
  EXPECT_ERR(bind(d, SA(&a), sizeof a), EADDRINUSE);
  close(d);
  // Connected.
  EXPECT_EQ(connect(c, SA(&a), sizeof a), 0);
  EXPECT_ERR(connect(c, SA(&a), sizeof a), EISCONN);
  EXPECT_ERR(listen(c, 1), EINVAL);
  EXPECT_ERR(bind(c, SA(&a), sizeof a), EINVAL);
  int s = accept(ls, (struct sockaddr *)bad, &len);
  EXPECT(s == -1 && errno == EFAULT, "accept with a bad address gave %d (errno %d)", s, errno);
  // That connection was lost with its file; another one works.
  int c2 = connect_to(PORT_BAD);
  s = accept(ls, SA(&a), (unsigned int *)kern);
  EXPECT(s == -1 && errno == EFAULT, "accept with a kernel length pointer gave %d (errno %d)", s, errno);
  close(c2);
  c2 = connect_to(PORT_BAD);
  s = xaccept(ls);
  EXPECT_ERR(write(c2, bad, 10), EFAULT);
  EXPECT_ERR(write(c2, kern, 10), EFAULT);
  xwrite(c2, "data", 4);
  EXPECT_ERR(read(s, bad, 4), EFAULT);
  EXPECT_ERR(recvfrom(s, kern, 4, 0, 0, 0), EFAULT);
  EXPECT_EQ(read(s, buf, 4), 4); // still there
  EXPECT(memcmp(buf, "data", 4) == 0, "the data after the bad reads");
  // recvfrom's address is left alone on a stream: the length comes back 0.
  xwrite(c2, "more", 4);
  len = sizeof a;
  EXPECT_EQ(recvfrom(s, buf, 4, 0, SA(&a), &len), 4);
  EXPECT_EQ(len, 0);
  // Options.
  int v = 1;
  EXPECT_EQ(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v), 0);
  unsigned int vl = sizeof v;
  v = 0;
  EXPECT_EQ(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &vl), 0);
  EXPECT_EQ(v, 1);
  EXPECT_ERR(setsockopt(s, IPPROTO_TCP, 9999, &v, sizeof v), ENOPROTOOPT);
  EXPECT_EQ(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl), 0);
  EXPECT_EQ(v, SOCK_STREAM);
  v = 4096;
  EXPECT_EQ(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v), 0);
  EXPECT_EQ(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &vl), 0);
  EXPECT_EQ(v, 8192);
  EXPECT_ERR(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, bad, sizeof(struct timeval)), EFAULT);
  // Wrong kinds of socket.
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_ERR(listen(u, 1), EOPNOTSUPP);
  EXPECT_ERR(accept(u, 0, 0), EOPNOTSUPP);
  close(u);
  close(s);
  close(c2);
  close(c);
  close(ls);
}

// ---- peek: MSG_PEEK leaves the bytes queued; MSG_WAITALL waits for all of them

static void test_peek(void) {
  int ls = listener(PORT_PEEK, 1);
  int c = connect_to(PORT_PEEK);
  int s = xaccept(ls);
  xwrite(c, "peekaboo", 8);
  for (int i = 0; i < 100; i++) { // the bytes may still be on their way
    struct pollfd p = {s, POLLIN, 0};
    poll(&p, 1, 100);
    if (p.revents & POLLIN) break;
  }
  EXPECT_EQ(recv(s, buf, 4, MSG_PEEK), 4);
  EXPECT(memcmp(buf, "peek", 4) == 0, "MSG_PEEK read the wrong bytes");
  EXPECT_EQ(recv(s, buf, 8, MSG_PEEK), 8);
  EXPECT_EQ(recv(s, buf, 8, 0), 8);
  EXPECT(memcmp(buf, "peekaboo", 8) == 0, "the peeked bytes were not left queued");
  int pid = xfork();
  if (pid == 0) {
    for (int i = 0; i < 4; i++) {
      sleep(3);
      xwrite(c, "part", 4);
    }
    exit(0);
  }
  EXPECT_EQ(recv(s, buf, 16, MSG_WAITALL), 16);
  EXPECT(memcmp(buf, "partpartpartpart", 16) == 0, "MSG_WAITALL's bytes");
  expect_child(pid, 0, "the writer");
  // MSG_WAITALL stops at end of file with what it has.
  xwrite(c, "end", 3);
  EXPECT_EQ(shutdown(c, SHUT_WR), 0);
  EXPECT_EQ(recv(s, buf, 16, MSG_WAITALL), 3);
  close(s);
  close(c);
  close(ls);
}

// ---- recv: time-outs and signals, as for UDP

// recv on s, with SO_RCVTIMEO timeout_sec (0: none), is interrupted by a
// SIGUSR1 whose handler has these flags: it must fail with EINTR.
static void interrupted_recv(int s, unsigned long flags, int timeout_sec) {
  xsigaction(SIGUSR1, on_sig, flags);
  set_timeo(s, SO_RCVTIMEO, timeout_sec, 0);
  sig_count = 0;
  int parent = getpid();
  int pid = xfork();
  if (pid == 0) {
    wait_until_asleep(parent, "the reader");
    kill(parent, SIGUSR1);
    exit(0);
  }
  long r = recv(s, buf, sizeof buf, 0);
  EXPECT(r == -1 && errno == EINTR, "recv gave %ld (errno %d), expected EINTR", r, errno);
  expect_child(pid, 0, "the signaller");
  EXPECT(sig_count == 1, "the handler ran %d times", sig_count);
}

static void test_recv(void) {
  int ls = listener(PORT_RECV, 4);
  int c = connect_to(PORT_RECV);
  int s = xaccept(ls);
  // SO_RCVTIMEO: EAGAIN after the time.
  set_timeo(s, SO_RCVTIMEO, 0, 300000);
  unsigned long t0 = time_ns();
  EXPECT_ERR(recv(s, buf, 1, 0), EAGAIN);
  unsigned long ms = ms_since(t0);
  EXPECT(ms >= 290 && ms < 3000, "a 300 ms SO_RCVTIMEO waited %ld ms", ms);
  EXPECT_ERR(recv(s, buf, 1, MSG_DONTWAIT), EAGAIN);
  // A signal: EINTR without SA_RESTART, and with a time-out whatever the flags.
  interrupted_recv(s, 0, 0);
  interrupted_recv(s, SA_RESTART, 5);
  // With SA_RESTART and no time-out, the read goes on and gets the data.
  xsigaction(SIGUSR1, on_sig, SA_RESTART);
  set_timeo(s, SO_RCVTIMEO, 0, 0);
  sig_count = 0;
  int parent = getpid();
  int pid = xfork();
  if (pid == 0) {
    wait_until_asleep(parent, "the reader");
    kill(parent, SIGUSR1);
    wait_until_asleep(parent, "the restarted recv");
    xwrite(c, "after", 5);
    exit(0);
  }
  EXPECT_EQ(recv(s, buf, sizeof buf, 0), 5);
  EXPECT(sig_count == 1, "the handler ran %d times", sig_count);
  expect_child(pid, 0, "the signaller");
  close(s);
  close(c);
  close(ls);
}

// ---- sigio: O_ASYNC on a TCP socket

static void test_sigio(void) {
  int ls = listener(PORT_SIGIO, 1);
  int c = connect_to(PORT_SIGIO);
  int s = xaccept(ls);
  xsigaction(SIGIO, on_sig, SA_RESTART);
  sig_count = 0;
  EXPECT_EQ(fcntl(s, F_SETOWN, getpid()), 0);
  EXPECT_EQ(fcntl(s, F_SETFL, O_ASYNC), 0);
  xwrite(c, "io", 2);
  for (int i = 0; i < 100 && sig_count == 0; i++) sleep(1);
  EXPECT(sig_count >= 1, "no SIGIO for data on an O_ASYNC TCP socket");
  EXPECT_EQ(read(s, buf, sizeof buf), 2);
  close(s);
  close(c);
  close(ls);
}

// ---- readwrite: read, write, dup and fork on a connection

static void test_readwrite(void) {
  int ls = listener(PORT_RW, 1);
  int c = connect_to(PORT_RW);
  int s = xaccept(ls);
  int d = dup(c);
  xwrite(d, "via dup", 7);
  read_exactly(s, buf, 7, "the dup's bytes");
  close(d);
  int pid = xfork();
  if (pid == 0) {
    xwrite(c, "from the child", 14);
    exit(0);
  }
  expect_child(pid, 0, "the child writer");
  read_exactly(s, buf, 14, "the child's bytes");
  EXPECT(memcmp(buf, "from the child", 14) == 0, "the child's bytes changed");
  // The connection survives the child's exit (the file is shared).
  xwrite(s, "still", 5);
  read_exactly(c, buf, 5, "after the child exited");
  close(s);
  close(c);
  close(ls);
}

// ---- killed: a connection's owner dies in user mode -- SIGKILL while it
// computes, SIGSEGV from a bad store. Exit closes the connection from the
// trap, with interrupts off there until the kernel turns them on: the FIN
// must still be received at once (docs/design.md, softirqs).

static void test_killed(void) {
  int ls = listener(PORT_KILLED, 1);
  for (int round = 0; round < 2; round++) {
    const int sig = round == 0 ? SIGKILL : SIGSEGV;
    int pid = xfork();
    if (pid == 0) {
      int c = connect_to(PORT_KILLED);
      EXPECT_EQ(write(c, "r", 1), 1); // ready: about to stay in user mode
      if (sig == SIGSEGV) *(volatile int *)0 = 1;
      for (;;) {
      }
    }
    int s = xaccept(ls);
    read_exactly(s, buf, 1, "the ready byte");
    if (sig == SIGKILL) {
      EXPECT_EQ(usleep(20000), 0); // let it get into its loop
      EXPECT_EQ(kill(pid, SIGKILL), 0);
    }
    expect_eof(s, sig == SIGKILL ? "the killed peer's FIN" : "the faulting peer's FIN");
    expect_killed(pid, sig, "the peer");
    close(s);
  }
  close(ls);
}

static const struct test tests[] = {
    {"echo", test_echo},
    {"refused", test_refused},
    {"bulk", test_bulk},
    {"duplex", test_duplex},
    {"halfclose", test_halfclose},
    {"reset", test_reset},
    {"lateaccept", test_lateaccept},
    {"sigpipe", test_sigpipe},
    {"accept", test_accept},
    {"nonblock", test_nonblock},
    {"backlog", test_backlog},
    {"many", test_many},
    {"poll", test_poll},
    {"window", test_window},
    {"sndtimeo", test_sndtimeo},
    {"reuse", test_reuse},
    {"drops", test_drops},
    {"malformed", test_malformed},
    {"badargs", test_badargs},
    {"peek", test_peek},
    {"recv", test_recv},
    {"sigio", test_sigio},
    {"readwrite", test_readwrite},
    {"reorder", test_reorder},
    {"killed", test_killed},
    {"free", test_free},
};

int main(int argc, char *argv[]) {
  exit(test_main("tcptests", tests, sizeof tests / sizeof tests[0], argc, argv));
}
