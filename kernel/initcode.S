// The first user program (user/initcode.S), as bytes the kernel copies into
// the first process. The Makefile builds user/initcode (a raw binary) first.
        .section .rodata
        .globl initcode_start, initcode_end
        .p2align 3
initcode_start:
        .incbin "user/initcode"
initcode_end:
