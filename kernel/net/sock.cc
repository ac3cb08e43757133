// Generic socket code: making and freeing socks, the socket lock and its
// backlog, receive-memory accounting, the default callbacks, waiting for
// data, and the SOL_SOCKET options (Linux's net/core/sock.c).
#include "net/sock.hh"
#include <new>
#include "clock.hh"
#include "debug/lockdep.hh"
#include "printf.hh"
#include "poll.hh"
#include "proc.hh"
#include "signal.hh"
#include "slab.hh"
#include "uapi/errno.h"
#include "uapi/poll.h"
#include "uapi/signal.h"
#include "uapi/time.h"
#include "vm.hh"
#include "wait.hh"

namespace kernel {

net_counters net_stats = {};

namespace {

constexpr uint32_t SK_RCVBUF_DEFAULT = 212992; // Linux's net.core.rmem_default
constexpr uint32_t SK_SNDBUF_DEFAULT = 212992; // ... and wmem_default
// The minimum is twice Linux's SOCK_MIN_RCVBUF (2048 + sizeof(struct
// sk_buff)), because Kite queues a packet only if it fits under sk_rcvbuf
// (sock_rmem_room), where Linux lets one go past it: a TCP segment in a
// page-sized buffer (4,208 bytes charged) must still fit in the minimum.
// The maximum is that of a Linux whose net.core.rmem_max was raised to
// 2 MiB (doubled: 4 MiB; stock Linux stops at 425,984): the benchmarks'
// 1 KiB datagrams use it.
constexpr uint32_t SOCK_MIN_RCVBUF = 2 * (2048 + sizeof(sk_buff));
constexpr uint32_t SOCK_MIN_SNDBUF = 2 * (2048 + sizeof(sk_buff));
constexpr uint32_t SOCK_MAX_BUF = 4 * 1024 * 1024;

} // namespace

const char *tcp_state_name(uint32_t state) {
  static const char *const names[] = {"?",          "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
                                      "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
                                      "CLOSE_WAIT", "LAST_ACK",    "LISTEN",    "CLOSING"};
  return state < sizeof names / sizeof names[0] ? names[state] : "?";
}

// ---- Making and freeing

void proto_register(proto *prot) { prot->slab = kmem_cache_create(prot->name, prot->obj_size); }

sock *sk_alloc(proto *prot) {
  void *mem = kmem_cache_alloc(prot->slab);
  if (!mem) return nullptr;
  sock *sk = prot->construct(mem);
  sk->sk_prot = prot;
  return sk;
}

void sock_init_data(socket *sock, struct sock *sk) {
  sk->sk_rcvbuf = SK_RCVBUF_DEFAULT;
  sk->sk_sndbuf = SK_SNDBUF_DEFAULT;
  sk->sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT;
  sk->sk_sndtimeo = MAX_SCHEDULE_TIMEOUT;
  sk->sk_data_ready = sock_def_readable;
  sk->sk_write_space = sock_def_write_space;
  sk->sk_state_change = sock_def_wakeup;
  sk->sk_error_report = sock_def_error_report;
  if (sock) sock_graft(sk, sock);
}

void sock_graft(struct sock *sk, socket *parent) {
  sk->sk_socket = parent;
  parent->sk = sk;
}

// The file side is going away; what the protocol still does, it does alone.
void sock_orphan(struct sock *sk) {
  sock_set_flag(sk, SOCK_DEAD);
  sk->sk_socket = nullptr;
}

void sock_hold(struct sock *sk) { __atomic_add_fetch(&sk->refcnt, 1, __ATOMIC_RELAXED); }

namespace {

// Linux's sk_free: nothing else points at sk any more (it is in no table,
// no timer is pending, no socket holds it), so only its queues are left.
void sk_free(struct sock *sk) {
  if (!sk->sk_backlog.list.empty()) panic("sk_free: backlog not empty");
  skb_queue_purge(&sk->sk_receive_queue); // closing frees what nobody read
  if (!sk->sk_write_queue.list.empty()) panic("sk_free: write queue not empty");
  kmem_cache_free(sk->sk_prot->slab, sk);
}

} // namespace

void sock_put(struct sock *sk) {
  if (__atomic_sub_fetch(&sk->refcnt, 1, __ATOMIC_ACQ_REL) == 0) sk_free(sk);
}

// ---- The socket lock (sock.hh's top comment says why it exists)

namespace {

// Wait for the owner to let go. The receive path never waits here: it
// parks its segment on the backlog instead.
void __lock_sock(struct sock *sk, lock_guard &g) {
  DEFINE_WAIT(wait);
  for (;;) {
    prepare_to_wait_exclusive(&sk->sk_lock.wq, &wait, TASK_UNINTERRUPTIBLE);
    g.unlock();
    schedule();
    g.relock();
    if (!sock_owned_by_user(sk)) break;
  }
  finish_wait(&sk->sk_lock.wq, &wait);
}

// The owner processes what arrived while it held the socket. Linux keeps
// bottom halves off meanwhile; here interrupts stay off (push_off) while
// slock is let go around each segment, so that the receive path on other
// harts can add to the backlog as this drains it.
void __release_sock(struct sock *sk, lock_guard &g) {
  push_off();
  while (sk_buff *skb = sk->sk_backlog.list.pop_front()) {
    g.unlock();
    sk->sk_prot->backlog_rcv(sk, skb);
    g.relock();
  }
  // Zeroed only now, as in Linux: a sender flooding the backlog meets the
  // limit instead of keeping this loop going for ever.
  sk->sk_backlog.len = 0;
  pop_off();
}

} // namespace

void lock_sock(struct sock *sk) {
  if constexpr (LOCKDEP) lockdep::check_sleep(nullptr, source_location::current()); // might_sleep()
  lock_guard g(sk->sk_lock.slock);
  if (sock_owned_by_user(sk)) __lock_sock(sk, g);
  sk->sk_lock.owned = 1;
}

void release_sock(struct sock *sk) {
  lock_guard g(sk->sk_lock.slock);
  if (!sk->sk_backlog.list.empty()) __release_sock(sk, g);
  sk->sk_lock.owned = 0;
  // Waiters queue themselves under slock, which we hold: no lost wakeup.
  if (waitqueue_active(&sk->sk_lock.wq)) wake_up(&sk->sk_lock.wq);
}

int sk_add_backlog(struct sock *sk, sk_buff *skb, uint32_t limit) {
  if (!holding(&sk->sk_lock.slock)) panic("sk_add_backlog: sk_lock.slock not held");
  if (sk->sk_backlog.len + __atomic_load_n(&sk->sk_rmem_alloc, __ATOMIC_RELAXED) > limit) return -ENOBUFS;
  sk->sk_backlog.list.push_back(*skb);
  sk->sk_backlog.len += skb->truesize;
  return 0;
}

// ---- Receive memory

int sock_error(struct sock *sk) {
  const int err = __atomic_exchange_n(&sk->sk_err, 0, __ATOMIC_ACQ_REL);
  return err ? -err : 0;
}

void skb_set_owner_r(sk_buff *skb, struct sock *sk) {
  __atomic_add_fetch(&sk->sk_rmem_alloc, skb->truesize, __ATOMIC_RELAXED);
  skb->sk = sk;
}

// A queued packet does not pin its sock: the sock's last sock_put() purges
// the queue before freeing it, and a reader that dequeued a packet holds
// the socket's file open while it uses it.
void sock_rfree(sk_buff *skb) {
  __atomic_sub_fetch(&skb->sk->sk_rmem_alloc, skb->truesize, __ATOMIC_RELAXED);
  skb->sk = nullptr;
}

bool sock_rmem_room(struct sock *sk, const sk_buff *skb) {
  return __atomic_load_n(&sk->sk_rmem_alloc, __ATOMIC_RELAXED) + skb->truesize <=
         __atomic_load_n(&sk->sk_rcvbuf, __ATOMIC_RELAXED);
}

// Linux's sock_queue_rcv_skb: charge, queue, tell the readers. Runs in the
// software interrupt. A full receive buffer drops the packet (the sender is
// never blocked and kernel memory stays bounded).
int sock_queue_rcv_skb(struct sock *sk, sk_buff *skb) {
  if (!sock_rmem_room(sk, skb)) {
    sock_inc_stats(sk, &net_counters::drops_rcvbuf);
    return -ENOMEM;
  }
  skb_set_owner_r(skb, sk);
  skb_queue_tail(&sk->sk_receive_queue, skb);
  sock_inc_stats(sk, &net_counters::datagrams_in);
  sk->sk_data_ready(sk);
  return 0;
}

// ---- Waiting

long sock_rcvtimeo(struct sock *sk, bool noblock) {
  return noblock ? 0 : __atomic_load_n(&sk->sk_rcvtimeo, __ATOMIC_RELAXED);
}

long sock_sndtimeo(struct sock *sk, bool noblock) {
  return noblock ? 0 : __atomic_load_n(&sk->sk_sndtimeo, __ATOMIC_RELAXED);
}

// With no time-out the call may be restarted (SA_RESTART); with one, it
// fails with EINTR, since a restart would wait the whole time again.
int sock_intr_errno(long timeo) { return timeo == MAX_SCHEDULE_TIMEOUT ? -ERESTARTSYS : -EINTR; }

// Linux's sk_wait_data. The entry is DEFINE_WAIT's, so the wakeup that
// sock_def_readable sends unlinks it (autoremove_wake_function), and it is
// not exclusive: every reader wakes and looks. The entry is queued before
// the socket lock is let go, so data queued from then on -- by the
// backlog release_sock() processes, or by the software interrupt after
// it -- wakes us; sk_wait_event looks at the queue once more before it
// sleeps.
bool sk_wait_data(struct sock *sk, long *timeo) {
  // LAB tcp-wait: begin sk_wait_data(sk, timeo)
  DEFINE_WAIT(wait);
  prepare_to_wait(sk_sleep(sk), &wait, TASK_INTERRUPTIBLE);
  const bool rc = sk_wait_event(sk, timeo, [sk] { return !skb_queue_empty(&sk->sk_receive_queue); });
  finish_wait(sk_sleep(sk), &wait);
  return rc;
  // LAB tcp-wait: end
}

// ---- The default callbacks (sk_data_ready and friends)

// Linux's wq_has_sleeper: the full barrier orders the queueing above before
// the look at the wait queue, pairing with the barrier a reader passes
// (set_current_state) or a poller (sock_poll_wait) between queueing its
// entry and checking the receive queue. Without it, both could miss each
// other.
bool wq_has_sleeper(wait_queue_head *wq) {
  __sync_synchronize();
  return waitqueue_active(wq);
}

// Linux's sock_poll_wait: the poller's entry goes on the queue, and the
// full barrier orders that before the looks at the socket that follow
// (the receive queue's length is read without its lock).
void sock_poll_wait(struct sock *sk, poll_table *pt) {
  poll_wait(sk_sleep(sk), pt);
  __sync_synchronize();
}

void sock_def_readable(struct sock *sk) {
  if (wq_has_sleeper(sk_sleep(sk)))
    wake_up_interruptible_sync_poll(sk_sleep(sk), POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND);
  sk_wake_async(sk, POLLIN);
}

// Do not wake a writer until it can make "significant" progress: half the
// send buffer free (a comment signed --DaveM in Linux). UDP over loopback
// charges nothing for sent packets, so for it that is always true.
void sock_def_write_space(struct sock *sk) {
  if (2 * __atomic_load_n(&sk->sk_wmem_queued, __ATOMIC_RELAXED) >
      __atomic_load_n(&sk->sk_sndbuf, __ATOMIC_RELAXED))
    return;
  if (wq_has_sleeper(sk_sleep(sk))) wake_up_interruptible_sync_poll(sk_sleep(sk), POLLOUT | POLLWRNORM);
}

void sock_def_wakeup(struct sock *sk) {
  if (wq_has_sleeper(sk_sleep(sk))) wake_up_interruptible_all(sk_sleep(sk));
}

void sock_def_error_report(struct sock *sk) {
  if (wq_has_sleeper(sk_sleep(sk))) wake_up_interruptible_poll(sk_sleep(sk), POLLERR);
  sk_wake_async(sk, POLLERR);
}

// SIGIO to the owner of an O_ASYNC socket (Linux: kill_fasync).
void sk_wake_async(struct sock *sk, int /*band*/) {
  if (!__atomic_load_n(&sk->sk_fasync, __ATOMIC_RELAXED)) return;
  const int owner = __atomic_load_n(&sk->sk_owner, __ATOMIC_RELAXED);
  if (owner <= 0) return;
  lock_guard g(ptable.lock);
  if (proc *p = find_proc_locked(owner)) send_signal(p, SIGIO);
}

// ---- SOL_SOCKET options

namespace {

// A buffer size as Linux sets it: doubled, to leave room for bookkeeping.
uint32_t doubled_buf(int v, uint32_t min) {
  uint64_t doubled = v < 0 ? 0 : 2 * static_cast<uint64_t>(v);
  if (doubled < min) doubled = min;
  if (doubled > SOCK_MAX_BUF) doubled = SOCK_MAX_BUF;
  return static_cast<uint32_t>(doubled);
}

// Linux's sock_set_timeout: a struct timeval to ticks; {0, 0} is none.
int sock_set_timeout(long *timeo_p, user_ptr<char> val, uint32_t len) {
  timeval tv;
  if (len < sizeof tv) return -EINVAL;
  if (copyin(myproc()->pagetable, &tv, val, sizeof tv) < 0) return -EFAULT;
  if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000) return -EINVAL;
  long timeo;
  if (tv.tv_sec == 0 && tv.tv_usec == 0) {
    timeo = MAX_SCHEDULE_TIMEOUT; // {0, 0}: no time-out
  } else if (tv.tv_sec >= MAX_SCHEDULE_TIMEOUT / static_cast<long>(HZ) - 1) {
    timeo = MAX_SCHEDULE_TIMEOUT; // too long to count: for ever, as Linux does
  } else {
    const long usec_per_tick = 1000000 / static_cast<long>(HZ);
    timeo = tv.tv_sec * static_cast<long>(HZ) + (tv.tv_usec + usec_per_tick - 1) / usec_per_tick;
  }
  __atomic_store_n(timeo_p, timeo, __ATOMIC_RELAXED);
  return 0;
}

timeval ticks_to_timeval(long timeo) {
  timeval tv = {0, 0};
  if (timeo != MAX_SCHEDULE_TIMEOUT) {
    tv.tv_sec = timeo / static_cast<long>(HZ);
    tv.tv_usec = (timeo % static_cast<long>(HZ)) * (1000000 / static_cast<long>(HZ));
  }
  return tv;
}

// getsockopt's answer: the option's value to val and its size to *len,
// if the caller's buffer holds it.
int put_sockopt(user_ptr<char> val, user_ptr<int> len_uva, const void *v, int size) {
  pagetable_t pt = myproc()->pagetable;
  int len;
  if (copyin(pt, &len, len_uva) < 0) return -EFAULT;
  if (len < size) return -EINVAL;
  if (copyout(pt, val, v, size) < 0 || copyout(pt, len_uva, &size) < 0) return -EFAULT;
  return 0;
}

} // namespace

int sock_setsockopt(socket *sock, int name, user_ptr<char> val, uint32_t len) {
  struct sock *sk = sock->sk;
  if (name == SO_RCVTIMEO) return sock_set_timeout(&sk->sk_rcvtimeo, val, len);
  if (name == SO_SNDTIMEO) return sock_set_timeout(&sk->sk_sndtimeo, val, len);
  int v;
  if (len < sizeof v) return -EINVAL;
  if (copyin(myproc()->pagetable, &v, val, sizeof v) < 0) return -EFAULT;
  switch (name) {
  case SO_RCVBUF:
    __atomic_store_n(&sk->sk_rcvbuf, doubled_buf(v, SOCK_MIN_RCVBUF), __ATOMIC_RELAXED);
    return 0;
  case SO_SNDBUF:
    __atomic_store_n(&sk->sk_sndbuf, doubled_buf(v, SOCK_MIN_SNDBUF), __ATOMIC_RELAXED);
    lock_sock(sk);          // TCP's sk_stream_write_space changes sk_flags: the socket lock's
    sk->sk_write_space(sk); // a writer may fit now
    release_sock(sk);
    return 0;
  case SO_REUSEADDR: __atomic_store_n(&sk->sk_reuse, v != 0, __ATOMIC_RELAXED); return 0;
  }
  return -ENOPROTOOPT;
}

int sock_getsockopt(socket *sock, int name, user_ptr<char> val, user_ptr<int> len) {
  struct sock *sk = sock->sk;
  if (name == SO_RCVTIMEO || name == SO_SNDTIMEO) {
    const timeval tv = ticks_to_timeval(
        __atomic_load_n(name == SO_RCVTIMEO ? &sk->sk_rcvtimeo : &sk->sk_sndtimeo, __ATOMIC_RELAXED));
    return put_sockopt(val, len, &tv, sizeof tv);
  }
  int v;
  switch (name) {
  case SO_RCVBUF: v = static_cast<int>(__atomic_load_n(&sk->sk_rcvbuf, __ATOMIC_RELAXED)); break;
  case SO_SNDBUF: v = static_cast<int>(__atomic_load_n(&sk->sk_sndbuf, __ATOMIC_RELAXED)); break;
  case SO_REUSEADDR: v = static_cast<int>(__atomic_load_n(&sk->sk_reuse, __ATOMIC_RELAXED)); break;
  case SO_TYPE: v = sk->sk_type; break;
  case SO_ERROR: v = -sock_error(sk); break; // taking it clears it, as in Linux
  default: return -ENOPROTOOPT;
  }
  return put_sockopt(val, len, &v, sizeof v);
}

net_counters read_net_counters(const net_counters &c) {
  static_assert(sizeof c % sizeof(uint64_t) == 0, "net_counters is all 64-bit counters");
  net_counters copy;
  const auto *from = reinterpret_cast<const uint64_t *>(&c);
  auto *to = reinterpret_cast<uint64_t *>(&copy);
  for (uint64_t i = 0; i < sizeof c / sizeof(uint64_t); i++)
    to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
  return copy;
}

} // namespace kernel
