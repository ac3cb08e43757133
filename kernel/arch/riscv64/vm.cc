// Sv39 page tables.
// Mirrors xv6's vm.c.
//
// Three levels of 512 entries; a virtual address is [ VPN2 | VPN1 | VPN0 |
// offset ], 9+9+9+12 bits. The kernel's table maps RAM virtual == physical
// and the devices through one 1 GiB page at DEVBASE (memlayout.hh). A user
// table is a fresh root whose entries from USER_ROOT_ENTRIES on are copies
// of the kernel's (pointers to its second-level tables, and the device
// leaf), so every process sees the same kernel and creating one costs a
// single page.
#include "vm.hh"
#include "arch.hh"
#include "kalloc.hh"
#include "printf.hh"
#include "lib/checksum.hh"
#include "lib/string.hh"
#include "uapi/errno.h"

extern "C" char etext[]; // end of kernel code (kernel.ld)

namespace kernel {

using namespace riscv;

const int PERM_R = PTE_R, PERM_W = PTE_W, PERM_X = PTE_X;
pagetable_t kernel_pagetable;

namespace {

constexpr uint64_t ENTRIES = 512;
constexpr uint64_t px(int level, uint64_t va) { return (va >> (12 + 9 * level)) & (ENTRIES - 1); }
constexpr uint64_t pa_to_pte(uint64_t pa) { return (pa >> 12) << 10; }
constexpr uint64_t pte_to_pa(pte_t pte) { return (pte >> 10) << 12; }
constexpr bool is_leaf(pte_t pte) { return pte & (PTE_R | PTE_W | PTE_X); }
constexpr uint64_t satp_for(pagetable_t pt) { return SATP_SV39 | (reinterpret_cast<uint64_t>(pt) >> 12); }

// Root entries below this index belong to user space; the rest are shared.
constexpr uint64_t USER_ROOT_ENTRIES = px(2, USERTOP);
static_assert(USERTOP % (1ull << 30) == 0, "user space ends on a root-entry boundary");

// Kernel mappings: global (in every address space), accessed and dirty preset
// so the hardware never has to update them.
constexpr uint64_t KERNEL_BITS = PTE_G | PTE_A | PTE_D;
constexpr uint64_t USER_BITS = PTE_U | PTE_A | PTE_D;

pagetable_t alloc_table() {
  auto *pt = static_cast<pagetable_t>(kalloc());
  if (pt) memset(pt, 0, PGSIZE);
  return pt;
}

// The level-0 entry for va, creating missing tables if alloc. Null when a
// table is missing (and !alloc) or cannot be allocated.
pte_t *walk(pagetable_t pt, uint64_t va, bool alloc) {
  for (int level = 2; level > 0; level--) {
    pte_t *pte = &pt[px(level, va)];
    if (*pte & PTE_V) {
      if (is_leaf(*pte)) panic("walk: address lies in a huge page");
      pt = reinterpret_cast<pagetable_t>(pte_to_pa(*pte));
    } else {
      if (!alloc) return nullptr;
      pagetable_t next = alloc_table();
      if (!next) return nullptr;
      *pte = pa_to_pte(reinterpret_cast<uint64_t>(next)) | PTE_V;
      pt = next;
    }
  }
  return &pt[px(0, va)];
}

// Map [va, va+size) to [pa, pa+size); both page-aligned. 0, or -ENOMEM
// when a page table cannot be allocated.
[[nodiscard]] int mappages(pagetable_t pt, uint64_t va, uint64_t size, uint64_t pa, uint64_t perm) {
  for (uint64_t off = 0; off < size; off += PGSIZE) {
    pte_t *pte = walk(pt, va + off, true);
    if (!pte) return -ENOMEM;
    if (*pte & PTE_V) panic("mappages: page already mapped");
    *pte = pa_to_pte(pa + off) | perm | PTE_V;
  }
  return 0;
}

// Remove npages user mappings starting at va, freeing the pages if do_free.
void uvmunmap(pagetable_t pt, uint64_t va, uint64_t npages, bool do_free) {
  for (uint64_t a = va; a < va + npages * PGSIZE; a += PGSIZE) {
    pte_t *pte = walk(pt, a, false);
    if (!pte || !(*pte & PTE_V)) panic("uvmunmap: page not mapped");
    if (do_free) kfree(reinterpret_cast<void *>(pte_to_pa(*pte)));
    *pte = 0;
  }
  // The hart may have the old translations cached if pt is its current table.
  if (CSR_READ(satp) == satp_for(pt)) sfence_vma();
}

// Free a page-table page and the tables below it. Every leaf must already
// be unmapped: a leaf here is a leaked page.
void freewalk(pagetable_t pt) {
  for (uint64_t i = 0; i < ENTRIES; i++) {
    const pte_t pte = pt[i];
    if (!(pte & PTE_V)) continue;
    if (is_leaf(pte)) panic("freewalk: a user page is still mapped");
    freewalk(reinterpret_cast<pagetable_t>(pte_to_pa(pte)));
  }
  kfree(pt);
}

// The user-accessible, valid leaf entry for va, or null.
pte_t *user_pte(pagetable_t pt, uint64_t va) {
  if (va >= USERTOP) return nullptr;
  pte_t *pte = walk(pt, va, false);
  if (!pte || (*pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U)) return nullptr;
  return pte;
}

} // namespace

void kvminit() {
  kernel_pagetable = alloc_table();
  const auto text_end = reinterpret_cast<uint64_t>(etext);
  if (!kernel_pagetable ||
      mappages(kernel_pagetable, KERNBASE, text_end - KERNBASE, KERNBASE, PTE_R | PTE_X | KERNEL_BITS) < 0 ||
      mappages(kernel_pagetable, text_end, PHYSTOP - text_end, text_end, PTE_R | PTE_W | KERNEL_BITS) < 0)
    panic("kvminit: out of memory");
  // All devices through one gigapage: physical [0, 1 GiB) at DEVBASE.
  kernel_pagetable[px(2, DEVBASE)] = pa_to_pte(0) | PTE_R | PTE_W | KERNEL_BITS | PTE_V;
}

void kvm_unmap_page(uint64_t va) {
  pte_t *pte = walk(kernel_pagetable, va, false);
  if (!pte) panic("kvm_unmap_page: not mapped");
  *pte = 0;
}

void kvminithart() { switch_to(kernel_pagetable); }

void switch_to(pagetable_t pt) {
  if (CSR_READ(satp) == satp_for(pt)) return; // each satp write costs a TLB flush
  CSR_WRITE(satp, satp_for(pt));
  // One fence after the write does both jobs: it orders earlier stores to
  // the table before the walks that follow, and drops the old table's
  // cached translations. (In between, only kernel addresses are used, and
  // every table maps them the same way.)
  sfence_vma();
}

pagetable_t uvmcreate() {
  pagetable_t pt = alloc_table();
  if (!pt) return nullptr;
  for (uint64_t i = USER_ROOT_ENTRIES; i < ENTRIES; i++) pt[i] = kernel_pagetable[i];
  return pt;
}

uint64_t uvmalloc(pagetable_t pt, uint64_t oldsz, uint64_t newsz, int xperm) {
  if (newsz <= oldsz) return oldsz;
  if (newsz > USERTOP) return 0;
  for (uint64_t a = pgroundup(oldsz); a < newsz; a += PGSIZE) {
    void *mem = kalloc();
    if (!mem) {
      uvmdealloc(pt, a, oldsz);
      return 0;
    }
    memset(mem, 0, PGSIZE);
    if (mappages(pt, a, PGSIZE, reinterpret_cast<uint64_t>(mem), PTE_R | USER_BITS | xperm) < 0) {
      kfree(mem);
      uvmdealloc(pt, a, oldsz);
      return 0;
    }
  }
  return newsz;
}

uint64_t uvmdealloc(pagetable_t pt, uint64_t oldsz, uint64_t newsz) {
  if (newsz >= oldsz) return oldsz;
  const uint64_t first = pgroundup(newsz);
  const uint64_t last = pgroundup(oldsz);
  if (first < last) uvmunmap(pt, first, (last - first) / PGSIZE, true);
  return newsz;
}

int uvmcopy(pagetable_t from, pagetable_t to, uint64_t sz) {
  for (uint64_t va = 0; va < sz; va += PGSIZE) {
    pte_t *pte = walk(from, va, false);
    if (!pte || !(*pte & PTE_V)) panic("uvmcopy: page not mapped");
    void *mem = kalloc();
    if (!mem) {
      uvmunmap(to, 0, va / PGSIZE, true);
      return -ENOMEM;
    }
    memmove(mem, reinterpret_cast<void *>(pte_to_pa(*pte)), PGSIZE);
    if (mappages(to, va, PGSIZE, reinterpret_cast<uint64_t>(mem), *pte & 0x3ff & ~PTE_V) < 0) {
      kfree(mem);
      uvmunmap(to, 0, va / PGSIZE, true);
      return -ENOMEM;
    }
  }
  return 0;
}

void uvmfree(pagetable_t pt, uint64_t sz) {
  if (sz > 0) uvmunmap(pt, 0, pgroundup(sz) / PGSIZE, true);
  for (uint64_t i = 0; i < USER_ROOT_ENTRIES; i++) {
    if (pt[i] & PTE_V) freewalk(reinterpret_cast<pagetable_t>(pte_to_pa(pt[i])));
  }
  kfree(pt); // the kernel entries point at shared tables: not ours to free
}

void uvmclear(pagetable_t pt, uint64_t va) {
  pte_t *pte = walk(pt, va, false);
  if (!pte) panic("uvmclear: page not mapped");
  *pte &= ~PTE_U;
}

uint64_t walkaddr(pagetable_t pt, uint64_t va) {
  pte_t *pte = user_pte(pt, va);
  return pte ? pte_to_pa(*pte) : 0;
}

int copyout(pagetable_t pt, user_ptr<char> dst, const void *src, uint64_t len) {
  auto *s = static_cast<const char *>(src);
  uint64_t dstva = dst.addr();
  while (len > 0) {
    const uint64_t va0 = pgrounddown(dstva);
    pte_t *pte = user_pte(pt, va0);
    if (!pte || !(*pte & PTE_W)) return -EFAULT;
    const uint64_t n = PGSIZE - (dstva - va0) < len ? PGSIZE - (dstva - va0) : len;
    memmove(reinterpret_cast<void *>(pte_to_pa(*pte) + (dstva - va0)), s, n);
    len -= n;
    s += n;
    dstva = va0 + PGSIZE;
  }
  return 0;
}

namespace {

// The user bytes [va, va + len), a page at a time: fn(its kernel address,
// its offset from va, its length). -EFAULT, before any call, at the first
// page that is not mapped for user mode.
template <class F> int for_each_user_piece(pagetable_t pt, uint64_t va, uint64_t len, F fn) {
  for (uint64_t off = 0; off < len;) {
    const uint64_t va0 = pgrounddown(va + off);
    const uint64_t pa0 = walkaddr(pt, va0);
    if (pa0 == 0) return -EFAULT;
    const uint64_t n = PGSIZE - (va + off - va0) < len - off ? PGSIZE - (va + off - va0) : len - off;
    fn(reinterpret_cast<const char *>(pa0 + (va + off - va0)), off, n);
    off += n;
  }
  return 0;
}

} // namespace

int copyin(pagetable_t pt, void *dst, user_ptr<char> src, uint64_t len) {
  auto *d = static_cast<char *>(dst);
  return for_each_user_piece(pt, src.addr(), len,
                             [d](const char *from, uint64_t off, uint64_t n) { memmove(d + off, from, n); });
}

int csum_and_copy_from_user(pagetable_t pt, void *dst, user_ptr<char> src, uint32_t len, uint32_t *csum) {
  auto *d = static_cast<char *>(dst);
  uint32_t sum = *csum;
  const int err =
      for_each_user_piece(pt, src.addr(), len, [d, &sum](const char *from, uint64_t off, uint64_t n) {
        sum = csum_block_add(sum, csum_partial_copy(from, d + off, static_cast<uint32_t>(n), 0),
                             static_cast<uint32_t>(off));
      });
  *csum = sum;
  return err;
}

int copyinstr(pagetable_t pt, char *dst, user_ptr<char> src, uint64_t max) {
  uint64_t srcva = src.addr();
  while (max > 0) {
    const uint64_t va0 = pgrounddown(srcva);
    const uint64_t pa0 = walkaddr(pt, va0);
    if (pa0 == 0) return -EFAULT;
    const char *p = reinterpret_cast<const char *>(pa0 + (srcva - va0));
    for (uint64_t n = PGSIZE - (srcva - va0); n > 0 && max > 0; n--, max--) {
      *dst = *p++;
      if (*dst == 0) return 0;
      dst++;
    }
    srcva = va0 + PGSIZE;
  }
  return -ENAMETOOLONG; // no NUL within max bytes
}

} // namespace kernel
