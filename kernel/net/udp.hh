// UDP (Linux's net/ipv4/udp.c) and the datagram receive helpers
// (net/core/datagram.c).
#pragma once
#include <cstdint>
#include "net/skbuff.hh"
#include "uapi/socket.h"
#include "user_ptr.hh"

namespace kernel {

struct sock;
struct inet_addrs;
struct poll_table;
struct msghdr;
struct proto;

extern proto udp_prot;

[[nodiscard]] int udp_sendmsg(struct sock *sk, msghdr *msg, uint64_t len);
[[nodiscard]] int udp_recvmsg(struct sock *sk, msghdr *msg, uint64_t len, int noblock, int flags);
[[nodiscard]] int udp_bind(struct sock *sk, uint32_t addr, uint16_t port); // network order
[[nodiscard]] int udp_autobind(struct sock *sk);
// connect(): addr holds len bytes of the caller's address (at least the family).
[[nodiscard]] int udp_connect(struct sock *sk, const sockaddr_in &addr, uint32_t len);
// A copy of sk's address fields, all taken at one moment (udp_table.lock).
[[nodiscard]] inet_addrs udp_addrs(struct sock *sk);
void udp_unhash(struct sock *sk);
// netconns(): each bound UDP socket as a sock_info, from buf[*count] on; *count grows.
[[nodiscard]] int udp_netconns(user_ptr<sock_info> buf, int max, int *count);

int udp_rcv(sk_buff *skb); // from ip_rcv, in the software interrupt
// An ICMP error about a datagram we sent from saddr:sport to daddr:dport.
void udp_err(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport);

// datagram.c
[[nodiscard]] sk_buff *__skb_recv_datagram(struct sock *sk, unsigned flags, int *err);
[[nodiscard]] uint32_t datagram_poll(struct sock *sk, poll_table *pt);

} // namespace kernel
