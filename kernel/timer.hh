// Kernel timers: call a function at a given tick (Linux's timer_list).
// The timer interrupt runs them on hart 0, in interrupt context: a timer
// function must not sleep.
#pragma once
#include <cstdint>
#include "lib/list.hh"

namespace kernel {

struct timer_list {
  list_node entry;      // on the pending list; guarded by the timer lock (mod_timer peeks without)
  uint64_t expires = 0; // the tick (jiffies) it fires at
  void (*function)(timer_list *) = nullptr;
  void *data = nullptr; // for the function's use
};

[[nodiscard]] uint64_t jiffies(); // ticks since boot

void add_timer(timer_list *t);
// Set t to fire at `expires`, pending or not. Returns 1 if it was pending.
// Unlike del_timer_sync, callable from t's own function (to re-arm it).
int mod_timer(timer_list *t, uint64_t expires);
// Cancel t if pending; returns 1 if it was. A run of t's function on hart 0
// may still be under way: whoever frees t must know it is over (TCP's
// timers hold a reference to their sock for that).
int del_timer(timer_list *t);
// Cancel t, and wait for a run of t's function on another hart to finish,
// so that t may be freed. Returns 1 if t was pending.
int del_timer_sync(timer_list *t);

void run_timers(); // the timer interrupt, on hart 0, each tick

} // namespace kernel
