// exec: replace the calling process's memory with a program from the file
// system. The new image is built in a fresh page table and swapped in only
// when complete, so a failing exec returns -errno to an intact caller.
// Mirrors xv6's exec.c.
//
// User memory layout (xv6's), from address 0 up:
//   program text and data (from the ELF file, page-aligned segments)
//   a guard page (mapped, not user-accessible: catches stack overflow)
//   USERSTACK pages of stack, with argv on top
//   the heap, grown by sbrk
#include "elf.hh"
#include "uapi/errno.h"
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

// Read a segment's file bytes into pages already mapped at va. 0, or
// -ENOEXEC (the file is shorter than its program header says).
[[nodiscard]] int loadseg(pagetable_t pt, uint64_t va, inode *ip, uint32_t offset, uint32_t size) {
  for (uint32_t i = 0; i < size; i += PGSIZE) {
    const uint64_t pa = walkaddr(pt, va + i);
    if (pa == 0) return -ENOEXEC;
    const uint32_t n = size - i < PGSIZE ? size - i : PGSIZE;
    if (readi(ip, reinterpret_cast<void *>(pa), offset + i, n) != static_cast<int>(n)) return -ENOEXEC;
  }
  return 0;
}

// Map and fill every loadable segment of the ELF file. *sz is the size of
// the image so far, kept up to date even when a later step fails, so that
// the caller can free exactly what was mapped. 0, -ENOEXEC (a malformed
// file) or -ENOMEM.
[[nodiscard]] int load_program(pagetable_t pt, inode *ip, const elfhdr &elf, uint64_t *sz) {
  for (int i = 0; i < elf.phnum; i++) {
    proghdr ph;
    const uint32_t off = static_cast<uint32_t>(elf.phoff + i * sizeof ph);
    if (readi(ip, &ph, off, sizeof ph) != sizeof ph) return -ENOEXEC;
    if (ph.type != ELF_PROG_LOAD) continue;
    if (ph.memsz < ph.filesz || ph.vaddr + ph.memsz < ph.vaddr || ph.vaddr % PGSIZE != 0) return -ENOEXEC;
    const uint64_t newsz = uvmalloc(pt, *sz, ph.vaddr + ph.memsz, flags_to_perm(ph.flags));
    if (newsz == 0) return -ENOMEM;
    *sz = newsz;
    const int err =
        loadseg(pt, ph.vaddr, ip, static_cast<uint32_t>(ph.off), static_cast<uint32_t>(ph.filesz));
    if (err < 0) return err;
  }
  return *sz != 0 ? 0 : -ENOEXEC; // nothing to run
}

// Copy the argument strings and the argv array to the top of the stack.
// Returns the new sp, or 0 if they do not fit in the stack (E2BIG).
uint64_t push_args(pagetable_t pt, uint64_t sp, uint64_t stackbase, char **argv, int *argc_out) {
  uint64_t ustack[MAXARG + 1];
  int argc = 0;
  for (; argv[argc]; argc++) {
    if (argc >= MAXARG) return 0;
    sp -= strlen(argv[argc]) + 1;
    sp -= sp % 16; // the RISC-V ABI keeps sp 16-byte aligned
    if (sp < stackbase || copyout(pt, user_ptr<char>(sp), argv[argc], strlen(argv[argc]) + 1) < 0) return 0;
    ustack[argc] = sp;
  }
  ustack[argc] = 0;
  sp -= (argc + 1) * sizeof(uint64_t);
  sp -= sp % 16;
  if (sp < stackbase || copyout(pt, user_ptr<char>(sp), ustack, (argc + 1) * sizeof(uint64_t)) < 0) return 0;
  *argc_out = argc;
  return sp;
}

const char *last_element(const char *path) {
  const char *last = path;
  for (const char *s = path; *s; s++)
    if (*s == '/') last = s + 1;
  return last;
}

// Read the program at path into a new page table: *ptp, holding *szp bytes
// of image, with its ELF header in *elf. 0 or -errno (nothing is left
// allocated then).
int load_image(const char *path, elfhdr *elf, pagetable_t *ptp, uint64_t *szp) {
  pagetable_t pt = nullptr;
  uint64_t sz = 0;
  int err = -ENOEXEC;
  {
    fs_transaction tx; // the last iput of a removed program frees it
    inode *ip = namei(path);
    if (!ip) return -ENOENT;
    ilock(ip);
    if (readi(ip, elf, 0, sizeof *elf) == sizeof *elf && elf->magic == ELF_MAGIC) {
      pt = uvmcreate();
      err = pt ? load_program(pt, ip, *elf, &sz) : -ENOMEM;
    }
    iunlockput(ip);
  }
  if (err < 0) {
    if (pt) uvmfree(pt, sz);
    return err;
  }
  *ptp = pt;
  *szp = sz;
  return 0;
}

// Copy the user's argv array (at uargv, null-terminated) and its strings
// into argv[], a page per string. 0 or -errno; the caller frees the pages,
// whatever the result.
int fetch_args(user_ptr<user_ptr<char>> uargv, char **argv) {
  for (int i = 0;; i++) {
    if (i >= MAXARG) return -E2BIG; // argv[] needs room for its null terminator
    user_ptr<char> uarg;
    if (const int err = fetchaddr(uargv + i, &uarg); err < 0) return err;
    if (!uarg) return 0;
    argv[i] = static_cast<char *>(kalloc());
    if (!argv[i]) return -ENOMEM;
    if (const int err = fetchstr(uarg, argv[i], PGSIZE); err < 0) return err == -ENAMETOOLONG ? -E2BIG : err;
  }
}

} // namespace

int exec(const char *path, char **argv) {
  elfhdr elf;
  pagetable_t pt;
  uint64_t sz;
  if (const int err = load_image(path, &elf, &pt, &sz); err < 0) return err;

  // The stack: a guard page, then USERSTACK pages.
  sz = pgroundup(sz);
  const uint64_t stacktop = uvmalloc(pt, sz, sz + (USERSTACK + 1) * PGSIZE, PERM_W);
  uint64_t sp = 0;
  int argc = 0;
  if (stacktop != 0) {
    sz = stacktop;
    uvmclear(pt, sz - (USERSTACK + 1) * PGSIZE);
    sp = push_args(pt, sz, sz - USERSTACK * PGSIZE, argv, &argc);
  }
  if (sp == 0) {
    uvmfree(pt, sz);
    return stacktop == 0 ? -ENOMEM : -E2BIG;
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
  const auto uargv = argaddr<user_ptr<char>>(1); // char *argv[]
  int err = argstr(0, path, MAXPATH);
  if (err < 0) return err;
  err = fetch_args(uargv, argv);
  if (err == 0) err = exec(path, argv);
  for (char *arg : argv)
    if (arg) kfree(arg);
  return err;
}

} // namespace kernel
