// System-call stubs: one per line of kernel/uapi/syscalls.def. The kernel's ABI is
// xv6-riscv's: number in a7, arguments in a0..a5, result in a0, which is
// -errno on failure (Linux's convention) for every call. Each stub finishes
// in __syscall_ret (errno.c), which turns that into -1 and errno.
#define SYSCALL(name, number) \
  .global name ; name: li a7, number ; ecall ; tail __syscall_ret
#include "kernel/uapi/syscalls.def"
#undef SYSCALL

// The numbers as assembler symbols, SYS_name, for the code below.
#define SYSCALL(name, number) .equ SYS_##name, number
#include "kernel/uapi/syscalls.def"

// Where a signal handler returns (sigaction() in signal.c makes it the
// restorer): rt_sigreturn puts back the registers the signal interrupted.
// It never returns here.
  .global __signal_restorer
__signal_restorer:
  li a7, SYS_rt_sigreturn
  ecall
