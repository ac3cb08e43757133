// Page tables: the kernel's, and each process's user part (below USERTOP)
// beside the shared kernel part.
#pragma once
#include <cstdint>
#include "user_ptr.hh"

namespace kernel {

using pagetable_t = uint64_t *;
using pte_t = uint64_t;

constexpr uint64_t PGSIZE = 4096;
constexpr uint64_t pgroundup(uint64_t a) { return (a + PGSIZE - 1) & ~(PGSIZE - 1); }
constexpr uint64_t pgrounddown(uint64_t a) { return a & ~(PGSIZE - 1); }

void kvminit();
void kvminithart();
void switch_to(pagetable_t pt);   // load pt into satp on this hart
void kvm_unmap_page(uint64_t va); // make a kernel page a guard page (before harts start)
extern pagetable_t kernel_pagetable;

// User address spaces. Permissions are PTE bits from the arch (R/W/X/U).
[[nodiscard]] pagetable_t uvmcreate();
[[nodiscard]] uint64_t uvmalloc(pagetable_t pt, uint64_t oldsz, uint64_t newsz, int xperm);
uint64_t uvmdealloc(pagetable_t pt, uint64_t oldsz, uint64_t newsz);
[[nodiscard]] int uvmcopy(pagetable_t from, pagetable_t to, uint64_t sz); // 0 or -ENOMEM
void uvmfree(pagetable_t pt, uint64_t sz);
void uvmclear(pagetable_t pt, uint64_t va);                   // make a page inaccessible to user mode
[[nodiscard]] uint64_t walkaddr(pagetable_t pt, uint64_t va); // user page's physical address, or 0

// Every user address the kernel touches goes through these: they check that
// each page is mapped and user-accessible (and writable, for copyout), and
// return 0, or -EFAULT if not. copyinstr fails with -ENAMETOOLONG when there
// is no NUL within max bytes. The byte forms take a user buffer; the typed
// forms copy exactly one T, so the length cannot be got wrong.
[[nodiscard]] int copyout(pagetable_t pt, user_ptr<char> dst, const void *src, uint64_t len);
[[nodiscard]] int copyin(pagetable_t pt, void *dst, user_ptr<char> src, uint64_t len);
[[nodiscard]] int copyinstr(pagetable_t pt, char *dst, user_ptr<char> src, uint64_t max);
// copyin that also adds the bytes' Internet checksum to *csum, in the same
// pass (Linux's csum_and_copy_from_user): a datagram's payload is summed as
// it comes in, not read a second time (lib/checksum.hh).
[[nodiscard]] int csum_and_copy_from_user(pagetable_t pt, void *dst, user_ptr<char> src, uint32_t len,
                                          uint32_t *csum);

template <class T> [[nodiscard]] int copyout(pagetable_t pt, user_ptr<T> dst, const T *src) {
  return copyout(pt, dst.bytes(), static_cast<const void *>(src), sizeof(T));
}
template <class T> [[nodiscard]] int copyin(pagetable_t pt, T *dst, user_ptr<T> src) {
  return copyin(pt, static_cast<void *>(dst), src.bytes(), sizeof(T));
}

// PTE permission bits for callers outside the arch directory.
extern const int PERM_R, PERM_W, PERM_X;

} // namespace kernel
