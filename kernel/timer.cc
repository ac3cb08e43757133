// Kernel timers and schedule_timeout().
// Mirrors Linux's kernel/time/timer.c (kernel/timer.c before 3.17).
//
// The pending timers are one list, scanned each tick: a teaching kernel has
// a handful at a time (Linux's timer wheel exists for the millions case).
#include "timer.hh"
#include "arch.hh"
#include "clock.hh"
#include "printf.hh"
#include "proc.hh"
#include "sched.hh"
#include "spinlock.hh"
#include "wait.hh"

namespace kernel {

namespace {

// Guarded by timer_lock: the pending list and running.
constinit spinlock timer_lock{"timers"};
constinit intrusive_list<timer_list, &timer_list::entry> pending;
timer_list *running = nullptr; // whose function run_timers() is calling now

} // namespace

uint64_t jiffies() { return __atomic_load_n(&ticks, __ATOMIC_RELAXED); }

void add_timer(timer_list *t) {
  // LAB timeout: begin add_timer(t)
  lock_guard g(timer_lock);
  pending.push_back(*t);
  // LAB timeout: end
}

int mod_timer(timer_list *t, uint64_t expires) {
  // Linux's shortcut, for TCP above all, which re-arms its timers for every
  // segment, mostly for the tick they are already set for: then nothing
  // changes, and the lock is not needed. Read without it, on purpose: t
  // pending for `expires` stays so, or fires now because run_timers is
  // taking it off the list -- not early, since it was due. Only another
  // mod_timer of t at the same moment could move it (TCP's busy retry,
  // tcp_timer.cc, while a process owns the socket), and then t may fire
  // early: TCP's handler checks for that (tcp_write_timer_handler).
  if (__atomic_load_n(&t->entry.next, __ATOMIC_RELAXED) != nullptr &&
      __atomic_load_n(&t->expires, __ATOMIC_RELAXED) == expires)
    return 1;
  lock_guard g(timer_lock);
  const bool was_pending = t->entry.linked();
  if (was_pending) t->entry.unlink();
  t->expires = expires;
  pending.push_back(*t);
  return was_pending;
}

int del_timer(timer_list *t) {
  lock_guard g(timer_lock);
  if (!t->entry.linked()) return 0;
  t->entry.unlink();
  return 1;
}

int del_timer_sync(timer_list *t) {
  // LAB timeout: begin del_timer_sync(t)
  for (;;) {
    {
      lock_guard g(timer_lock);
      if (running != t) {
        if (!t->entry.linked()) return 0;
        t->entry.unlink();
        return 1;
      }
    }
    // Its function is running on hart 0 right now: wait for it to return.
  }
  // LAB timeout: end
}

void run_timers() {
  // LAB timeout: begin run_timers(running)
  const uint64_t now = jiffies();
  lock_guard g(timer_lock);
  for (;;) {
    timer_list *due = nullptr;
    for (timer_list &t : pending) {
      if (t.expires <= now) {
        due = &t;
        break;
      }
    }
    if (!due) return;
    due->entry.unlink();
    running = due;
    // The function may take other locks (ptable.lock, to wake a task):
    // call it without ours, as Linux does. The list may change meanwhile,
    // so the scan starts again afterwards.
    g.unlock();
    due->function(due);
    g.relock();
    running = nullptr;
  }
  // LAB timeout: end
}

// ---- schedule_timeout (Linux: kernel/time/timer.c)

// LAB timeout: begin
namespace {

// The timer's wakeup goes straight to the task, not through any wait
// queue: the task's entry stays queued until its finish_wait().
void process_timeout(timer_list *t) { wake_up_process(static_cast<proc *>(t->data)); }

} // namespace
// LAB timeout: end

long schedule_timeout(long timeout) {
  // LAB timeout: begin schedule_timeout(timeout)
  if (timeout == MAX_SCHEDULE_TIMEOUT) {
    schedule();
    return timeout;
  }
  if (timeout < 0) {
    printf("schedule_timeout: negative timeout %ld\n", timeout);
    __set_current_state(TASK_RUNNING);
    return 0;
  }
  const uint64_t expire = jiffies() + static_cast<uint64_t>(timeout);
  timer_list timer;
  timer.expires = expire;
  timer.function = process_timeout;
  timer.data = current_task();
  add_timer(&timer);
  schedule();
  del_timer_sync(&timer); // the timer lives on this stack: it must be gone
  const int64_t left = static_cast<int64_t>(expire - jiffies());
  return left < 0 ? 0 : left;
  // LAB timeout: end
}

} // namespace kernel
