// poll() on wait queues, as Linux's fs/select.c does it.
//
// A file's poll function reports what is ready now and, on poll()'s first
// pass, calls poll_wait() to put an entry for the caller on each wait queue
// whose wakeups could change that answer. The entries are non-exclusive
// (at the head of the queue) and carry the events the caller wants; their
// callback, pollwake(), ignores a wakeup whose key has none of those
// events. poll() sleeps until a callback fires, a signal comes, or the
// time-out ends, then asks every file again.
#pragma once
#include <cstdint>
#include "wait.hh"

namespace kernel {

struct poll_table;

struct poll_table_entry {
  poll_table_entry(poll_table *t, wait_queue_head *q, uint32_t k);
  wait_queue_entry wait; // its private_ points back here
  wait_queue_head *wq;
  poll_table *table;
  uint32_t key; // the events this entry waits for
};

struct poll_table {
  proc *task = nullptr;
  bool registering = true; // the first pass: poll_wait() adds entries
  bool triggered = false;  // a callback fired since the last pass (atomic)
  uint32_t key = 0;        // the events of the file being polled now
  int nentries = 0;
  poll_table_entry *entries = nullptr; // one page of them
  bool overflow = false;
};

// Called by a file's poll function for each wait queue it depends on.
void poll_wait(wait_queue_head *wq, poll_table *pt);

} // namespace kernel
