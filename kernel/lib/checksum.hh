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

// Views of packet bytes as wider words. Spell them out at each use: `auto`
// deduces the plain type, without may_alias.
using u64_alias = uint64_t __attribute__((may_alias));
using u32_alias = uint32_t __attribute__((may_alias));
using u16_alias = uint16_t __attribute__((may_alias));

// One's complement addition of 64-bit words: the carry out of the top
// comes back in at the bottom (RFC 1071's end-around carry). An add, a
// compare and an add a word, and nothing to fold inside a loop.
inline uint64_t add_carry(uint64_t acc, uint64_t w) {
  acc += w;
  return acc + (acc < w);
}

// A 32-bit sum folded to 16 bits, carries added back in.
inline uint32_t fold32(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

inline uint32_t fold64(uint64_t acc) {
  acc = (acc & 0xffffffff) + (acc >> 32);
  acc = (acc & 0xffffffff) + (acc >> 32);
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint32_t>(acc);
}

// Eight bytes at a time into a 64-bit sum, folded once at the end.
// One's complement addition does not care about byte order as long as
// every word is read the same way: the words are read in the CPU's
// little-endian order and the folded sum is byte-swapped once. A buffer at
// an odd address starts with the high half of a word; its sum comes out
// byte-swapped, and is swapped back.
inline uint32_t do_csum(const uint8_t *p, uint32_t len) {
  uint64_t acc = 0;
  const bool odd = reinterpret_cast<uintptr_t>(p) & 1;
  if (odd && len) {
    acc = static_cast<uint64_t>(*p++) << 8;
    len--;
  }
  for (; len >= 2 && (reinterpret_cast<uintptr_t>(p) & 7); p += 2, len -= 2)
    acc = add_carry(acc, *reinterpret_cast<const u16_alias *>(p));
  // Four words a turn: the loop's own three instructions (two counters and
  // a branch) cost as much as a word's sum, so a turn per word would spend
  // half its time on them.
  for (; len >= 32; p += 32, len -= 32) {
    const u64_alias *w = reinterpret_cast<const u64_alias *>(p);
    acc = add_carry(add_carry(add_carry(add_carry(acc, w[0]), w[1]), w[2]), w[3]);
  }
  for (; len >= 8; p += 8, len -= 8) acc = add_carry(acc, *reinterpret_cast<const u64_alias *>(p));
  for (; len >= 2; p += 2, len -= 2) acc = add_carry(acc, *reinterpret_cast<const u16_alias *>(p));
  if (len) acc = add_carry(acc, *p); // a last odd byte is the low half of a little-endian word
  uint32_t sum = fold64(acc);
  if (odd) sum = __builtin_bswap16(static_cast<uint16_t>(sum));
  return __builtin_bswap16(static_cast<uint16_t>(sum)); // little-endian words -> big-endian
}

} // namespace csum_detail

// The sum of data's 16-bit big-endian words, added to sum.
[[nodiscard]] inline uint32_t csum_partial(const void *data, uint32_t len, uint32_t sum) {
  return sum + csum_detail::do_csum(static_cast<const uint8_t *>(data), len);
}

// Copy len bytes and return their sum added to sum (Linux's
// csum_partial_copy_nocheck): one pass over the data, where a copy and then
// csum_partial would read it twice -- for a datagram's payload, the sum
// costs as much as the copy. Both ends 8-byte aligned, as a user buffer and
// an sk_buff's payload usually are: the fused loop; otherwise the copy,
// then the sum.
[[nodiscard]] inline uint32_t csum_partial_copy(const void *src, void *dst, uint32_t len, uint32_t sum) {
  using namespace csum_detail;
  const auto *s = static_cast<const uint8_t *>(src);
  auto *d = static_cast<uint8_t *>(dst);
  if ((reinterpret_cast<uintptr_t>(s) | reinterpret_cast<uintptr_t>(d)) & 7) {
    __builtin_memcpy(d, s, len);
    return csum_partial(d, len, sum);
  }
  uint64_t acc = 0;
  for (const uint8_t *end = s + (len & ~31u); s < end; s += 32, d += 32) {
    const u64_alias *from = reinterpret_cast<const u64_alias *>(s);
    u64_alias *to = reinterpret_cast<u64_alias *>(d);
    const uint64_t w0 = from[0], w1 = from[1], w2 = from[2], w3 = from[3];
    to[0] = w0, to[1] = w1, to[2] = w2, to[3] = w3;
    acc = add_carry(add_carry(add_carry(add_carry(acc, w0), w1), w2), w3);
  }
  len &= 31;
  __builtin_memcpy(d, s, len);
  sum += __builtin_bswap16(static_cast<uint16_t>(fold64(acc))); // little-endian words -> big-endian
  return csum_partial(d, len, sum);
}

// Add sum2, the sum of a block that starts offset bytes into the data, to
// sum (Linux's csum_block_add): a block at an odd offset has its bytes in
// the other halves of the data's words, so its folded sum is byte-swapped.
[[nodiscard]] inline uint32_t csum_block_add(uint32_t sum, uint32_t sum2, uint32_t offset) {
  sum2 = csum_detail::fold32(sum2);
  return sum + ((offset & 1) ? __builtin_bswap16(static_cast<uint16_t>(sum2)) : sum2);
}

// Take sum2, the sum of a block offset bytes into the data, out of sum
// (Linux's csum_block_sub): one's complement subtraction adds the
// complement.
[[nodiscard]] inline uint32_t csum_block_sub(uint32_t sum, uint32_t sum2, uint32_t offset) {
  return csum_block_add(sum, ~csum_detail::fold32(sum2) & 0xffff, offset);
}

// The checksum field's value: the folded sum, complemented, in network order.
[[nodiscard]] inline uint16_t csum_fold(uint32_t sum) {
  return __builtin_bswap16(static_cast<uint16_t>(~csum_detail::fold32(sum) & 0xffff));
}

// Linux's csum_tcpudp_nofold: the pseudo-header that TCP's and UDP's
// checksums start from -- both addresses (network order), the protocol and
// the segment's length (host order). Summed as numbers, not as bytes in
// memory (Linux's generic version does the same): the words of the 12-byte
// header in the CPU's little-endian reading are the two addresses as they
// are, the protocol shifted into the high byte and the length swapped.
[[nodiscard]] inline uint32_t csum_tcpudp_nofold(uint32_t saddr, uint32_t daddr, uint16_t len, uint8_t proto,
                                                 uint32_t sum) {
  using namespace csum_detail;
  const uint64_t acc = uint64_t{saddr} + daddr + (uint32_t{proto} << 8) + __builtin_bswap16(len);
  return sum + __builtin_bswap16(static_cast<uint16_t>(fold64(acc)));
}

// Linux's ip_fast_csum: an IP header's checksum field for the header's ihl
// 32-bit words -- or, over a header with its checksum filled in, 0 if it is
// right. A header is a few aligned words: summed into 64 bits they cannot
// overflow, so there is no carry to add back until the fold.
[[nodiscard]] inline uint16_t ip_fast_csum(const void *iph, uint32_t ihl) {
  // Named, not `auto`: deduction drops may_alias, and GCC would then drop
  // the caller's store of 0 to the 16-bit check field as unread.
  const csum_detail::u32_alias *w = static_cast<const csum_detail::u32_alias *>(iph);
  uint64_t acc = 0;
  for (uint32_t i = 0; i < ihl; i++) acc += w[i];
  // The sum of little-endian words, complemented, is the field's value as
  // it lies in memory (csum_fold swaps a big-endian sum instead).
  return static_cast<uint16_t>(~csum_detail::fold64(acc));
}
} // namespace kernel
