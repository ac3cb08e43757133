// schedule() and try_to_wake_up(): Linux's way of sleeping and waking,
// on the same process table and ptable.lock as xv6's sleep and wakeup.
//
// Mirrors Linux's kernel/sched/core.c (kernel/sched.c before 3.3): __schedule()
// (the part that takes a task off the run queue) and try_to_wake_up(). Left
// out: run queues, priorities, migration between harts -- the xv6 scheduler
// loop does all the picking.
#include "sched.hh"
#include "debug/lockdep.hh"
#include "printf.hh"
#include "proc.hh"
#include "spinlock.hh"

namespace kernel {

proc *current_task() { return myproc(); }

void schedule() {
  if constexpr (LOCKDEP) lockdep::check_sleep(nullptr, source_location::current());
  proc *p = myproc();
  lock_guard g(ptable.lock);
  const uint32_t state = __atomic_load_n(&p->task_state, __ATOMIC_RELAXED);
  if (state == TASK_RUNNING) {
    // Nothing to wait for (a wakeup already came): just let others run.
    p->state = procstate::RUNNABLE;
    sched();
    return;
  }
  if ((state & TASK_INTERRUPTIBLE) && signal_pending(p)) {
    // A signal arrived after the caller's last check. Sleeping now would
    // sleep through it, so stay runnable; the caller's loop sees the signal.
    __atomic_store_n(&p->task_state, TASK_RUNNING, __ATOMIC_RELAXED);
    return;
  }
  p->chan = nullptr; // not an xv6 channel sleep: only try_to_wake_up() ends it
  p->state = procstate::SLEEPING;
  sched();
}

int try_to_wake_up(proc *p, uint32_t states, int wake_flags) {
  // Orders the waker's earlier stores (the condition it made true) before
  // the load of the task state below; pairs with set_current_state().
  __sync_synchronize();
  lock_guard g(ptable.lock);
  if (!(wake_flags & WF_SYNC)) return try_to_wake_up_locked(p, states);
  sync_wakeups sync; // the waker is about to sleep (sched.hh)
  return try_to_wake_up_locked(p, states);
}

int try_to_wake_up_locked(proc *p, uint32_t states) {
  if (!holding(&ptable.lock)) panic("try_to_wake_up_locked: ptable.lock not held");
  if (!(__atomic_load_n(&p->task_state, __ATOMIC_RELAXED) & states)) return 0;
  if (p->state == procstate::SLEEPING)
    make_runnable(p); // also sets TASK_RUNNING
  else
    __atomic_store_n(&p->task_state, TASK_RUNNING, __ATOMIC_RELAXED); // between check and schedule()
  return 1;
}

int wake_up_process(proc *p) { return try_to_wake_up(p, TASK_NORMAL, 0); }

} // namespace kernel
