// The BSD socket system calls, down to the address family: sys_recvfrom ->
// sock_recvmsg -> sock->ops->recvmsg (inet_recvmsg) -> sk->sk_prot->recvmsg
// (tcp_recvmsg or udp_recvmsg), and likewise for the others (Linux's
// net/socket.c). Errors are -errno (errno.h).
#include "net/socket.hh"
#include <new>
#include "fs/file.hh"
#include "kalloc.hh"
#include "net/af_inet.hh"
#include "net/ip.hh"
#include "net/sock.hh"
#include "net/tcp.hh"
#include "net/udp.hh"
#include "proc.hh"
#include "slab.hh"
#include "syscall.hh"
#include "uapi/errno.h"
#include "vm.hh"

namespace kernel {

namespace {

kmem_cache *socket_cache; // Linux's sock_inode_cache: a socket is part of an inode there

socket *sock_alloc() {
  void *mem = kmem_cache_alloc(socket_cache);
  return mem ? new (mem) socket : nullptr;
}

void sock_free(socket *sock) { kmem_cache_free(socket_cache, sock); }

// A file and a descriptor for sock (Linux's sock_alloc_file and fd_install).
// On failure nothing is left behind but sock itself.
int sock_alloc_file(socket *sock, int flags) {
  file *f = filealloc();
  if (!f) return -ENFILE;
  const int fd = fdalloc(f);
  if (fd < 0) {
    fileclose(f); // an empty file: closing it frees only the slot
    return fd;
  }
  f->type = file::kind::SOCKET;
  f->readable = f->writable = true;
  f->flags = flags & SOCK_NONBLOCK ? O_NONBLOCK : 0;
  f->sock = sock;
  sock->file = f;
  return fd;
}

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

// A sockaddr_in from user space: family checked by the callee.
int move_addr_to_kernel(user_ptr<sockaddr_in> uaddr, uint32_t len, sockaddr_in *out) {
  if (len < sizeof(sockaddr_in)) return -EINVAL;
  if (copyin(myproc()->pagetable, out, uaddr) < 0) return -EFAULT;
  return 0;
}

// Copy an address out as recvfrom/getsockname do: at most *ulen bytes of
// its namelen, then namelen into *ulen.
int move_addr_to_user(const sockaddr_in &addr, uint32_t namelen, user_ptr<sockaddr_in> uaddr,
                      user_ptr<int> ulen) {
  pagetable_t pt = myproc()->pagetable;
  int len;
  if (copyin(pt, &len, ulen) < 0) return -EFAULT;
  if (len < 0) return -EINVAL;
  const uint32_t n = static_cast<uint32_t>(len) < namelen ? static_cast<uint32_t>(len) : namelen;
  if (n && copyout(pt, uaddr.bytes(), &addr, n) < 0) return -EFAULT;
  const int full = static_cast<int>(namelen);
  if (copyout(pt, ulen, &full) < 0) return -EFAULT;
  return 0;
}

int sock_recvmsg(socket *sock, msghdr *msg, uint64_t size, int flags) {
  return sock->ops->recvmsg(sock, msg, size, flags);
}

int sock_sendmsg(socket *sock, msghdr *msg, uint64_t size) { return sock->ops->sendmsg(sock, msg, size); }

// O_NONBLOCK on the file becomes MSG_DONTWAIT, as in Linux.
int dontwait(file *f) { return f->nonblocking() ? MSG_DONTWAIT : 0; }

int64_t getname(bool peer) {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  sockaddr_in addr;
  if (const int err = sock->ops->getname(sock, &addr, peer); err < 0) return err;
  return move_addr_to_user(addr, sizeof addr, argaddr<sockaddr_in>(1), argaddr<int>(2));
}

} // namespace

void socket_init() { socket_cache = kmem_cache_create("socket", sizeof(socket)); }

// The last close of a socket's file (Linux's sock_release).
void sock_release(socket *sock) {
  if (sock->ops) sock->ops->release(sock);
  sock_free(sock);
}

int sock_read(file *f, user_ptr<char> buf, int n) {
  msghdr msg;
  msg.buf = buf;
  return sock_recvmsg(f->sock, &msg, static_cast<uint64_t>(n), dontwait(f));
}

int sock_write(file *f, user_ptr<char> buf, int n) {
  msghdr msg;
  msg.buf = buf;
  msg.flags = dontwait(f);
  return sock_sendmsg(f->sock, &msg, static_cast<uint64_t>(n));
}

uint32_t sock_poll(file *f, poll_table *pt) { return f->sock->ops->poll(f->sock, pt); }

// fcntl's socket part (sys_fcntl, in sysfile.cc, does the rest): the sock
// keeps its own copy of O_ASYNC for the receive path (sk_wake_async), and
// who gets SIGIO.
int sock_fcntl(file *f, int cmd, uint64_t arg) {
  struct sock *sk = f->sock->sk;
  switch (cmd) {
  case F_SETFL:
    __atomic_store_n(&sk->sk_fasync, (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_ASYNC) != 0,
                     __ATOMIC_RELAXED);
    return 0;
  case F_SETOWN: __atomic_store_n(&sk->sk_owner, static_cast<int>(arg), __ATOMIC_RELAXED); return 0;
  case F_GETOWN: return __atomic_load_n(&sk->sk_owner, __ATOMIC_RELAXED);
  }
  return -EINVAL;
}

// socket(family, type, protocol); type may include SOCK_NONBLOCK.
int64_t sys_socket() {
  const int family = argint(0);
  const int type = argint(1) & ~SOCK_NONBLOCK;
  const int flags = argint(1) & SOCK_NONBLOCK;
  const int protocol = argint(2);
  if (family != AF_INET) return -EAFNOSUPPORT;
  socket *sock = sock_alloc();
  if (!sock) return -ENOBUFS;
  if (const int err = inet_create(sock, type, protocol); err < 0) {
    sock_free(sock);
    return err;
  }
  const int fd = sock_alloc_file(sock, flags);
  if (fd < 0) sock_release(sock);
  return fd;
}

int64_t sys_bind() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  sockaddr_in addr;
  const uint32_t len = static_cast<uint32_t>(argint(2));
  if (const int err = move_addr_to_kernel(argaddr<sockaddr_in>(1), len, &addr); err < 0) return err;
  return sock->ops->bind(sock, addr);
}

int64_t sys_connect() {
  socket *sock;
  file *f;
  if (const int err = sockfd_lookup(0, &sock, &f); err < 0) return err;
  sockaddr_in addr;
  const uint32_t len = static_cast<uint32_t>(argint(2));
  if (len < sizeof(sa_family_t)) return -EINVAL;
  const uint32_t n = len < sizeof addr ? len : sizeof addr; // AF_UNSPEC has only the family
  if (copyin(myproc()->pagetable, &addr, argaddr<sockaddr_in>(1).bytes(), n) < 0) return -EFAULT;
  return sock->ops->connect(sock, addr, len, static_cast<int>(__atomic_load_n(&f->flags, __ATOMIC_RELAXED)));
}

int64_t sys_listen() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  return sock->ops->listen(sock, argint(1));
}

namespace {

// accept4(fd, addr, addrlen, flags) (Linux's sys_accept4): a new socket and
// descriptor first (so a process out of descriptors fails at once), then
// the wait for a connection -- blocking unless the listening file is
// O_NONBLOCK; flags' SOCK_NONBLOCK is for the new file.
int64_t __sys_accept4(int flags) {
  socket *sock;
  file *f;
  if (const int err = sockfd_lookup(0, &sock, &f); err < 0) return err;
  if (flags & ~SOCK_NONBLOCK) return -EINVAL;
  socket *newsock = sock_alloc();
  if (!newsock) return -ENOBUFS;
  newsock->ops = sock->ops;
  const int newfd = sock_alloc_file(newsock, flags);
  if (newfd < 0) {
    sock_free(newsock);
    return newfd;
  }
  int err = sock->ops->accept(sock, newsock, static_cast<int>(__atomic_load_n(&f->flags, __ATOMIC_RELAXED)));
  const auto uaddr = argaddr<sockaddr_in>(1);
  if (err == 0 && uaddr) {
    sockaddr_in peer;
    err = newsock->ops->getname(newsock, &peer, true) < 0 ? -ECONNABORTED : 0;
    if (err == 0) err = move_addr_to_user(peer, sizeof peer, uaddr, argaddr<int>(2));
  }
  if (err < 0) { // the new connection, if any, is closed with its file
    file *nf = myproc()->ofile[newfd];
    myproc()->ofile[newfd] = nullptr;
    fileclose(nf);
    return err;
  }
  return newfd;
}

} // namespace

int64_t sys_accept4() { return __sys_accept4(argint(3)); }
int64_t sys_accept() { return __sys_accept4(0); } // accept(fd, addr, addrlen): accept4 with no flags

int64_t sys_sendto() {
  socket *sock;
  file *f;
  if (const int err = sockfd_lookup(0, &sock, &f); err < 0) return err;
  msghdr msg;
  msg.buf = argaddr<char>(1);
  const uint64_t len = argu64(2);
  msg.flags = argint(3) | dontwait(f);
  const auto dest = argaddr<sockaddr_in>(4);
  if (dest) {
    const uint32_t addrlen = static_cast<uint32_t>(argint(5));
    if (const int err = move_addr_to_kernel(dest, addrlen, &msg.name); err < 0) return err;
    msg.has_name = true;
  }
  return sock_sendmsg(sock, &msg, len);
}

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
  if (const int err = move_addr_to_user(msg.name, msg.namelen, src, srclen); err < 0) return err;
  return n;
}

int64_t sys_getsockname() { return getname(false); }
int64_t sys_getpeername() { return getname(true); }

int64_t sys_setsockopt() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  const int level = argint(1);
  const int name = argint(2);
  const user_ptr<char> val = argaddr<char>(3);
  const uint32_t len = static_cast<uint32_t>(argint(4));
  if (level == SOL_SOCKET) return sock_setsockopt(sock, name, val, len);
  if (level == IPPROTO_TCP && sock->sk->sk_type == SOCK_STREAM)
    return tcp_setsockopt(sock->sk, name, val, len);
  return -ENOPROTOOPT;
}

int64_t sys_getsockopt() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  const int level = argint(1);
  const int name = argint(2);
  const user_ptr<char> val = argaddr<char>(3);
  const user_ptr<int> len = argaddr<int>(4);
  if (level == SOL_SOCKET) return sock_getsockopt(sock, name, val, len);
  if (level == IPPROTO_TCP && sock->sk->sk_type == SOCK_STREAM)
    return tcp_getsockopt(sock->sk, name, val, len);
  return -ENOPROTOOPT;
}

int64_t sys_shutdown() {
  socket *sock;
  if (const int err = sockfd_lookup(0, &sock); err < 0) return err;
  const int how = argint(1);
  if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
  return sock->ops->shutdown(sock, how);
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

// netconns(buf, max): every TCP socket holding a port, then every bound
// UDP socket, as sock_info (socket.h), at most max. Returns how many.
int64_t sys_netconns() {
  const auto buf = argaddr<sock_info>(0);
  const int max = argint(1);
  if (max < 0) return -EINVAL;
  int count = 0;
  if (const int err = tcp_netconns(buf, max, &count); err < 0) return err;
  if (const int err = udp_netconns(buf, max, &count); err < 0) return err;
  return count;
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

// netdrop(every, count): the loopback device drops every `every`th TCP
// segment it sends, `count` times (0, 0: none) -- Linux's `tc qdisc add
// dev lo root netem loss`, made repeatable for tests.
int64_t sys_netdrop() {
  const int every = argint(0);
  const int count = argint(1);
  if (every < 0 || count < 0) return -EINVAL;
  netem_set(static_cast<uint32_t>(every), static_cast<uint32_t>(count));
  return 0;
}

} // namespace kernel
