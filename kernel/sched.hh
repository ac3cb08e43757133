// Linux-style sleeping and waking on the xv6 process table.
//
// Beside xv6's sleep(chan, lk)/wakeup(chan), a process can wait the way
// Linux code does: announce that it is about to sleep, check its condition,
// and only then call schedule():
//
//   set_current_state(TASK_INTERRUPTIBLE);   // (prepare_to_wait does this)
//   if (!condition) schedule();
//   __set_current_state(TASK_RUNNING);
//
// A waker makes the condition true and calls try_to_wake_up(p, state) (from
// a wait-queue callback, a timer, or a signal). If that happens between the
// check and schedule(), it finds the task still RUNNING in the xv6 sense and
// only resets its task state to TASK_RUNNING; schedule() then sees that and
// does not sleep. So the wakeup is not lost, and since both sides change
// p->state only under ptable.lock, the process never runs on two harts.
// docs/wait-queues.md tells the whole story.
#pragma once
#include <cstdint>
#include "proc.hh"

namespace kernel {

struct proc;
proc *current_task(); // Linux's `current`

// The task's own state change, before it checks its condition. The full
// barrier orders the store before the condition's loads, pairing with the
// one in try_to_wake_up() between the waker's condition store and its read
// of the state (Linux's set_mb / smp_store_mb).
inline void set_current_state(task_state s) {
  __atomic_store_n(&current_task()->task_state, s, __ATOMIC_RELAXED);
  __sync_synchronize();
}
// The same without the barrier: for going back to TASK_RUNNING.
inline void __set_current_state(task_state s) {
  __atomic_store_n(&current_task()->task_state, s, __ATOMIC_RELAXED);
}

// Give up the hart. If the task state is not TASK_RUNNING the process sleeps
// until try_to_wake_up(); a TASK_INTERRUPTIBLE task with a signal pending
// does not sleep at all (Linux's __schedule does the same).
void schedule();

constexpr int WF_SYNC = 0x01; // wake_flags: the waker is about to sleep (sync_wakeups)

// While one lives, the wakeups this hart makes are WF_SYNC ones: the waker
// is about to sleep -- a datagram's sender or a pipe's writer, who waits
// for the answer next -- so no idle hart is poked (cpu::sync_wakeup, read
// by make_runnable): the wakee runs on this hart once the waker sleeps,
// without an IPI and a second hart's wakeup, as Linux's wake_affine would
// place it. If the waker does not sleep after all, the wakee gets the hart
// once the waker has had 1 ms of its slice (need_resched), and an idle
// hart is poked for the waker then (yield).
// Interrupts must be off (a spinlock held), so that the hart stays the
// same.
class [[nodiscard]] sync_wakeups {
public:
  sync_wakeups() { mycpu()->sync_wakeup = true; }
  ~sync_wakeups() { mycpu()->sync_wakeup = false; }
  sync_wakeups(const sync_wakeups &) = delete;
  sync_wakeups &operator=(const sync_wakeups &) = delete;
};

// Wake p if its task state is one of `states`: set it TASK_RUNNING and, if it
// is asleep, RUNNABLE. Returns 1 if it was woken, 0 if it was not in such a
// state (already running, or already woken). Any context, interrupts too.
int try_to_wake_up(proc *p, uint32_t states, int wake_flags);
int try_to_wake_up_locked(proc *p, uint32_t states); // caller holds ptable.lock
int wake_up_process(proc *p);                        // TASK_NORMAL

// Is there a reason for an interruptible sleep to end early: the process
// was killed, or has a signal pending that it does not block? (signal.cc)
[[nodiscard]] bool signal_pending(proc *p);

} // namespace kernel
