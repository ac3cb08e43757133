// What stream sockets share: waiting for a connection to finish and for
// send-buffer space, and waking writers (Linux's net/core/stream.c).
#include "net/stream.hh"
#include "clock.hh"
#include "timer.hh"
#include "net/sock.hh"
#include "proc.hh"
#include "signal.hh"
#include "uapi/errno.h"
#include "uapi/poll.h"
#include "uapi/signal.h"
#include "wait.hh"

namespace kernel {

uint32_t sk_stream_wspace(struct sock *sk) {
  const uint32_t queued = __atomic_load_n(&sk->sk_wmem_queued, __ATOMIC_RELAXED);
  const uint32_t sndbuf = __atomic_load_n(&sk->sk_sndbuf, __ATOMIC_RELAXED);
  return queued < sndbuf ? sndbuf - queued : 0;
}

uint32_t sk_stream_min_wspace(struct sock *sk) {
  return __atomic_load_n(&sk->sk_wmem_queued, __ATOMIC_RELAXED) / 2;
}

bool sk_stream_memory_free(struct sock *sk) {
  return __atomic_load_n(&sk->sk_wmem_queued, __ATOMIC_RELAXED) <
         __atomic_load_n(&sk->sk_sndbuf, __ATOMIC_RELAXED);
}

// ACKs freed some of the send buffer (tcp_check_space). Wake writers only
// when they can make real progress: the free space at least half of what is
// still queued. Waking them for every freed segment would cost a context
// switch per segment.
void sk_stream_write_space(struct sock *sk) {
  if (sk_stream_wspace(sk) < sk_stream_min_wspace(sk) || !sk->sk_socket) return;
  sock_reset_flag(sk, SOCK_NOSPACE);
  if (wq_has_sleeper(sk_sleep(sk))) {
    sock_inc_stats(sk, &net_counters::tcp_write_wakeups);
    wake_up_interruptible_poll(sk_sleep(sk), POLLOUT | POLLWRNORM | POLLWRBAND);
  }
  if (!(__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & SEND_SHUTDOWN)) sk_wake_async(sk, POLLOUT);
}

// A sender on a connection still being set up waits for it (Linux's
// sk_stream_wait_connect). 0 once it is set up; the socket's error, -EPIPE
// (not connected at all), -EAGAIN, or a signal's errno otherwise. The
// state is looked at only with the socket lock held: the wait entry,
// queued before sk_wait_event lets go of it, catches the state change
// (sk_state_change wakes everyone) however early it comes.
int sk_stream_wait_connect(struct sock *sk, long *timeo_p) {
  DEFINE_WAIT(wait);
  for (;;) {
    if (const int err = sock_error(sk)) return err;
    if (!(tcpf(sk->sk_state) & (tcpf(TCP_SYN_SENT) | tcpf(TCP_SYN_RECV))))
      return tcpf(sk->sk_state) & (tcpf(TCP_ESTABLISHED) | tcpf(TCP_CLOSE_WAIT)) ? 0 : -EPIPE;
    if (!*timeo_p) return -EAGAIN;
    if (signal_pending(current_task())) return sock_intr_errno(*timeo_p);
    prepare_to_wait(sk_sleep(sk), &wait, TASK_INTERRUPTIBLE);
    sk_wait_event(sk, timeo_p, [sk] { return __atomic_load_n(&sk->sk_err, __ATOMIC_RELAXED) != 0; });
    finish_wait(sk_sleep(sk), &wait);
  }
}

// Linux's sk_stream_wait_memory: tcp_sendmsg's wait for send-buffer space.
// The caller owns the socket; sk_wait_event lets go of it while asleep, and
// its release_sock() runs the backlog first -- often the very ACKs that
// free the space, so the writer does not sleep at all. Called while the
// buffer has room, it means the kernel was out of memory for a segment:
// then wait a short while (vm_wait, 20 to 200 ms) before trying again.
int sk_stream_wait_memory(struct sock *sk, long *timeo_p) {
  DEFINE_WAIT(wait);
  int err = 0;
  long vm_wait = 0;
  long current_timeo = *timeo_p;
  if (sk_stream_memory_free(sk)) current_timeo = vm_wait = static_cast<long>(jiffies() % (HZ / 5)) + 2;
  for (;;) {
    prepare_to_wait(sk_sleep(sk), &wait, TASK_INTERRUPTIBLE);
    if (__atomic_load_n(&sk->sk_err, __ATOMIC_RELAXED) ||
        (__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & SEND_SHUTDOWN)) {
      err = -EPIPE;
      break;
    }
    if (!*timeo_p) {
      err = -EAGAIN;
      break;
    }
    if (signal_pending(current_task())) {
      err = sock_intr_errno(*timeo_p);
      break;
    }
    if (sk_stream_memory_free(sk) && !vm_wait) break;
    sock_set_flag(sk, SOCK_NOSPACE);
    sk_wait_event(sk, &current_timeo, [sk, &vm_wait] {
      return __atomic_load_n(&sk->sk_err, __ATOMIC_RELAXED) ||
             (__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & SEND_SHUTDOWN) ||
             (sk_stream_memory_free(sk) && !vm_wait);
    });
    if (vm_wait) { // the short wait is over: the caller's time-out goes on
      vm_wait -= current_timeo;
      current_timeo = *timeo_p;
      if (current_timeo != MAX_SCHEDULE_TIMEOUT && (current_timeo -= vm_wait) < 0) current_timeo = 0;
      vm_wait = 0;
    }
    *timeo_p = current_timeo;
  }
  finish_wait(sk_sleep(sk), &wait);
  return err;
}

// A send that cannot go on: -EPIPE becomes the socket's own error if it has
// one (ECONNRESET), and a plain EPIPE also sends SIGPIPE unless the caller
// said MSG_NOSIGNAL -- the signal a write to a dead pipe gets.
int sk_stream_error(struct sock *sk, int flags, int err) {
  if (err == -EPIPE) {
    const int sk_err = sock_error(sk);
    if (sk_err) err = sk_err;
  }
  if (err == -EPIPE && !(flags & MSG_NOSIGNAL)) {
    lock_guard g(ptable.lock);
    send_signal(myproc(), SIGPIPE);
  }
  return err;
}

} // namespace kernel
