// wqctl(op, queue, arg): drive the kernel's test wait queues from user
// space, for tests and labs (kernel/testing/wqtest.cc). C-compatible.
#pragma once

enum {
  WQ_NQUEUES = 4,
  // op                    what it does                                returns
  WQ_RESET = 0,            // empty the queue's counters                  0
  WQ_WAIT_EXCLUSIVE = 1,   // sleep (exclusive) until a token; take it    0, -EINTR, -ETIMEDOUT (5 s)
  WQ_WAKE = 2,             // add a token, wake_up(): one exclusive waiter 0, -EINVAL past WQ_MAX_TOKENS
  WQ_WAKE_ALL = 3,         // add arg tokens, wake_up_all()               0, -EINVAL past WQ_MAX_TOKENS
  WQ_WAIT_SEQ = 4,         // sleep until seq >= arg (at most 2 s)       0, -ETIMEDOUT, -EINTR
  WQ_POST_SEQ = 5,         // seq = arg, wake_up_interruptible()          0
  WQ_WAIT_KEY = 6,         // sleep until an event in mask arg arrives;   the events seen,
                           // the entry's callback ignores other keys     -EINTR, -ETIMEDOUT (5 s)
  WQ_WAKE_KEY = 7,         // record event arg, wake_up_interruptible_poll(arg)  0
  WQ_STAT_WAKEUPS = 8,     //                                             wakeups done so far
  WQ_STAT_WAITERS = 9,     //                                             entries queued now
  WQ_WRITE_SPACE = 10,     // queue: a socket's fd; its sk_write_space(),  0, -EBADF, -ENOTSOCK
                           // the POLLOUT wakeup Linux sends as sent data is freed
  WQ_MAX_TOKENS = 1 << 30, // the most tokens a queue holds
};
