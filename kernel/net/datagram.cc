// Receiving a datagram: take one from the queue or sleep for one, exactly
// as Linux's net/core/datagram.c does (3.x names: wait_for_packet is what
// 3.9 renamed wait_for_more_packets). docs/udp-receive-path.md walks
// through it beside Linux's.
#include "uapi/errno.h"
#include "signal.hh"
#include "net/sock.hh"
#include "net/udp.hh"
#include "uapi/poll.h"
#include "poll.hh"
#include "printf.hh"
#include "sched.hh"
#include "wait.hh"

namespace kernel {

namespace {

// A reader's wait-queue entry callback: only a wakeup that can mean data
// (or an error) is for a reader. So a POLLOUT wakeup on the same queue
// never uses up the one exclusive wakeup a datagram's arrival gets.
int receiver_wake_function(wait_queue_entry *wait, unsigned mode, int sync, void *key) {
  // LAB udp-receive: begin receiver_wake_function(wait, mode, sync, key)
  const uint64_t k = reinterpret_cast<uint64_t>(key);
  if (k && !(k & (POLLIN | POLLERR))) return 0;
  const int woken = autoremove_wake_function(wait, mode, sync, key);
  net_inc_stats(&net_counters::wakeups);
  if (!woken) net_inc_stats(&net_counters::wakeups_running);
  return woken;
  // LAB udp-receive: end
}

// Sleep until a datagram, an error, a shutdown, a signal or the time-out.
// Returns 0 to look at the queue again, or non-zero (with *err set) to stop.
int wait_for_packet(struct sock *sk, int *err, long *timeo_p) {
  // LAB udp-receive: begin wait_for_packet(sk, err, timeo_p, receiver_wake_function, sock_intr_errno)
  wait_queue_entry wait(current_task(), receiver_wake_function);
  prepare_to_wait_exclusive(sk_sleep(sk), &wait, TASK_INTERRUPTIBLE);

  int error = sock_error(sk);
  if (error) goto out_err;
  if (!skb_queue_empty(&sk->sk_receive_queue)) goto out; // arrived meanwhile
  if (__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & RCV_SHUTDOWN) goto out_noerr;
  if (signal_pending(current_task())) goto interrupted;

  error = 0;
  *timeo_p = schedule_timeout(*timeo_p);
out:
  finish_wait(sk_sleep(sk), &wait);
  return error;
interrupted:
  error = sock_intr_errno(*timeo_p);
out_err:
  *err = error;
  goto out;
out_noerr:
  *err = 0;
  error = 1;
  goto out;
  // LAB udp-receive: end
}

} // namespace

// Take the first datagram (MSG_PEEK: a reference to it, left queued), or
// wait for one. Null with *err: -EAGAIN (no time left), a socket error,
// -ERESTARTSYS/-EINTR (a signal), or 0 (shut down: end of file).
sk_buff *__skb_recv_datagram(struct sock *sk, unsigned flags, int *err) {
  long timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
  int error;
  do {
    error = sock_error(sk); // a pending error is reported (and cleared) at once
    if (error) goto no_packet;
    // An empty queue needs no lock to say so: a reader that comes first
    // (every round trip's) goes to wait_for_packet, which looks again once
    // its entry is queued, so a datagram arriving now is not missed.
    if (sk_buff_head *queue = &sk->sk_receive_queue; !skb_queue_empty(queue)) {
      lock_guard g(queue->lock);
      if (sk_buff *skb = skb_peek(queue)) {
        if (flags & MSG_PEEK)
          skb_get(skb);
        else
          __skb_unlink(skb, queue);
        return skb;
      }
    }
    error = -EAGAIN;
    if (!timeo) goto no_packet;
  } while (!wait_for_packet(sk, err, &timeo));
  return nullptr;
no_packet:
  *err = error;
  return nullptr;
}

uint32_t datagram_poll(struct sock *sk, poll_table *pt) {
  sock_poll_wait(sk, pt);
  uint32_t mask = POLLOUT | POLLWRNORM; // loopback UDP can always send
  if (__atomic_load_n(&sk->sk_err, __ATOMIC_RELAXED)) mask |= POLLERR;
  const uint32_t shut = __atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED);
  if (shut == (RCV_SHUTDOWN | SEND_SHUTDOWN)) mask |= POLLHUP;
  if (shut & RCV_SHUTDOWN) mask |= POLLIN | POLLRDNORM;
  if (!skb_queue_empty(&sk->sk_receive_queue)) mask |= POLLIN | POLLRDNORM;
  return mask;
}

} // namespace kernel
