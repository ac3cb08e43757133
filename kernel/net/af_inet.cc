// The AF_INET socket calls, between the socket layer and the protocols
// (Linux's net/ipv4/af_inet.c): inet_stream_ops for TCP, inet_dgram_ops
// for UDP. sock->ops->recvmsg is inet_recvmsg for both, which calls the
// protocol's own (sk->sk_prot->recvmsg: tcp_recvmsg or udp_recvmsg).
#include "net/af_inet.hh"
#include "net/ip.hh"
#include "net/tcp.hh"
#include "net/udp.hh"
#include "proc.hh"
#include "sched.hh"
#include "uapi/errno.h"
#include "wait.hh"

namespace kernel {

namespace {

// ---- Both types

int inet_release(socket *sock) {
  struct sock *sk = sock->sk;
  if (!sk) return 0;
  sock->sk = nullptr;
  sk->sk_prot->close(sk);
  return 0;
}

// Linux's inet_bind: the address must be one of ours; the protocol takes
// the port (sk_prot->get_port checks it is free).
int inet_bind(socket *sock, const sockaddr_in &addr) {
  struct sock *sk = sock->sk;
  if (addr.sin_family != AF_INET) return -EAFNOSUPPORT;
  if (addr.sin_addr.s_addr != INADDR_ANY && !ipv4_is_loopback(addr.sin_addr.s_addr)) return -EADDRNOTAVAIL;
  if (sk->sk_type == SOCK_DGRAM) return sk->sk_prot->get_port(sk, addr.sin_addr.s_addr, addr.sin_port);
  lock_sock(sk);
  int err = -EINVAL;
  if (sk->sk_state == TCP_CLOSE && !sk->bind_node.linked()) {
    err = sk->sk_prot->get_port(sk, addr.sin_addr.s_addr, addr.sin_port);
    if (!err && addr.sin_port) sock_set_flag(sk, SOCK_BINDPORT_LOCK);
  }
  release_sock(sk);
  return err;
}

int inet_sendmsg(socket *sock, msghdr *msg, uint64_t size) {
  struct sock *sk = sock->sk;
  return sk->sk_prot->sendmsg(sk, msg, size);
}

int inet_recvmsg(socket *sock, msghdr *msg, uint64_t size, int flags) {
  struct sock *sk = sock->sk;
  return sk->sk_prot->recvmsg(sk, msg, size, flags & MSG_DONTWAIT, flags & ~MSG_DONTWAIT);
}

// Linux's inet_getname: our address, or (peer) the peer's.
int inet_getname(socket *sock, sockaddr_in *addr, bool peer) {
  struct sock *sk = sock->sk;
  inet_addrs a;
  if (sk->sk_type == SOCK_DGRAM) {
    a = udp_addrs(sk);
  } else {
    lock_sock(sk);
    a = {sk->rcv_saddr, sk->sport, sk->daddr, sk->dport,
         sk->dport && (tcpf(sk->sk_state) & (tcpf(TCP_CLOSE) | tcpf(TCP_SYN_SENT))) == 0};
    release_sock(sk);
  }
  *addr = {};
  addr->sin_family = AF_INET;
  if (peer) {
    if (!a.connected) return -ENOTCONN;
    addr->sin_port = a.dport;
    addr->sin_addr.s_addr = a.daddr;
  } else {
    addr->sin_port = a.sport;
    addr->sin_addr.s_addr = a.rcv_saddr;
  }
  return 0;
}

int sock_no_listen(socket *, int) { return -EOPNOTSUPP; }
int sock_no_accept(socket *, socket *, int) { return -EOPNOTSUPP; }

// ---- UDP's

int inet_dgram_connect(socket *sock, const sockaddr_in &addr, uint32_t len, int) {
  return udp_connect(sock->sk, addr, len);
}

uint32_t udp_poll(socket *sock, poll_table *pt) { return datagram_poll(sock->sk, pt); }

// shutdown(SHUT_RD) wakes every reader, which then sees end of file. On an
// unconnected UDP socket it still does that but reports ENOTCONN, as
// Linux's inet_shutdown does ("wake up other listeners").
int inet_dgram_shutdown(socket *sock, int how) {
  struct sock *sk = sock->sk;
  __atomic_or_fetch(&sk->sk_shutdown, static_cast<uint32_t>(how + 1),
                    __ATOMIC_RELAXED); // RD->1 WR->2 RDWR->3
  sk->sk_state_change(sk);
  return udp_addrs(sk).connected ? 0 : -ENOTCONN;
}

// ---- TCP's

// Wait for the handshake to finish (Linux's inet_wait_for_connect): the
// SYN-ACK (sk_state_change from tcp_rcv_synsent_state_process) or a RST
// (tcp_reset's sk_error_report) wakes us. Returns the time left: 0 if it
// ran out or a signal came.
long inet_wait_for_connect(struct sock *sk, long timeo) {
  DEFINE_WAIT(wait);
  prepare_to_wait(sk_sleep(sk), &wait, TASK_INTERRUPTIBLE);
  while (tcpf(sk->sk_state) & (tcpf(TCP_SYN_SENT) | tcpf(TCP_SYN_RECV))) {
    release_sock(sk);
    timeo = schedule_timeout(timeo);
    lock_sock(sk);
    if (signal_pending(current_task()) || !timeo) break;
    prepare_to_wait(sk_sleep(sk), &wait, TASK_INTERRUPTIBLE);
  }
  finish_wait(sk_sleep(sk), &wait);
  return timeo;
}

// connect() on a TCP socket (Linux's __inet_stream_connect): send the SYN,
// then wait for the handshake -- unless O_NONBLOCK, which returns
// EINPROGRESS at once (poll() for POLLOUT, then SO_ERROR, tells the end).
// A connect interrupted by a signal goes on in the background; calling
// connect() again then says EALREADY, and once it is done, EISCONN.
int inet_stream_connect(socket *sock, const sockaddr_in &addr, uint32_t len, int flags) {
  struct sock *sk = sock->sk;
  if (addr.sin_family == AF_UNSPEC) { // Linux: disconnect
    lock_sock(sk);
    tcp_disconnect(sk);
    sock->state = socket_state::UNCONNECTED;
    release_sock(sk);
    return 0;
  }
  if (len < sizeof addr) return -EINVAL;
  lock_sock(sk);
  int err = 0;
  switch (sock->state) {
  case socket_state::CONNECTED: err = -EISCONN; goto out;
  case socket_state::CONNECTING: err = -EALREADY; break;
  case socket_state::DISCONNECTING:
  case socket_state::UNCONNECTED:
    err = -EISCONN;
    if (sk->sk_state != TCP_CLOSE) goto out;
    if ((err = tcp_v4_connect(sk, addr)) < 0) goto out;
    sock->state = socket_state::CONNECTING;
    err = -EINPROGRESS;
    break;
  }
  if (tcpf(sk->sk_state) & (tcpf(TCP_SYN_SENT) | tcpf(TCP_SYN_RECV))) {
    // O_NONBLOCK, or SO_SNDTIMEO running out, leaves err as it is:
    // EINPROGRESS (EALREADY) -- Linux's answer to both.
    const long timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
    long left;
    if (!timeo || !(left = inet_wait_for_connect(sk, timeo))) goto out;
    err = sock_intr_errno(left);
    if (signal_pending(current_task())) goto out;
  }
  if (sk->sk_state == TCP_CLOSE) { // refused or reset (Linux's sock_error label)
    err = sock_error(sk);
    if (!err) err = -ECONNABORTED;
    sock->state = socket_state::UNCONNECTED;
    tcp_disconnect(sk);
    goto out;
  }
  sock->state = socket_state::CONNECTED;
  err = 0;
out:
  release_sock(sk);
  return err;
}

// listen() (Linux's inet_listen): a socket that is not connected becomes
// a listener; listen() again only changes the backlog.
int inet_listen(socket *sock, int backlog) {
  struct sock *sk = sock->sk;
  if (backlog < 0 || backlog > SOMAXCONN) backlog = SOMAXCONN;
  lock_sock(sk);
  int err = -EINVAL;
  if (sock->state == socket_state::UNCONNECTED &&
      (tcpf(sk->sk_state) & (tcpf(TCP_CLOSE) | tcpf(TCP_LISTEN)))) {
    err = 0;
    if (sk->sk_state != TCP_LISTEN)
      err = inet_csk_listen_start(sk, backlog);
    else
      sk->sk_max_ack_backlog = static_cast<uint32_t>(backlog);
  }
  release_sock(sk);
  return err;
}

// accept() (Linux's inet_accept): the next finished connection, grafted
// onto the new socket. flags are the listening file's (O_NONBLOCK).
int inet_accept(socket *sock, socket *newsock, int flags) {
  int err = -EINVAL;
  struct sock *sk2 = inet_csk_accept(sock->sk, flags, &err);
  if (!sk2) return err;
  lock_sock(sk2);
  sock_graft(sk2, newsock);
  newsock->state = socket_state::CONNECTED;
  release_sock(sk2);
  return 0;
}

// Linux's inet_shutdown, for TCP. how: SHUT_RD, SHUT_WR, SHUT_RDWR.
int inet_stream_shutdown(socket *sock, int how) {
  struct sock *sk = sock->sk;
  const uint32_t mask = static_cast<uint32_t>(how + 1); // RD->1 WR->2 RDWR->3
  int err = 0;
  lock_sock(sk);
  if (sock->state == socket_state::CONNECTING)
    sock->state = (tcpf(sk->sk_state) & (tcpf(TCP_SYN_SENT) | tcpf(TCP_SYN_RECV) | tcpf(TCP_CLOSE)))
                      ? socket_state::DISCONNECTING
                      : socket_state::CONNECTED;
  switch (sk->sk_state) {
  case TCP_LISTEN:
    if (!(mask & RCV_SHUTDOWN)) break;
    [[fallthrough]];
  case TCP_SYN_SENT:
    tcp_disconnect(sk);
    sock->state = socket_state::UNCONNECTED;
    break;
  case TCP_CLOSE:
    err = -ENOTCONN;
    // Linux still marks it shut down, and wakes everyone (for poll).
    __atomic_or_fetch(&sk->sk_shutdown, mask, __ATOMIC_RELAXED);
    break;
  default:
    __atomic_or_fetch(&sk->sk_shutdown, mask, __ATOMIC_RELAXED);
    tcp_shutdown(sk, static_cast<int>(mask));
    break;
  }
  sk->sk_state_change(sk); // wake everyone sleeping in poll, recv, accept
  release_sock(sk);
  return err;
}

} // namespace

const proto_ops inet_stream_ops = {
    .release = inet_release,
    .bind = inet_bind,
    .connect = inet_stream_connect,
    .accept = inet_accept,
    .getname = inet_getname,
    .poll = tcp_poll,
    .listen = inet_listen,
    .shutdown = inet_stream_shutdown,
    .sendmsg = inet_sendmsg,
    .recvmsg = inet_recvmsg,
};

const proto_ops inet_dgram_ops = {
    .release = inet_release,
    .bind = inet_bind,
    .connect = inet_dgram_connect,
    .accept = sock_no_accept,
    .getname = inet_getname,
    .poll = udp_poll,
    .listen = sock_no_listen,
    .shutdown = inet_dgram_shutdown,
    .sendmsg = inet_sendmsg,
    .recvmsg = inet_recvmsg,
};

// socket()'s AF_INET part (Linux's inet_create): the protocol for the type,
// and a new sock of its own.
int inet_create(socket *sock, int type, int protocol) {
  proto *prot;
  if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) {
    prot = &tcp_prot;
    sock->ops = &inet_stream_ops;
  } else if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) {
    prot = &udp_prot;
    sock->ops = &inet_dgram_ops;
  } else {
    return type == SOCK_STREAM || type == SOCK_DGRAM ? -EPROTONOSUPPORT : -ESOCKTNOSUPPORT;
  }
  struct sock *sk = sk_alloc(prot);
  if (!sk) return -ENOBUFS;
  sk->sk_type = type;
  sock_init_data(sock, sk);
  if (prot->init) prot->init(sk);
  return 0;
}

} // namespace kernel
