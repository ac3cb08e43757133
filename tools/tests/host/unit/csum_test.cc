// Host unit test of the Internet checksum (kernel/lib/checksum.hh): the
// word-at-a-time csum_partial against a byte-at-a-time reference, at every
// alignment and length, chained pieces, the copy that sums, blocks added at
// odd offsets, the pseudo-header and IP-header shortcuts; built with ASan and UBSan by
// tools/tests/host/test_units.py.
#include <cstdio>
#include <cstdlib>
#include "kernel/lib/checksum.hh"

using namespace kernel;

// RFC 1071 as written: big-endian 16-bit words, a last odd byte as a high half.
static uint32_t reference(const uint8_t *p, uint32_t len) {
  uint32_t sum = 0;
  for (; len > 1; len -= 2, p += 2) sum += static_cast<uint32_t>(p[0] << 8 | p[1]);
  if (len) sum += static_cast<uint32_t>(p[0] << 8);
  return sum;
}

static int failures;

static void check(bool ok, const char *what, unsigned a, unsigned b) {
  if (ok) return;
  std::printf("FAIL: %s (%u, %u)\n", what, a, b);
  failures++;
}

int main() {
  alignas(8) static uint8_t buf[70000];
  uint32_t x = 12345;
  for (auto &b : buf) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  for (unsigned align = 0; align < 8; align++)
    for (unsigned len = 0; len < 300; len++)
      check(csum_fold(csum_partial(buf + align, len, 0)) == csum_fold(reference(buf + align, len)),
            "csum_partial == reference", align, len);
  for (unsigned align = 0; align < 8; align++)
    check(csum_fold(csum_partial(buf + align, 65535, 0)) == csum_fold(reference(buf + align, 65535)),
          "a 64 KiB packet", align, 65535);
  // All ones: the largest sums, where a missed carry shows.
  static uint8_t ones[4096];
  for (auto &b : ones) b = 0xff;
  for (unsigned len = 0; len < sizeof ones; len += 7)
    check(csum_fold(csum_partial(ones, len, 0)) == csum_fold(reference(ones, len)), "all ones", 0, len);
  // csum_partial_copy copies exactly and sums as csum_partial does, fused
  // (both ends aligned) or not.
  alignas(8) static uint8_t copy[4200];
  for (unsigned align = 0; align < 8; align += 3)
    for (unsigned len = 0; len < 4100; len += (len < 300 ? 1 : 97)) {
      for (auto &b : copy) b = 0xa5;
      const uint32_t sum = csum_partial_copy(buf + align, copy + align, len, 7);
      bool same = true;
      for (unsigned i = 0; i < sizeof copy; i++)
        same &= copy[i] == (i >= align && i < align + len ? buf[i] : 0xa5);
      check(same, "csum_partial_copy copies the bytes and no others", align, len);
      check(csum_fold(sum) == csum_fold(reference(buf + align, len) + 7), "csum_partial_copy's sum", align,
            len);
    }
  // A packet summed in two blocks split anywhere, odd offsets too.
  for (unsigned cut = 0; cut <= 300; cut++) {
    const uint32_t whole = csum_partial(buf, 300, 0);
    const uint32_t pieces =
        csum_block_add(csum_partial(buf, cut, 0), csum_partial(buf + cut, 300 - cut, 0), cut);
    check(csum_fold(pieces) == csum_fold(whole), "csum_block_add at any offset", cut, 300);
    // and the first block's sum from the whole's, as tcp_fragment finds it
    const uint32_t first = csum_block_sub(whole, csum_partial(buf + cut, 300 - cut, 0), cut);
    check(csum_fold(first + 9) == csum_fold(csum_partial(buf, cut, 0) + 9), "csum_block_sub at any offset",
          cut, 300);
  }
  // A header with its checksum filled in sums to zero, whole or in two even pieces.
  uint8_t pkt[40];
  for (unsigned i = 0; i < sizeof pkt; i++) pkt[i] = static_cast<uint8_t>(i * 37 + 1);
  pkt[16] = pkt[17] = 0;
  const uint16_t c =
      csum_fold(csum_partial(pkt, sizeof pkt, csum_tcpudp_nofold(0x0100007f, 0x0100007f, 40, 6, 0)));
  pkt[16] = static_cast<uint8_t>(c), pkt[17] = static_cast<uint8_t>(c >> 8);
  check(csum_fold(csum_partial(pkt, sizeof pkt, csum_tcpudp_nofold(0x0100007f, 0x0100007f, 40, 6, 0))) == 0,
        "a filled-in checksum verifies", 0, 40);
  check(csum_fold(csum_partial(
            pkt + 20, 20, csum_partial(pkt, 20, csum_tcpudp_nofold(0x0100007f, 0x0100007f, 40, 6, 0)))) == 0,
        "chained pieces verify", 20, 20);
  // The pseudo-header summed as numbers == summed as the bytes it stands for.
  for (unsigned i = 0; i < 2000; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    const uint32_t saddr = x, daddr = x * 2654435761u;
    const uint16_t len = static_cast<uint16_t>(x >> 7);
    const uint8_t proto = static_cast<uint8_t>(x >> 3);
    const uint8_t ph[12] = {static_cast<uint8_t>(saddr),
                            static_cast<uint8_t>(saddr >> 8),
                            static_cast<uint8_t>(saddr >> 16),
                            static_cast<uint8_t>(saddr >> 24),
                            static_cast<uint8_t>(daddr),
                            static_cast<uint8_t>(daddr >> 8),
                            static_cast<uint8_t>(daddr >> 16),
                            static_cast<uint8_t>(daddr >> 24),
                            0,
                            proto,
                            static_cast<uint8_t>(len >> 8),
                            static_cast<uint8_t>(len)};
    check(csum_fold(csum_tcpudp_nofold(saddr, daddr, len, proto, i)) == csum_fold(reference(ph, 12) + i),
          "csum_tcpudp_nofold == the pseudo-header's bytes", saddr, len);
  }
  // ip_fast_csum: the field's value as csum_partial gives it, and 0 over a
  // header that carries it, with options (ihl 5..15) and all ones too.
  alignas(4) uint8_t hdr[60];
  for (unsigned ihl = 5; ihl <= 15; ihl++)
    for (unsigned round = 0; round < 200; round++) {
      for (unsigned j = 0; j < ihl * 4; j++)
        hdr[j] = round == 0 ? 0xff : static_cast<uint8_t>(buf[round * 61 + j]);
      hdr[10] = hdr[11] = 0;
      const uint16_t field = ip_fast_csum(hdr, ihl);
      check(field == csum_fold(csum_partial(hdr, ihl * 4, 0)), "ip_fast_csum == csum_partial", ihl, round);
      hdr[10] = static_cast<uint8_t>(field), hdr[11] = static_cast<uint8_t>(field >> 8);
      check(ip_fast_csum(hdr, ihl) == 0, "ip_fast_csum of a filled-in header is 0", ihl, round);
    }
  if (failures) return 1;
  std::printf("csum_test: ok\n");
  return 0;
}
