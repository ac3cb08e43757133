// System-call stubs: one per line of kernel/syscalls.def. The kernel's ABI is
// xv6-riscv's: number in a7, arguments in a0..a5, result in a0.
#define SYSCALL(name, number) \
  .global name ; name: li a7, number ; ecall ; ret
#include "kernel/syscalls.def"
