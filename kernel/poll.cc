// The poll() system call. See poll.hh for how it uses wait queues.
// Mirrors Linux's fs/select.c.
#include "poll.hh"
#include <new>
#include "uapi/errno.h"
#include "fs/file.hh"
#include "kalloc.hh"
#include "uapi/param.h"
#include "uapi/poll.h"
#include "proc.hh"
#include "syscall.hh"
#include "clock.hh"
#include "vm.hh"

namespace kernel {

namespace {

constexpr int MAX_ENTRIES = static_cast<int>(PGSIZE / sizeof(poll_table_entry));

// A wakeup on one of the queues this poll() waits on.
int pollwake(wait_queue_entry *wait, unsigned mode, int flags, void *key) {
  auto *entry = static_cast<poll_table_entry *>(wait->private_);
  const uint64_t k = reinterpret_cast<uint64_t>(key);
  if (k && !(k & entry->key)) return 0; // not an event this poller wants
  // Before the wakeup: a poller between its last pass and schedule() sees
  // triggered and does not sleep (poll_schedule_timeout in Linux).
  __atomic_store_n(&entry->table->triggered, true, __ATOMIC_SEQ_CST);
  return try_to_wake_up(entry->table->task, mode, flags);
}

void poll_freewait(poll_table *pt) {
  for (int i = 0; i < pt->nentries; i++) remove_wait_queue(pt->entries[i].wq, &pt->entries[i].wait);
  if (pt->entries) kfree(pt->entries);
}

// One pass over the caller's pollfds: fill in revents, count the ready ones.
int poll_once(pollfd *fds, int nfds, poll_table *pt) {
  proc *p = myproc();
  int count = 0;
  for (int i = 0; i < nfds; i++) {
    pollfd &pfd = fds[i];
    pfd.revents = 0;
    if (pfd.fd < 0) continue;
    file *f = pfd.fd < NOFILE ? p->ofile[pfd.fd] : nullptr;
    uint32_t mask = POLLNVAL;
    if (f) {
      pt->key = static_cast<uint16_t>(pfd.events) | POLLERR | POLLHUP;
      mask = filepoll(f, pt->registering ? pt : nullptr);
    }
    pfd.revents =
        static_cast<short>(mask & (static_cast<uint16_t>(pfd.events) | POLLERR | POLLHUP | POLLNVAL));
    if (pfd.revents) count++;
  }
  pt->registering = false;
  return count;
}

// Milliseconds to ticks, rounded up, plus one for the tick under way.
long ms_to_ticks(int ms) {
  if (ms < 0) return MAX_SCHEDULE_TIMEOUT;
  if (ms == 0) return 0;
  return (static_cast<long>(ms) * static_cast<long>(HZ) + 999) / 1000 + 1;
}

} // namespace

poll_table_entry::poll_table_entry(poll_table *t, wait_queue_head *q, uint32_t k)
    : wait(this, pollwake), wq(q), table(t), key(k) {}

void poll_wait(wait_queue_head *wq, poll_table *pt) {
  if (!pt || !pt->registering) return;
  if (!pt->entries) {
    pt->entries = static_cast<poll_table_entry *>(kalloc());
    if (!pt->entries) pt->overflow = true;
  }
  if (pt->overflow || pt->nentries == MAX_ENTRIES) {
    pt->overflow = true;
    return;
  }
  poll_table_entry *e = new (&pt->entries[pt->nentries++]) poll_table_entry(pt, wq, pt->key);
  add_wait_queue(wq, &e->wait);
}

int64_t sys_poll() {
  const user_ptr<pollfd> ufds = argaddr<pollfd>(0);
  const int nfds = argint(1);
  long left = ms_to_ticks(argint(2));
  proc *p = myproc();
  if (nfds < 0 || nfds > POLL_MAX_FDS) return -EINVAL;
  pollfd fds[POLL_MAX_FDS];
  if (copyin(p->pagetable, fds, ufds.bytes(), nfds * sizeof(pollfd)) < 0) return -EFAULT;

  poll_table pt;
  pt.task = p;
  int count;
  for (;;) {
    count = poll_once(fds, nfds, &pt);
    if (count || left == 0 || signal_pending(p)) break;
    set_current_state(TASK_INTERRUPTIBLE);
    if (!__atomic_load_n(&pt.triggered, __ATOMIC_SEQ_CST)) {
      if (pt.overflow && left > 1) {
        // Not registered on every queue: look again each tick.
        const long rest = left == MAX_SCHEDULE_TIMEOUT ? left : left - 1;
        (void)schedule_timeout(1);
        left = rest;
      } else {
        left = schedule_timeout(left);
      }
    }
    __set_current_state(TASK_RUNNING);
    __atomic_store_n(&pt.triggered, false, __ATOMIC_SEQ_CST);
  }
  poll_freewait(&pt);
  if (count == 0 && signal_pending(p)) return -EINTR;
  for (int i = 0; i < nfds; i++) { // only revents changes
    const user_ptr<char> revents = (ufds + i).bytes() + offsetof(pollfd, revents);
    if (copyout(p->pagetable, revents, &fds[i].revents, sizeof fds[i].revents) < 0) return -EFAULT;
  }
  return count;
}

} // namespace kernel
