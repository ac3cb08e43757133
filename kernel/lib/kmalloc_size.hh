// kmalloc's size classes: pure arithmetic, shared by the kernel (slab.cc)
// and its host unit test (tools/tests/host/unit/kmalloc_size_test.cc).
//
// A request is rounded up to the next power of two from KMALLOC_MIN to
// 1024, so at most half of an object is wasted; above that comes one last
// class, KMALLOC_MAX, and larger requests get a whole page.
//
// The last class is half a page less the slab's header, not 2048: the
// header lives in the page (slab.cc), so two 2048-byte objects would not
// fit, and the class would be a page in all but name. A 1 KiB datagram's
// buffer (1 KiB, head room and the shared info) then costs half a page, as
// in Linux's kmalloc-2k, instead of a whole one. (Linux has classes that
// are not powers of two too: kmalloc-96 and kmalloc-192.)
#pragma once
#include <cstdint>

namespace kernel {

constexpr uint32_t SLAB_PAGE = 4096;     // PGSIZE (slab.cc checks)
constexpr uint32_t SLAB_HEADER_MAX = 64; // the largest a slab page's header may be (slab.cc checks)
constexpr uint32_t KMALLOC_MIN = 32;     // the smallest class (Linux's kmalloc-8 is smaller)
constexpr uint32_t KMALLOC_MAX = (SLAB_PAGE - SLAB_HEADER_MAX) / 2; // 2016: two to a page
constexpr int KMALLOC_CLASSES = 7;                                  // 32, 64, 128, 256, 512, 1024, 2016

// The class that holds size bytes, or -1 if size is above KMALLOC_MAX.
// Linux's kmalloc_index.
constexpr int kmalloc_index(uint64_t size) {
  if (size > KMALLOC_MAX) return -1;
  int i = 0;
  for (uint64_t s = KMALLOC_MIN; s < size && i < KMALLOC_CLASSES - 1; s <<= 1) i++;
  return i;
}

// The object size of class i.
constexpr uint32_t kmalloc_class_size(int i) {
  return i == KMALLOC_CLASSES - 1 ? KMALLOC_MAX : KMALLOC_MIN << i;
}

// How many objects of size bytes fit in a page of page_size bytes after a
// header of header bytes.
constexpr uint32_t slab_objects_per_page(uint32_t page_size, uint32_t header, uint32_t size) {
  return header >= page_size ? 0 : (page_size - header) / size;
}

static_assert(kmalloc_class_size(KMALLOC_CLASSES - 2) == 1024 && KMALLOC_MAX > 1024);
static_assert(KMALLOC_MAX % 16 == 0, "objects stay 16-byte aligned");

} // namespace kernel
