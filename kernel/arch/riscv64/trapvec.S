// Trap entry and exit.
//
// No page-table switch happens here: the kernel is mapped in every process's
// page table (memlayout.hh), so the handlers run on whatever satp holds.
//
// stvec always holds trapvec, which tells the two kinds of trap apart by
// sscratch, as Linux does: while a process runs in user mode sscratch holds
// the top of its kernel stack, and while the kernel runs it holds 0. (Two
// entries, one for each mode, would need two writes of stvec per system
// call, and each CSR write is an exit from QEMU's translated code.)

// struct trapframe (proc.hh): x1..x31 at (n-1)*8, then epc, kernel_hartid,
// and orig_a0 (which syscall() fills in, not this code).
#define TF_EPC    248
#define TF_HARTID 256
#define TF_SPACE  272 /* TRAPFRAME_SPACE in proc.hh: 34 registers' worth */

        .section .text
        .global trapvec
        .align 4
trapvec:
        csrrw   sp, sscratch, sp    // from user mode: sp = kernel stack top, sscratch = user sp
        bnez    sp, uservec
        csrrw   sp, sscratch, sp    // from the kernel: sp as it was, sscratch 0 again
        j       kernelvec

        .global uservec
uservec:
        .cfi_startproc
        .cfi_undefined ra           // user code is not a kernel caller: bt stops here
        addi    sp, sp, -TF_SPACE   // the trap frame
        .irp    n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        sd      x\n, ((\n - 1) * 8)(sp)
        .endr
        csrrw   t0, sscratch, zero  // sscratch = 0: in the kernel now
        sd      t0, 8(sp)           // user sp
        csrr    t0, sepc
        sd      t0, TF_EPC(sp)
        ld      tp, TF_HARTID(sp)   // user code may have changed tp
        li      s0, 0               // no caller frame
        li      ra, 0
        call    usertrap            // never returns; leaves through userret
        .cfi_endproc

// userret(trapframe *tf): back to user mode with tf's registers.
// usertrapret() has set sscratch, sepc and sstatus already.
        .global userret
userret:
        .irp    n, 1,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        ld      x\n, ((\n - 1) * 8)(a0)
        .endr
        ld      sp, 8(a0)
        ld      a0, 72(a0)          // a0 (x10) last: it held tf
        sret

// A trap while in the kernel: an interrupt, or an exception (a kernel bug).
// Save the registers a C call may clobber, on the current kernel stack.
// tp is not restored: kerneltrap may yield, and the process may come back
// on another hart, whose number tp must then hold.
#define KFRAME 272
#define KF_SEPC 264 /* with the interrupted s0 below it: a frame record */
#define KF_FP   256
        .global kernelvec
kernelvec:
        .cfi_startproc
        .cfi_signal_frame
        // For GDB: the interrupted code's pc is sepc (DWARF register 4096 +
        // 0x141), not ra -- it may be a leaf function whose return address
        // is still in ra, which the unwinder must find saved below.
        .cfi_return_column 4417
        addi    sp, sp, -KFRAME
        .cfi_def_cfa_offset KFRAME
        // ra, s0, t0-t2, a0-a7, t3-t6: each register xN at N*8.
        .irp    n, 1,5,6,7,8,10,11,12,13,14,15,16,17,28,29,30,31
        sd      x\n, (\n * 8)(sp)
        .cfi_offset \n, (\n * 8) - KFRAME
        .endr
        // For panic backtraces, which follow the frame pointer: a frame
        // record saying that the interrupted code "called" us from sepc, so
        // a backtrace continues into whatever the trap interrupted.
        csrr    t0, sepc
        sd      t0, KF_SEPC(sp)
        sd      s0, KF_FP(sp)
        .cfi_offset 4417, KF_SEPC - KFRAME
        addi    s0, sp, KFRAME
        call    kerneltrap
        .irp    n, 1,5,6,7,8,10,11,12,13,14,15,16,17,28,29,30,31
        ld      x\n, (\n * 8)(sp)
        .endr
        addi    sp, sp, KFRAME
        sret
        .cfi_endproc
