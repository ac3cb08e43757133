// Generic socket code: the default callbacks and receive-memory accounting
// (Linux's net/core/sock.c, reduced to what UDP needs).
#include "net/sock.hh"
#include "uapi/errno.h"
#include "kalloc.hh"
#include "uapi/poll.h"
#include "proc.hh"
#include "uapi/signal.h"
#include "signal.hh"
#include "wait.hh"

namespace kernel {

net_counters net_stats = {};

constexpr uint32_t SK_RCVBUF_DEFAULT = 212992; // Linux's net.core.rmem_default

void sock_init_data(socket *sock, struct sock *sk) {
  sk->sk_socket = sock;
  sock->sk = sk;
  sk->sk_rcvbuf = SK_RCVBUF_DEFAULT;
  sk->sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT;
  sk->sk_data_ready = sock_def_readable;
  sk->sk_write_space = sock_def_write_space;
  sk->sk_state_change = sock_def_wakeup;
  sk->sk_error_report = sock_def_error_report;
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

void sock_hold(struct sock *sk) { __atomic_add_fetch(&sk->refcnt, 1, __ATOMIC_RELAXED); }

void sock_put(struct sock *sk) {
  if (__atomic_sub_fetch(&sk->refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
  skb_queue_purge(&sk->sk_receive_queue); // closing frees what nobody read
  // The page holds the socket and then the sock (socket.cc); free it whole.
  kfree(reinterpret_cast<void *>(reinterpret_cast<uint64_t>(sk) & ~uint64_t{4095}));
}

int sock_error(struct sock *sk) {
  const int err = __atomic_exchange_n(&sk->sk_err, 0, __ATOMIC_ACQ_REL);
  return err ? -err : 0;
}

// A queued packet does not pin its sock: the sock's last sock_put() purges
// the queue before freeing it, and a reader that dequeued a packet holds
// the socket's file open while it uses it.
void sock_rfree(sk_buff *skb) {
  __atomic_sub_fetch(&skb->sk->sk_rmem_alloc, skb->truesize, __ATOMIC_RELAXED);
  skb->sk = nullptr;
}

// Linux's sock_queue_rcv_skb: charge, queue, tell the readers. Runs in the
// software interrupt. A full receive buffer drops the packet (the sender is
// never blocked and kernel memory stays bounded).
int sock_queue_rcv_skb(struct sock *sk, sk_buff *skb) {
  if (__atomic_load_n(&sk->sk_rmem_alloc, __ATOMIC_RELAXED) + skb->truesize >
      __atomic_load_n(&sk->sk_rcvbuf, __ATOMIC_RELAXED)) {
    sock_inc_stats(sk, &net_counters::drops_rcvbuf);
    return -ENOMEM;
  }
  __atomic_add_fetch(&sk->sk_rmem_alloc, skb->truesize, __ATOMIC_RELAXED);
  skb->sk = sk;
  skb_queue_tail(&sk->sk_receive_queue, skb);
  sock_inc_stats(sk, &net_counters::datagrams_in);
  sk->sk_data_ready(sk);
  return 0;
}

// Linux's wq_has_sleeper: the full barrier orders the queueing above before
// the look at the wait queue, pairing with the barrier a poller or reader
// passes (set_current_state) between queueing its entry and checking the
// receive queue. Without it, both could miss each other.
static bool wq_has_sleeper(wait_queue_head *wq) {
  __sync_synchronize();
  return waitqueue_active(wq);
}

void sock_def_readable(struct sock *sk) {
  if (wq_has_sleeper(sk_sleep(sk)))
    wake_up_interruptible_sync_poll(sk_sleep(sk), POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND);
  sk_wake_async(sk, POLLIN);
}

void sock_def_write_space(struct sock *sk) {
  // UDP over loopback never runs out of send space; kept for the shape of
  // the callbacks (a POLLOUT wakeup that readers' callbacks filter out).
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
  socket *s = sk->sk_socket;
  if (!s || !(__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & O_ASYNC)) return;
  const int owner = __atomic_load_n(&s->owner, __ATOMIC_RELAXED);
  if (owner <= 0) return;
  lock_guard g(ptable.lock);
  if (proc *p = find_proc_locked(owner)) send_signal(p, SIGIO);
}

} // namespace kernel
