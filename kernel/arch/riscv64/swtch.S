// swtch(context *old, context *new): save the callee-saved registers into
// *old and load them from *new. The `ret` then returns into whatever called
// swtch in new's thread: the scheduler, sched(), or forkret_entry for a
// process that has never run.
        .section .text
        .global swtch
swtch:
        sd      ra, 0(a0)
        sd      sp, 8(a0)
        .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11
        sd      s\n, (16 + 8 * \n)(a0)
        .endr
        ld      ra, 0(a1)
        ld      sp, 8(a1)
        .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11
        ld      s\n, (16 + 8 * \n)(a1)
        .endr
        ret

// A new process's first kernel instruction (its context's ra). The frame
// chain starts here, so backtraces end cleanly.
        .global forkret_entry
forkret_entry:
        .cfi_startproc
        .cfi_undefined ra
        li      ra, 0
        li      s0, 0
        call    forkret
1:      j       1b                  // forkret never returns
        .cfi_endproc
