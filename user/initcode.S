// The first user program, copied into the first process by userinit():
// exec("/init", {"/init", 0}). If that fails, exit and let the kernel
// panic ("init exiting"): without init nothing else can run.
#define SYSCALL(name, number) .equ SYS_##name, number
#include "kernel/uapi/syscalls.def"

        .globl start
start:
        la      a0, init_path
        la      a1, argv
        li      a7, SYS_exec
        ecall
        li      a0, 1
        li      a7, SYS_exit
        ecall
1:      j       1b

init_path:
        .string "/init"
        .p2align 3
argv:
        .dword  init_path
        .dword  0
