// TCP over IPv4 loopback: the segment header, the per-segment control
// block, struct tcp_sock and the entry points of the tcp*.cc files (Linux's
// include/net/tcp.h, include/linux/tcp.h, include/net/inet_connection_sock.h
// and include/net/request_sock.h, reduced).
//
// Where the code is:
//   tcp.cc                    the calls: send, receive, close, shutdown, poll
//   tcp_input.cc              a segment arrives: the state machine, ACKs, data
//   tcp_output.cc             building and sending segments, the window
//   tcp_ipv4.cc               IPv4's part: tcp_v4_rcv, connect, SYNs, resets
//   tcp_minisocks.cc          the handshake's third step, TIME_WAIT
//   tcp_timer.cc              retransmission, delayed ACK, probes, keepalive
//   inet_connection_sock.cc   listen and accept, ports
//   inet_hashtables.cc        finding the socket a segment belongs to
// docs/tcp.md walks through each path beside Linux's.
#pragma once
#include <cstdint>
#include "net/sock.hh"

namespace kernel {

struct tcphdr {
  uint16_t source;
  uint16_t dest;
  uint32_t seq;
  uint32_t ack_seq;
  uint8_t doff_res; // header length in 32-bit words, in the high nibble
  uint8_t flags;    // TCPHDR_*
  uint16_t window;
  uint16_t check;
  uint16_t urg_ptr;
};
static_assert(sizeof(tcphdr) == 20);

constexpr uint8_t TCPHDR_FIN = 0x01;
constexpr uint8_t TCPHDR_SYN = 0x02;
constexpr uint8_t TCPHDR_RST = 0x04;
constexpr uint8_t TCPHDR_PSH = 0x08;
constexpr uint8_t TCPHDR_ACK = 0x10;
constexpr uint8_t TCPHDR_URG = 0x20;

constexpr uint8_t IPPROTO_TCP_NR = 6;
constexpr uint8_t TCPOPT_EOL = 0;
constexpr uint8_t TCPOPT_NOP = 1;
constexpr uint8_t TCPOPT_MSS = 2; // the only option Kite sends (on SYNs) or reads

// The largest segment's payload: what fits in one sk_buff's data buffer
// after its head room (skb_max_size() - SKB_MAX_HEADER: 4032 bytes).
[[nodiscard]] uint32_t tcp_mss_max();

// Times, in ticks (HZ = 100).
constexpr uint32_t TCP_TIMEOUT_INIT = 100;   // first SYN retransmission: 1 s, as Linux
constexpr uint32_t TCP_RTO_MIN = 20;         // 200 ms: loopback's round trip is far below it
constexpr uint32_t TCP_RTO_MAX = 120 * 100;  // 120 s
constexpr uint32_t TCP_DELACK_MIN = 4;       // 40 ms: how long an ACK may wait to ride on data
constexpr uint32_t TCP_TIMEWAIT_LEN = 100;   // 1 s (Linux: 60 s; see docs/tcp.md)
constexpr uint32_t TCP_FIN_TIMEOUT = 100;    // an orphan's FIN_WAIT2 ends after 1 s too
constexpr uint32_t TCP_SYNACK_RETRIES = 5;   // then a half-open connection is dropped
constexpr uint32_t TCP_SYN_RETRIES = 6;      // then connect() fails with ETIMEDOUT
constexpr uint32_t TCP_RETRIES2 = 15;        // then an established connection does
constexpr uint32_t TCP_RMEM_DEFAULT = 87380; // tcp_rmem[1]: the receive buffer
constexpr uint32_t TCP_WMEM_DEFAULT = 16384; // tcp_wmem[1]: the send buffer
constexpr uint32_t TCP_MAX_WINDOW = 65535;   // no window scaling

// What TCP keeps about each segment in the sk_buff (Linux's TCP_SKB_CB):
// the sequence space it covers -- SYN and FIN count one each -- its flags,
// and, for a received segment, the acknowledgement it carries.
struct tcp_skb_cb {
  uint32_t seq;
  uint32_t end_seq;
  uint32_t ack_seq;
  uint8_t tcp_flags;
};
static_assert(sizeof(tcp_skb_cb) <= sizeof(sk_buff::cb));
inline tcp_skb_cb *TCP_SKB_CB(sk_buff *skb) { return reinterpret_cast<tcp_skb_cb *>(skb->cb); }
inline tcphdr *tcp_hdr(sk_buff *skb) { return reinterpret_cast<tcphdr *>(skb->transport_header); }
// The header's length with its options: the data offset, in 32-bit words.
inline uint32_t __tcp_hdrlen(const tcphdr *th) { return (th->doff_res >> 4) * 4u; }

// Sequence numbers wrap: compare them modulo 2^32.
inline bool before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
inline bool after(uint32_t a, uint32_t b) { return before(b, a); }

// A connection a listener has answered with a SYN-ACK and not yet seen the
// ACK of (Linux's request_sock): small, so a flood of SYNs costs little.
struct request_sock {
  list_node node;                      // on the listener's SYN queue, then its accept queue
  uint32_t loc_addr = 0, rmt_addr = 0; // network order
  uint16_t loc_port = 0, rmt_port = 0;
  uint32_t snt_isn = 0;  // our initial sequence number
  uint32_t rcv_isn = 0;  // the peer's
  uint32_t mss = 0;      // the peer's MSS option
  uint64_t expires = 0;  // when the SYN-ACK is sent again
  uint32_t retrans = 0;  // SYN-ACKs sent again so far
  sock *child = nullptr; // the new connection, once the handshake is done
};

// A listener's two queues (Linux's request_sock_queue). Guarded by the
// listener's socket lock; accept_qlen is also atomic, for the look
// inet_csk_wait_for_connect takes without the lock.
struct request_sock_queue {
  intrusive_list<request_sock, &request_sock::node> syn_queue;    // handshakes under way
  intrusive_list<request_sock, &request_sock::node> accept_queue; // done, waiting for accept()
  uint32_t syn_qlen = 0;
  uint32_t accept_qlen = 0;
};

// icsk_pending: what the retransmit timer is armed for.
enum class icsk_timer : uint8_t { NONE, RETRANS, PROBE0 };

// Linux's inet_connection_sock: what a connection-oriented sock adds.
// Guarded by the socket lock.
struct inet_connection_sock : sock {
  request_sock_queue icsk_accept_queue; // a listener's
  timer_list icsk_retransmit_timer;     // retransmission, or a zero-window probe
  timer_list icsk_delack_timer;         // a delayed ACK
  icsk_timer icsk_pending = icsk_timer::NONE;
  uint64_t icsk_timeout = 0;            // the tick icsk_pending's work is due (Linux's icsk_timeout)
  uint32_t icsk_rto = TCP_TIMEOUT_INIT; // ticks until the next retransmission
  uint32_t icsk_retransmits = 0;        // of the same data, without an ACK in between
  bool icsk_ack_sched = false;          // an ACK is owed (Linux's ICSK_ACK_SCHED)
  bool icsk_ack_timer = false;          // the owed ACK is timed (ICSK_ACK_TIMER); the timer may outlive it
};

// Linux's tcp_sock: the sequence spaces of RFC 793. Guarded by the socket
// lock. The write queue (sock::sk_write_queue) holds what was sent and not
// yet acknowledged, then what was not yet sent, from send_head on.
struct tcp_sock : inet_connection_sock {
  uint32_t snd_una = 0;         // the oldest byte not yet acknowledged
  uint32_t snd_nxt = 0;         // the next new byte to send (all below were sent once)
  uint32_t snd_wnd = 0;         // the peer's receive window, from snd_una
  uint32_t snd_wl1 = 0;         // the seq of the segment that last updated snd_wnd
  uint32_t write_seq = 0;       // the byte after the last one tcp_sendmsg queued
  uint32_t rcv_nxt = 0;         // the next byte we expect
  uint32_t rcv_wnd = 0;         // the window we last advertised ...
  uint32_t rcv_wup = 0;         // ... from this rcv_nxt
  uint32_t copied_seq = 0;      // the next byte tcp_recvmsg hands to the user
  uint32_t mss_cache = 0;       // the largest payload we send: the peer's MSS and ours
  uint32_t dup_acks = 0;        // duplicate ACKs in a row (three: send again at once)
  sk_buff *send_head = nullptr; // the first unsent segment in the write queue
  sk_buff *fin_skb = nullptr;   // set aside when the connection starts, for its FIN (tcp_send_fin)
  // Segments after a gap, in sequence order, charged to the receive buffer
  // (tcp_data_queue_ofo). Linux 3.x kept a list too; 4.9 made it a tree.
  intrusive_list<sk_buff, &sk_buff::list> out_of_order_queue;
  bool nonagle = false; // TCP_NODELAY (accepted; Kite never delays a send)
};

inline inet_connection_sock *inet_csk(sock *sk) { return static_cast<inet_connection_sock *>(sk); }
inline tcp_sock *tcp_sk(sock *sk) { return static_cast<tcp_sock *>(sk); }

// The write queue (sock.hh): Linux's helpers, with the socket lock held.
inline sk_buff *tcp_write_queue_head(sock *sk) { return sk->sk_write_queue.list.front(); }
inline sk_buff *tcp_write_queue_tail(sock *sk) { return sk->sk_write_queue.list.back(); }
inline sk_buff *tcp_write_queue_next(sock *sk, sk_buff *skb) { return sk->sk_write_queue.list.next(*skb); }
inline void tcp_unlink_write_queue(sk_buff *skb, sock *sk) {
  skb->list.unlink();
  sk->sk_write_queue.qlen--;
}
inline void tcp_insert_write_queue_after(sk_buff *skb, sk_buff *buff, sock *sk) {
  sk->sk_write_queue.list.insert_after(*skb, *buff);
  sk->sk_write_queue.qlen++;
}

extern proto tcp_prot;

// tcp.cc
void tcp_init();
[[nodiscard]] int tcp_sendmsg(sock *sk, msghdr *msg, uint64_t size);
[[nodiscard]] int tcp_recvmsg(sock *sk, msghdr *msg, uint64_t len, int nonblock, int flags);
void tcp_cleanup_rbuf(sock *sk, int copied);
void tcp_close(sock *sk);
void tcp_shutdown(sock *sk, int how);
void tcp_disconnect(sock *sk);
[[nodiscard]] uint32_t tcp_poll(socket *sock, poll_table *pt);
void tcp_set_state(sock *sk, tcp_state state);
void tcp_done(sock *sk);
void tcp_init_sock(sock *sk); // defaults for a new TCP sock
[[nodiscard]] int tcp_setsockopt(sock *sk, int name, user_ptr<char> val, uint32_t len);
[[nodiscard]] int tcp_getsockopt(sock *sk, int name, user_ptr<char> val, user_ptr<int> len);
void tcp_get_info(sock *sk, sock_info *info); // for netconns(); the socket lock held
[[nodiscard]] uint32_t tcp_inq(sock *sk);     // bytes received, not yet read

// tcp_input.cc
void tcp_rcv_established(sock *sk, sk_buff *skb);
[[nodiscard]] int tcp_rcv_state_process(sock *sk, sk_buff *skb); // 1: send a reset
void tcp_reset(sock *sk);
void tcp_data_snd_check(sock *sk);
void tcp_parse_mss(sk_buff *skb, uint32_t *mss); // a SYN's MSS option, if any

// tcp_output.cc
// What goes into one segment's header (tcp_send_segment).
struct tcp_out {
  uint32_t saddr, daddr; // network order
  uint16_t sport, dport; // network order
  uint32_t seq, ack_seq;
  uint8_t flags;
  uint32_t window;
  bool mss_option; // SYNs carry our MSS
};
[[nodiscard]] int tcp_send_segment(sk_buff *skb, const tcp_out &o);
[[nodiscard]] uint32_t tcp_initial_window(sock *sk);
[[nodiscard]] int tcp_transmit_skb(sock *sk, sk_buff *skb);
void tcp_write_xmit(sock *sk);
void tcp_push(sock *sk);
void tcp_send_ack(sock *sk);
void tcp_send_delayed_ack(sock *sk);
[[nodiscard]] bool tcp_reserve_fin(sock *sk); // the FIN's sk_buff, set aside at the start
void tcp_send_fin(sock *sk);
void tcp_send_active_reset(sock *sk);
[[nodiscard]] int tcp_connect(sock *sk);
void tcp_send_probe0(sock *sk);
[[nodiscard]] int tcp_retransmit_skb(sock *sk, sk_buff *skb);
[[nodiscard]] uint32_t tcp_select_window(sock *sk);
[[nodiscard]] uint32_t tcp_receive_window(const tcp_sock *tp);
[[nodiscard]] uint32_t __tcp_select_window(sock *sk);
void tcp_make_synack(sock *listener, request_sock *req); // and send it
void tcp_queue_skb(sock *sk, sk_buff *skb);              // onto the write queue's tail
void tcp_write_queue_purge(sock *sk);
void tcp_ofo_purge(sock *sk); // free the out-of-order queue

// tcp_ipv4.cc
int tcp_v4_rcv(sk_buff *skb); // from ip_rcv, in the software interrupt
[[nodiscard]] int tcp_v4_do_rcv(sock *sk, sk_buff *skb);
[[nodiscard]] int tcp_v4_connect(sock *sk, const sockaddr_in &addr);
void tcp_v4_send_reset(sock *sk, sk_buff *skb); // answer skb with a RST
[[nodiscard]] int tcp_v4_conn_request(sock *sk, sk_buff *skb);
[[nodiscard]] sock *tcp_v4_syn_recv_sock(sock *sk, sk_buff *skb, request_sock *req);
void tcp_v4_send_check(sk_buff *skb, uint32_t saddr, uint32_t daddr); // fill in the checksum
void tcp_v4_destroy_sock(sock *sk);
[[nodiscard]] uint32_t tcp_v4_init_sequence(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport);

// tcp_minisocks.cc
[[nodiscard]] sock *tcp_check_req(sock *sk, sk_buff *skb, request_sock *req);
[[nodiscard]] sock *tcp_create_openreq_child(sock *sk, request_sock *req, sk_buff *skb);
[[nodiscard]] int tcp_child_process(sock *parent, sock *child, sk_buff *skb);
void tcp_time_wait(sock *sk, tcp_state state, uint32_t timeo);

// tcp_timer.cc
void tcp_init_xmit_timers(sock *sk);
void tcp_clear_xmit_timers(sock *sk);
void tcp_reset_xmit_timer(sock *sk, icsk_timer what, uint32_t when);
void tcp_rearm_rto(sock *sk);
void inet_csk_clear_xmit_timer(sock *sk, icsk_timer what);
void sk_reset_timer(sock *sk, timer_list *t, uint64_t expires);
void sk_stop_timer(sock *sk, timer_list *t);

// inet_connection_sock.cc
[[nodiscard]] int inet_csk_get_port(sock *sk, uint32_t addr, uint16_t port);
void inet_put_port(sock *sk);
void __inet_inherit_port(sock *parent, sock *child);
[[nodiscard]] int inet_csk_listen_start(sock *sk, int backlog);
void inet_csk_listen_stop(sock *sk);
[[nodiscard]] sock *inet_csk_accept(sock *sk, int flags, int *err);
[[nodiscard]] request_sock *inet_csk_search_req(sock *sk, uint16_t rport, uint32_t raddr, uint32_t laddr);
void inet_csk_reqsk_queue_hash_add(sock *sk, request_sock *req);
[[nodiscard]] bool inet_csk_reqsk_queue_is_full(sock *sk);
void inet_csk_reqsk_queue_add(sock *sk, request_sock *req, sock *child);
void inet_csk_reqsk_queue_drop(sock *sk, request_sock *req);
void inet_csk_reqsk_queue_prune(sock *sk); // the listener's timer: SYN-ACKs again, or give up
void inet_csk_destroy_sock(sock *sk);
[[nodiscard]] bool sk_acceptq_is_full(const sock *sk);
void reqsk_init(); // the request_sock cache; at boot
[[nodiscard]] request_sock *reqsk_alloc();
void reqsk_free(request_sock *req);

// inet_hashtables.cc
[[nodiscard]] sock *__inet_lookup(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport); // held
[[nodiscard]] sock *inet_lookup_established(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport);
void inet_hash(sock *sk);            // a listener
void __inet_hash_nolisten(sock *sk); // a connection
void inet_unhash(sock *sk);
// connect(): a free port if none, the peer, then hash. -EADDRNOTAVAIL if impossible.
[[nodiscard]] int inet_hash_connect(sock *sk, uint32_t daddr, uint16_t dport);
[[nodiscard]] int tcp_netconns(user_ptr<sock_info> buf, int max, int *count);

} // namespace kernel
