// Processes, harts and the scheduler.
//
// One lock, ptable.lock, guards every process's state, chan, xstate and
// parent fields and the scheduler's choice of what runs where -- the
// design of the classic x86 xv6. A single lock makes sleep/wakeup easy to
// reason about: whoever holds ptable.lock sees a consistent table.
//
// Lock order: any other lock (a pipe's, the console's, a buffer's) may be
// held when ptable.lock is taken, never the other way round -- except in
// sleep(), which takes ptable.lock *before* releasing the caller's lock.
#pragma once
#include <cstdint>
#include "arch.hh"
#include "uapi/param.h"
#include "uapi/signal.h"
#include "spinlock.hh"
#include "timer.hh"
#include "user_ptr.hh"

namespace kernel {

struct file;
struct inode;
using pagetable_t = uint64_t *;

// Registers swtch() saves and restores: the callee-saved ones. Everything
// else is already on the stack of whoever called swtch.
struct context {
  uint64_t ra;
  uint64_t sp;
  uint64_t s[12]; // s0 (the frame pointer) .. s11
};

// The user registers, saved by uservec on the process's kernel stack at the
// top. Registers are in x1..x31 order; the offsets are used by trapvec.S.
struct trapframe {
  uint64_t ra, sp, gp, tp;
  uint64_t t0, t1, t2;
  uint64_t s0, s1;
  uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
  uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
  uint64_t t3, t4, t5, t6;
  uint64_t epc;           // user pc to return to
  uint64_t kernel_hartid; // restored into tp on entry; user code may clobber tp
  uint64_t orig_a0;       // a0 at system-call entry: restarting a call needs it
};
static_assert(sizeof(trapframe) == 34 * 8, "trapvec.S knows this layout");
// Room the trap frame takes at the top of a kernel stack: rounded up so the
// stack pointer below it stays 16-byte aligned. trapvec.S uses the same size.
constexpr uint64_t TRAPFRAME_SPACE = 272;

// Per-hart state.
struct cpu {
  static constexpr int MAX_HELD = 8; // deepest spinlock nesting the kernel uses, with room

  struct proc *proc = nullptr;    // the process running here, or null
  context scheduler;              // swtch() here to enter the scheduler loop
  int noff = 0;                   // depth of push_off() nesting
  bool intena = false;            // were interrupts on before the first push_off()?
  uint32_t idle = 0;              // waiting in wfi for a runnable process (atomic)
  uint32_t ipi_pending = 0;       // harts to poke once this one holds no spinlock (make_runnable)
  uint32_t softirq_pending = 0;   // softirqs raised here, not run yet (softirq.cc)
  bool sync_wakeup = false;       // the wakeup under way is WF_SYNC: poke no hart (ptable.lock held)
  struct proc *yielder = nullptr; // the last process to leave this hart still RUNNABLE (run())
  // The spinlocks this hart holds, oldest first (spinlock.cc). Only this
  // hart changes them, with interrupts off.
  spinlock *held[MAX_HELD] = {};
  int nheld = 0;
};

// A slot's place in the process life cycle (xv6's states).
enum class procstate { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

// Linux's task states, beside xv6's: how a process waits, and so what may
// wake it (sched.hh). Bit flags, as in Linux, so a waker can name several.
enum task_state : uint32_t {
  TASK_RUNNING = 0,         // running, runnable, or about to check and sleep
  TASK_INTERRUPTIBLE = 1,   // asleep; a wakeup, kill or signal ends the sleep
  TASK_UNINTERRUPTIBLE = 2, // asleep; only the awaited event ends it (disk I/O)
  TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE,
};

constexpr uint64_t KSTACK_SIZE = 4 * 4096;
constexpr uint64_t KSTACK_GUARD = 4096; // an unmapped page below each kernel stack

struct proc {
  // Guarded by ptable.lock:
  procstate state = procstate::UNUSED;
  void *chan = nullptr; // if SLEEPING: what it sleeps on
  int xstate = 0;       // exit status, for the parent's wait()
  int pid = 0;
  proc *parent = nullptr;
  int hart = -1; // where it runs or last ran (for the proc dump)
  // Wakeup preemption (need_resched): when run() last switched it in, in
  // time-CSR ticks, and whether another process waits for its hart -- one
  // woken for it since, or the one it took the hart from. Only the hart it
  // runs on touches them.
  uint64_t slice_start = 0;
  bool others_waiting = false;
  // Linux's task state. The process writes its own (set_current_state)
  // without ptable.lock, wakers change it to TASK_RUNNING with it held;
  // always accessed atomically.
  uint32_t task_state = TASK_RUNNING;
  // kill() was called; exit at the next chance. Always atomic: set (to 1,
  // until the slot is freed) with ptable.lock held, so sleep() and
  // schedule(), which look at it under that lock, cannot miss it; read
  // without the lock by killed() on every trap and sleep loop. Relaxed is
  // enough: it publishes no other data, and a reader that sees it only exits.
  int killed = 0;
  // Signals (signal.cc): bit sig-1 of each set. Changed only with
  // ptable.lock held, read without it by signal_pending() on any hart: so
  // every access, locked or not, goes through sigset_load/sigset_store.
  uint64_t sigpending = 0;
  uint64_t sigblocked = 0;
  int termsig = 0; // the signal that ended the process, for waitpid()

  // Private to the process; others touch these only while it cannot run:
  uint8_t *kstack = nullptr; // bottom of the kernel stack (KSTACK_SIZE)
  trapframe *tf = nullptr;   // at the top of the kernel stack
  context ctx{};             // swtch() here to run the process
  uint64_t sz = 0;           // bytes of user memory
  pagetable_t pagetable = nullptr;
  file *ofile[NOFILE] = {};
  inode *cwd = nullptr;
  char name[16] = {};                     // for debugging
  int64_t syscall_nr = -1;                // the system call being served, -1 outside one (panics)
  struct sigaction sigactions[NSIG] = {}; // changed only by the process itself
  timer_list alarm_timer;                 // alarm(); cancelled by exit()
};

struct proc_table {
  spinlock lock{"ptable"};
  struct proc proc[NPROC];   // "struct": the member is named after its type, as in xv6
  uint64_t chan_wakeups = 0; // sleepers woken by wakeup1() since boot (sysinfo; bench)
};
extern proc_table ptable;
extern proc *initproc;
extern cpu cpus[NCPU]; // indexed by hart number

// This hart's struct cpu. Inline: every spinlock operation calls it
// several times (docs/performance.md). Only meaningful with interrupts off,
// or the process could move to another hart right after.
inline cpu *mycpu() { return &cpus[arch::hartid()]; }
inline int cpuid() { return arch::hartid(); }

// The kernel stacks, one per process slot, each behind a guard page.
extern uint8_t kstacks[NPROC][KSTACK_GUARD + KSTACK_SIZE];

// The process whose kernel stack we are on (Linux's `current`, as 2.6 found
// it from the stack pointer). xv6 reads mycpu()->proc with interrupts off
// -- otherwise the process could move to another hart between reading the
// hart id and using it -- and every push_off/pop_off costs two CSR
// accesses. The stack moves with the process instead, so nothing needs
// disabling. On a hart's own stack (the scheduler, and interrupts that
// arrive in it) there is no process: null, as mycpu()->proc is there.
inline proc *myproc() {
  const uint64_t off = arch::stack_pointer() - reinterpret_cast<uint64_t>(kstacks);
  if (off >= sizeof kstacks) return nullptr;
  return &ptable.proc[off / sizeof kstacks[0]];
}

void procinit();
void userinit();
[[noreturn]] void scheduler();
void sched();
void yield();
// Should p, running here, give up the hart on its way back to user mode,
// before its tick?
//
// Wakeup preemption, a simple form of Linux's check_preempt_wakeup: a
// process woken for this hart (make_runnable) need not wait for the tick
// once the one running here has had sched_wakeup_granularity (1 ms,
// Linux's on one CPU) of its slice. Without it a UDP sender that never
// sleeps fills the reader's buffer for a whole 10 ms tick and the rest is
// dropped; with it the reader drains the queue every millisecond. The
// granularity is checked on each return to user mode, not only at the
// wakeup: the sender's first datagram wakes the reader at the start of its
// slice, and the later ones find it awake. A process that the tick took
// the hart from waits just the same (the reader, preempted while it
// drained the queue), so it counts too (run()). Any sooner than the
// granularity, and two processes that wake each other would take turns at
// every wakeup.
constexpr uint64_t WAKEUP_GRANULARITY = arch::TIMEBASE_HZ / 1000;

[[nodiscard]] inline bool need_resched(proc *p) {
  return p->others_waiting && arch::now() - p->slice_start >= WAKEUP_GRANULARITY;
}

[[nodiscard]] int fork(); // the child's pid, -EAGAIN or -ENOMEM
[[noreturn]] void exit(int status);
// Exit; termsig is the signal that ended the process (0: it called exit).
[[noreturn]] void do_exit(int status, int termsig);
// What wait_common stores at the caller's status address for a child that
// has exited. Each system call brings its own: xv6's wait and POSIX's
// waitpid report differently (sysproc.cc).
using wait_status = int (*)(const proc &child);
// wait() and waitpid(): reap an exited child (pid > 0: that one; else
// any), storing report(child) at status_uva unless it is null.
// Returns the child's pid; 0 (WNOHANG, none has exited yet); -ECHILD;
// -EFAULT (a bad status address: the zombie stays, for a retry); or
// -ERESTARTSYS when a signal interrupts the wait.
[[nodiscard]] int wait_common(int pid, user_ptr<int> status_uva, int options, wait_status report);
[[nodiscard]] int kill(int pid); // 0 or -ESRCH
[[nodiscard]] inline bool killed(proc *p) { return __atomic_load_n(&p->killed, __ATOMIC_RELAXED); }
// A signal set's every access is atomic (relaxed: the stores are ordered by
// ptable.lock, which every writer holds; a reader without it only needs a
// value that was true at some moment, and re-checks under the lock).
[[nodiscard]] inline uint64_t sigset_load(const uint64_t &set) {
  return __atomic_load_n(&set, __ATOMIC_RELAXED);
}
void sigset_store(uint64_t &set, uint64_t value); // with ptable.lock held

void setkilled_locked(proc *p); // caller holds ptable.lock
// The process with this pid (a zombie too), or null. Called with
// ptable.lock held, which keeps the answer true until the caller lets go.
[[nodiscard]] proc *find_proc_locked(int pid);
[[nodiscard]] int growproc(int64_t n); // 0 or -ENOMEM

// xv6's sleep and wakeup. See proc.cc for why no wakeup is lost.
// TASK_INTERRUPTIBLE sleeps also end for a kill or a signal; disk waits
// pass TASK_UNINTERRUPTIBLE.
void sleep(void *chan, spinlock *lk, task_state state = TASK_INTERRUPTIBLE,
           source_location where = source_location::current());
inline void sleep(void *chan, lock_guard &held, task_state state = TASK_INTERRUPTIBLE,
                  source_location where = source_location::current()) {
  sleep(chan, held.lock(), state, where);
}
void wakeup(void *chan);
void wakeup1(void *chan);    // caller holds ptable.lock
void make_runnable(proc *p); // caller holds ptable.lock; pokes an idle hart when it is released
void send_pending_ipis(cpu *c);
void smp_send_reschedule(int hart); // the one way to send a wakeup IPI
extern uint64_t ipis_sent;          // wakeup IPIs sent since boot (smp_send_reschedule; sysinfo); atomic

// Copy to or from either a user address (in the current process) or
// kernel memory. Returns 0 or -EFAULT (a bad user address).
[[nodiscard]] int either_copyout(either_ptr dst, const void *src, uint64_t len);
[[nodiscard]] int either_copyin(void *dst, either_ptr src, uint64_t len);

void procdump();
[[nodiscard]] int started_harts(); // harts that reached the scheduler (main.cc)

} // namespace kernel
