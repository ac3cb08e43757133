// System-call dispatch and argument fetching.
//
// Arguments arrive in the trap frame's a0..a5. Pointer arguments are user
// addresses, and argaddr hands them out as such (user_ptr.hh): what they
// point to can only be fetched through copyin/copyinstr (here or in vm.hh),
// which fail cleanly on a bad address.
#pragma once
#include <cstdint>
#include "printf.hh"
#include "proc.hh"
#include "user_ptr.hh"

namespace kernel {

void syscall();
[[nodiscard]] const char *syscall_name(uint64_t num); // "read"; "?" if none

// Argument n, from the trap frame. Inline: each call names its argument
// by a constant, so the switch folds away to one load.
[[nodiscard]] inline uint64_t argraw(int n) {
  const trapframe *tf = myproc()->tf;
  switch (n) {
  case 0: return tf->a0;
  case 1: return tf->a1;
  case 2: return tf->a2;
  case 3: return tf->a3;
  case 4: return tf->a4;
  case 5: return tf->a5;
  }
  panic("argraw: no such argument register");
}

[[nodiscard]] inline int argint(int n) { return static_cast<int>(argraw(n)); }
[[nodiscard]] inline uint64_t argu64(int n) { return argraw(n); } // a size or flags word: all 64 bits
// Argument n as the address of a T in user memory.
template <class T> [[nodiscard]] user_ptr<T> argaddr(int n) { return user_ptr<T>(argu64(n)); }
// Copies the NUL-terminated string at user address argument n into buf.
// Returns its length, -EFAULT if the address is bad, or -ENAMETOOLONG if
// it does not fit.
[[nodiscard]] int argstr(int n, char *buf, int max);
// Reads the user pointer at addr, an element of a user array of them such
// as exec's argv, into *out. Returns 0 or -EFAULT.
[[nodiscard]] int fetchaddr(user_ptr<user_ptr<char>> addr, user_ptr<char> *out);
[[nodiscard]] int fetchstr(user_ptr<char> addr, char *buf, int max); // as argstr

// One handler per line of syscalls.def, each defined in a sys*.cc file.
#define SYSCALL(name, number) int64_t sys_##name();
#include "uapi/syscalls.def"
#undef SYSCALL

} // namespace kernel
