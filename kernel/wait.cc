// Wait queues: the Linux mechanism, line for line where it matters. See
// wait.hh for the picture.
// Mirrors Linux's kernel/sched/wait.c (before 3.13: kernel/wait.c, with __wake_up in kernel/sched/core.c).
#include "wait.hh"
#include "uapi/errno.h"
#include "signal.hh"
#include "printf.hh"
#include "proc.hh"

namespace kernel {

namespace {

// Exclusive entries at the tail, the rest at the head: a wakeup reaches
// every non-exclusive waiter before it starts counting exclusive ones.
void add_entry_locked(wait_queue_head *wq, wait_queue_entry *e) {
  if (e->entry.linked()) return; // already queued from an earlier round
  if (e->flags & WQ_FLAG_EXCLUSIVE)
    wq->head.push_back(*e);
  else
    wq->head.push_front(*e);
}

} // namespace

void add_wait_queue(wait_queue_head *wq, wait_queue_entry *wq_entry) {
  lock_guard g(wq->lock);
  wq_entry->flags &= ~WQ_FLAG_EXCLUSIVE;
  add_entry_locked(wq, wq_entry);
}

void remove_wait_queue(wait_queue_head *wq, wait_queue_entry *wq_entry) {
  lock_guard g(wq->lock);
  if (wq_entry->entry.linked()) wq_entry->entry.unlink();
}

// Queue the entry, then change the task state, both under wq->lock: a
// waker takes the same lock to walk the queue, so it either sees the entry
// or runs before it is queued -- in which case the caller's condition check,
// which comes after this, sees what the waker did.
void prepare_to_wait(wait_queue_head *wq, wait_queue_entry *wq_entry, task_state state) {
  // LAB waitqueue: begin prepare_to_wait(wq, wq_entry, state)
  lock_guard g(wq->lock);
  wq_entry->flags &= ~WQ_FLAG_EXCLUSIVE;
  add_entry_locked(wq, wq_entry);
  set_current_state(state);
  // LAB waitqueue: end
}

void prepare_to_wait_exclusive(wait_queue_head *wq, wait_queue_entry *wq_entry, task_state state) {
  // LAB waitqueue: begin prepare_to_wait_exclusive(wq, wq_entry, state)
  lock_guard g(wq->lock);
  wq_entry->flags |= WQ_FLAG_EXCLUSIVE;
  add_entry_locked(wq, wq_entry);
  set_current_state(state);
  // LAB waitqueue: end
}

long prepare_to_wait_event(wait_queue_head *wq, wait_queue_entry *wq_entry, task_state state) {
  lock_guard g(wq->lock);
  if ((state & TASK_INTERRUPTIBLE) && signal_pending(current_task())) {
    // Off the queue, so a wakeup meant for a waiter that stays is not
    // spent on us (we would not use it).
    if (wq_entry->entry.linked()) wq_entry->entry.unlink();
    return -ERESTARTSYS;
  }
  add_entry_locked(wq, wq_entry);
  set_current_state(state);
  return 0;
}

// Back to running and off the queue. Linux peeks at the entry without the
// lock (list_empty_careful); taking the lock is simpler and as correct.
void finish_wait(wait_queue_head *wq, wait_queue_entry *wq_entry) {
  // LAB waitqueue: begin finish_wait(wq, wq_entry)
  __set_current_state(TASK_RUNNING);
  lock_guard g(wq->lock);
  if (wq_entry->entry.linked()) wq_entry->entry.unlink();
  // LAB waitqueue: end
}

bool waitqueue_active(wait_queue_head *wq) { return !wq->head.empty(); }

int default_wake_function(wait_queue_entry *wq_entry, unsigned mode, int flags, void * /*key*/) {
  return try_to_wake_up(static_cast<proc *>(wq_entry->private_), mode, flags);
}

// A woken entry leaves the queue at once, so a second wakeup passes it by
// and goes to the next waiter.
int autoremove_wake_function(wait_queue_entry *wq_entry, unsigned mode, int flags, void *key) {
  // LAB waitqueue: begin autoremove_wake_function(wq_entry, mode, flags, key)
  const int ret = default_wake_function(wq_entry, mode, flags, key);
  if (ret) wq_entry->entry.unlink();
  return ret;
  // LAB waitqueue: end
}

void __wake_up_common(wait_queue_head *wq, unsigned mode, int nr_exclusive, int wake_flags, void *key) {
  // LAB waitqueue: begin __wake_up_common(wq, mode, nr_exclusive, wake_flags, key)
  if (!holding(&wq->lock)) panic("__wake_up_common: wait queue lock not held");
  for (wait_queue_entry &e : wq->head) { // the iterator survives e's removal
    const unsigned flags = e.flags;
    const int ret = e.func(&e, mode, wake_flags, key);
    if (ret < 0) break;
    // Only a waiter that was really woken uses up the exclusive budget.
    if (ret && (flags & WQ_FLAG_EXCLUSIVE) && --nr_exclusive == 0) break;
  }
  // LAB waitqueue: end
}

void __wake_up(wait_queue_head *wq, unsigned mode, int nr_exclusive, void *key) {
  lock_guard g(wq->lock);
  __wake_up_common(wq, mode, nr_exclusive, 0, key);
}

// "sync": the waker is about to sleep, so the woken task may run on this
// hart (make_runnable pokes no other). A scheduling hint, in Linux
// as here: it changes nobody's order.
void __wake_up_sync_key(wait_queue_head *wq, unsigned mode, int nr_exclusive, void *key) {
  lock_guard g(wq->lock);
  __wake_up_common(wq, mode, nr_exclusive, WF_SYNC, key);
}

void wake_up(wait_queue_head *wq) { __wake_up(wq, TASK_NORMAL, 1, nullptr); }
void wake_up_all(wait_queue_head *wq) { __wake_up(wq, TASK_NORMAL, 0, nullptr); }
void wake_up_interruptible(wait_queue_head *wq) { __wake_up(wq, TASK_INTERRUPTIBLE, 1, nullptr); }
void wake_up_interruptible_all(wait_queue_head *wq) { __wake_up(wq, TASK_INTERRUPTIBLE, 0, nullptr); }

void wake_up_interruptible_poll(wait_queue_head *wq, uint64_t key) {
  __wake_up(wq, TASK_INTERRUPTIBLE, 1, reinterpret_cast<void *>(key));
}

void wake_up_interruptible_sync_poll(wait_queue_head *wq, uint64_t key) {
  __wake_up_sync_key(wq, TASK_INTERRUPTIBLE, 1, reinterpret_cast<void *>(key));
}

} // namespace kernel
