// The Internet checksum (RFC 1071): the one's complement of the one's
// complement sum of a packet's 16-bit big-endian words. Pure arithmetic,
// shared by the network stack and its host unit test
// (tools/tests/host/unit/csum_test.cc). Mirrors Linux's lib/checksum.c
// (do_csum, the generic C version) and include/net/checksum.h.
//
// csum_partial returns a running sum to chain pieces with (the TCP and UDP
// pseudo-header, then the header and data); csum_fold turns the sum into
// the 16 bits that go into a header, in network byte order. A packet whose
// checksum is right sums, check field included, to 0xffff: csum_fold of it
// is 0.
#pragma once
#include <cstdint>

namespace kernel {

namespace csum_detail {

using u64_alias = uint64_t __attribute__((may_alias));
using u16_alias = uint16_t __attribute__((may_alias));

inline uint32_t fold64(uint64_t acc) {
  acc = (acc & 0xffffffff) + (acc >> 32);
  acc = (acc & 0xffffffff) + (acc >> 32);
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint32_t>(acc);
}

// Eight bytes at a time into a 64-bit sum, folded once at the end (the
// byte-at-a-time loop this replaced cost about ten instructions per word).
// One's complement addition does not care about byte order as long as
// every word is read the same way: the words are read in the CPU's
// little-endian order and the folded sum is byte-swapped once. A buffer at
// an odd address starts with the high half of a word; its sum comes out
// byte-swapped, and is swapped back.
inline uint32_t do_csum(const uint8_t *p, uint32_t len) {
  uint64_t acc = 0;
  const bool odd = reinterpret_cast<uintptr_t>(p) & 1;
  if (odd && len) {
    acc += static_cast<uint64_t>(*p++) << 8;
    len--;
  }
  for (; len >= 2 && (reinterpret_cast<uintptr_t>(p) & 7); p += 2, len -= 2)
    acc += *reinterpret_cast<const u16_alias *>(p);
  // Two 32-bit halves per word: under 2^33 a step, so 64 bits hold the sum
  // of any packet without folding inside the loop.
  for (; len >= 8; p += 8, len -= 8) {
    const uint64_t w = *reinterpret_cast<const u64_alias *>(p);
    acc += (w & 0xffffffff) + (w >> 32);
  }
  for (; len >= 2; p += 2, len -= 2) acc += *reinterpret_cast<const u16_alias *>(p);
  if (len) acc += *p; // a last odd byte is the low half of a little-endian word
  uint32_t sum = fold64(acc);
  if (odd) sum = __builtin_bswap16(static_cast<uint16_t>(sum));
  return __builtin_bswap16(static_cast<uint16_t>(sum)); // little-endian words -> big-endian
}

} // namespace csum_detail

// The sum of data's 16-bit big-endian words, added to sum.
[[nodiscard]] inline uint32_t csum_partial(const void *data, uint32_t len, uint32_t sum) {
  return sum + csum_detail::do_csum(static_cast<const uint8_t *>(data), len);
}

// The checksum field's value: the folded sum, complemented, in network order.
[[nodiscard]] inline uint16_t csum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return __builtin_bswap16(static_cast<uint16_t>(~sum & 0xffff));
}

// Linux's csum_tcpudp_nofold: the pseudo-header that TCP's and UDP's
// checksums start from -- both addresses (network order), the protocol and
// the segment's length (host order).
[[nodiscard]] inline uint32_t csum_tcpudp_nofold(uint32_t saddr, uint32_t daddr, uint16_t len, uint8_t proto,
                                                 uint32_t sum) {
  const struct {
    uint32_t saddr, daddr;
    uint8_t zero, protocol;
    uint16_t len;
  } ph = {saddr, daddr, 0, proto, __builtin_bswap16(len)};
  static_assert(sizeof ph == 12);
  return csum_partial(&ph, sizeof ph, sum);
}

} // namespace kernel
