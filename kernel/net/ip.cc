// IPv4 over the loopback device: build and check headers, route (127/8
// only), and ICMP port-unreachable (Linux's net/ipv4/ip_output.c,
// ip_input.c, icmp.c, reduced to loopback).
#include "net/ip.hh"
#include "uapi/errno.h"
#include "net/sock.hh"
#include "net/tcp.hh"
#include "net/udp.hh"
#include "lib/string.hh"

namespace kernel {

constexpr uint8_t IP_DEFAULT_TTL = 64;

bool ipv4_is_loopback(uint32_t addr_net) { return (ntohl(addr_net) >> 24) == 127; }

bool transport_csum_ok(const iphdr *iph, const void *th, uint16_t len) {
  return csum_fold(
             csum_partial(th, len, csum_tcpudp_nofold(iph->saddr, iph->daddr, len, iph->protocol, 0))) == 0;
}

int ip_queue_xmit(sk_buff *skb, uint32_t saddr, uint32_t daddr, uint8_t protocol) {
  static uint32_t next_id = 1; // datagram ids (atomic; 32 bits: GCC has no inline 16-bit atomics here)
  auto *iph = reinterpret_cast<iphdr *>(skb_push(skb, sizeof(iphdr)));
  skb->network_header = skb->data;
  iph->ihl_version = 0x45;
  iph->tos = 0;
  iph->tot_len = htons(static_cast<uint16_t>(skb->len));
  iph->id = htons(static_cast<uint16_t>(__atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED)));
  iph->frag_off = 0;
  iph->ttl = IP_DEFAULT_TTL;
  iph->protocol = protocol;
  iph->saddr = saddr;
  iph->daddr = daddr;
  iph->check = 0;
  iph->check = ip_fast_csum(iph, sizeof *iph / 4);
  return ip_output(skb);
}

// The route lookup is one question: loopback or not (checked by the
// protocols before they build a packet); the one device is loopback.
int ip_output(sk_buff *skb) { return loopback_xmit(skb); }

int ip_rcv(sk_buff *skb) {
  if (skb->len < sizeof(iphdr)) goto drop;
  {
    auto *iph = reinterpret_cast<iphdr *>(skb->data);
    const uint32_t hlen = (iph->ihl_version & 0xf) * 4u;
    const uint32_t tot = ntohs(iph->tot_len);
    if ((iph->ihl_version >> 4) != 4 || hlen < sizeof(iphdr) || tot < hlen || tot > skb->len) goto drop;
    if (ip_fast_csum(iph, hlen / 4) != 0) goto drop; // a correct header sums to 0xffff
    if (!ipv4_is_loopback(iph->daddr) || iph->ttl == 0) goto drop;
    if (ntohs(iph->frag_off) & 0x3fff) goto drop; // a fragment: no reassembly here
    skb->network_header = skb->data;
    skb->len = tot; // drop any padding past the datagram
    skb->tail = skb->data + tot;
    skb_pull(skb, hlen);
    skb->transport_header = skb->data;
    if (iph->protocol == IPPROTO_TCP_NR) return tcp_v4_rcv(skb);
    if (iph->protocol == IPPROTO_UDP_NR) return udp_rcv(skb);
    if (iph->protocol == IPPROTO_ICMP_NR) {
      icmp_rcv(skb);
      return 0;
    }
  }
drop:
  net_inc_stats(&net_counters::drops_malformed);
  kfree_skb(skb);
  return -1;
}

// ICMP destination/port unreachable back to the sender of skb, carrying
// its IP header and first 8 bytes of payload, as RFC 792 asks.
void icmp_send_port_unreach(sk_buff *skb) {
  const auto *orig = reinterpret_cast<const iphdr *>(skb->network_header);
  const uint32_t quoted = sizeof(iphdr) + 8;
  sk_buff *reply = alloc_skb(SKB_MAX_HEADER + sizeof(icmphdr) + quoted);
  if (!reply) return;
  skb_reserve(reply, SKB_MAX_HEADER);
  auto *icmp = reinterpret_cast<icmphdr *>(skb_put(reply, sizeof(icmphdr) + quoted));
  icmp->type = ICMP_DEST_UNREACH;
  icmp->code = ICMP_PORT_UNREACH;
  icmp->unused = 0;
  memcpy(icmp + 1, orig, quoted);
  icmp->checksum = 0;
  icmp->checksum = csum_fold(csum_partial(icmp, sizeof(icmphdr) + quoted, 0));
  (void)ip_queue_xmit(reply, orig->daddr, orig->saddr, IPPROTO_ICMP_NR);
}

void icmp_rcv(sk_buff *skb) {
  const uint32_t need = sizeof(icmphdr) + sizeof(iphdr) + 8;
  if (skb->len < need || csum_fold(csum_partial(skb->data, skb->len, 0)) != 0) {
    net_inc_stats(&net_counters::drops_malformed);
    kfree_skb(skb);
    return;
  }
  const auto *icmp = reinterpret_cast<const icmphdr *>(skb->data);
  if (icmp->type == ICMP_DEST_UNREACH && icmp->code == ICMP_PORT_UNREACH) {
    const auto *orig = reinterpret_cast<const iphdr *>(icmp + 1);
    const auto *uh =
        reinterpret_cast<const udphdr *>(reinterpret_cast<const uint8_t *>(orig) + sizeof(iphdr));
    if (orig->protocol == IPPROTO_UDP_NR) udp_err(orig->saddr, uh->source, orig->daddr, uh->dest);
  }
  kfree_skb(skb);
}

} // namespace kernel
