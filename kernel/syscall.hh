// System-call dispatch and argument fetching.
//
// Arguments arrive in the trap frame's a0..a5. Pointer arguments are user
// addresses: fetch what they point to only through copyin/copyinstr (here
// or in vm.hh), which fail cleanly on a bad address.
#pragma once
#include <cstdint>

namespace kernel {

void syscall();
[[nodiscard]] const char *syscall_name(uint64_t num); // "read"; "?" if none

[[nodiscard]] int argint(int n);
[[nodiscard]] uint64_t argaddr(int n);
// Copies the NUL-terminated string at user address argument n into buf.
// Returns its length, -EFAULT if the address is bad, or -ENAMETOOLONG if
// it does not fit.
[[nodiscard]] int argstr(int n, char *buf, int max);
// Reads the 8-byte user pointer at addr into *out. Returns 0 or -EFAULT.
[[nodiscard]] int fetchaddr(uint64_t addr, uint64_t *out);
[[nodiscard]] int fetchstr(uint64_t addr, char *buf, int max);

// One handler per line of syscalls.def, each defined in a sys*.cc file.
#define SYSCALL(name, number) int64_t sys_##name();
#include "uapi/syscalls.def"
#undef SYSCALL
#undef SYSCALL_ERRNO

} // namespace kernel
