// IPv4, ICMP and the loopback device: header layouts and entry points.
// Headers are in network byte order, as on the wire.
#pragma once
#include <cstdint>
#include "lib/checksum.hh"
#include "net/skbuff.hh"

namespace kernel {

struct sock;

struct iphdr {
  uint8_t ihl_version; // version 4 in the high nibble, header length/4 in the low
  uint8_t tos;
  uint16_t tot_len;
  uint16_t id;
  uint16_t frag_off;
  uint8_t ttl;
  uint8_t protocol;
  uint16_t check;
  uint32_t saddr;
  uint32_t daddr;
};
static_assert(sizeof(iphdr) == 20);

struct udphdr {
  uint16_t source;
  uint16_t dest;
  uint16_t len;
  uint16_t check;
};

struct icmphdr {
  uint8_t type;
  uint8_t code;
  uint16_t checksum;
  uint32_t unused;
};

constexpr uint8_t IPPROTO_ICMP_NR = 1;
constexpr uint8_t IPPROTO_UDP_NR = 17;
constexpr uint8_t ICMP_DEST_UNREACH = 3;
constexpr uint8_t ICMP_PORT_UNREACH = 3;

constexpr uint16_t bswap16(uint16_t x) { return static_cast<uint16_t>((x << 8) | (x >> 8)); }
constexpr uint32_t bswap32(uint32_t x) { return __builtin_bswap32(x); }
constexpr uint16_t htons(uint16_t x) { return bswap16(x); }
constexpr uint16_t ntohs(uint16_t x) { return bswap16(x); }
constexpr uint32_t htonl(uint32_t x) { return bswap32(x); }
constexpr uint32_t ntohl(uint32_t x) { return bswap32(x); }

[[nodiscard]] bool ipv4_is_loopback(uint32_t addr_net);
// Does the TCP or UDP segment th, len bytes long, sum right with the
// pseudo-header of iph's addresses and protocol? The receivers' check, and
// the checked build's on every sender (loopback_xmit).
[[nodiscard]] bool transport_csum_ok(const iphdr *iph, const void *th, uint16_t len);

// The ports a socket gets when it binds to port 0 (Linux's
// ip_local_port_range), handed out in turn from *next (host order; each
// protocol keeps its own, under its table's lock). The first one in_use
// says is free, in network order, or 0 if none is.
constexpr uint16_t EPHEMERAL_LOW = 32768;
constexpr uint16_t EPHEMERAL_HIGH = 60999;
template <typename InUse> [[nodiscard]] uint16_t inet_pick_ephemeral(uint16_t *next, InUse in_use) {
  for (int tries = 0; tries <= EPHEMERAL_HIGH - EPHEMERAL_LOW; tries++) {
    const uint16_t candidate = htons(*next);
    *next = *next == EPHEMERAL_HIGH ? EPHEMERAL_LOW : static_cast<uint16_t>(*next + 1);
    if (!in_use(candidate)) return candidate;
  }
  return 0;
}

// Down: add the IP header and hand the packet to the loopback device.
[[nodiscard]] int ip_queue_xmit(sk_buff *skb, uint32_t saddr, uint32_t daddr, uint8_t protocol);
int ip_output(sk_buff *skb);
int loopback_xmit(sk_buff *skb);
// netdrop(): drop every `every`th TCP segment at loopback_xmit, `count` times.
void netem_set(uint32_t every, uint32_t count);
int netif_rx(sk_buff *skb);
// Up, in the software interrupt.
void net_rx_action();
int ip_rcv(sk_buff *skb);
void icmp_send_port_unreach(sk_buff *skb); // the offending packet, IP header at network_header
void icmp_rcv(sk_buff *skb);

void net_init();

} // namespace kernel
