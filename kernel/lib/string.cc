// Memory and string routines. The compiler may emit calls to the first four
// itself (struct copies, zeroing), so they keep their C names and meanings.
// Mirrors xv6's string.c.
#include "lib/string.hh"
#include <cstdint>

extern "C" void *memset(void *dst, int c, size_t n) {
  auto *d = static_cast<unsigned char *>(dst);
  // Word stores when aligned: pages are cleared often (kalloc, exec).
  if ((reinterpret_cast<uintptr_t>(d) & 7) == 0 && (n & 7) == 0) {
    uint64_t w = static_cast<unsigned char>(c) * 0x0101010101010101ull;
    auto *dw = reinterpret_cast<uint64_t *>(d);
    for (size_t i = 0; i < n / 8; i++) dw[i] = w;
    return dst;
  }
  for (size_t i = 0; i < n; i++) d[i] = static_cast<unsigned char>(c);
  return dst;
}

extern "C" void *memmove(void *dst, const void *src, size_t n) {
  auto *d = static_cast<unsigned char *>(dst);
  auto *s = static_cast<const unsigned char *>(src);
  if (d == s || n == 0) return dst;
  const bool aligned = ((reinterpret_cast<uintptr_t>(d) | reinterpret_cast<uintptr_t>(s) | n) & 7) == 0;
  if (s < d && d < s + n) { // overlapping, destination above: copy backwards
    if (aligned) {
      auto *dw = reinterpret_cast<uint64_t *>(d);
      auto *sw = reinterpret_cast<const uint64_t *>(s);
      for (size_t i = n / 8; i-- > 0;) dw[i] = sw[i];
    } else {
      for (size_t i = n; i-- > 0;) d[i] = s[i];
    }
    return dst;
  }
  // Word copies when both ends are aligned: pipes and page copies move
  // whole pages, and a byte loop would dominate their cost.
  if (aligned) {
    auto *dw = reinterpret_cast<uint64_t *>(d);
    auto *sw = reinterpret_cast<const uint64_t *>(s);
    for (size_t i = 0; i < n / 8; i++) dw[i] = sw[i];
  } else {
    for (size_t i = 0; i < n; i++) d[i] = s[i];
  }
  return dst;
}

extern "C" void *memcpy(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }

extern "C" int memcmp(const void *a, const void *b, size_t n) {
  auto *x = static_cast<const unsigned char *>(a);
  auto *y = static_cast<const unsigned char *>(b);
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] - y[i];
  return 0;
}

namespace kernel {

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

int strncmp(const char *a, const char *b, size_t n) {
  for (; n > 0 && *a && *a == *b; n--, a++, b++) {
  }
  if (n == 0) return 0;
  return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

char *strncpy(char *dst, const char *src, size_t n) {
  size_t i = 0;
  for (; i < n && src[i]; i++) dst[i] = src[i];
  for (; i < n; i++) dst[i] = 0;
  return dst;
}

char *safestrcpy(char *dst, const char *src, size_t n) {
  if (n == 0) return dst;
  size_t i = 0;
  for (; i + 1 < n && src[i]; i++) dst[i] = src[i];
  dst[i] = 0;
  return dst;
}

} // namespace kernel
