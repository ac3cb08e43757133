// System-call dispatch: the number in a7 picks a handler from the table
// built from syscalls.def; its result goes back to user space in a0.
// Mirrors xv6's syscall.c.
//
// Every handler returns its result or -errno, and so does every kernel
// function below it that can fail: one convention inside the kernel, and
// in a0. The user library's stubs turn -errno into -1 and errno
// (user/lib/errno.c), for xv6's calls as for the new ones.
#include "syscall.hh"
#include <array>
#include "printf.hh"
#include "proc.hh"
#include "lib/string.hh"
#include "uapi/errno.h"
#include "vm.hh"

namespace kernel {

namespace {

using handler = int64_t (*)();

constexpr int NSYSCALL = [] {
  int highest = 0;
#define SYSCALL(name, number) highest = number > highest ? number : highest;
#include "uapi/syscalls.def"
#undef SYSCALL
  return highest + 1;
}();

constexpr std::array<handler, NSYSCALL> syscalls = [] {
  std::array<handler, NSYSCALL> table{};
#define SYSCALL(name, number) table[number] = sys_##name;
#include "uapi/syscalls.def"
#undef SYSCALL
  return table;
}();

constexpr std::array<const char *, NSYSCALL> names = [] {
  std::array<const char *, NSYSCALL> table{};
#define SYSCALL(name, number) table[number] = #name;
#include "uapi/syscalls.def"
#undef SYSCALL
  return table;
}();

} // namespace

const char *syscall_name(uint64_t num) { return num < names.size() && names[num] ? names[num] : "?"; }

int fetchaddr(user_ptr<user_ptr<char>> addr, user_ptr<char> *out) {
  return copyin(myproc()->pagetable, out, addr);
}

int fetchstr(user_ptr<char> addr, char *buf, int max) {
  if (const int err = copyinstr(myproc()->pagetable, buf, addr, max); err < 0) return err;
  return static_cast<int>(strlen(buf));
}

int argstr(int n, char *buf, int max) { return fetchstr(argaddr<char>(n), buf, max); }

void syscall() {
  proc *p = myproc();
  const uint64_t num = p->tf->a7;
  p->tf->orig_a0 = p->tf->a0; // a restarted call needs its first argument back
  if (num < syscalls.size() && syscalls[num]) {
    p->syscall_nr = static_cast<int64_t>(num);
    p->tf->a0 = syscalls[num]();
    p->syscall_nr = -1;
  } else {
    printf("pid %d (%s): unknown system call %lu\n", p->pid, p->name, num);
    p->tf->a0 = static_cast<uint64_t>(-ENOSYS);
  }
}

} // namespace kernel
