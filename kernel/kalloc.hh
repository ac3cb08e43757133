// The physical page allocator: whole 4096-byte pages of RAM.
#pragma once
#include <cstdint>

namespace kernel {

void kinit();
[[nodiscard]] void *kalloc();         // a page, filled with junk; null if none is free
void kfree(void *pa);                 // a page from kalloc(), or an object from kmalloc() (slab.hh)
[[nodiscard]] uint64_t kfree_pages(); // how many pages are free now

} // namespace kernel
