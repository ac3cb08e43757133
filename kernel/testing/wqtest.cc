// Test wait queues that user programs drive through wqctl() (wqctl.h), so
// tests can check the wait-queue rules through the real code paths: N
// exclusive waiters and one wake_up() wake exactly one; a wakeup racing
// prepare_to_wait() on another hart is never lost; a callback can filter
// wakeups by their poll key. Also a small worked example of each API.
#include "clock.hh"
#include "uapi/errno.h"
#include "printf.hh"
#include "syscall.hh"
#include "wait.hh"
#include "fs/file.hh"
#include "net/sock.hh"
#include "uapi/wqctl.h"

namespace kernel {

namespace {

struct test_queue {
  wait_queue_head wq{"wqtest"};
  // Guarded by wq.lock:
  int tokens = 0;      // WQ_WAKE/WQ_WAKE_ALL deposits, each taken by one waiter
  int wakeups = 0;     // successful wakeups of entries on this queue
  uint64_t events = 0; // keys posted by WQ_WAKE_KEY
  // Written by WQ_POST_SEQ, read by waiters' conditions: atomic.
  uint64_t seq = 0;
};

constinit test_queue queues[WQ_NQUEUES];

// A test waiter's entry: it knows its task and queue, so the callbacks
// can count per queue (private_ points here, as poll's entries do).
struct test_entry {
  test_entry(test_queue &queue, wait_queue_func_t fn, uint64_t mask)
      : wait(this, fn), task(current_task()), q(queue), key_mask(mask) {}
  wait_queue_entry wait;
  proc *task;
  test_queue &q;
  uint64_t key_mask; // the keys a WQ_WAIT_KEY waiter wants
};

// autoremove_wake_function, counting the wakeups that happened.
// Called by __wake_up_common with the queue's lock held.
int counting_wake_function(wait_queue_entry *e, unsigned mode, int flags, void * /*key*/) {
  auto *te = static_cast<test_entry *>(e->private_);
  const int ret = try_to_wake_up(te->task, mode, flags);
  if (ret) {
    e->entry.unlink(); // as autoremove does
    te->q.wakeups++;
  }
  return ret;
}

// Like receiver_wake_function: a wakeup whose key has none of the events
// this waiter wants is not for it (return 0: not woken, budget not spent).
int key_filter_wake_function(wait_queue_entry *e, unsigned mode, int flags, void *key) {
  const uint64_t k = reinterpret_cast<uint64_t>(key);
  if (k && !(k & static_cast<test_entry *>(e->private_)->key_mask)) return 0;
  return counting_wake_function(e, mode, flags, key);
}

// Every test wait gives up after this long, so that a test that fails
// never leaves a process waiting for ever.
constexpr long TEST_WAIT_TICKS = 5 * static_cast<long>(HZ);

// Written out in full (not wait_event) to show the loop every waiter runs:
// queue, check, sleep, and leave the queue at the end. take() looks for
// what the waiter waits for, under the queue's lock, and returns a result
// >= 0 when it has it. Note that a woken waiter queues itself again before
// it looks: a wakeup means "look again", and if what it wanted is gone it
// waits on.
template <typename Take> long test_wait(test_queue &q, wait_queue_entry &wait, bool exclusive, Take take) {
  long left = TEST_WAIT_TICKS;
  long result;
  for (;;) {
    if (exclusive)
      prepare_to_wait_exclusive(&q.wq, &wait, TASK_INTERRUPTIBLE);
    else
      prepare_to_wait(&q.wq, &wait, TASK_INTERRUPTIBLE);
    {
      lock_guard g(q.wq.lock);
      if ((result = take()) >= 0) break;
    }
    if (signal_pending(current_task())) {
      result = -EINTR;
      break;
    }
    if (left == 0) {
      result = -ETIMEDOUT;
      break;
    }
    left = schedule_timeout(left);
  }
  finish_wait(&q.wq, &wait);
  return result;
}

long wait_exclusive(test_queue &q) {
  test_entry te(q, counting_wake_function, 0);
  return test_wait(q, te.wait, true, [&]() -> long {
    if (q.tokens == 0) return -1;
    q.tokens--;
    return 0;
  });
}

long wait_key(test_queue &q, uint64_t mask) {
  test_entry te(q, key_filter_wake_function, mask);
  return test_wait(q, te.wait, false, [&]() -> long {
    const uint64_t seen = q.events & mask;
    if (!seen) return -1;
    q.events &= ~mask;
    return static_cast<long>(seen);
  });
}

long wait_seq(test_queue &q, uint64_t target) {
  const long r = wait_event_interruptible_timeout(
      q.wq, [&] { return __atomic_load_n(&q.seq, __ATOMIC_ACQUIRE) >= target; }, 2 * static_cast<long>(HZ));
  // (2 s, not TEST_WAIT_TICKS: the timeout test measures this one.)
  if (r == 0) return -ETIMEDOUT;
  return r < 0 ? -EINTR : 0;
}

// Deposit n tokens, unless the queue would then hold more than
// WQ_MAX_TOKENS: n is the user's, and an int sum that overflowed would be
// undefined behaviour (`make stress`'s fuzzer found it on the UBSAN kernel).
bool add_tokens(test_queue &q, uint64_t n) {
  lock_guard g(q.wq.lock);
  if (n > static_cast<uint64_t>(WQ_MAX_TOKENS - q.tokens)) return false;
  q.tokens += static_cast<int>(n);
  return true;
}

// Linux's sock_wfree calls sk_write_space each time a sent packet is freed,
// which wakes the socket's queue with POLLOUT; Kite's loopback never runs
// short of send space and makes no such call. Tests make it here, to check
// that readers' callbacks pass such a wakeup by (receiver_wake_function).
long write_space() {
  file *f;
  if (const int err = argfd(1, nullptr, &f); err < 0) return err;
  if (f->type != file::kind::SOCKET) return -ENOTSOCK;
  struct sock *sk = f->sock->sk;
  sk->sk_write_space(sk);
  return 0;
}

} // namespace

int64_t sys_wqctl() {
  const int op = argint(0);
  const int n = argint(1);
  const uint64_t arg = argu64(2);
  if (op == WQ_WRITE_SPACE) return write_space();
  if (n < 0 || n >= WQ_NQUEUES) return -EINVAL;
  test_queue &q = queues[n];
  switch (op) {
  case WQ_RESET: {
    lock_guard g(q.wq.lock);
    q.tokens = q.wakeups = 0;
    q.events = 0;
    __atomic_store_n(&q.seq, 0, __ATOMIC_RELEASE);
    return 0;
  }
  case WQ_WAIT_EXCLUSIVE: return wait_exclusive(q);
  case WQ_WAKE:
    if (!add_tokens(q, 1)) return -EINVAL;
    wake_up(&q.wq);
    return 0;
  case WQ_WAKE_ALL:
    if (!add_tokens(q, arg)) return -EINVAL;
    wake_up_all(&q.wq);
    return 0;
  case WQ_WAIT_SEQ: return wait_seq(q, arg);
  case WQ_POST_SEQ:
    __atomic_store_n(&q.seq, arg, __ATOMIC_RELEASE);
    wake_up_interruptible(&q.wq);
    return 0;
  case WQ_WAIT_KEY: return wait_key(q, arg);
  case WQ_WAKE_KEY: {
    {
      lock_guard g(q.wq.lock);
      q.events |= arg;
    }
    wake_up_interruptible_poll(&q.wq, arg);
    return 0;
  }
  case WQ_STAT_WAKEUPS: {
    lock_guard g(q.wq.lock);
    return q.wakeups;
  }
  case WQ_STAT_WAITERS: {
    lock_guard g(q.wq.lock);
    int count = 0;
    for (wait_queue_entry &e : q.wq.head) {
      (void)e;
      count++;
    }
    return count;
  }
  }
  return -EINVAL;
}

} // namespace kernel
