// Listening and accepting, and the end of a connection's sock (Linux's
// net/ipv4/inet_connection_sock.c, with the queue handling of
// net/core/request_sock.c). A listener keeps two queues (tcp.hh): the SYN
// queue of handshakes under way, and the accept queue of connections whose
// handshake is done and which wait for accept().
#include <new>
#include "clock.hh"
#include "net/tcp.hh"
#include "printf.hh"
#include "proc.hh"
#include "sched.hh"
#include "slab.hh"
#include "uapi/errno.h"
#include "wait.hh"

namespace kernel {

namespace {

kmem_cache *request_sock_cache;

constexpr uint32_t SYN_QUEUE_MIN = 8; // a listener's SYN queue holds max(backlog, this)

} // namespace

void reqsk_init() { request_sock_cache = kmem_cache_create("request_sock_TCP", sizeof(request_sock)); }

request_sock *reqsk_alloc() {
  void *mem = kmem_cache_alloc(request_sock_cache);
  return mem ? new (mem) request_sock : nullptr;
}

void reqsk_free(request_sock *req) { kmem_cache_free(request_sock_cache, req); }

// Linux's sk_acceptq_is_full: more than the backlog waiting (so a backlog
// of 0 still takes one connection, as in Linux).
bool sk_acceptq_is_full(const sock *sk) { return sk->sk_ack_backlog > sk->sk_max_ack_backlog; }

// ---- listen()

int inet_csk_listen_start(sock *sk, int backlog) {
  sk->sk_max_ack_backlog = static_cast<uint32_t>(backlog);
  sk->sk_ack_backlog = 0;
  tcp_set_state(sk, TCP_LISTEN);
  // bind() took the port, or we take one now; either way check it again:
  // another socket may have started listening on it since.
  if (const int err = inet_csk_get_port(sk, sk->rcv_saddr, sk->sport)) {
    tcp_set_state(sk, TCP_CLOSE);
    return err;
  }
  inet_hash(sk);
  return 0;
}

// The listener is closing: every handshake under way is forgotten, and
// every connection nobody accepted is reset (tcp_disconnect), as Linux
// does: nobody will ever read what its peer sent.
void inet_csk_listen_stop(sock *sk) {
  request_sock_queue &q = inet_csk(sk)->icsk_accept_queue;
  sk_stop_timer(sk, &sk->sk_timer);
  while (request_sock *req = q.syn_queue.pop_front()) {
    q.syn_qlen--;
    reqsk_free(req);
  }
  while (request_sock *req = q.accept_queue.pop_front()) {
    __atomic_sub_fetch(&q.accept_qlen, 1, __ATOMIC_RELAXED);
    sk->sk_ack_backlog--;
    sock *child = req->child;
    reqsk_free(req);
    sock_hold(child); // inet_csk_destroy_sock drops the connection's own reference
    lock_sock(child);
    tcp_disconnect(child);
    sock_orphan(child);
    inet_csk_destroy_sock(child);
    release_sock(child);
    sock_put(child);
  }
}

// ---- accept()

namespace {

bool reqsk_queue_empty(request_sock_queue &q) {
  return __atomic_load_n(&q.accept_qlen, __ATOMIC_RELAXED) == 0;
}

// Wait for a connection to finish its handshake, in the order of the
// checks in Linux's inet_csk_wait_for_connect: the entry is exclusive, so
// one finished handshake wakes one acceptor, not all of them. The caller
// owns the listener; the socket lock is let go only around the sleep, and
// the queue is looked at (without the lock: accept_qlen is atomic) after
// the entry is queued, so a handshake that completes meanwhile -- it calls
// the listener's sk_data_ready -- finds us on the queue and wakes us.
int inet_csk_wait_for_connect(sock *sk, long timeo) {
  // LAB tcp-wait: begin inet_csk_wait_for_connect(sk, timeo, reqsk_queue_empty)
  request_sock_queue &q = inet_csk(sk)->icsk_accept_queue;
  DEFINE_WAIT(wait);
  int err;
  for (;;) {
    prepare_to_wait_exclusive(sk_sleep(sk), &wait, TASK_INTERRUPTIBLE);
    release_sock(sk);
    if (reqsk_queue_empty(q)) timeo = schedule_timeout(timeo);
    lock_sock(sk);
    err = 0;
    if (!reqsk_queue_empty(q)) break;
    err = -EINVAL;
    if (sk->sk_state != TCP_LISTEN) break;
    err = sock_intr_errno(timeo);
    if (signal_pending(current_task())) break;
    err = -EAGAIN;
    if (!timeo) break;
  }
  finish_wait(sk_sleep(sk), &wait);
  return err;
  // LAB tcp-wait: end
}

} // namespace

// Take a finished connection off the accept queue, waiting for one unless
// flags has O_NONBLOCK (or SO_RCVTIMEO runs out). Null with *err set if none.
sock *inet_csk_accept(sock *sk, int flags, int *err) {
  request_sock_queue &q = inet_csk(sk)->icsk_accept_queue;
  sock *newsk = nullptr;
  lock_sock(sk);
  int error = -EINVAL;
  if (sk->sk_state != TCP_LISTEN) goto out_err;
  if (reqsk_queue_empty(q)) {
    const long timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
    error = -EAGAIN;
    if (!timeo) goto out_err;
    error = inet_csk_wait_for_connect(sk, timeo);
    if (error) goto out_err;
  }
  {
    request_sock *req = q.accept_queue.pop_front();
    __atomic_sub_fetch(&q.accept_qlen, 1, __ATOMIC_RELAXED);
    sk->sk_ack_backlog--;
    newsk = req->child;
    reqsk_free(req);
  }
  release_sock(sk);
  return newsk;
out_err:
  release_sock(sk);
  *err = error;
  return nullptr;
}

// ---- The SYN queue and the accept queue (listener's socket lock held)

request_sock *inet_csk_search_req(sock *sk, uint16_t rport, uint32_t raddr, uint32_t laddr) {
  for (request_sock &req : inet_csk(sk)->icsk_accept_queue.syn_queue)
    if (req.rmt_port == rport && req.rmt_addr == raddr && req.loc_addr == laddr) return &req;
  return nullptr;
}

// A new handshake: onto the SYN queue. The listener's timer sends the
// SYN-ACK again if no ACK comes: set when the queue stops being empty, it
// sets itself again while the queue is not (inet_csk_reqsk_queue_prune).
void inet_csk_reqsk_queue_hash_add(sock *sk, request_sock *req) {
  request_sock_queue &q = inet_csk(sk)->icsk_accept_queue;
  req->expires = jiffies() + TCP_TIMEOUT_INIT;
  q.syn_queue.push_back(*req);
  q.syn_qlen++;
  if (q.syn_qlen == 1) sk_reset_timer(sk, &sk->sk_timer, jiffies() + TCP_RTO_MIN);
}

bool inet_csk_reqsk_queue_is_full(sock *sk) {
  const uint32_t max = sk->sk_max_ack_backlog > SYN_QUEUE_MIN ? sk->sk_max_ack_backlog : SYN_QUEUE_MIN;
  return inet_csk(sk)->icsk_accept_queue.syn_qlen >= max;
}

// The handshake is done: from the SYN queue to the accept queue.
void inet_csk_reqsk_queue_add(sock *sk, request_sock *req, sock *child) {
  request_sock_queue &q = inet_csk(sk)->icsk_accept_queue;
  req->node.unlink();
  q.syn_qlen--;
  req->child = child;
  q.accept_queue.push_back(*req);
  sk->sk_ack_backlog++;
  __atomic_add_fetch(&q.accept_qlen, 1, __ATOMIC_RELAXED);
}

void inet_csk_reqsk_queue_drop(sock *sk, request_sock *req) {
  req->node.unlink();
  inet_csk(sk)->icsk_accept_queue.syn_qlen--;
  reqsk_free(req);
}

// The listener's timer (tcp_keepalive_timer -> tcp_synack_timer in Linux):
// send the SYN-ACK of each handshake whose ACK is late again, with the
// wait doubled each time, and forget the handshake after
// TCP_SYNACK_RETRIES. (A client whose own ACK was lost may be waiting for
// data that will never come; the SYN-ACK sent again makes it ACK again.)
void inet_csk_reqsk_queue_prune(sock *sk) {
  request_sock_queue &q = inet_csk(sk)->icsk_accept_queue;
  const uint64_t now = jiffies();
  for (request_sock &req : q.syn_queue) {
    if (req.expires > now) continue;
    if (req.retrans >= TCP_SYNACK_RETRIES) {
      inet_csk_reqsk_queue_drop(sk, &req);
      continue;
    }
    req.retrans++;
    req.expires = now + (static_cast<uint64_t>(TCP_TIMEOUT_INIT) << req.retrans);
    sock_inc_stats(sk, &net_counters::tcp_retrans);
    tcp_make_synack(sk, &req);
  }
  if (q.syn_qlen) sk_reset_timer(sk, &sk->sk_timer, now + TCP_RTO_MIN);
}

// The end of a sock that is closed, orphaned and out of every table: the
// protocol lets go of its queues and timers, and the reference that kept
// the connection alive after its socket was closed goes.
void inet_csk_destroy_sock(sock *sk) {
  if (sk->sk_state != TCP_CLOSE) panic("inet_csk_destroy_sock: not closed");
  if (!sock_flag(sk, SOCK_DEAD)) panic("inet_csk_destroy_sock: not orphaned");
  tcp_v4_destroy_sock(sk);
  sock_put(sk);
}

} // namespace kernel
