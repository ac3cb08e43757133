// System-call stubs: one per line of kernel/syscalls.def. The kernel's ABI is
// xv6-riscv's: number in a7, arguments in a0..a5, result in a0.
// SYSCALL_ERRNO stubs finish in __syscall_ret (errno.c), which turns a
// -ENAME result into -1 and errno.
#define SYSCALL(name, number) \
  .global name ; name: li a7, number ; ecall ; ret
#define SYSCALL_ERRNO(name, number) \
  .global name ; name: li a7, number ; ecall ; tail __syscall_ret
#include "kernel/syscalls.def"
