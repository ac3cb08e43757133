// Sending segments: the write queue, the windows, and building each
// header (Linux's net/ipv4/tcp_output.c).
//
// The write queue keeps every segment until it is acknowledged, so a lost
// one can be sent again; what goes to IP is a clone that shares the data,
// or a copy if the buffer is shared already (tcp_transmit_skb). send_head
// divides the queue: before it, segments sent at least once; from it on,
// segments not sent yet.
#include "net/ip.hh"
#include "net/tcp.hh"
#include "lib/string.hh"
#include "printf.hh"
#include "uapi/errno.h"

namespace kernel {

// ---- The write queue (all under the socket lock)

void tcp_queue_skb(sock *sk, sk_buff *skb) {
  tcp_sock *tp = tcp_sk(sk);
  sk->sk_write_queue.list.push_back(*skb);
  sk->sk_write_queue.qlen++;
  __atomic_add_fetch(&sk->sk_wmem_queued, skb->truesize, __ATOMIC_RELAXED);
  if (!tp->send_head) tp->send_head = skb;
}

void tcp_write_queue_purge(sock *sk) {
  while (sk_buff *skb = tcp_write_queue_head(sk)) {
    tcp_unlink_write_queue(skb, sk);
    __atomic_sub_fetch(&sk->sk_wmem_queued, skb->truesize, __ATOMIC_RELAXED);
    kfree_skb(skb);
  }
  tcp_sk(sk)->send_head = nullptr;
}

namespace {

// The window only has room for the first len bytes of skb: split it there
// (Linux's tcp_fragment), the rest becoming a segment of its own. False if
// out of memory.
bool tcp_fragment(sock *sk, sk_buff *skb, uint32_t len) {
  const uint32_t rest = skb->len - len;
  sk_buff *buff = alloc_skb(SKB_MAX_HEADER + rest);
  if (!buff) return false;
  skb_reserve(buff, SKB_MAX_HEADER);
  buff->csum = csum_partial_copy(skb->data + len, skb_put(buff, rest), rest, 0);
  skb->csum = csum_block_sub(skb->csum, buff->csum, len);
  tcp_skb_cb *cb = TCP_SKB_CB(skb), *ncb = TCP_SKB_CB(buff);
  ncb->seq = cb->seq + len;
  ncb->end_seq = cb->end_seq;
  ncb->tcp_flags = cb->tcp_flags; // a FIN goes with the last byte
  cb->tcp_flags &= static_cast<uint8_t>(~TCPHDR_FIN);
  cb->end_seq = ncb->seq;
  skb->len = len;
  skb->tail = skb->data + len;
  tcp_insert_write_queue_after(skb, buff, sk);
  __atomic_add_fetch(&sk->sk_wmem_queued, buff->truesize, __ATOMIC_RELAXED);
  return true;
}

} // namespace

// ---- Windows

// What is left of the window we advertised (Linux's tcp_receive_window).
uint32_t tcp_receive_window(const tcp_sock *tp) {
  const int32_t win = static_cast<int32_t>(tp->rcv_wup + tp->rcv_wnd - tp->rcv_nxt);
  return win < 0 ? 0 : static_cast<uint32_t>(win);
}

// The window the receive buffer allows now (Linux's __tcp_select_window,
// without window scaling). Half of the free buffer, as Linux's default
// tcp_adv_win_scale of 1 gives, leaving the rest for the sk_buffs'
// overhead; a multiple of the MSS, and nothing rather than a sliver (the
// receiver's half of silly-window avoidance, RFC 1122).
uint32_t __tcp_select_window(sock *sk) {
  const tcp_sock *tp = tcp_sk(sk);
  const uint32_t rcvbuf = __atomic_load_n(&sk->sk_rcvbuf, __ATOMIC_RELAXED);
  const uint32_t rmem = __atomic_load_n(&sk->sk_rmem_alloc, __ATOMIC_RELAXED);
  uint32_t full_space = rcvbuf / 2;
  if (full_space > TCP_MAX_WINDOW) full_space = TCP_MAX_WINDOW;
  uint32_t free_space = rmem < rcvbuf ? (rcvbuf - rmem) / 2 : 0;
  if (free_space > full_space) free_space = full_space;
  uint32_t mss = tp->mss_cache;
  if (mss > full_space) mss = full_space;
  if (free_space < full_space / 2 && free_space < mss) return 0;
  return free_space / mss * mss;
}

// The window to put in a header, remembered as advertised. It never
// shrinks: a sender may already have sent up to the edge we gave it.
uint32_t tcp_select_window(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  const uint32_t cur_win = tcp_receive_window(tp);
  uint32_t new_win = __tcp_select_window(sk);
  if (new_win < cur_win) new_win = cur_win;
  tp->rcv_wnd = new_win;
  tp->rcv_wup = tp->rcv_nxt;
  return new_win;
}

// ---- Building segments

// The TCP header of one segment, in front of skb's payload, with its
// checksum; then down to IP. Every segment Kite sends goes through here.
int tcp_send_segment(sk_buff *skb, const tcp_out &o) {
  const uint32_t optlen = o.mss_option ? 4 : 0;
  auto *th = reinterpret_cast<tcphdr *>(skb_push(skb, sizeof(tcphdr) + optlen));
  skb->transport_header = skb->data;
  th->source = o.sport;
  th->dest = o.dport;
  th->seq = htonl(o.seq);
  th->ack_seq = htonl(o.flags & TCPHDR_ACK ? o.ack_seq : 0);
  th->doff_res = static_cast<uint8_t>(((sizeof(tcphdr) + optlen) / 4) << 4);
  th->flags = o.flags;
  th->window = htons(static_cast<uint16_t>(o.window > TCP_MAX_WINDOW ? TCP_MAX_WINDOW : o.window));
  th->urg_ptr = 0;
  if (optlen) {
    auto *opt = reinterpret_cast<uint8_t *>(th + 1);
    const uint16_t mss = htons(static_cast<uint16_t>(tcp_mss_max()));
    opt[0] = TCPOPT_MSS;
    opt[1] = 4;
    memcpy(opt + 2, &mss, 2);
  }
  tcp_v4_send_check(skb, o.saddr, o.daddr);
  return ip_queue_xmit(skb, o.saddr, o.daddr, IPPROTO_TCP_NR);
}

namespace {

// A segment sent by sk carries sk's addresses, its window and, once the
// handshake is under way, an ACK of everything received.
tcp_out tcp_out_for(sock *sk, uint32_t seq, uint8_t flags) {
  tcp_sock *tp = tcp_sk(sk);
  return {sk->rcv_saddr,
          sk->daddr,
          sk->sport,
          sk->dport,
          seq,
          tp->rcv_nxt,
          flags,
          tcp_select_window(sk),
          static_cast<bool>(flags & TCPHDR_SYN)};
}

// An ACK went out on some segment: no delayed ACK is owed any more. The
// timer stays set and finds nothing to do, as the retransmission timer
// does (inet_csk_clear_xmit_timer); the next delayed ACK sets it again.
void tcp_event_ack_sent(sock *sk) {
  inet_connection_sock *icsk = inet_csk(sk);
  icsk->icsk_ack_sched = false;
  icsk->icsk_ack_timer = false;
}

// A segment with no payload of its own: an ACK, a RST, a probe.
sk_buff *tcp_alloc_empty() {
  sk_buff *skb = alloc_skb(SKB_MAX_HEADER);
  if (skb) skb_reserve(skb, SKB_MAX_HEADER);
  return skb;
}

} // namespace

// Send one segment of the write queue: a clone, which shares the queued
// segment's buffer, with a fresh header in its head room (the queued one
// stays for retransmission). If an earlier clone of it may still be about
// -- queued at the receiver, say -- its head room is in use: send a copy
// instead (Linux's tcp_transmit_skb does the same). -ENOBUFS if out of memory.
int tcp_transmit_skb(sock *sk, sk_buff *skb) {
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  sk_buff *out = skb_cloned(skb) ? skb_copy(skb) : skb_clone(skb);
  if (!out) {
    sock_inc_stats(sk, &net_counters::drops_nomem);
    return -ENOBUFS;
  }
  const uint8_t flags = cb->tcp_flags;
  sock_inc_stats(sk, &net_counters::tcp_segs_out);
  if (flags & TCPHDR_ACK) tcp_event_ack_sent(sk);
  (void)tcp_send_segment(out, tcp_out_for(sk, cb->seq, flags));
  return 0;
}

namespace {

// Nagle's rule (RFC 896; Linux's tcp_nagle_check): a segment smaller than
// the MSS waits while earlier data is unacknowledged -- the writer's next
// bytes may fill it, and the ACK will come soon. Not for a FIN, a segment
// sent before (going back after a loss), or with TCP_NODELAY.
bool tcp_nagle_check(const tcp_sock *tp, sk_buff *skb) {
  const tcp_skb_cb *cb = TCP_SKB_CB(skb);
  return skb->len < tp->mss_cache && tp->snd_una != tp->snd_nxt && !tp->nonagle &&
         !(cb->tcp_flags & TCPHDR_FIN) && !before(cb->seq, tp->snd_nxt);
}

} // namespace

// Send from send_head on what the peer's window takes (Linux's
// tcp_write_xmit). A segment larger than the room left is split; one that
// does not fit at all waits for an ACK that opens the window -- or, if
// nothing is in flight to bring one, for the zero-window probe timer.
void tcp_write_xmit(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  while (sk_buff *skb = tp->send_head) {
    tcp_skb_cb *cb = TCP_SKB_CB(skb);
    const uint32_t wnd_end = tp->snd_una + tp->snd_wnd;
    if (after(cb->end_seq, wnd_end)) {
      if (!after(wnd_end, cb->seq) || skb->len == 0) break;
      const uint32_t room = wnd_end - cb->seq;
      if (room >= skb->len || !tcp_fragment(sk, skb, room)) break;
    }
    if (tcp_nagle_check(tp, skb)) break;
    if (tcp_transmit_skb(sk, skb)) break; // out of memory: the retransmit timer tries again
    tp->send_head = tcp_write_queue_next(sk, skb);
    if (after(cb->end_seq, tp->snd_nxt))
      tp->snd_nxt = cb->end_seq;
    else
      sock_inc_stats(sk, &net_counters::tcp_retrans); // sent before, going back after a loss
  }
  // Data in flight is timed by the retransmission timer (a pending probe
  // gives way to it); data that cannot go, with nothing in flight to bring
  // an ACK, by the probe timer.
  const icsk_timer pending = inet_csk(sk)->icsk_pending;
  if (tp->snd_una != tp->snd_nxt) {
    if (pending != icsk_timer::RETRANS) tcp_reset_xmit_timer(sk, icsk_timer::RETRANS, inet_csk(sk)->icsk_rto);
  } else if (tp->send_head && pending == icsk_timer::NONE) {
    tcp_reset_xmit_timer(sk, icsk_timer::PROBE0, inet_csk(sk)->icsk_rto);
  }
}

// Send what tcp_sendmsg queued (Linux's tcp_push / __tcp_push_pending_frames),
// as far as the window and Nagle's rule allow.
void tcp_push(sock *sk) {
  if (tcp_sk(sk)->send_head) tcp_write_xmit(sk);
}

// Send skb again now, whatever the window: the retransmission timer's
// first segment, or a SYN. Counted as a retransmission.
int tcp_retransmit_skb(sock *sk, sk_buff *skb) {
  sock_inc_stats(sk, &net_counters::tcp_retrans);
  return tcp_transmit_skb(sk, skb);
}

void tcp_send_ack(sock *sk) {
  if (sk->sk_state == TCP_CLOSE) return;
  sk_buff *skb = tcp_alloc_empty();
  if (!skb) { // the delayed-ACK timer tries again
    tcp_send_delayed_ack(sk);
    return;
  }
  sock_inc_stats(sk, &net_counters::tcp_segs_out);
  tcp_event_ack_sent(sk);
  (void)tcp_send_segment(skb, tcp_out_for(sk, tcp_sk(sk)->snd_nxt, TCPHDR_ACK));
}

// An ACK is owed; wait a little for data to carry it (Linux's
// tcp_send_delayed_ack), so a request and its answer need one segment each.
void tcp_send_delayed_ack(sock *sk) {
  inet_connection_sock *icsk = inet_csk(sk);
  icsk->icsk_ack_sched = true;
  if (icsk->icsk_ack_timer) return;
  icsk->icsk_ack_timer = true;
  sk_reset_timer(sk, &icsk->icsk_delack_timer, jiffies() + TCP_DELACK_MIN);
}

// A connection's FIN must go even when memory has run out -- close() has
// already moved the state on, and a FIN never sent leaves the peer waiting
// for ever -- so its sk_buff is set aside when the connection starts
// (Linux 3.x loops in tcp_send_fin until memory comes back instead).
// False if there is no memory for it now.
bool tcp_reserve_fin(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  if (!tp->fin_skb) tp->fin_skb = tcp_alloc_empty();
  return tp->fin_skb != nullptr;
}

// Queue a FIN after the data (Linux's tcp_send_fin): on the last unsent
// segment if there is one, else on the segment set aside for it.
void tcp_send_fin(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  sk_buff *tail = tp->send_head ? tcp_write_queue_tail(sk) : nullptr;
  if (tail && !(TCP_SKB_CB(tail)->tcp_flags & TCPHDR_SYN)) {
    TCP_SKB_CB(tail)->tcp_flags |= TCPHDR_FIN;
  } else {
    tail = tp->fin_skb;
    tp->fin_skb = nullptr;
    if (!tail) panic("tcp_send_fin: no sk_buff set aside for the FIN");
    tcp_skb_cb *cb = TCP_SKB_CB(tail);
    cb->seq = cb->end_seq = tp->write_seq;
    cb->tcp_flags = TCPHDR_ACK | TCPHDR_FIN;
    tcp_queue_skb(sk, tail);
  }
  TCP_SKB_CB(tail)->end_seq++;
  tp->write_seq++;
  tcp_push(sk);
}

// close() with unread data, or an abort: a RST with our next sequence
// number, which the peer accepts (Linux's tcp_send_active_reset).
void tcp_send_active_reset(sock *sk) {
  sk_buff *skb = tcp_alloc_empty();
  if (!skb) return;
  sock_inc_stats(sk, &net_counters::tcp_segs_out);
  sock_inc_stats(sk, &net_counters::tcp_rst_out);
  (void)tcp_send_segment(skb, tcp_out_for(sk, tcp_sk(sk)->snd_nxt, TCPHDR_ACK | TCPHDR_RST));
}

// Open a connection: queue a SYN (kept for retransmission like data) and
// send it (Linux's tcp_connect). The caller set the addresses and the
// initial sequence number in write_seq.
int tcp_connect(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  if (!tcp_reserve_fin(sk)) return -ENOBUFS;
  sk_buff *skb = tcp_alloc_empty();
  if (!skb) return -ENOBUFS;
  tp->snd_una = tp->snd_nxt = tp->write_seq;
  tp->rcv_nxt = tp->rcv_wup = tp->copied_seq = 0;
  tp->rcv_wnd = 0;
  tcp_skb_cb *cb = TCP_SKB_CB(skb);
  cb->seq = tp->write_seq;
  cb->end_seq = ++tp->write_seq;
  cb->tcp_flags = TCPHDR_SYN;
  tcp_queue_skb(sk, skb);
  sock_inc_stats(sk, &net_counters::tcp_active_opens);
  inet_csk(sk)->icsk_rto = TCP_TIMEOUT_INIT;
  // Sent or not (out of memory), the SYN counts as sent: the timer sends it again.
  (void)tcp_transmit_skb(sk, skb);
  tp->send_head = nullptr;
  tp->snd_nxt = cb->end_seq;
  tcp_reset_xmit_timer(sk, icsk_timer::RETRANS, inet_csk(sk)->icsk_rto);
  return 0;
}

// The zero-window probe (Linux's tcp_send_probe0 and tcp_write_wakeup):
// if the window has room for some of the next segment, send it; otherwise
// an ACK carrying an old sequence number, which the peer must answer with
// an ACK that shows its window. Probes go on, further and further apart,
// while the window stays shut.
void tcp_send_probe0(sock *sk) {
  tcp_sock *tp = tcp_sk(sk);
  inet_connection_sock *icsk = inet_csk(sk);
  if (!tp->send_head) return; // nothing waits any more
  tcp_write_xmit(sk);         // data in flight, or a window with room: the retransmission timer takes over
  if (tp->snd_una != tp->snd_nxt) return;
  if (sk_buff *skb = tcp_alloc_empty()) {
    sock_inc_stats(sk, &net_counters::tcp_segs_out);
    tcp_event_ack_sent(sk);
    (void)tcp_send_segment(skb, tcp_out_for(sk, tp->snd_una - 1, TCPHDR_ACK));
  }
  icsk->icsk_rto = icsk->icsk_rto * 2 > TCP_RTO_MAX ? TCP_RTO_MAX : icsk->icsk_rto * 2;
  tcp_reset_xmit_timer(sk, icsk_timer::PROBE0, icsk->icsk_rto);
}

// A listener's answer to a SYN (Linux's tcp_make_synack and
// tcp_v4_send_synack), from the request_sock: no sock exists for the
// connection yet.
void tcp_make_synack(sock *listener, request_sock *req) {
  sk_buff *skb = tcp_alloc_empty();
  if (!skb) return;
  sock_inc_stats(listener, &net_counters::tcp_segs_out);
  const tcp_out o = {req->loc_addr, req->rmt_addr,    req->loc_port,           req->rmt_port,
                     req->snt_isn,  req->rcv_isn + 1, TCPHDR_SYN | TCPHDR_ACK, tcp_initial_window(listener),
                     true};
  (void)tcp_send_segment(skb, o);
}

// The window a new connection starts with: what its receive buffer allows
// (Linux's tcp_select_initial_window).
uint32_t tcp_initial_window(sock *sk) {
  uint32_t space = __atomic_load_n(&sk->sk_rcvbuf, __ATOMIC_RELAXED) / 2;
  if (space > TCP_MAX_WINDOW) space = TCP_MAX_WINDOW;
  const uint32_t mss = tcp_mss_max();
  return space >= mss ? space / mss * mss : space;
}

} // namespace kernel
