// TCP over IPv4 (Linux's net/ipv4/tcp_ipv4.c): the receive path's entry
// from IP, finding the socket, connect(), answering SYNs, resets, the
// checksum.
//
// tcp_v4_rcv runs in the NET_RX software interrupt. It takes the socket's
// sk_lock.slock; if a process owns the socket (lock_sock: it is in
// tcp_recvmsg or tcp_sendmsg right now), the segment goes on the socket's
// backlog, which the process works through in release_sock() -- so the
// connection's state is only ever changed by one side at a time.
#include "net/ip.hh"
#include "net/tcp.hh"
#include "uapi/errno.h"
#include "arch.hh"

namespace kernel {

// The header is summed here; the payload was summed as it was copied in
// (skb->csum: tcp_sendmsg, tcp_fragment), as Linux's __tcp_v4_send_check
// does for a device that cannot sum for it. A segment sent again keeps its
// payload, and so its sum.
void tcp_v4_send_check(sk_buff *skb, uint32_t saddr, uint32_t daddr) {
  auto *th = reinterpret_cast<tcphdr *>(skb->data);
  th->check = 0;
  const uint32_t pseudo =
      csum_tcpudp_nofold(saddr, daddr, static_cast<uint16_t>(skb->len), IPPROTO_TCP_NR, skb->csum);
  th->check = csum_fold(csum_partial(th, __tcp_hdrlen(th), pseudo));
}

// Linux's secure_tcp_sequence_number without the secret hash: a clock
// (one step every 64 ns, as Linux's) plus a mix of the four addresses, so
// a new connection on the same ports starts far from the old one's numbers.
uint32_t tcp_v4_init_sequence(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport) {
  uint32_t h =
      saddr * 2654435761u ^ daddr * 2246822519u ^ (static_cast<uint32_t>(sport) << 16 | dport) * 3266489917u;
  h ^= h >> 15;
  return h + static_cast<uint32_t>(arch::now() * (1'000'000'000 / arch::TIMEBASE_HZ) >> 6);
}

// connect()'s TCP part (Linux's tcp_v4_connect): pick a port and the
// addresses, make the connection findable, send the SYN. inet_stream_connect
// then waits for the answer.
int tcp_v4_connect(sock *sk, const sockaddr_in &addr) {
  if (addr.sin_family != AF_INET) return -EAFNOSUPPORT;
  if (!ipv4_is_loopback(addr.sin_addr.s_addr)) return -ENETUNREACH;
  if (addr.sin_port == 0) return -ECONNREFUSED; // port 0 has no listener, ever
  tcp_set_state(sk, TCP_SYN_SENT);
  int err = inet_hash_connect(sk, addr.sin_addr.s_addr, addr.sin_port);
  if (!err) {
    tcp_sk(sk)->write_seq = tcp_v4_init_sequence(sk->rcv_saddr, sk->daddr, sk->sport, sk->dport);
    err = tcp_connect(sk);
  }
  if (err) tcp_set_state(sk, TCP_CLOSE);
  return err;
}

// Answer skb with a RST (Linux's tcp_v4_send_reset): a segment for no
// socket, or one that makes no sense for the one it reached. RFC 793: if
// it carried an ACK, the RST takes that sequence number; if not, it
// acknowledges everything the segment held. A RST is never answered.
void tcp_v4_send_reset(sock *sk, sk_buff *skb) {
  const tcp_skb_cb *cb = TCP_SKB_CB(skb);
  if (cb->tcp_flags & TCPHDR_RST) return;
  const auto *iph = reinterpret_cast<const iphdr *>(skb->network_header);
  const tcphdr *th = tcp_hdr(skb);
  sk_buff *rst = alloc_skb(SKB_MAX_HEADER);
  if (!rst) return;
  skb_reserve(rst, SKB_MAX_HEADER);
  tcp_out o = {iph->daddr, iph->saddr, th->dest, th->source, 0, 0, TCPHDR_RST, 0, false};
  if (cb->tcp_flags & TCPHDR_ACK) {
    o.seq = cb->ack_seq;
  } else {
    o.ack_seq = cb->end_seq;
    o.flags |= TCPHDR_ACK;
  }
  if (sk) {
    sock_inc_stats(sk, &net_counters::tcp_rst_out);
    sock_inc_stats(sk, &net_counters::tcp_segs_out);
  } else {
    net_inc_stats(&net_counters::tcp_rst_out);
    net_inc_stats(&net_counters::tcp_segs_out);
  }
  (void)tcp_send_segment(rst, o);
}

// A SYN for listener sk (Linux's tcp_v4_conn_request): remember the
// handshake in a request_sock on the SYN queue and answer with a SYN-ACK.
// With the accept queue full the SYN is dropped without a word: the
// client sends it again later, when there may be room (Linux does so too).
int tcp_v4_conn_request(sock *sk, sk_buff *skb) {
  const auto *iph = reinterpret_cast<const iphdr *>(skb->network_header);
  const tcphdr *th = tcp_hdr(skb);
  if (sk_acceptq_is_full(sk) || inet_csk_reqsk_queue_is_full(sk)) {
    sock_inc_stats(sk, &net_counters::tcp_listen_drops);
    return 0;
  }
  request_sock *req = reqsk_alloc();
  if (!req) return 0;
  req->loc_addr = iph->daddr;
  req->rmt_addr = iph->saddr;
  req->loc_port = th->dest;
  req->rmt_port = th->source;
  req->rcv_isn = TCP_SKB_CB(skb)->seq;
  req->mss = tcp_mss_max();
  tcp_parse_mss(skb, &req->mss);
  req->snt_isn = tcp_v4_init_sequence(req->loc_addr, req->rmt_addr, req->loc_port, req->rmt_port);
  tcp_make_synack(sk, req);
  inet_csk_reqsk_queue_hash_add(sk, req);
  return 0;
}

// The handshake is done: make the connection's sock (Linux's
// tcp_v4_syn_recv_sock). It takes the listener's port and goes into the
// table of connections, so its next segments find it directly.
sock *tcp_v4_syn_recv_sock(sock *sk, sk_buff *skb, request_sock *req) {
  if (sk_acceptq_is_full(sk)) {
    sock_inc_stats(sk, &net_counters::tcp_listen_drops);
    return nullptr;
  }
  sock *newsk = tcp_create_openreq_child(sk, req, skb);
  if (!newsk) return nullptr;
  __inet_inherit_port(sk, newsk);
  __inet_hash_nolisten(newsk);
  sock_inc_stats(sk, &net_counters::tcp_passive_opens);
  return newsk;
}

namespace {

// A listener's segment (Linux's tcp_v4_hnd_req): one for a handshake under
// way, or for a connection made since the segment's lookup (it raced the
// handshake's ACK on another hart), goes to that; a SYN stays with the
// listener. Returns that sock locked (not sk), sk, or null (nothing more
// to do: the caller frees skb).
sock *tcp_v4_hnd_req(sock *sk, sk_buff *skb) {
  const auto *iph = reinterpret_cast<const iphdr *>(skb->network_header);
  const tcphdr *th = tcp_hdr(skb);
  if (request_sock *req = inet_csk_search_req(sk, th->source, iph->saddr, iph->daddr))
    return tcp_check_req(sk, skb, req);
  sock *nsk = inet_lookup_established(iph->saddr, th->source, iph->daddr, th->dest);
  if (!nsk) return sk;
  acquire(&nsk->sk_lock.slock); // subclass 0, under the listener's (tcp_create_openreq_child)
  if (nsk->sk_state != TCP_TIME_WAIT) return nsk;
  release(&nsk->sk_lock.slock);
  sock_put(nsk);
  return nullptr;
}

// What makes no sense in any state: SYN with FIN or RST, RST with FIN, or
// none of SYN, RST and ACK (every segment after the first SYN has ACK).
bool tcp_flags_bad(uint8_t f) {
  const bool syn = f & TCPHDR_SYN, fin = f & TCPHDR_FIN, rst = f & TCPHDR_RST, ack = f & TCPHDR_ACK;
  return (syn && (fin || rst)) || (rst && fin) || !(syn || rst || ack);
}

// A new connection's SYN that reached a connection in TIME_WAIT on the
// same ports (Linux's TCP_TW_SYN): the old connection is finished.
bool tcp_tw_syn(sock *sk, sk_buff *skb) {
  const tcp_skb_cb *cb = TCP_SKB_CB(skb);
  return sk->sk_state == TCP_TIME_WAIT &&
         (cb->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST)) == TCPHDR_SYN &&
         after(cb->seq, tcp_sk(sk)->rcv_nxt);
}

} // namespace

// A segment for a socket that no process owns now, with its slock held,
// or from the backlog by the owner (Linux's tcp_v4_do_rcv; the socket's
// backlog_rcv). Consumes skb.
int tcp_v4_do_rcv(sock *sk, sk_buff *skb) {
  if (sk->sk_state == TCP_ESTABLISHED) {
    tcp_rcv_established(sk, skb);
    return 0;
  }
  sock *rsk = sk;
  if (sk->sk_state == TCP_LISTEN) {
    sock *nsk = tcp_v4_hnd_req(sk, skb);
    if (!nsk) {
      kfree_skb(skb);
      return 0;
    }
    if (nsk != sk) {
      if (tcp_child_process(sk, nsk, skb) == 0) return 0;
      rsk = nullptr; // nsk was let go: only the stack's total counts the RST
      goto reset;
    }
  }
  if (tcp_rcv_state_process(sk, skb) == 0) return 0;
reset:
  tcp_v4_send_reset(rsk, skb);
  kfree_skb(skb);
  return 0;
}

// From ip_rcv, in the NET_RX software interrupt (Linux's tcp_v4_rcv):
// check the segment, find its socket, and process it -- now, or later by
// the process that owns the socket.
int tcp_v4_rcv(sk_buff *skb) {
  const auto *iph = reinterpret_cast<const iphdr *>(skb->network_header);
  auto *th = reinterpret_cast<tcphdr *>(skb->data);
  uint32_t doff;
  sock *sk;
  if (skb->len < sizeof(tcphdr)) goto bad_header;
  doff = __tcp_hdrlen(th);
  if (doff < sizeof(tcphdr) || doff > skb->len) goto bad_header;
  // A segment that never left this machine was checksummed by its sender
  // a moment ago (loopback_xmit marked it); one that came in through
  // netinject() is checked.
  if (skb->ip_summed != checksum::UNNECESSARY &&
      !transport_csum_ok(iph, th, static_cast<uint16_t>(skb->len))) {
    net_inc_stats(&net_counters::tcp_drops_csum);
    goto discard;
  }
  if (tcp_flags_bad(th->flags)) {
    net_inc_stats(&net_counters::tcp_drops_flags);
    goto discard;
  }
  {
    tcp_skb_cb *cb = TCP_SKB_CB(skb);
    cb->seq = ntohl(th->seq);
    cb->end_seq =
        cb->seq + ((th->flags & TCPHDR_SYN) ? 1 : 0) + ((th->flags & TCPHDR_FIN) ? 1 : 0) + skb->len - doff;
    cb->ack_seq = ntohl(th->ack_seq);
    cb->tcp_flags = th->flags;
  }
  for (;;) {
    sk = __inet_lookup(iph->saddr, th->source, iph->daddr, th->dest);
    if (!sk) goto no_tcp_socket;
    lock_guard g(sk->sk_lock.slock, SINGLE_DEPTH_NESTING);
    if (!sock_owned_by_user(sk) && tcp_tw_syn(sk, skb)) {
      tcp_done(sk); // and look again: the listener gets the SYN
      g.unlock();
      sock_put(sk);
      continue;
    }
    sock_inc_stats(sk, &net_counters::tcp_segs_in);
    if (!sock_owned_by_user(sk)) {
      (void)tcp_v4_do_rcv(sk, skb);
    } else if (sk_add_backlog(sk, skb,
                              __atomic_load_n(&sk->sk_rcvbuf, __ATOMIC_RELAXED) +
                                  __atomic_load_n(&sk->sk_sndbuf, __ATOMIC_RELAXED))) {
      sock_inc_stats(sk, &net_counters::tcp_drops_backlog);
      kfree_skb(skb);
    }
    break;
  }
  sock_put(sk);
  return 0;
no_tcp_socket:
  net_inc_stats(&net_counters::tcp_segs_in);
  tcp_v4_send_reset(nullptr, skb);
  kfree_skb(skb);
  return 0;
bad_header:
  net_inc_stats(&net_counters::tcp_drops_header);
discard:
  kfree_skb(skb);
  return -1;
}

// The end of a TCP sock (Linux's tcp_v4_destroy_sock): timers stopped,
// queues emptied, port given back.
void tcp_v4_destroy_sock(sock *sk) {
  tcp_clear_xmit_timers(sk);
  tcp_write_queue_purge(sk);
  kfree_skb(tcp_sk(sk)->fin_skb); // if the FIN was never sent
  tcp_sk(sk)->fin_skb = nullptr;
  skb_queue_purge(&sk->sk_receive_queue);
  tcp_ofo_purge(sk);
  inet_put_port(sk);
}

} // namespace kernel
