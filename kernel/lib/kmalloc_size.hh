// kmalloc's size classes: pure arithmetic, shared by the kernel (slab.cc)
// and its host unit test (tools/tests/host/unit/kmalloc_size_test.cc).
//
// A request is rounded up to the next power of two from KMALLOC_MIN to
// KMALLOC_MAX, so at most half of an object is wasted and six caches serve
// every small size. Larger requests get a whole page.
#pragma once
#include <cstdint>

namespace kernel {

constexpr uint32_t KMALLOC_MIN = 32;   // the smallest class (Linux's kmalloc-8 is smaller)
constexpr uint32_t KMALLOC_MAX = 1024; // the largest: a 2048-byte class would fit one per page
constexpr int KMALLOC_CLASSES = 6;     // 32, 64, 128, 256, 512, 1024

// The class that holds size bytes, or -1 if size is above KMALLOC_MAX.
// Linux's kmalloc_index.
constexpr int kmalloc_index(uint64_t size) {
  if (size > KMALLOC_MAX) return -1;
  int i = 0;
  for (uint64_t s = KMALLOC_MIN; s < size; s <<= 1) i++;
  return i;
}

// The object size of class i.
constexpr uint32_t kmalloc_class_size(int i) { return KMALLOC_MIN << i; }

// How many objects of size bytes fit in a page of page_size bytes after a
// header of header bytes.
constexpr uint32_t slab_objects_per_page(uint32_t page_size, uint32_t header, uint32_t size) {
  return header >= page_size ? 0 : (page_size - header) / size;
}

static_assert(kmalloc_class_size(KMALLOC_CLASSES - 1) == KMALLOC_MAX);

} // namespace kernel
