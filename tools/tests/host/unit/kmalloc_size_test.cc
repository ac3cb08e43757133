// Host unit test of kernel/lib/kmalloc_size.hh (kmalloc's size classes)
// under AddressSanitizer and UBSan. Built and run by
// tools/tests/host/test_units.py. Prints one line per failed check and
// exits non-zero if any failed.
#include <cstdio>
#include "lib/kmalloc_size.hh"

using namespace kernel;

static int failures = 0;
#define CHECK(cond)                                                                                          \
  do {                                                                                                       \
    if (!(cond)) {                                                                                           \
      std::printf("%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                                   \
      failures++;                                                                                            \
    }                                                                                                        \
  } while (0)

// Every size from 0 to KMALLOC_MAX lands in the smallest class that holds it.
static void test_every_size_fits_its_class() {
  for (uint64_t size = 0; size <= KMALLOC_MAX; size++) {
    const int i = kmalloc_index(size);
    CHECK(i >= 0 && i < KMALLOC_CLASSES);
    if (i < 0 || i >= KMALLOC_CLASSES) return;
    CHECK(kmalloc_class_size(i) >= size);
    if (i > 0) CHECK(kmalloc_class_size(i - 1) < size); // no smaller class would do
  }
}

static void test_boundaries() {
  CHECK(kmalloc_index(0) == 0);
  CHECK(kmalloc_index(1) == 0);
  CHECK(kmalloc_index(32) == 0);
  CHECK(kmalloc_index(33) == 1);
  CHECK(kmalloc_index(64) == 1);
  CHECK(kmalloc_index(65) == 2);
  CHECK(kmalloc_index(1023) == KMALLOC_CLASSES - 2);
  CHECK(kmalloc_index(1024) == KMALLOC_CLASSES - 2);
  CHECK(kmalloc_index(1025) == KMALLOC_CLASSES - 1); // half a page
  CHECK(kmalloc_index(2016) == KMALLOC_CLASSES - 1);
  CHECK(kmalloc_index(2017) == -1); // a whole page
  CHECK(kmalloc_index(4096) == -1);
  CHECK(kmalloc_index(UINT64_MAX) == -1); // no overflow in the doubling
}

// Powers of two, then half a page less the largest slab header.
static void test_classes() {
  for (int i = 0; i < KMALLOC_CLASSES; i++) {
    const uint32_t s = kmalloc_class_size(i);
    if (i < KMALLOC_CLASSES - 1) CHECK((s & (s - 1)) == 0);
    CHECK(s % 16 == 0);
    CHECK(kmalloc_index(s) == i);
  }
  CHECK(kmalloc_class_size(0) == KMALLOC_MIN);
  CHECK(kmalloc_class_size(KMALLOC_CLASSES - 1) == KMALLOC_MAX);
  CHECK(KMALLOC_MAX == 2016);
}

// A slab page of every class holds at least two objects after its header
// (otherwise the class would be no better than a page).
static void test_objects_per_page() {
  constexpr uint32_t header = SLAB_HEADER_MAX; // the worst case
  for (int i = 0; i < KMALLOC_CLASSES; i++) {
    const uint32_t size = kmalloc_class_size(i);
    const uint32_t n = slab_objects_per_page(4096, header, size);
    CHECK(n >= 2);
    CHECK(header + n * size <= 4096);
    CHECK(header + (n + 1) * size > 4096);
  }
  CHECK(slab_objects_per_page(4096, header, 2048) == 1);
  CHECK(slab_objects_per_page(4096, 4096, 32) == 0);
  CHECK(slab_objects_per_page(4096, 5000, 32) == 0);
}

int main() {
  test_every_size_fits_its_class();
  test_boundaries();
  test_classes();
  test_objects_per_page();
  if (failures) std::printf("%d checks failed\n", failures);
  return failures ? 1 : 0;
}
