// TCP's calls, from the socket layer down: sending, receiving, closing,
// shutting down, poll and options (Linux's net/ipv4/tcp.c). The receive
// side sleeps in sk_wait_data (sock.cc); the send side in
// sk_stream_wait_memory (stream.cc). docs/tcp.md walks through both.
#include "net/tcp.hh"
#include <new>
#include "net/ip.hh"
#include "net/stream.hh"
#include "poll.hh"
#include "printf.hh"
#include "proc.hh"
#include "sched.hh"
#include "uapi/errno.h"
#include "uapi/poll.h"
#include "vm.hh"

namespace kernel {

uint32_t tcp_mss_max() { return skb_max_size() - SKB_MAX_HEADER; }

// A new TCP sock's defaults (Linux's tcp_init_sock and tcp_v4_init_sock).
void tcp_init_sock(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  tcp_init_xmit_timers(sk);
  // The socket lock guards the receive queue, as in Linux: the owner reads
  // it, and the receive path (or the owner, from the backlog) appends to
  // it, never both at once. Its own spinlock would be a second, needless
  // lock per segment each way (docs/performance.md).
  sk->sk_receive_queue.socket_locked = true;
  tp->mss_cache = tcp_mss_max();
  sk->sk_state = TCP_CLOSE;
  sk->sk_rcvbuf = TCP_RMEM_DEFAULT;
  sk->sk_sndbuf = TCP_WMEM_DEFAULT;
  sk->sk_write_space = sk_stream_write_space;
}

// Every state change goes through here. Leaving for TCP_CLOSE takes the
// sock out of the tables, so no segment finds it any more, and gives back
// a port that connect() picked (one bind() chose stays until the end).
void tcp_set_state(sock *sk, tcp_state state) {
  if (state == TCP_CLOSE) {
    inet_unhash(sk);
    if (!sock_flag(sk, SOCK_BINDPORT_LOCK)) inet_put_port(sk);
  }
  sk->sk_state = state;
}

// The connection is over (a reset, the last ACK, the end of TIME_WAIT, of
// an orphan's FIN_WAIT2 or of the retries). A socket still open is told (sk_state_change wakes
// every waiter, who then finds the state or the error); an orphan is
// destroyed.
void tcp_done(sock *sk) {
  tcp_set_state(sk, TCP_CLOSE);
  tcp_clear_xmit_timers(sk);
  __atomic_store_n(&sk->sk_shutdown, SHUTDOWN_MASK, __ATOMIC_RELAXED);
  if (!sock_flag(sk, SOCK_DEAD))
    sk->sk_state_change(sk);
  else
    inet_csk_destroy_sock(sk);
}

// Bytes received and not yet read. rcv_nxt counts the peer's FIN too:
// that is not a byte anybody reads.
uint32_t tcp_inq(sock *sk) {
  const tcp_sock *tp = tcp_sk(sk);
  return tp->rcv_nxt - tp->copied_seq - (sock_flag(sk, SOCK_DONE) ? 1 : 0);
}

// ---- Sending

namespace {

// The write queue's last segment, if it was never sent and has room: a
// small write joins it instead of taking a segment of its own (Nagle's rule
// holds such a segment back while data is in flight, so it can fill up).
sk_buff *tcp_tail_with_room(sock *sk, uint32_t mss) {
  tcp_sock *tp = tcp_sk(sk);
  if (!tp->send_head) return nullptr;
  sk_buff *skb = tcp_write_queue_tail(sk);
  if (TCP_SKB_CB(skb)->tcp_flags & (TCPHDR_SYN | TCPHDR_FIN)) return nullptr;
  if (before(TCP_SKB_CB(skb)->seq, tp->snd_nxt)) return nullptr; // sent before: a clone may share its buffer
  if (skb->len >= mss || skb_tailroom(skb) == 0) return nullptr;
  return skb;
}

// A new segment at the write queue's tail, with room for size bytes
// (Linux's sk_stream_alloc_skb + skb_entail). tcp_sendmsg always asks for
// a full segment's room: while Nagle's rule holds a small segment back,
// later writes fill it.
sk_buff *tcp_new_segment(sock *sk, uint32_t size) {
  sk_buff *skb = alloc_skb(SKB_MAX_HEADER + size);
  if (!skb) return nullptr;
  skb_reserve(skb, SKB_MAX_HEADER);
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  cb->seq = cb->end_seq = tcp_sk(sk)->write_seq;
  cb->tcp_flags = TCPHDR_ACK;
  tcp_queue_skb(sk, skb);
  return skb;
}

} // namespace

// Copy the user's bytes into segments on the write queue and send what
// the peer's window allows; wait for send-buffer space when it is full.
// Returns the bytes taken (all of them, unless a signal, a time-out or an
// error came after some were), or -errno.
int tcp_sendmsg(sock *sk, msghdr *msg, uint64_t size) {
  tcp_sock *tp = tcp_sk(sk);
  const int flags = msg->flags;
  int err = 0;
  uint64_t copied = 0;
  lock_sock(sk);
  long timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
  if (!(tcpf(sk->sk_state) & (tcpf(TCP_ESTABLISHED) | tcpf(TCP_CLOSE_WAIT))))
    if ((err = sk_stream_wait_connect(sk, &timeo)) != 0) goto out_err;
  err = -EPIPE;
  if (__atomic_load_n(&sk->sk_err, __ATOMIC_RELAXED) ||
      (__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & SEND_SHUTDOWN))
    goto out_err;
  while (copied < size) {
    const uint32_t mss = tp->mss_cache;
    sk_buff *skb = tcp_tail_with_room(sk, mss);
    if (!skb) {
      if (!sk_stream_memory_free(sk) || !(skb = tcp_new_segment(sk, mss))) {
        // Send what is queued, then wait for ACKs to free the buffer.
        if (copied) tcp_push(sk);
        if ((err = sk_stream_wait_memory(sk, &timeo)) != 0) goto do_error;
        continue;
      }
    }
    uint64_t copy = mss - skb->len;
    if (copy > skb_tailroom(skb)) copy = skb_tailroom(skb);
    if (copy > size - copied) copy = size - copied;
    uint32_t sum = 0; // summed on the way in: the checksum needs no pass of its own (tcp_v4_send_check)
    if (csum_and_copy_from_user(myproc()->pagetable, skb->tail, msg->buf + copied,
                                static_cast<uint32_t>(copy), &sum) < 0) {
      err = -EFAULT;
      goto do_error;
    }
    skb->csum = csum_block_add(skb->csum, sum, skb->len);
    (void)skb_put(skb, static_cast<uint32_t>(copy));
    TCP_SKB_CB(skb)->end_seq += static_cast<uint32_t>(copy);
    tp->write_seq += static_cast<uint32_t>(copy);
    copied += copy;
    if (skb->len == mss) tcp_push(sk); // a full segment goes at once
  }
  tcp_push(sk);
  release_sock(sk);
  return static_cast<int>(copied);
do_error:
  if (copied) {
    tcp_push(sk);
    release_sock(sk);
    return static_cast<int>(copied);
  }
out_err:
  err = sk_stream_error(sk, flags, err);
  release_sock(sk);
  return err;
}

// ---- Receiving

namespace {

// The queued segment holding byte seq, and seq's offset in it (Linux's
// tcp_recv_skb). Segments are queued in order, one after the other.
// Under the socket lock, not the queue's (tcp_init_sock).
sk_buff *tcp_recv_skb(sock *sk, uint32_t seq, uint32_t *off) {
  sock_owned_by_me(sk);
  sk_buff_head *q = &sk->sk_receive_queue;
  for (sk_buff *skb = skb_peek(q); skb; skb = skb_queue_next(q, skb)) {
    const uint32_t offset = seq - TCP_SKB_CB(skb)->seq;
    if (offset < skb->len) {
      *off = offset;
      return skb;
    }
  }
  return nullptr;
}

// A segment read to its end leaves the queue (Linux's sk_eat_skb).
void sk_eat_skb(sock *sk, sk_buff *skb) {
  sock_owned_by_me(sk);
  __skb_unlink(skb, &sk->sk_receive_queue);
  kfree_skb(skb);
}

} // namespace

// Should reading have made room worth telling the peer about? Linux's
// tcp_cleanup_rbuf (2.4's cleanup_rbuf): an ACK is sent now if one is owed
// for more than a segment's worth of data, or if the window we could
// advertise is now at least twice the one the peer knows of -- a sender
// stopped by a full window learns at once that it may go on.
void tcp_cleanup_rbuf(sock *sk, int copied) {
  tcp_sock *tp = tcp_sk(sk);
  bool time_to_ack = inet_csk(sk)->icsk_ack_sched && tp->rcv_nxt - tp->rcv_wup > tp->mss_cache;
  if (copied > 0 && !time_to_ack && !(__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & RCV_SHUTDOWN)) {
    const uint32_t rcv_window_now = tcp_receive_window(tp);
    const uint32_t new_window = __tcp_select_window(sk);
    if (new_window && new_window >= 2 * rcv_window_now) time_to_ack = true;
  }
  if (time_to_ack) tcp_send_ack(sk);
}

// Copy queued bytes to the user: at least one (MSG_WAITALL: all of len),
// sleeping in sk_wait_data while there are none. The end of the stream
// (the peer's FIN) reads as 0. Returns the bytes copied or -errno.
int tcp_recvmsg(sock *sk, msghdr *msg, uint64_t len, int nonblock, int flags) {
  tcp_sock *tp = tcp_sk(sk);
  int copied = 0;
  lock_sock(sk);
  if (sk->sk_state == TCP_LISTEN) {
    release_sock(sk);
    return -ENOTCONN;
  }
  long timeo = sock_rcvtimeo(sk, nonblock);
  uint32_t peek_seq = tp->copied_seq;
  uint32_t *seq = (flags & MSG_PEEK) ? &peek_seq : &tp->copied_seq;
  const uint64_t target = (flags & MSG_WAITALL) ? len : 1;
  while (len > 0) {
    uint32_t offset;
    if (sk_buff *skb = tcp_recv_skb(sk, *seq, &offset)) {
      uint64_t used = skb->len - offset;
      if (used > len) used = len;
      if (copyout(myproc()->pagetable, msg->buf + static_cast<uint64_t>(copied), skb->data + offset, used) <
          0) {
        if (!copied) copied = -EFAULT;
        break;
      }
      *seq += static_cast<uint32_t>(used);
      copied += static_cast<int>(used);
      len -= used;
      if (!(flags & MSG_PEEK) && offset + used == skb->len) sk_eat_skb(sk, skb);
      continue;
    }
    // Nothing more queued. Stop, or wait -- in the order of Linux's checks.
    if (static_cast<uint64_t>(copied) >= target) break;
    if (copied) {
      if (__atomic_load_n(&sk->sk_err, __ATOMIC_RELAXED) || sk->sk_state == TCP_CLOSE ||
          (__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & RCV_SHUTDOWN) || !timeo ||
          signal_pending(current_task()))
        break;
    } else {
      if (sock_flag(sk, SOCK_DONE)) break; // the peer's FIN: end of file
      if (__atomic_load_n(&sk->sk_err, __ATOMIC_RELAXED)) {
        copied = sock_error(sk);
        break;
      }
      if (__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & RCV_SHUTDOWN) break;
      if (sk->sk_state == TCP_CLOSE) {
        copied = -ENOTCONN; // never connected
        break;
      }
      if (!timeo) {
        copied = -EAGAIN;
        break;
      }
      if (signal_pending(current_task())) {
        copied = sock_intr_errno(timeo);
        break;
      }
    }
    tcp_cleanup_rbuf(sk, copied);
    sk_wait_data(sk, &timeo);
  }
  tcp_cleanup_rbuf(sk, copied);
  release_sock(sk);
  return copied;
}

// ---- Closing

namespace {

// What close() or shutdown(SHUT_WR) moves the connection to (RFC 793's
// state diagram; Linux's new_state table). True: a FIN must be sent.
bool tcp_close_state(sock *sk) {
  tcp_state next = sk->sk_state;
  bool fin = false;
  switch (sk->sk_state) {
  case TCP_ESTABLISHED:
  case TCP_SYN_RECV:
    next = TCP_FIN_WAIT1;
    fin = true;
    break;
  case TCP_CLOSE_WAIT:
    next = TCP_LAST_ACK;
    fin = true;
    break;
  case TCP_SYN_SENT:
  case TCP_TIME_WAIT:
  case TCP_LISTEN: next = TCP_CLOSE; break;
  case TCP_CLOSE:
  case TCP_FIN_WAIT1:
  case TCP_FIN_WAIT2:
  case TCP_LAST_ACK:
  case TCP_CLOSING: break;
  }
  tcp_set_state(sk, next);
  return fin;
}

} // namespace

// The last close of the socket. Unread data means the peer's bytes were
// lost: tell it with a reset, as Linux does (RFC 2525). Otherwise send a
// FIN and let the connection finish on its own: the sock is orphaned, and
// destroyed when it reaches TCP_CLOSE (tcp_done).
void tcp_close(sock *sk) {
  lock_sock(sk);
  __atomic_store_n(&sk->sk_shutdown, SHUTDOWN_MASK, __ATOMIC_RELAXED);
  if (sk->sk_state == TCP_LISTEN) {
    tcp_set_state(sk, TCP_CLOSE);
    inet_csk_listen_stop(sk);
  } else {
    const uint32_t data_was_unread = tcp_inq(sk);
    skb_queue_purge(&sk->sk_receive_queue);
    if (sk->sk_state == TCP_CLOSE) {
      // never connected, or already over
    } else if (data_was_unread) {
      tcp_set_state(sk, TCP_CLOSE);
      tcp_send_active_reset(sk);
      tcp_clear_xmit_timers(sk);
    } else if (tcp_close_state(sk)) {
      tcp_send_fin(sk);
    }
  }
  // Adjudge to death (Linux's label): the socket is gone from here on.
  sock_hold(sk); // the destroy below drops the connection's own reference
  sock_orphan(sk);
  if (sk->sk_state == TCP_FIN_WAIT2) sk_reset_timer(sk, &sk->sk_timer, jiffies() + TCP_FIN_TIMEOUT);
  if (sk->sk_state == TCP_CLOSE) inet_csk_destroy_sock(sk);
  release_sock(sk); // segments backlogged meanwhile may finish the connection
  sock_put(sk);
}

// shutdown()'s TCP part: SHUT_WR sends a FIN once queued data is out, and
// the peer reads end of file while this side can still read what it sends.
void tcp_shutdown(sock *sk, int how) {
  if (!(how & SEND_SHUTDOWN)) return;
  if (tcpf(sk->sk_state) &
      (tcpf(TCP_ESTABLISHED) | tcpf(TCP_SYN_SENT) | tcpf(TCP_SYN_RECV) | tcpf(TCP_CLOSE_WAIT)))
    if (tcp_close_state(sk)) tcp_send_fin(sk);
}

// Abort the connection, and leave the sock as a new one (Linux's
// tcp_disconnect): a failed connect() may be tried again. A connection
// that was open is reset, and its readers see ECONNRESET.
void tcp_disconnect(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  const tcp_state old_state = sk->sk_state;
  if (old_state != TCP_CLOSE) tcp_set_state(sk, TCP_CLOSE);
  if (old_state == TCP_LISTEN) {
    inet_csk_listen_stop(sk);
  } else if (tcpf(old_state) & (tcpf(TCP_ESTABLISHED) | tcpf(TCP_CLOSE_WAIT) | tcpf(TCP_FIN_WAIT1) |
                                tcpf(TCP_FIN_WAIT2) | tcpf(TCP_SYN_RECV))) {
    tcp_send_active_reset(sk);
    __atomic_store_n(&sk->sk_err, ECONNRESET, __ATOMIC_RELAXED);
  } else if (old_state == TCP_SYN_SENT) {
    __atomic_store_n(&sk->sk_err, ECONNRESET, __ATOMIC_RELAXED);
  }
  tcp_clear_xmit_timers(sk);
  skb_queue_purge(&sk->sk_receive_queue);
  tcp_ofo_purge(sk);
  tcp_write_queue_purge(sk);
  // tcp_set_state took it out of the tables, and gave back a port that
  // connect() picked; one bind() chose stays for the next connect().
  __atomic_store_n(&sk->sk_shutdown, 0u, __ATOMIC_RELAXED);
  sock_reset_flag(sk, SOCK_DONE);
  tp->snd_una = tp->snd_nxt = tp->write_seq = tp->rcv_nxt = tp->copied_seq = 0;
  tp->rcv_wnd = tp->rcv_wup = tp->snd_wnd = 0;
  inet_csk(sk)->icsk_rto = TCP_TIMEOUT_INIT;
  inet_csk(sk)->icsk_retransmits = 0;
  sk->sk_error_report(sk);
}

// ---- poll

namespace {

uint32_t tcp_poll_mask(sock *sk) {
  if (sk->sk_state == TCP_LISTEN) // Linux's inet_csk_listen_poll
    return __atomic_load_n(&inet_csk(sk)->icsk_accept_queue.accept_qlen, __ATOMIC_RELAXED)
               ? POLLIN | POLLRDNORM
               : 0;
  uint32_t mask = 0;
  const uint32_t shut = __atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED);
  if (shut == SHUTDOWN_MASK || sk->sk_state == TCP_CLOSE) mask |= POLLHUP;
  if (shut & RCV_SHUTDOWN) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
  if (sk->sk_state != TCP_SYN_SENT && sk->sk_state != TCP_SYN_RECV) {
    if (tcp_inq(sk)) mask |= POLLIN | POLLRDNORM;
    if (shut & SEND_SHUTDOWN) {
      mask |= POLLOUT | POLLWRNORM;
    } else if (sk_stream_wspace(sk) >= sk_stream_min_wspace(sk)) {
      mask |= POLLOUT | POLLWRNORM;
    } else {
      sock_set_flag(sk, SOCK_NOSPACE); // so that ACKs freeing the buffer call sk_write_space
    }
  }
  if (__atomic_load_n(&sk->sk_err, __ATOMIC_RELAXED)) mask |= POLLERR;
  return mask;
}

} // namespace

// poll() on a TCP socket (Linux's tcp_poll). Linux reads the fields
// without the socket lock and orders the reads with barriers; here the
// socket lock is taken, which is simpler to trust. The entry goes on the
// queue first, so a change after the look still wakes the poller.
uint32_t tcp_poll(socket *sock, poll_table *pt) {
  struct sock *sk = sock->sk;
  sock_poll_wait(sk, pt);
  lock_sock(sk);
  const uint32_t mask = tcp_poll_mask(sk);
  release_sock(sk);
  return mask;
}

// ---- Options and netconns()

int tcp_setsockopt(sock *sk, int name, user_ptr<char> val, uint32_t len) {
  if (name != TCP_NODELAY) return -ENOPROTOOPT;
  int v;
  if (len < sizeof v) return -EINVAL;
  if (copyin(myproc()->pagetable, &v, val, sizeof v) < 0) return -EFAULT;
  lock_sock(sk);
  tcp_sk(sk)->nonagle = v != 0;
  release_sock(sk);
  return 0;
}

int tcp_getsockopt(sock *sk, int name, user_ptr<char> val, user_ptr<int> len) {
  if (name != TCP_NODELAY) return -ENOPROTOOPT;
  pagetable_t pt = myproc()->pagetable;
  int have;
  if (copyin(pt, &have, len) < 0) return -EFAULT;
  if (have < static_cast<int>(sizeof(int))) return -EINVAL;
  lock_sock(sk);
  const int v = tcp_sk(sk)->nonagle;
  release_sock(sk);
  const int size = sizeof v;
  if (copyout(pt, val, &v, sizeof v) < 0 || copyout(pt, len, &size) < 0) return -EFAULT;
  return 0;
}

void tcp_get_info(sock *sk, sock_info *info) {
  tcp_sock *tp = tcp_sk(sk);
  info->type = SOCK_STREAM;
  info->state = sk->sk_state;
  info->local.sin_family = info->peer.sin_family = AF_INET;
  info->local.sin_addr.s_addr = sk->rcv_saddr;
  info->local.sin_port = sk->sport;
  info->peer.sin_addr.s_addr = sk->daddr;
  info->peer.sin_port = sk->dport;
  info->rx_queue = sk->sk_state == TCP_LISTEN ? sk->sk_ack_backlog : tcp_inq(sk);
  info->tx_queue = tp->write_seq - tp->snd_una;
  info->snd_una = tp->snd_una;
  info->snd_nxt = tp->snd_nxt;
  info->rcv_nxt = tp->rcv_nxt;
  info->snd_wnd = tp->snd_wnd;
  info->rcv_wnd = tp->rcv_wnd;
  info->orphan = sock_flag(sk, SOCK_DEAD);
  const net_counters c = read_net_counters(sk->stats);
  info->segs_in = c.tcp_segs_in;
  info->segs_out = c.tcp_segs_out;
  info->retrans = c.tcp_retrans;
}

// ---- The protocol

namespace {

sock *tcp_construct(void *mem) { return new (mem) tcp_sock; }

} // namespace

proto tcp_prot = {
    .name = "TCP",
    .obj_size = sizeof(tcp_sock),
    .construct = tcp_construct,
    .init = tcp_init_sock,
    .close = tcp_close,
    .get_port = inet_csk_get_port,
    .sendmsg = tcp_sendmsg,
    .recvmsg = tcp_recvmsg,
    .backlog_rcv = tcp_v4_do_rcv,
};

void tcp_init() {
  proto_register(&tcp_prot);
  reqsk_init();
}

} // namespace kernel
