// The kernel's string and memory routines (string.cc). memset, memcpy,
// memmove and memcmp have C linkage because the compiler emits calls to them.
#pragma once
#include <cstddef>

extern "C" {
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
}

namespace kernel {

[[nodiscard]] size_t strlen(const char *s);
[[nodiscard]] int strncmp(const char *a, const char *b, size_t n);
char *strncpy(char *dst, const char *src, size_t n);    // pads with NULs, may not terminate
char *safestrcpy(char *dst, const char *src, size_t n); // always NUL-terminates

} // namespace kernel
