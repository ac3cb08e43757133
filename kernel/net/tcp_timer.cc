// TCP's timers (Linux's net/ipv4/tcp_timer.c): retransmission and the
// zero-window probe share one timer, the delayed ACK has its own, and the
// "keepalive" timer (sk_timer) serves a listener's SYN-ACKs, TIME_WAIT's
// end and an orphan's FIN_WAIT2.
//
// Timers run on hart 0 in the timer interrupt. A pending timer holds a
// reference to its sock (sk_reset_timer), so the sock outlives it; the
// handler takes sk_lock.slock, and if a process owns the socket it tries
// again a tick later (Linux defers the work to release_sock instead).
#include "net/tcp.hh"
#include "clock.hh"
#include "uapi/errno.h"

namespace kernel {

// Linux's sk_reset_timer and sk_stop_timer: a pending timer holds one
// reference to the sock. The caller of sk_stop_timer holds one of its own.
void sk_reset_timer(sock *sk, timer_list *t, uint64_t expires) {
  if (!mod_timer(t, expires)) sock_hold(sk);
}

void sk_stop_timer(sock *sk, timer_list *t) {
  if (del_timer(t)) sock_put(sk);
}

void tcp_reset_xmit_timer(sock *sk, icsk_timer what, uint32_t when) {
  inet_connection_sock *icsk = inet_csk(sk);
  icsk->icsk_pending = what;
  icsk->icsk_timeout = jiffies() + when;
  sk_reset_timer(sk, &icsk->icsk_retransmit_timer, icsk->icsk_timeout);
}

// The timer itself stays set, as in Linux (which defines no
// INET_CSK_CLEAR_TIMERS): when it fires it finds nothing pending, or work
// due later, and does nothing (tcp_write_timer_handler). Stopping it at
// each ACK, only to set it again for the next segment, would cost the
// timer lock twice per segment; left alone, the next segment's mod_timer
// usually finds it set for the same tick already.
void inet_csk_clear_xmit_timer(sock *sk, icsk_timer what) {
  inet_connection_sock *icsk = inet_csk(sk);
  if (icsk->icsk_pending == what) icsk->icsk_pending = icsk_timer::NONE;
}

// After an ACK: time the oldest unacknowledged segment afresh, or, when
// nothing is in flight, clear the pending retransmission; the timer stays
// set and finds nothing to do (Linux's tcp_rearm_rto).
void tcp_rearm_rto(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  if (tp->snd_una == tp->snd_nxt)
    inet_csk_clear_xmit_timer(sk, icsk_timer::RETRANS);
  else
    tcp_reset_xmit_timer(sk, icsk_timer::RETRANS, inet_csk(sk)->icsk_rto);
}

void tcp_clear_xmit_timers(sock *sk) {
  inet_connection_sock *icsk = inet_csk(sk);
  icsk->icsk_pending = icsk_timer::NONE;
  icsk->icsk_ack_sched = icsk->icsk_ack_timer = false;
  sk_stop_timer(sk, &icsk->icsk_retransmit_timer);
  sk_stop_timer(sk, &icsk->icsk_delack_timer);
  sk_stop_timer(sk, &sk->sk_timer);
}

namespace {

// Too many tries without an ACK (Linux's tcp_write_timeout): the
// connection is dead, and the user hears ETIMEDOUT.
bool tcp_write_timeout(sock *sk) {
  const bool syn = tcpf(sk->sk_state) & (tcpf(TCP_SYN_SENT) | tcpf(TCP_SYN_RECV));
  if (inet_csk(sk)->icsk_retransmits <= (syn ? TCP_SYN_RETRIES : TCP_RETRIES2)) return false;
  __atomic_store_n(&sk->sk_err, ETIMEDOUT, __ATOMIC_RELEASE);
  if (!sock_flag(sk, SOCK_DEAD)) sk->sk_error_report(sk);
  tcp_done(sk);
  return true;
}

// No ACK came for the oldest segment in time (Linux's
// tcp_retransmit_timer). Send it again, and -- since without SACK we
// cannot tell what the peer kept on its out-of-order queue, which it also
// gives up when short of room -- go back and send the rest again too, as
// the window allows; the peer drops what it has. Each time out doubles the
// wait, up to TCP_RTO_MAX.
void tcp_retransmit_timer(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  inet_connection_sock *icsk = inet_csk(sk);
  sk_buff *head = tcp_write_queue_head(sk);
  if (!head || head == tp->send_head) return; // nothing in flight
  icsk->icsk_retransmits++;
  if (tcp_write_timeout(sk)) return;
  if (tcp_retransmit_skb(sk, head) == 0) tp->send_head = tcp_write_queue_next(sk, head);
  icsk->icsk_rto = icsk->icsk_rto * 2 > TCP_RTO_MAX ? TCP_RTO_MAX : icsk->icsk_rto * 2;
  tcp_reset_xmit_timer(sk, icsk_timer::RETRANS, icsk->icsk_rto);
  tcp_write_xmit(sk);
}

void tcp_write_timer_handler(sock *sk) {
  inet_connection_sock *icsk = inet_csk(sk);
  if (sk->sk_state == TCP_CLOSE || icsk->icsk_pending == icsk_timer::NONE) return;
  // Early: a timer left set from before fired (or a busy retry came back)
  // after new work was set for later -- perhaps while this handler waited
  // for slock. Set it again for that time, as Linux does.
  if (icsk->icsk_timeout > jiffies()) {
    sk_reset_timer(sk, &icsk->icsk_retransmit_timer, icsk->icsk_timeout);
    return;
  }
  const icsk_timer what = icsk->icsk_pending;
  icsk->icsk_pending = icsk_timer::NONE;
  switch (what) {
  case icsk_timer::RETRANS: tcp_retransmit_timer(sk); break;
  case icsk_timer::PROBE0: tcp_send_probe0(sk); break;
  case icsk_timer::NONE: break;
  }
}

void tcp_delack_timer_handler(sock *sk) {
  inet_connection_sock *icsk = inet_csk(sk);
  icsk->icsk_ack_timer = false; // it fired
  if (sk->sk_state == TCP_CLOSE || !icsk->icsk_ack_sched) return;
  tcp_send_ack(sk);
}

// sk_timer: what it does depends on the state it finds.
void tcp_keepalive_timer_handler(sock *sk) {
  switch (sk->sk_state) {
  case TCP_LISTEN: inet_csk_reqsk_queue_prune(sk); break;
  case TCP_TIME_WAIT: tcp_done(sk); break;
  case TCP_FIN_WAIT2:
    // An orphan whose peer has not closed yet: it goes without a word, as
    // Linux's FIN_WAIT2 time-wait sock does. A RST would reset a peer that
    // may still be waiting, unread, in its listener's accept queue
    // (tcptests lateaccept); the peer's own FIN, when it comes, meets no
    // socket and gets its RST then.
    if (sock_flag(sk, SOCK_DEAD)) tcp_done(sk);
    break;
  default: break;
  }
}

// Each timer's function: lock, and work unless a process owns the socket.
template <void (*handler)(sock *)> void tcp_timer(timer_list *t) {
  sock *sk = static_cast<sock *>(t->data);
  {
    lock_guard g(sk->sk_lock.slock);
    if (sock_owned_by_user(sk))
      sk_reset_timer(sk, t, jiffies() + 1); // busy: try again next tick
    else
      handler(sk);
  }
  sock_put(sk); // the pending timer's reference
}

} // namespace

// Named for GDB and the docs: Linux's tcp_write_timer, tcp_delack_timer, tcp_keepalive_timer.
void tcp_write_timer(timer_list *t) { tcp_timer<tcp_write_timer_handler>(t); }
void tcp_delack_timer(timer_list *t) { tcp_timer<tcp_delack_timer_handler>(t); }
void tcp_keepalive_timer(timer_list *t) { tcp_timer<tcp_keepalive_timer_handler>(t); }

void tcp_init_xmit_timers(sock *sk) {
  inet_connection_sock *icsk = inet_csk(sk);
  icsk->icsk_retransmit_timer.function = tcp_write_timer;
  icsk->icsk_retransmit_timer.data = sk;
  icsk->icsk_delack_timer.function = tcp_delack_timer;
  icsk->icsk_delack_timer.data = sk;
  sk->sk_timer.function = tcp_keepalive_timer;
  sk->sk_timer.data = sk;
}

} // namespace kernel
