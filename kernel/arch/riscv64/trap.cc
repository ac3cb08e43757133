// Traps: system calls, interrupts and exceptions, from user or kernel mode.
// Mirrors xv6's trap.c.
//
// Every trap enters at trapvec (trapvec.S), which sends it on by where it
// came from. From user mode: uservec saves the user registers in the trap
// frame on the process's kernel stack and calls usertrap(). The way back is
// usertrapret() -> userret. From kernel mode: kernelvec saves the registers a
// call clobbers and calls kerneltrap().
#include "arch.hh"
#include "clock.hh"
#include "dev/uart.hh"
#include "debug/debug.hh"
#include "dev/virtio.hh"
#include "plic.hh"
#include "printf.hh"
#include "proc.hh"
#include "signal.hh"
#include "softirq.hh"
#include "uapi/syscall.h"
#include "syscall.hh"

extern "C" {
void trapvec();
[[noreturn]] void userret(kernel::trapframe *tf);
void usertrap();
void kerneltrap();
}

namespace kernel {

using namespace riscv;

namespace {

constexpr uint64_t TIMER_INTERVAL = arch::TIMEBASE_HZ / HZ;

void set_next_timer() { asm volatile("csrw 0x14d, %0" : : "r"(read_time() + TIMER_INTERVAL)); } // stimecmp

enum class irq { none, timer, other };

const char *cause_name(uint64_t scause) {
  switch (scause) {
  case 0: return "misaligned instruction";
  case 1: return "instruction access fault";
  case 2: return "illegal instruction";
  case 3: return "breakpoint";
  case 4: return "misaligned load";
  case 5: return "load access fault";
  case 6: return "misaligned store";
  case 7: return "store access fault";
  case EXC_INST_PAGE_FAULT: return "instruction page fault";
  case EXC_LOAD_PAGE_FAULT: return "load page fault";
  case EXC_STORE_PAGE_FAULT: return "store page fault";
  default: return "unknown exception";
  }
}

// The signal a user-mode fault ends the process with, as Linux reports it.
int fault_signal(uint64_t scause) {
  switch (scause) {
  case 2: return SIGILL;  // illegal instruction
  case 3: return SIGTRAP; // breakpoint
  case 0:
  case 4:
  case 6: return SIGBUS;   // misaligned
  default: return SIGSEGV; // page and access faults
  }
}

// Handle an interrupt, if scause is one.
irq handle_irq(uint64_t irq_nr) {
  switch (irq_nr) {
  case IRQ_S_EXT: {
    const int n = plic_claim();
    if (n == UART0_IRQ)
      uartintr();
    else if (n == VIRTIO0_IRQ)
      virtio_disk_intr();
    else if (n != 0)
      printf("unexpected interrupt irq=%d\n", n);
    if (n != 0) plic_complete(n);
    return irq::other;
  }
  case IRQ_S_TIMER:
    set_next_timer();
    clock_tick();
    return irq::timer;
  case IRQ_S_SOFT:
    // An IPI: another hart made a process runnable while this one was
    // idle, and waking from wfi was the point.
    CSR_CLEAR(sip, SIE_SSIE);
    return irq::other;
  default: return irq::none;
  }
}

irq devintr(uint64_t scause) {
  if (!(scause & SCAUSE_INTERRUPT)) return irq::none;
  const irq kind = handle_irq(scause & ~SCAUSE_INTERRUPT);
  // Linux's irq_exit: what the handler deferred (a TCP timer's
  // retransmission, received) runs before the trap returns.
  if (mycpu()->softirq_pending) do_softirq();
  return kind;
}

} // namespace

namespace arch {

void trapinithart() {
  CSR_WRITE(sscratch, 0); // in the kernel (trapvec.S)
  CSR_WRITE(stvec, reinterpret_cast<uint64_t>(trapvec));
  CSR_WRITE(scounteren, 0x7); // user mode may read cycle, time, instret
  set_next_timer();
}

} // namespace arch

[[noreturn]] void usertrapret() {
  proc *p = myproc();
  // Interrupts off, and sret to go to user mode: from the write of sscratch
  // to sret, a trap would be taken for one from user mode.
  CSR_CLEAR(sstatus, SSTATUS_SIE | SSTATUS_SPP);
  if constexpr (LOCKDEP) run_leftover_softirqs(); // every system call passes here: the check only
  CSR_WRITE(sscratch, reinterpret_cast<uint64_t>(p->kstack) + KSTACK_SIZE);
  CSR_SET(sstatus, SSTATUS_SPIE); // with interrupts on
  CSR_WRITE(sepc, p->tf->epc);
  p->tf->kernel_hartid = hartid();
  userret(p->tf);
}

} // namespace kernel

using namespace kernel;

extern "C" void usertrap() {
  if (TRAP_DEBUG && (CSR_READ(sstatus) & SSTATUS_SPP)) panic("usertrap: trap did not come from user mode");

  proc *p = myproc();
  const uint64_t scause = CSR_READ(scause);
  irq kind = irq::none;
  // Whichever way it came, what follows the trap's own work -- the system
  // call, exit, signal delivery, yield -- runs with interrupts on, as
  // process context always does. That is also what makes the pop_off
  // ending each spinlock run the softirqs raised under it: a process
  // killed in user mode closes its sockets in do_exit, and their FINs must
  // go now (tcptests killed).
  if (scause == EXC_ECALL_U) {
    p->tf->epc += 4; // return past the ecall
    intr_on();       // the system call may take a while; let interrupts in
    if (killed(p)) do_exit(-1, SIGKILL);
    syscall();
  } else if ((kind = devintr(scause)) != irq::none) {
    intr_on();
  } else {
    const int sig = fault_signal(scause);
    printf("pid %d (%s): %s at pc %p, address %p: killed by signal %d\n", p->pid, p->name, cause_name(scause),
           reinterpret_cast<void *>(CSR_READ(sepc)), reinterpret_cast<void *>(CSR_READ(stval)), sig);
    intr_on();
    do_exit(-1, sig);
  }
  if (killed(p)) do_exit(-1, SIGKILL);
  // Preemption: give up the hart each tick, or sooner for a process woken
  // to run here.
  if (kind == irq::timer || need_resched(p)) yield();
  // rt_sigreturn restores registers that may hold anything: never "restart" it.
  const bool restartable = scause == EXC_ECALL_U && p->tf->a7 != SYS_rt_sigreturn;
  if (signal_work_pending(p, restartable)) do_signal(p, restartable);
  usertrapret();
}

extern "C" void kerneltrap() {
  // yield() may run other code that traps; keep what sret needs.
  const uint64_t sepc = CSR_READ(sepc);
  const uint64_t sstatus = CSR_READ(sstatus);
  const uint64_t scause = CSR_READ(scause);
  if (!(sstatus & SSTATUS_SPP)) panic("kerneltrap: trap did not come from supervisor mode");
  if (intr_get()) panic("kerneltrap: interrupts enabled");

  const irq kind = devintr(scause);
  if (kind == irq::none) {
    const uint64_t stval = CSR_READ(stval);
    proc *p = myproc();
    printf("kernel trap: %s at pc %p, address %p, process %d (%s)\n", cause_name(scause),
           reinterpret_cast<void *>(sepc), reinterpret_cast<void *>(stval), p ? p->pid : 0,
           p ? p->name : "none");
    if (p && stval >= reinterpret_cast<uint64_t>(p->kstack) - KSTACK_GUARD &&
        stval < reinterpret_cast<uint64_t>(p->kstack))
      panic("kernel stack overflow (the address is in the stack's guard page)");
    panic("kerneltrap: unexpected exception in the kernel");
  }
  // Preempt a process running kernel code too. Interrupts were on when the
  // timer fired, so no spinlock is held and switching away is safe.
  proc *p = myproc();
  if (kind == irq::timer && p && p->state == procstate::RUNNING) yield();

  CSR_WRITE(sepc, sepc);
  CSR_WRITE(sstatus, sstatus);
}
