// Wait queues, as in Linux (include/linux/wait.h, kernel/sched/wait.c).
//
// A wait_queue_head is a lock and a list of wait_queue_entry. A waiter puts
// an entry for itself on the queue (prepare_to_wait*), checks its
// condition, and calls schedule(); a waker walks the entries and calls each
// one's callback, which usually ends in try_to_wake_up(). A caller need not
// spell that out: it can write
//
//   wait_event_interruptible_timeout(wq, [&] { return ready; }, ticks); // waiter
//   ready = true; wake_up_interruptible(&wq);                           // waker
//
// Exclusive waiters sit at the tail and are woken one at a time (a wakeup
// wakes every non-exclusive entry it passes, then stops after nr_exclusive
// exclusive ones); non-exclusive waiters (poll) sit at the head.
//
// Lock order: wq->lock, then ptable.lock (taken inside try_to_wake_up).
#pragma once
#include <cstdint>
#include "lib/list.hh"
#include "sched.hh"
#include "spinlock.hh"

namespace kernel {

struct wait_queue_entry;
using wait_queue_func_t = int (*)(wait_queue_entry *wq_entry, unsigned mode, int flags, void *key);

constexpr unsigned WQ_FLAG_EXCLUSIVE = 0x01;

int default_wake_function(wait_queue_entry *wq_entry, unsigned mode, int flags, void *key);
int autoremove_wake_function(wait_queue_entry *wq_entry, unsigned mode, int flags, void *key);

struct wait_queue_entry {
  wait_queue_entry(void *owner, wait_queue_func_t fn) : private_(owner), func(fn) {}
  unsigned flags = 0;
  void *private_;         // the waiting task, or the callback's own data (Linux: `private`)
  wait_queue_func_t func; // what a wakeup does for this entry
  list_node entry;        // on wait_queue_head::head, guarded by its lock
};

struct wait_queue_head {
  constexpr explicit wait_queue_head(const char *name) : lock(name) {}
  constexpr wait_queue_head() : wait_queue_head("wait queue") {}
  spinlock lock;
  intrusive_list<wait_queue_entry, &wait_queue_entry::entry> head;
};

// An entry for the current task whose wakeup also unlinks it.
#define DEFINE_WAIT(name)                                                                                    \
  ::kernel::wait_queue_entry name(::kernel::current_task(), ::kernel::autoremove_wake_function)

void add_wait_queue(wait_queue_head *wq, wait_queue_entry *wq_entry);
void remove_wait_queue(wait_queue_head *wq, wait_queue_entry *wq_entry);
void prepare_to_wait(wait_queue_head *wq, wait_queue_entry *wq_entry, task_state state);
void prepare_to_wait_exclusive(wait_queue_head *wq, wait_queue_entry *wq_entry, task_state state);
// The wait_event loop's step: 0, or -ERESTARTSYS if an interruptible wait
// must end for a signal (the entry is then off the queue).
[[nodiscard]] long prepare_to_wait_event(wait_queue_head *wq, wait_queue_entry *wq_entry, task_state state);
void finish_wait(wait_queue_head *wq, wait_queue_entry *wq_entry);
[[nodiscard]] bool waitqueue_active(wait_queue_head *wq);

// Walk wq calling callbacks; caller holds wq->lock.
void __wake_up_common(wait_queue_head *wq, unsigned mode, int nr_exclusive, int wake_flags, void *key);
void __wake_up(wait_queue_head *wq, unsigned mode, int nr_exclusive, void *key);
void __wake_up_sync_key(wait_queue_head *wq, unsigned mode, int nr_exclusive, void *key);

// Each is a real function, not an inline, so that every step of a wakeup
// shows up in a GDB backtrace with Linux's name.
void wake_up(wait_queue_head *wq); // one exclusive waiter
void wake_up_all(wait_queue_head *wq);
void wake_up_interruptible(wait_queue_head *wq);
void wake_up_interruptible_all(wait_queue_head *wq);
void wake_up_interruptible_poll(wait_queue_head *wq, uint64_t key);
void wake_up_interruptible_sync_poll(wait_queue_head *wq, uint64_t key);

// ---- wait_event: sleep until cond() is true (Linux's ___wait_event loop)

constexpr long MAX_SCHEDULE_TIMEOUT = INT64_MAX;
long schedule_timeout(long timeout); // timer.cc

// The loop behind Linux's wait_event variants; Kite has the one that has a
// caller, wait_event_interruptible_timeout. Returns the time left (or
// MAX_SCHEDULE_TIMEOUT, or 1 when the condition came true just as the time
// ran out), 0 on time-out, -ERESTARTSYS if a signal ended the wait.
template <typename Cond>
long ___wait_event(wait_queue_head &wq, Cond cond, task_state state, bool exclusive, long timeout) {
  DEFINE_WAIT(wait);
  if (exclusive) wait.flags = WQ_FLAG_EXCLUSIVE;
  long ret = timeout;
  for (;;) {
    const long intr = prepare_to_wait_event(&wq, &wait, state);
    if (cond()) {
      if (timeout != MAX_SCHEDULE_TIMEOUT && ret == 0) ret = 1;
      break;
    }
    if (intr) {
      ret = intr;
      break;
    }
    if (timeout != MAX_SCHEDULE_TIMEOUT && ret == 0) break; // no time at all: do not sleep
    ret = schedule_timeout(ret);
    if (timeout != MAX_SCHEDULE_TIMEOUT && ret == 0) {
      if (cond()) ret = 1; // one last look, as Linux's ___wait_cond_timeout
      break;
    }
  }
  finish_wait(&wq, &wait);
  return ret;
}

// Ticks left (at least 1) when cond() is true, 0 on time-out, -ERESTARTSYS on a signal.
template <typename Cond>
[[nodiscard]] long wait_event_interruptible_timeout(wait_queue_head &wq, Cond cond, long ticks) {
  if (cond()) return ticks > 0 ? ticks : 1;
  return ___wait_event(wq, cond, TASK_INTERRUPTIBLE, false, ticks);
}

} // namespace kernel
