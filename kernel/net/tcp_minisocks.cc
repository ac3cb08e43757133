// The handshake's third step on the listener's side, and TIME_WAIT
// (Linux's net/ipv4/tcp_minisocks.c).
#include "net/ip.hh"
#include "net/tcp.hh"
#include "uapi/errno.h"

namespace kernel {

// A segment for a handshake under way on listener sk (Linux's
// tcp_check_req). The ACK that completes it makes the new connection's
// sock, moves it to the accept queue, and returns it, locked; a SYN sent
// again is answered with the SYN-ACK again. Returns null if there is
// nothing more to do (the caller frees skb), or sk to let the listener
// answer it (with a RST).
sock *tcp_check_req(sock *sk, sk_buff *skb, request_sock *req) {
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  const uint8_t flg = cb->tcp_flags & (TCPHDR_RST | TCPHDR_SYN | TCPHDR_ACK);
  if (cb->seq == req->rcv_isn && flg == TCPHDR_SYN) { // our SYN-ACK was lost
    sock_inc_stats(sk, &net_counters::tcp_retrans);
    tcp_make_synack(sk, req);
    return nullptr;
  }
  if ((flg & TCPHDR_ACK) && cb->ack_seq != req->snt_isn + 1) return sk; // not our SYN-ACK's ACK
  // Outside the window (which holds only the next byte): dropped, a RST too
  // -- or anyone who can guess the ports could break up handshakes.
  if (cb->seq != req->rcv_isn + 1) return nullptr;
  if (flg & (TCPHDR_RST | TCPHDR_SYN)) {
    inet_csk_reqsk_queue_drop(sk, req); // the peer gave up, or is confused
    return nullptr;
  }
  if (!(flg & TCPHDR_ACK)) return nullptr;
  sock *child = tcp_v4_syn_recv_sock(sk, skb, req);
  if (!child) return nullptr; // the accept queue is full: the peer's ACKs come again
  inet_csk_reqsk_queue_add(sk, req, child);
  return child;
}

// The new connection's sock, from the listener's settings and the
// request's addresses and sequence numbers (Linux's
// tcp_create_openreq_child and inet_csk_clone_lock). It is returned with
// two references -- the connection's own, and the caller's -- and its
// sk_lock.slock held: it goes into the tables next, and the segment that
// made it must be processed before any other can be.
sock *tcp_create_openreq_child(sock *sk, request_sock *req, sk_buff *skb) {
  sock *newsk = sk_alloc(&tcp_prot);
  if (!newsk) return nullptr;
  sock_init_data(nullptr, newsk);
  tcp_init_sock(newsk);
  if (!tcp_reserve_fin(newsk)) {
    sock_put(newsk); // its only reference: it is freed
    return nullptr;
  }
  sock_hold(newsk); // the caller's
  // A listener's lock is taken as SINGLE_DEPTH_NESTING (tcp_v4_rcv); this one is subclass 0.
  acquire(&newsk->sk_lock.slock);
  newsk->sk_type = SOCK_STREAM;
  newsk->sk_rcvbuf = __atomic_load_n(&sk->sk_rcvbuf, __ATOMIC_RELAXED);
  newsk->sk_sndbuf = __atomic_load_n(&sk->sk_sndbuf, __ATOMIC_RELAXED);
  newsk->sk_rcvtimeo = __atomic_load_n(&sk->sk_rcvtimeo, __ATOMIC_RELAXED);
  newsk->sk_sndtimeo = __atomic_load_n(&sk->sk_sndtimeo, __ATOMIC_RELAXED);
  newsk->sk_reuse = __atomic_load_n(&sk->sk_reuse, __ATOMIC_RELAXED);
  // Nobody else sees it yet, so no table lock is needed for its addresses.
  newsk->rcv_saddr = req->loc_addr;
  newsk->daddr = req->rmt_addr;
  newsk->dport = req->rmt_port;
  tcp_sock *newtp = tcp_sk(newsk);
  newtp->snd_una = newtp->snd_nxt = newtp->write_seq = req->snt_isn + 1;
  newtp->snd_wl1 = req->rcv_isn;
  newtp->snd_wnd = ntohs(tcp_hdr(skb)->window);
  newtp->rcv_nxt = newtp->rcv_wup = newtp->copied_seq = req->rcv_isn + 1;
  newtp->rcv_wnd = tcp_initial_window(sk);
  newtp->mss_cache = req->mss;
  newsk->sk_state = TCP_SYN_RECV;
  return newsk;
}

// The handshake's ACK made a new connection, `child`, locked (or the
// segment belongs to one that exists): process the segment on it and, if
// that finished the handshake, wake an acceptor -- the listener's
// sk_data_ready (Linux's tcp_child_process). Unlocks and lets go of the
// child. Returns 1 if the caller must answer with a RST.
int tcp_child_process(sock *parent, sock *child, sk_buff *skb) {
  int ret = 0;
  const tcp_state state = child->sk_state;
  if (!sock_owned_by_user(child)) {
    ret = tcp_rcv_state_process(child, skb);
    if (state == TCP_SYN_RECV && child->sk_state != state) parent->sk_data_ready(parent);
  } else {
    // Its process is reading it: the segment waits, as any other would.
    (void)sk_add_backlog(child, skb, UINT32_MAX);
  }
  release(&child->sk_lock.slock);
  sock_put(child);
  return ret;
}

// Enter TIME_WAIT (or an orphan's last FIN_WAIT2): keep the sock for
// timeo, so a FIN sent again can be ACKed again and an old duplicate
// cannot be taken for part of a new connection on the same ports. Linux
// keeps a small inet_timewait_sock for 60 s; Kite keeps the sock for 1 s
// (TCP_TIMEWAIT_LEN): loopback delivers nothing late. The keepalive timer
// ends it (tcp_timer.cc).
void tcp_time_wait(sock *sk, tcp_state state, uint32_t timeo) {
  inet_connection_sock *icsk = inet_csk(sk);
  tcp_set_state(sk, state);
  icsk->icsk_pending = icsk_timer::NONE;
  sk_stop_timer(sk, &icsk->icsk_retransmit_timer);
  sk_reset_timer(sk, &sk->sk_timer, jiffies() + timeo);
}

} // namespace kernel
