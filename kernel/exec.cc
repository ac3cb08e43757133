// exec: replace the calling process's memory with a program from the file
// system. The new image is built in a fresh page table and swapped in only
// when complete, so a failing exec returns -1 to an intact caller.
// Mirrors xv6's exec.c.
//
// User memory layout (xv6's), from address 0 up:
//   program text and data (from the ELF file, page-aligned segments)
//   a guard page (mapped, not user-accessible: catches stack overflow)
//   USERSTACK pages of stack, with argv on top
//   the heap, grown by sbrk
#include "elf.hh"
#include "fs/fs.hh"
#include "kalloc.hh"
#include "fs/log.hh"
#include "uapi/param.h"
#include "proc.hh"
#include "signal.hh"
#include "lib/string.hh"
#include "syscall.hh"
#include "vm.hh"

namespace kernel {

namespace {

int flags_to_perm(uint32_t flags) {
  int perm = 0;
  if (flags & ELF_PROG_FLAG_EXEC) perm |= PERM_X;
  if (flags & ELF_PROG_FLAG_WRITE) perm |= PERM_W;
  return perm;
}

// Read a segment's file bytes into pages already mapped at va.
[[nodiscard]] int loadseg(pagetable_t pt, uint64_t va, inode *ip, uint32_t offset, uint32_t size) {
  for (uint32_t i = 0; i < size; i += PGSIZE) {
    const uint64_t pa = walkaddr(pt, va + i);
    if (pa == 0) return -1;
    const uint32_t n = size - i < PGSIZE ? size - i : PGSIZE;
    if (readi(ip, false, pa, offset + i, n) != static_cast<int>(n)) return -1;
  }
  return 0;
}

// Map and fill every loadable segment of the ELF file. *sz is the size of
// the image so far, kept up to date even when a later step fails, so that
// the caller can free exactly what was mapped.
[[nodiscard]] bool load_program(pagetable_t pt, inode *ip, const elfhdr &elf, uint64_t *sz) {
  for (int i = 0; i < elf.phnum; i++) {
    proghdr ph;
    const uint32_t off = static_cast<uint32_t>(elf.phoff + i * sizeof ph);
    if (readi(ip, false, reinterpret_cast<uint64_t>(&ph), off, sizeof ph) != sizeof ph) return false;
    if (ph.type != ELF_PROG_LOAD) continue;
    if (ph.memsz < ph.filesz || ph.vaddr + ph.memsz < ph.vaddr || ph.vaddr % PGSIZE != 0) return false;
    const uint64_t newsz = uvmalloc(pt, *sz, ph.vaddr + ph.memsz, flags_to_perm(ph.flags));
    if (newsz == 0) return false;
    *sz = newsz;
    if (loadseg(pt, ph.vaddr, ip, static_cast<uint32_t>(ph.off), static_cast<uint32_t>(ph.filesz)) < 0)
      return false;
  }
  return *sz != 0;
}

// Copy the argument strings and the argv array to the top of the stack.
// Returns the new sp, or 0 if they do not fit in the stack.
uint64_t push_args(pagetable_t pt, uint64_t sp, uint64_t stackbase, char **argv, int *argc_out) {
  uint64_t ustack[MAXARG + 1];
  int argc = 0;
  for (; argv[argc]; argc++) {
    if (argc >= MAXARG) return 0;
    sp -= strlen(argv[argc]) + 1;
    sp -= sp % 16; // the RISC-V ABI keeps sp 16-byte aligned
    if (sp < stackbase || copyout(pt, sp, argv[argc], strlen(argv[argc]) + 1) < 0) return 0;
    ustack[argc] = sp;
  }
  ustack[argc] = 0;
  sp -= (argc + 1) * sizeof(uint64_t);
  sp -= sp % 16;
  if (sp < stackbase || copyout(pt, sp, ustack, (argc + 1) * sizeof(uint64_t)) < 0) return 0;
  *argc_out = argc;
  return sp;
}

const char *last_element(const char *path) {
  const char *last = path;
  for (const char *s = path; *s; s++)
    if (*s == '/') last = s + 1;
  return last;
}

} // namespace

int exec(const char *path, char **argv) {
  begin_op();
  inode *ip = namei(path);
  if (!ip) {
    end_op();
    return -1;
  }
  ilock(ip);
  elfhdr elf;
  pagetable_t pt = nullptr;
  uint64_t sz = 0;
  bool loaded = false;
  if (readi(ip, false, reinterpret_cast<uint64_t>(&elf), 0, sizeof elf) == sizeof elf && elf.magic == ELF_MAGIC)
    pt = uvmcreate();
  if (pt) loaded = load_program(pt, ip, elf, &sz);
  iunlockput(ip);
  end_op();
  if (!pt) return -1;

  // The stack: a guard page, then USERSTACK pages.
  uint64_t sp = 0;
  int argc = 0;
  if (loaded) {
    sz = pgroundup(sz);
    const uint64_t stacktop = uvmalloc(pt, sz, sz + (USERSTACK + 1) * PGSIZE, PERM_W);
    if (stacktop != 0) {
      sz = stacktop;
      uvmclear(pt, sz - (USERSTACK + 1) * PGSIZE);
      sp = push_args(pt, sz, sz - USERSTACK * PGSIZE, argv, &argc);
    }
  }
  if (sp == 0) {
    uvmfree(pt, sz);
    return -1;
  }

  // Commit: from here the old image is gone.
  proc *p = myproc();
  const pagetable_t old = p->pagetable;
  const uint64_t oldsz = p->sz;
  p->pagetable = pt;
  p->sz = sz;
  p->tf->epc = elf.entry;
  p->tf->sp = sp;
  p->tf->a1 = sp; // argv; argc is the return value, in a0
  safestrcpy(p->name, last_element(path), sizeof p->name);
  signals_exec(p);
  switch_to(pt); // stop using the old table before freeing it
  uvmfree(old, oldsz);
  return argc;
}

int64_t sys_exec() {
  char path[MAXPATH];
  char *argv[MAXARG + 1] = {};
  const uint64_t uargv = argaddr(1);
  int64_t result = -1;
  if (argstr(0, path, MAXPATH) < 0) return -1;
  for (int i = 0;; i++) {
    if (i >= MAXARG) goto done; // argv[] needs room for its null terminator
    uint64_t uarg;
    if (fetchaddr(uargv + sizeof(uint64_t) * i, &uarg) < 0) goto done;
    if (uarg == 0) break;
    argv[i] = static_cast<char *>(kalloc());
    if (!argv[i] || fetchstr(uarg, argv[i], PGSIZE) < 0) goto done;
  }
  result = exec(path, argv);
done:
  for (char *arg : argv)
    if (arg) kfree(arg);
  return result;
}

} // namespace kernel
