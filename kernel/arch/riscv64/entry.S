#include "boot.h"

# The first instructions every hart runs. QEMU's `-bios none` starts all harts
# here, at 0x80000000, in machine mode, with paging off. Give each hart its
# own boot stack and call start() (C++, still machine mode).

        .section .text.entry
        .global _entry
_entry:
        .cfi_startproc
        .cfi_undefined ra          # nothing called us: backtraces stop here
        csrr    a1, mhartid
        li      a0, NCPU_MAX
        bgeu    a1, a0, park       # more harts than the kernel supports
        la      sp, boot_stacks
        li      a0, BOOT_STACK_SIZE
        addi    a1, a1, 1
        mul     a0, a0, a1
        add     sp, sp, a0         # sp = top of this hart's boot stack
        li      ra, 0
        li      s0, 0
        call    start
park:
        wfi
        j       park
        .cfi_endproc
