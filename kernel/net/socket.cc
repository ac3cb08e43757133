// The BSD socket system calls, down to the protocol: sys_recvfrom ->
// sock_recvmsg -> inet_recvmsg -> udp_recvmsg, and sys_sendto ->
// sock_sendmsg -> inet_sendmsg -> udp_sendmsg (Linux's net/socket.c and
// net/ipv4/af_inet.c). Errors are -errno (errno.h).
#include "net/socket.hh"
#include <new>
#include "clock.hh"
#include "uapi/errno.h"
#include "fs/file.hh"
#include "kalloc.hh"
#include "net/ip.hh"
#include "net/sock.hh"
#include "net/udp.hh"
#include "proc.hh"
#include "syscall.hh"
#include "uapi/time.h"
#include "vm.hh"

namespace kernel {

namespace {

// A socket and its sock share one page; sock_put() frees it.
struct socket_page {
  struct socket sock;
  struct sock sk;
};
static_assert(sizeof(socket_page) <= 4096);

// Room for two full-sized small packets at least (Linux's SOCK_MIN_RCVBUF is
// one: 2048 + sizeof(struct sk_buff), after rounding). The maximum is that of
// a Linux whose net.core.rmem_max was raised to 2 MiB (doubled: 4 MiB).
constexpr uint32_t SOCK_MIN_RCVBUF = 2 * (2048 + sizeof(sk_buff));
constexpr uint32_t SOCK_MAX_RCVBUF = 4 * 1024 * 1024;

// Every socket call's first step: the socket behind file-descriptor
// argument n to *sockp (and its file to *fp, if asked for). 0, -EBADF or
// -ENOTSOCK. Linux's sockfd_lookup, given the argument rather than the fd.
[[nodiscard]] int sockfd_lookup(int n, socket **sockp, file **fp = nullptr) {
  file *f;
  if (const int err = argfd(n, nullptr, &f); err < 0) return err;
  if (f->type != file::kind::SOCKET) return -ENOTSOCK;
  if (fp) *fp = f;
  *sockp = f->sock;
  return 0;
}

// A sockaddr_in from user space: family checked by the caller.
int move_addr_to_kernel(user_ptr<sockaddr_in> uaddr, uint32_t len, sockaddr_in *out) {
  if (len < sizeof(sockaddr_in)) return -EINVAL;
  if (copyin(myproc()->pagetable, out, uaddr) < 0) return -EFAULT;
  return 0;
}

// Copy an address out as recvfrom/getsockname do: at most *ulen bytes,
// then the full length into *ulen.
int move_addr_to_user(const sockaddr_in &addr, user_ptr<sockaddr_in> uaddr, user_ptr<int> ulen) {
  pagetable_t pt = myproc()->pagetable;
  int len;
  if (copyin(pt, &len, ulen) < 0) return -EFAULT;
  if (len < 0) return -EINVAL;
  const uint32_t n = static_cast<uint32_t>(len) < sizeof addr ? static_cast<uint32_t>(len) : sizeof addr;
  if (n && copyout(pt, uaddr.bytes(), &addr, n) < 0) return -EFAULT;
  const int full = sizeof addr;
  if (copyout(pt, ulen, &full) < 0) return -EFAULT;
  return 0;
}

int inet_recvmsg(socket *sock, msghdr *msg, uint64_t size, int flags) {
  return udp_recvmsg(sock->sk, msg, size, flags & MSG_DONTWAIT, flags & ~MSG_DONTWAIT);
}

int inet_sendmsg(socket *sock, msghdr *msg, uint64_t size) {
  if (__atomic_load_n(&sock->sk->sk_shutdown, __ATOMIC_RELAXED) & SEND_SHUTDOWN) return -EPIPE;
  return udp_sendmsg(sock->sk, msg, size);
}

int sock_recvmsg(socket *sock, msghdr *msg, uint64_t size, int flags) {
  return inet_recvmsg(sock, msg, size, flags);
}

int sock_sendmsg(socket *sock, msghdr *msg, uint64_t size) { return inet_sendmsg(sock, msg, size); }

int dontwait(file *f) {
  return (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK) ? MSG_DONTWAIT : 0;
}

sockaddr_in local_name(struct sock *sk) {
  const inet_addrs addrs = udp_addrs(sk);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = addrs.sport;
  a.sin_addr.s_addr = addrs.rcv_saddr;
  return a;
}

// getsockopt's answer: the option's value to val and its size to *len,
// if the caller's buffer (len bytes) holds it.
int put_sockopt(pagetable_t pt, user_ptr<char> val, user_ptr<int> len_uva, int len, const void *v, int size) {
  if (len < size) return -EINVAL;
  if (copyout(pt, val, v, size) < 0 || copyout(pt, len_uva, &size) < 0) return -EFAULT;
  return 0;
}

} // namespace

void sock_release(socket *sock) {
  struct sock *sk = sock->sk;
  udp_unhash(sk); // no more datagrams can find it
  sock_put(sk);   // queued datagrams hold references; the last frees it all
}

int sock_read(file *f, user_ptr<char> buf, int n) {
  msghdr msg;
  msg.buf = buf;
  return sock_recvmsg(f->sock, &msg, static_cast<uint64_t>(n), dontwait(f));
}

int sock_write(file *f, user_ptr<char> buf, int n) {
  msghdr msg;
  msg.buf = buf;
  return sock_sendmsg(f->sock, &msg, static_cast<uint64_t>(n));
}

uint32_t sock_poll(file *f, poll_table *pt) { return datagram_poll(f->sock->sk, pt); }

// fcntl's socket part (sys_fcntl, in sysfile.cc, does the rest): the
// socket keeps its own copy of the F_SETFL flags for the receive path
// (sk_wake_async), and who gets SIGIO.
int sock_fcntl(file *f, int cmd, uint64_t arg) {
  switch (cmd) {
  case F_SETFL:
    __atomic_store_n(&f->sock->flags, __atomic_load_n(&f->flags, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
    return 0;
  case F_SETOWN: __atomic_store_n(&f->sock->owner, static_cast<int>(arg), __ATOMIC_RELAXED); return 0;
  case F_GETOWN: return __atomic_load_n(&f->sock->owner, __ATOMIC_RELAXED);
  }
  return -EINVAL;
}

int64_t sys_socket() {
  const int family = argint(0);
  const int type = argint(1);
  const int protocol = argint(2);
  if (family != AF_INET) return -EAFNOSUPPORT;
  if (type != SOCK_DGRAM || (protocol != 0 && protocol != IPPROTO_UDP)) return -EPROTONOSUPPORT;
  void *page = kalloc();
  if (!page) return -ENOMEM;
  auto *sp = new (page) socket_page;
  sock_init_data(&sp->sock, &sp->sk);
  file *f = filealloc();
  const int fd = f ? fdalloc(f) : -ENFILE;
  if (fd < 0) {
    if (f) fileclose(f); // an empty file: closing it frees only the slot
    sock_put(&sp->sk);
    return fd;
  }
  f->type = file::kind::SOCKET;
  f->readable = f->writable = true;
  f->sock = &sp->sock;
  sp->sock.file = f;
  return fd;
}

int64_t sys_bind() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  sockaddr_in addr;
  const uint32_t len = static_cast<uint32_t>(argint(2));
  if (const int err = move_addr_to_kernel(argaddr<sockaddr_in>(1), len, &addr); err < 0) return err;
  if (addr.sin_family != AF_INET) return -EAFNOSUPPORT;
  if (addr.sin_addr.s_addr != INADDR_ANY && !ipv4_is_loopback(addr.sin_addr.s_addr)) return -EADDRNOTAVAIL;
  return udp_bind(sock->sk, addr.sin_addr.s_addr, addr.sin_port);
}

int64_t sys_connect() {
  socket *sock;
  int err = sockfd_lookup(0, &sock);
  if (err < 0) return err;
  sockaddr_in addr;
  const uint32_t len = static_cast<uint32_t>(argint(2));
  if (len < sizeof(sa_family_t)) return -EINVAL;
  const uint32_t n = len < sizeof addr ? len : sizeof addr; // AF_UNSPEC has only the family
  if (copyin(myproc()->pagetable, &addr, argaddr<sockaddr_in>(1).bytes(), n) < 0) return -EFAULT;
  return udp_connect(sock->sk, addr, len);
}

int64_t sys_sendto() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  msghdr msg;
  msg.buf = argaddr<char>(1);
  const uint64_t len = argu64(2);
  const auto dest = argaddr<sockaddr_in>(4);
  if (dest) {
    const uint32_t addrlen = static_cast<uint32_t>(argint(5));
    if (const int err = move_addr_to_kernel(dest, addrlen, &msg.name); err < 0) return err;
    msg.has_name = true;
  }
  return sock_sendmsg(sock, &msg, len);
}

// O_NONBLOCK on the file becomes MSG_DONTWAIT, as in Linux.
int64_t sys_recvfrom() {
  socket *sock;
  file *f;
  if (const int err = sockfd_lookup(0, &sock, &f); err < 0) return err;
  msghdr msg;
  msg.buf = argaddr<char>(1);
  const uint64_t len = argu64(2);
  const int flags = argint(3) | dontwait(f);
  const auto src = argaddr<sockaddr_in>(4);
  const auto srclen = argaddr<int>(5);
  msg.has_name = static_cast<bool>(src);
  const int n = sock_recvmsg(sock, &msg, len, flags);
  if (n < 0 || !src) return n;
  if (const int err = move_addr_to_user(msg.name, src, srclen); err < 0) return err;
  return n;
}

int64_t sys_getsockname() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  return move_addr_to_user(local_name(sock->sk), argaddr<sockaddr_in>(1), argaddr<int>(2));
}

int64_t sys_getpeername() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  const inet_addrs addrs = udp_addrs(sock->sk);
  if (!addrs.connected) return -ENOTCONN;
  sockaddr_in peer = {};
  peer.sin_family = AF_INET;
  peer.sin_port = addrs.dport;
  peer.sin_addr.s_addr = addrs.daddr;
  return move_addr_to_user(peer, argaddr<sockaddr_in>(1), argaddr<int>(2));
}

int64_t sys_setsockopt() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  const int level = argint(1);
  const int name = argint(2);
  const user_ptr<char> val = argaddr<char>(3);
  const uint32_t len = static_cast<uint32_t>(argint(4));
  struct sock *sk = sock->sk;
  pagetable_t pt = myproc()->pagetable;
  if (level != SOL_SOCKET) return -ENOPROTOOPT;
  if (name == SO_RCVBUF) {
    int v;
    if (len < sizeof v) return -EINVAL;
    if (copyin(pt, &v, val, sizeof v) < 0) return -EFAULT;
    // Linux doubles the value, to leave room for bookkeeping.
    uint64_t doubled = v < 0 ? 0 : 2 * static_cast<uint64_t>(v);
    if (doubled < SOCK_MIN_RCVBUF) doubled = SOCK_MIN_RCVBUF;
    if (doubled > SOCK_MAX_RCVBUF) doubled = SOCK_MAX_RCVBUF;
    __atomic_store_n(&sk->sk_rcvbuf, static_cast<uint32_t>(doubled), __ATOMIC_RELAXED);
    return 0;
  }
  if (name == SO_RCVTIMEO) {
    timeval tv;
    if (len < sizeof tv) return -EINVAL;
    if (copyin(pt, &tv, val, sizeof tv) < 0) return -EFAULT;
    if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000) return -EINVAL;
    long timeo;
    if (tv.tv_sec == 0 && tv.tv_usec == 0) {
      timeo = MAX_SCHEDULE_TIMEOUT; // {0, 0}: no time-out
    } else if (tv.tv_sec >= MAX_SCHEDULE_TIMEOUT / static_cast<long>(HZ) - 1) {
      timeo = MAX_SCHEDULE_TIMEOUT; // too long to count: for ever, as Linux does
    } else {
      const long usec_per_tick = 1000000 / static_cast<long>(HZ);
      timeo = tv.tv_sec * static_cast<long>(HZ) + (tv.tv_usec + usec_per_tick - 1) / usec_per_tick;
    }
    __atomic_store_n(&sk->sk_rcvtimeo, timeo, __ATOMIC_RELAXED);
    return 0;
  }
  return -ENOPROTOOPT;
}

int64_t sys_getsockopt() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  const int level = argint(1);
  const int name = argint(2);
  const user_ptr<char> val = argaddr<char>(3);
  const user_ptr<int> len_uva = argaddr<int>(4);
  pagetable_t pt = myproc()->pagetable;
  int len;
  if (copyin(pt, &len, len_uva) < 0) return -EFAULT;
  if (level != SOL_SOCKET) return -ENOPROTOOPT;
  struct sock *sk = sock->sk;
  if (name == SO_RCVBUF) {
    const int v = static_cast<int>(__atomic_load_n(&sk->sk_rcvbuf, __ATOMIC_RELAXED));
    return put_sockopt(pt, val, len_uva, len, &v, sizeof v);
  }
  if (name == SO_RCVTIMEO) {
    const long timeo = __atomic_load_n(&sk->sk_rcvtimeo, __ATOMIC_RELAXED);
    timeval tv = {0, 0};
    if (timeo != MAX_SCHEDULE_TIMEOUT) {
      tv.tv_sec = timeo / static_cast<long>(HZ);
      tv.tv_usec = (timeo % static_cast<long>(HZ)) * (1000000 / static_cast<long>(HZ));
    }
    return put_sockopt(pt, val, len_uva, len, &tv, sizeof tv);
  }
  return -ENOPROTOOPT;
}

// shutdown(SHUT_RD) wakes every reader, which then sees end of file. On an
// unconnected UDP socket it still does that but reports ENOTCONN, as
// Linux's inet_shutdown does ("wake up other listeners").
int64_t sys_shutdown() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  const int how = argint(1);
  if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
  struct sock *sk = sock->sk;
  __atomic_or_fetch(&sk->sk_shutdown, static_cast<uint32_t>(how + 1),
                    __ATOMIC_RELAXED); // RD->1 WR->2 RDWR->3
  sk->sk_state_change(sk);
  return udp_addrs(sk).connected ? 0 : -ENOTCONN;
}

int64_t sys_netstat() {
  const int fd = argint(0);
  net_counters c = read_net_counters(net_stats);
  if (fd != -1) {
    socket *sock;
    if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
    c = read_net_counters(sock->sk->stats);
  }
  if (copyout(myproc()->pagetable, argaddr<net_counters>(1), &c) < 0) return -EFAULT;
  return 0;
}

// netinject(packet, len): the bytes of an IPv4 packet enter the receive
// path as if the loopback device had received them -- what writing to a
// TUN device does on Linux. Lets tests send malformed packets.
int64_t sys_netinject() {
  const user_ptr<char> packet = argaddr<char>(0);
  const int len = argint(1);
  if (len < 0 || static_cast<uint32_t>(len) > skb_max_size() - SKB_MAX_HEADER) return -EINVAL;
  sk_buff *skb = alloc_skb(SKB_MAX_HEADER + static_cast<uint32_t>(len));
  if (!skb) return -ENOBUFS;
  skb_reserve(skb, SKB_MAX_HEADER);
  if (copyin(myproc()->pagetable, skb_put(skb, static_cast<uint32_t>(len)), packet,
             static_cast<uint64_t>(len)) < 0) {
    kfree_skb(skb);
    return -EFAULT;
  }
  netif_rx(skb);
  return 0;
}

} // namespace kernel
