// A segment arrives for a socket: the state machine of RFC 793, ACK
// processing, and queueing data for the reader (Linux's
// net/ipv4/tcp_input.c). Called with the socket lock held: by the software
// interrupt (tcp_v4_rcv), or by the owner draining the backlog
// (release_sock). Each function that takes the skb frees or queues it.
//
// A segment after a gap waits on the out-of-order queue until the gap is
// filled, and a duplicate ACK tells the sender where the gap is. Without
// selective acknowledgements (SACK, which Linux has) the sender cannot
// know what came after the gap: it goes back and sends everything from
// there (tcp_timer.cc), and the receiver drops what it already has.
#include "net/ip.hh"
#include "net/stream.hh"
#include "net/tcp.hh"
#include "lib/string.hh"
#include "uapi/errno.h"
#include "uapi/poll.h"

namespace kernel {

namespace {

void discard(sk_buff *skb) { kfree_skb(skb); }

} // namespace

// A SYN's MSS option, if it has one (Linux's tcp_parse_options, for the
// one option Kite reads).
void tcp_parse_mss(sk_buff *skb, uint32_t *mss) {
  const tcphdr *th = tcp_hdr(skb);
  const uint8_t *p = reinterpret_cast<const uint8_t *>(th + 1);
  const uint8_t *end = reinterpret_cast<const uint8_t *>(th) + __tcp_hdrlen(th);
  while (p < end) {
    const uint8_t kind = *p;
    if (kind == TCPOPT_EOL) return;
    if (kind == TCPOPT_NOP) {
      p++;
      continue;
    }
    if (end - p < 2 || p[1] < 2 || p[1] > end - p) return; // a broken option ends the list
    if (kind == TCPOPT_MSS && p[1] == 4) {
      const uint32_t v = static_cast<uint32_t>(p[2] << 8 | p[3]);
      if (v >= 64 && v < *mss) *mss = v;
    }
    p += p[1];
  }
}

// A reset for this connection (Linux's tcp_reset): the error the user
// sees depends on how far the connection had come.
void tcp_reset(sock *sk) {
  int err = ECONNRESET;
  if (sk->sk_state == TCP_SYN_SENT)
    err = ECONNREFUSED; // nobody listens there
  else if (sk->sk_state == TCP_CLOSE_WAIT)
    err = EPIPE; // we were only writing, and the peer is gone
  else if (sk->sk_state == TCP_CLOSE)
    return;
  __atomic_store_n(&sk->sk_err, err, __ATOMIC_RELEASE);
  if (!sock_flag(sk, SOCK_DEAD)) sk->sk_error_report(sk);
  tcp_done(sk);
}

namespace {

// The peer's FIN, in sequence (Linux's tcp_fin): reads end here. Which
// state follows depends on whether we closed too (RFC 793's diagram).
void tcp_fin(sock *sk) {
  __atomic_or_fetch(&sk->sk_shutdown, RCV_SHUTDOWN, __ATOMIC_RELAXED);
  sock_set_flag(sk, SOCK_DONE);
  switch (sk->sk_state) {
  case TCP_SYN_RECV:
  case TCP_ESTABLISHED: tcp_set_state(sk, TCP_CLOSE_WAIT); break;
  case TCP_FIN_WAIT1: tcp_set_state(sk, TCP_CLOSING); break; // both closed at once
  case TCP_FIN_WAIT2: tcp_time_wait(sk, TCP_TIME_WAIT, TCP_TIMEWAIT_LEN); break;
  default: break; // a FIN sent again: nothing new
  }
  tcp_send_ack(sk);
  if (!sock_flag(sk, SOCK_DEAD)) {
    sk->sk_state_change(sk);
    sk_wake_async(sk, POLLHUP);
  }
}

// Join skb's payload to the last queued segment if it fits in its buffer
// (Linux's tcp_try_coalesce): small segments then cost one sk_buff, not
// one each. True if it was joined (skb can be freed).
bool tcp_try_coalesce(sk_buff *tail, sk_buff *skb) {
  if (!tail || TCP_SKB_CB(tail)->end_seq != TCP_SKB_CB(skb)->seq || skb->len > skb_tailroom(tail))
    return false;
  if (skb_cloned(tail)) return false; // its buffer is the sender's too
  memcpy(skb_put(tail, skb->len), skb->data, skb->len);
  TCP_SKB_CB(tail)->end_seq = TCP_SKB_CB(skb)->end_seq;
  return true;
}

// Onto the receive queue, charged to the socket (unless it was when it
// went on the out-of-order queue). True if it was joined to the previous
// segment instead (and can be freed). Under the socket lock, not the
// queue's (tcp_init_sock).
bool tcp_queue_rcv(sock *sk, sk_buff *skb) {
  sock_owned_by_me(sk);
  sk_buff_head *q = &sk->sk_receive_queue;
  if (tcp_try_coalesce(skb_peek_tail(q), skb)) return true;
  if (!skb->sk) skb_set_owner_r(skb, sk);
  __skb_queue_tail(q, skb);
  return false;
}

// A segment that starts with bytes we have (sent again, or overlapping
// another): keep only the new ones.
void tcp_trim_head(tcp_sock *tp, sk_buff *skb) {
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  if (!before(cb->seq, tp->rcv_nxt)) return;
  (void)skb_pull(skb, tp->rcv_nxt - cb->seq);
  cb->seq = tp->rcv_nxt;
}

// The next segment in sequence, onto the receive queue: rcv_nxt moves past
// it, and its FIN, if it has one, ends the reads.
void tcp_queue_in_sequence(sock *sk, sk_buff *skb) {
  tcp_sock *tp = tcp_sk(sk);
  const tcp_skb_cb *cb = TCP_SKB_CB(skb);
  const bool fin = cb->tcp_flags & TCPHDR_FIN;
  const bool keep = skb->len && !tcp_queue_rcv(sk, skb);
  tp->rcv_nxt = cb->end_seq;
  if (fin) tcp_fin(sk);
  if (!keep) discard(skb);
}

// A segment after a gap (Linux's tcp_data_queue_ofo): it waits on the
// out-of-order queue, in sequence order, charged to the receive buffer as
// queued data is (so the window we advertise shrinks). Segments over
// loopback arrive out of order when two harts send for one connection --
// the sender's process on one, an ACK that opened the window on another --
// and their backlogs run in parallel. The ACK goes at once: a duplicate of
// the last one, which tells the sender where the gap is.
void tcp_data_queue_ofo(sock *sk, sk_buff *skb) {
  tcp_sock *tp = tcp_sk(sk);
  const tcp_skb_cb *cb = TCP_SKB_CB(skb);
  tcp_send_ack(sk);
  if (!sock_rmem_room(sk, skb)) {
    sock_inc_stats(sk, &net_counters::drops_rcvbuf);
    discard(skb);
    return;
  }
  auto &q = tp->out_of_order_queue;
  // Segments after a gap mostly come in order among themselves: look from
  // the end for the last one that starts no later than this one.
  sk_buff *prev = q.back();
  while (prev && after(TCP_SKB_CB(prev)->seq, cb->seq)) prev = q.prev(*prev);
  if (prev && !after(cb->end_seq, TCP_SKB_CB(prev)->end_seq)) { // we have all of it
    sock_inc_stats(sk, &net_counters::tcp_drops_window);
    discard(skb);
    return;
  }
  skb_set_owner_r(skb, sk);
  if (prev)
    q.insert_after(*prev, *skb);
  else
    q.push_front(*skb);
  // The ones after it that it holds all of are not needed now.
  while (sk_buff *next = q.next(*skb)) {
    if (after(TCP_SKB_CB(next)->end_seq, cb->end_seq)) break;
    next->list.unlink();
    discard(next);
  }
  sock_inc_stats(sk, &net_counters::tcp_ofo_queue);
}

// The gap before the out-of-order queue may be filled now: move the
// segments that follow on to the receive queue (Linux's tcp_ofo_queue).
void tcp_ofo_queue(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  while (sk_buff *skb = tp->out_of_order_queue.front()) {
    const tcp_skb_cb *cb = TCP_SKB_CB(skb);
    if (after(cb->seq, tp->rcv_nxt)) return; // a gap still
    skb->list.unlink();
    if (!after(cb->end_seq, tp->rcv_nxt)) { // it all came again meanwhile
      discard(skb);
      continue;
    }
    tcp_trim_head(tp, skb);
    tcp_queue_in_sequence(sk, skb);
    if (__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & RCV_SHUTDOWN)
      break; // a FIN: nothing follows it
  }
  tcp_ofo_purge(sk);
}

// The segment's payload for the reader (Linux's tcp_data_queue): the next
// in sequence goes on the receive queue, with what the out-of-order queue
// holds after it; one after a gap goes on the out-of-order queue.
void tcp_data_queue(sock *sk, sk_buff *skb) {
  tcp_sock *tp = tcp_sk(sk);
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  if (cb->seq == cb->end_seq) { // an ACK, nothing more
    discard(skb);
    return;
  }
  (void)skb_pull(skb, __tcp_hdrlen(tcp_hdr(skb)));
  if (!after(cb->end_seq, tp->rcv_nxt)) { // all of it came before: our ACK was lost
    sock_inc_stats(sk, &net_counters::tcp_drops_window);
    tcp_send_ack(sk);
    discard(skb);
    return;
  }
  tcp_trim_head(tp, skb);
  if (cb->seq != tp->rcv_nxt) {
    tcp_data_queue_ofo(sk, skb);
    return;
  }
  // The next segment in sequence is worth more than what waits after a
  // gap: if there is no room for it, the out-of-order queue gives its
  // memory up (Linux's tcp_prune_ofo_queue).
  if (skb->len && !sock_rmem_room(sk, skb)) tcp_ofo_purge(sk);
  if (skb->len && (tcp_receive_window(tp) == 0 || !sock_rmem_room(sk, skb))) {
    // No room: the sender ignored the window, or small segments' overhead
    // filled the buffer. It sends again; the ACK says where to start.
    sock_inc_stats(sk, &net_counters::drops_rcvbuf);
    tcp_send_ack(sk);
    discard(skb);
    return;
  }
  const bool had_gap = !tp->out_of_order_queue.empty();
  inet_csk(sk)->icsk_ack_sched = true; // tcp_ack_snd_check decides when (tcp_fin: at once)
  tcp_queue_in_sequence(sk, skb);
  if (had_gap) {
    tcp_ofo_queue(sk);
    // A gap filled: ACK at once (RFC 5681), so the sender learns all that came.
    if (inet_csk(sk)->icsk_ack_sched) tcp_send_ack(sk);
  }
  if (!sock_flag(sk, SOCK_DEAD)) sk->sk_data_ready(sk);
}

// RFC 793's acceptability test: does the segment overlap the window?
bool tcp_sequence(const tcp_sock *tp, uint32_t seq, uint32_t end_seq) {
  return !before(end_seq, tp->rcv_wup) && !after(seq, tp->rcv_nxt + tcp_receive_window(tp));
}

// The checks every segment on a synchronized connection passes first
// (Linux's tcp_validate_incoming): in the window (else a duplicate ACK),
// a RST (the connection is over), a SYN (a confused peer: answered with an
// ACK, RFC 5961), no ACK (dropped). False: skb was freed.
bool tcp_validate_incoming(sock *sk, sk_buff *skb) {
  tcp_sock *tp = tcp_sk(sk);
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  if (!tcp_sequence(tp, cb->seq, cb->end_seq)) {
    sock_inc_stats(sk, &net_counters::tcp_drops_window);
    if (!(cb->tcp_flags & TCPHDR_RST)) tcp_send_ack(sk);
    discard(skb);
    return false;
  }
  if (cb->tcp_flags & TCPHDR_RST) {
    sock_inc_stats(sk, &net_counters::tcp_rst_in);
    tcp_reset(sk);
    discard(skb);
    return false;
  }
  if (cb->tcp_flags & TCPHDR_SYN) {
    tcp_send_ack(sk);
    discard(skb);
    return false;
  }
  if (!(cb->tcp_flags & TCPHDR_ACK)) {
    discard(skb);
    return false;
  }
  return true;
}

// Take the peer's window from the segment if it is newer than the one we
// have (Linux's tcp_ack_update_window, RFC 793's SND.WL1 rule).
bool tcp_ack_update_window(tcp_sock *tp, uint32_t ack, uint32_t seq, uint32_t nwin) {
  if (!(after(ack, tp->snd_una) || after(seq, tp->snd_wl1) || (seq == tp->snd_wl1 && nwin > tp->snd_wnd)))
    return false;
  const bool changed = nwin != tp->snd_wnd;
  tp->snd_wnd = nwin;
  tp->snd_wl1 = seq;
  return changed;
}

// Free what the peer acknowledged (Linux's tcp_clean_rtx_queue). After a
// go-back (tcp_timer.cc) a late ACK may cover segments from send_head on.
void tcp_clean_rtx_queue(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  while (sk_buff *skb = tcp_write_queue_head(sk)) {
    if (after(TCP_SKB_CB(skb)->end_seq, tp->snd_una)) return;
    if (skb == tp->send_head) tp->send_head = tcp_write_queue_next(sk, skb);
    tcp_unlink_write_queue(skb, sk);
    __atomic_sub_fetch(&sk->sk_wmem_queued, skb->truesize, __ATOMIC_RELAXED);
    sock_set_flag(sk, SOCK_QUEUE_SHRUNK);
    kfree_skb(skb);
  }
}

// Three duplicate ACKs: the segment after snd_una was lost. Send it and
// what followed it again now, rather than waiting for the timer (fast
// retransmit, RFC 5681 -- without Linux's congestion control).
void tcp_fastretrans(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  sk_buff *head = tcp_write_queue_head(sk);
  if (!head || head == tp->send_head) return;
  if (tcp_retransmit_skb(sk, head)) return;
  tp->send_head = tcp_write_queue_next(sk, head);
  tcp_write_xmit(sk);
}

// Nothing in flight and data waiting: is the window open for it now
// (Linux's tcp_ack_probe)? Then the probes are over, and their backed-off
// time-out with them; tcp_data_snd_check sends.
void tcp_ack_probe(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  inet_connection_sock *icsk = inet_csk(sk);
  if (!after(tp->snd_una + tp->snd_wnd, TCP_SKB_CB(tp->send_head)->seq)) return; // still shut
  icsk->icsk_rto = TCP_RTO_MIN;
  inet_csk_clear_xmit_timer(sk, icsk_timer::PROBE0);
}

// An incoming ACK (Linux's tcp_ack): 1 if it is acceptable, 0 if it is old
// (ignored), -1 if it acknowledges what we never sent.
int tcp_ack(sock *sk, sk_buff *skb) {
  tcp_sock *tp = tcp_sk(sk);
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  const uint32_t ack = cb->ack_seq;
  const uint32_t prior_snd_una = tp->snd_una;
  if (before(ack, prior_snd_una)) return 0;
  if (after(ack, tp->snd_nxt)) {
    sock_inc_stats(sk, &net_counters::tcp_drops_window);
    return -1;
  }
  const bool window_changed = tcp_ack_update_window(tp, ack, cb->seq, ntohs(tcp_hdr(skb)->window));
  if (tp->snd_una == tp->snd_nxt && tp->send_head) tcp_ack_probe(sk);
  if (ack == prior_snd_una) {
    // The same ACK again, with no data and no new window while data is in
    // flight: the peer got a segment after a gap.
    if (cb->seq == cb->end_seq && !window_changed && tp->snd_una != tp->snd_nxt && ++tp->dup_acks == 3)
      tcp_fastretrans(sk);
    return 1;
  }
  tp->snd_una = ack;
  tp->dup_acks = 0;
  tcp_clean_rtx_queue(sk);
  inet_connection_sock *icsk = inet_csk(sk);
  icsk->icsk_retransmits = 0;
  icsk->icsk_rto = TCP_RTO_MIN;
  tcp_rearm_rto(sk);
  return 1;
}

// Room freed in the send buffer: tell the writer (Linux's tcp_check_space
// and tcp_new_space), but only one that found it full (SOCK_NOSPACE).
void tcp_check_space(sock *sk) {
  if (!sock_flag(sk, SOCK_QUEUE_SHRUNK)) return;
  sock_reset_flag(sk, SOCK_QUEUE_SHRUNK);
  if (sk->sk_socket && sock_flag(sk, SOCK_NOSPACE)) sk->sk_write_space(sk);
}

// Is an ACK owed, and now or a little later (Linux's __tcp_ack_snd_check)?
// Now once more than a full segment is unacknowledged and the window has
// not shrunk; else the delayed-ACK timer, in the hope of data to carry it.
void tcp_ack_snd_check(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  if (!inet_csk(sk)->icsk_ack_sched) return;
  if (tp->rcv_nxt - tp->rcv_wup > tp->mss_cache && __tcp_select_window(sk) >= tp->rcv_wnd)
    tcp_send_ack(sk);
  else
    tcp_send_delayed_ack(sk);
}

// The answer to our SYN (Linux's tcp_rcv_synsent_state_process): a SYN-ACK
// establishes the connection, a RST refuses it. 1: answer with a RST.
int tcp_rcv_synsent_state_process(sock *sk, sk_buff *skb) {
  tcp_sock *tp = tcp_sk(sk);
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  if (!(cb->tcp_flags & TCPHDR_ACK)) { // a SYN alone (simultaneous open) is not supported: dropped
    discard(skb);
    return 0;
  }
  if (!after(cb->ack_seq, tp->snd_una) || after(cb->ack_seq, tp->snd_nxt)) {
    if (cb->tcp_flags & TCPHDR_RST) {
      discard(skb);
      return 0;
    }
    return 1; // an ACK of something we never sent
  }
  if (cb->tcp_flags & TCPHDR_RST) {
    sock_inc_stats(sk, &net_counters::tcp_rst_in);
    tcp_reset(sk); // ECONNREFUSED
    discard(skb);
    return 0;
  }
  if (!(cb->tcp_flags & TCPHDR_SYN)) {
    discard(skb);
    return 0;
  }
  tp->rcv_nxt = tp->rcv_wup = tp->copied_seq = cb->seq + 1;
  tp->snd_wl1 = cb->seq;
  tcp_parse_mss(skb, &tp->mss_cache);
  (void)tcp_ack(sk, skb); // frees the SYN, clears its timer's work, takes the window
  tcp_set_state(sk, TCP_ESTABLISHED);
  if (!sock_flag(sk, SOCK_DEAD)) {
    sk->sk_state_change(sk); // wakes connect() in inet_wait_for_connect
    sk_wake_async(sk, POLLOUT);
  }
  tcp_send_ack(sk);
  discard(skb);
  return 0;
}

// A segment for a connection in TIME_WAIT (Linux's
// tcp_timewait_state_process; Linux replaces the sock with a small
// inet_timewait_sock, Kite keeps it): a FIN sent again means our last ACK
// was lost -- send it again and wait the whole time again.
int tcp_timewait_state_process(sock *sk, sk_buff *skb) {
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  if (cb->tcp_flags & TCPHDR_RST) {
    sock_inc_stats(sk, &net_counters::tcp_rst_in);
    tcp_done(sk);
  } else if (cb->tcp_flags & TCPHDR_FIN) {
    tcp_send_ack(sk);
    sk_reset_timer(sk, &sk->sk_timer, jiffies() + TCP_TIMEWAIT_LEN);
  }
  discard(skb);
  return 0;
}

} // namespace

void tcp_ofo_purge(sock *sk) {
  while (sk_buff *skb = tcp_sk(sk)->out_of_order_queue.pop_front()) discard(skb);
}

// The established state (Linux's tcp_rcv_established). Linux first tries
// "header prediction", a fast path for the common segment; Kite takes the
// slow path, the same steps, every time.
void tcp_rcv_established(sock *sk, sk_buff *skb) {
  if (!tcp_validate_incoming(sk, skb)) return;
  if (tcp_ack(sk, skb) < 0) {
    discard(skb);
    return;
  }
  tcp_data_queue(sk, skb); // -> sk->sk_data_ready(sk): sock_def_readable wakes the reader
  tcp_data_snd_check(sk);
  tcp_ack_snd_check(sk);
}

void tcp_data_snd_check(sock *sk) {
  tcp_push(sk);
  tcp_check_space(sk);
}

// Every state but ESTABLISHED (Linux's tcp_rcv_state_process): the
// handshake's ends, and closing. Returns 1 if the caller must answer with
// a RST (and free skb); else skb was queued or freed.
int tcp_rcv_state_process(sock *sk, sk_buff *skb) {
  tcp_sock *tp = tcp_sk(sk);
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  switch (sk->sk_state) {
  case TCP_CLOSE: discard(skb); return 0;
  case TCP_LISTEN:
    if (cb->tcp_flags & TCPHDR_ACK) return 1; // no handshake of ours: reset
    if (cb->tcp_flags & TCPHDR_RST) {
      discard(skb);
      return 0;
    }
    if (cb->tcp_flags & TCPHDR_SYN) {
      if (tcp_v4_conn_request(sk, skb) < 0) return 1;
      discard(skb);
      return 0;
    }
    discard(skb);
    return 0;
  case TCP_SYN_SENT: return tcp_rcv_synsent_state_process(sk, skb);
  case TCP_TIME_WAIT: return tcp_timewait_state_process(sk, skb);
  default: break;
  }
  if (!tcp_validate_incoming(sk, skb)) return 0;
  const bool acceptable = tcp_ack(sk, skb) > 0;
  const bool fin_acked = tp->snd_una == tp->write_seq; // everything we sent, FIN included
  switch (sk->sk_state) {
  case TCP_SYN_RECV: // the handshake's third step
    if (!acceptable) return 1;
    tp->copied_seq = tp->rcv_nxt;
    inet_csk(sk)->icsk_rto = TCP_RTO_MIN;
    tcp_set_state(sk, TCP_ESTABLISHED);
    sk->sk_state_change(sk);
    break;
  case TCP_FIN_WAIT1:
    if (!fin_acked) break;
    tcp_set_state(sk, TCP_FIN_WAIT2);
    __atomic_or_fetch(&sk->sk_shutdown, SEND_SHUTDOWN, __ATOMIC_RELAXED);
    if (!sock_flag(sk, SOCK_DEAD))
      sk->sk_state_change(sk);
    else // an orphan waits for the peer's FIN only so long
      sk_reset_timer(sk, &sk->sk_timer, jiffies() + TCP_FIN_TIMEOUT);
    break;
  case TCP_CLOSING:
    if (fin_acked) {
      tcp_time_wait(sk, TCP_TIME_WAIT, TCP_TIMEWAIT_LEN);
      discard(skb);
      return 0;
    }
    break;
  case TCP_LAST_ACK:
    if (fin_acked) {
      tcp_done(sk);
      discard(skb);
      return 0;
    }
    break;
  default: break;
  }
  bool queued = false;
  switch (sk->sk_state) {
  case TCP_CLOSE_WAIT:
  case TCP_CLOSING:
  case TCP_LAST_ACK:
    if (!before(cb->seq, tp->rcv_nxt)) break; // the peer's FIN came already: nothing after it is data
    [[fallthrough]];
  case TCP_FIN_WAIT1:
  case TCP_FIN_WAIT2:
    // We closed for reading too (close(), not shutdown(SHUT_WR)): new data
    // has nobody to read it. RFC 1122 says reset.
    if ((__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & RCV_SHUTDOWN) && cb->end_seq != cb->seq &&
        after(cb->end_seq - ((cb->tcp_flags & TCPHDR_FIN) ? 1 : 0), tp->rcv_nxt)) {
      tcp_reset(sk);
      return 1;
    }
    [[fallthrough]];
  case TCP_ESTABLISHED:
    tcp_data_queue(sk, skb);
    queued = true;
    break;
  default: break;
  }
  if (sk->sk_state != TCP_CLOSE) { // a FIN may have moved it to TIME_WAIT, or a reset ended it
    tcp_data_snd_check(sk);
    tcp_ack_snd_check(sk);
  }
  if (!queued) discard(skb);
  return 0;
}

} // namespace kernel
