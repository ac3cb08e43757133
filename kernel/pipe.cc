// Pipes.
// Mirrors xv6's pipe.c.
//
// A pipe is a ring of PIPESIZE bytes spread over PIPE_PAGES pages, with two
// counters that only grow: nwrite - nread bytes are waiting. Readers sleep on
// &nread until there is data, writers on &nwrite until there is room, each
// through xv6's sleep/wakeup with the pipe's own lock. An end made
// nonblocking (fcntl's O_NONBLOCK) never sleeps: -EAGAIN where it would.
//
// poll() waits on the pipe's wait queue instead (pipepoll): xv6's channels
// cannot carry an event mask, and Linux's poll machinery needs one. So
// wake_readers() and wake_writers() each wake both kinds of waiter: the
// sleepers on the channel, and the pollers with the events that became
// possible. Blocking readers and writers stay on sleep/wakeup: that is the
// mechanism the course teaches, and it is what GDB shows.
//
// Data moves between user memory and the ring in runs as long as possible
// (up to a page edge or the ring's end), one copyin/copyout per run, so a
// 4 KiB write costs a few page-table walks, not 4096 of them.
#include "pipe.hh"
#include <new>
#include "fs/file.hh"
#include "uapi/errno.h"
#include "kalloc.hh"
#include "uapi/poll.h"
#include "poll.hh"
#include "printf.hh"
#include "sched.hh"
#include "signal.hh"
#include "proc.hh"
#include "spinlock.hh"
#include "vm.hh"

namespace kernel {

// Linux's capacity since 2.6.11: sixteen pages. With four, a writer and a
// reader that share a hart switched every 16 KiB, and each switch of
// address space (QEMU empties its TLB) cost as much as copying a few pages.
constexpr int PIPE_PAGES = 16;
constexpr uint64_t PIPESIZE = PIPE_PAGES * PGSIZE;
// A write of at most PIPE_BUF bytes is atomic, as POSIX requires: it waits
// for room for all of it, so several writers' records never interleave.
constexpr uint64_t PIPE_BUF = PGSIZE;

// Lives in a page of its own from kalloc(). All fields but pages are
// guarded by lock; the pages' bytes in [nread, nwrite) belong to readers,
// the rest to writers.
struct pipe {
  spinlock lock{"pipe"};
  uint64_t nread = 0;    // bytes read so far
  uint64_t nwrite = 0;   // bytes written so far
  bool readopen = true;  // the read end is still open
  bool writeopen = true; // the write end is still open
  // Processes asleep in piperead/pipewrite (see wake_readers() below).
  int sleeping_readers = 0;
  int sleeping_writers = 0;
  char *pages[PIPE_PAGES] = {};
  wait_queue_head poll_wq{"pipe poll"}; // poll() callers
};

namespace {

// Where ring position pos lives, and how many bytes follow it contiguously.
char *ring_at(pipe *pi, uint64_t pos, uint64_t *contiguous) {
  const uint64_t off = pos % PIPESIZE;
  *contiguous = PGSIZE - off % PGSIZE;
  return pi->pages[off / PGSIZE] + off % PGSIZE;
}

uint64_t min(uint64_t a, uint64_t b) { return a < b ? a : b; }

// Wake everyone waiting to read (or to write): the processes asleep in
// piperead (pipewrite), and pollers waiting for any of events. Called
// with pi->lock held.
//
// wakeup() only if someone sleeps on the channel: it takes ptable.lock and
// scans every process, and most reads and writes of a busy pipe find
// nobody asleep on the other side. No wakeup is lost: a sleeper counts
// itself under pi->lock before sleep() lets go of it. Every sleeper on the
// channel wakes, so the count starts again from zero (a sleeper still on
// its way back to the CPU must not make the next read or write scan
// again); one that woke for a signal instead stays counted, which costs a
// needless wakeup, nothing worse.
//
// The poll queue is empty unless someone polls: skip its lock then (the
// check is racy only against a poller that is still registering, which
// looks at the pipe afterwards).
void wake_side(pipe *pi, void *chan, int &sleepers, uint32_t events) {
  KASSERT(holding(&pi->lock));
  if (sleepers > 0) {
    sleepers = 0;
    sync_wakeups sync; // the waker usually waits for the other side next, as Linux's pipes say
    wakeup(chan);
  }
  __sync_synchronize();
  if (waitqueue_active(&pi->poll_wq)) wake_up_interruptible_poll(&pi->poll_wq, events);
}

void wake_readers(pipe *pi, uint32_t events) { wake_side(pi, &pi->nread, pi->sleeping_readers, events); }
void wake_writers(pipe *pi, uint32_t events) { wake_side(pi, &pi->nwrite, pi->sleeping_writers, events); }

void free_pipe(pipe *pi) {
  for (char *page : pi->pages)
    if (page) kfree(page);
  pi->~pipe();
  kfree(pi);
}

} // namespace

int pipealloc(file **rf, file **wf) {
  *rf = *wf = nullptr;
  void *mem = kalloc();
  if (!mem) return -ENOMEM;
  pipe *pi = new (mem) pipe;
  int err = 0;
  for (char *&page : pi->pages)
    if (!err && !(page = static_cast<char *>(kalloc()))) err = -ENOMEM;
  if (!err && (!(*rf = filealloc()) || !(*wf = filealloc()))) err = -ENFILE;
  if (err) {
    if (*rf) fileclose(*rf);
    if (*wf) fileclose(*wf);
    *rf = *wf = nullptr;
    free_pipe(pi);
    return err;
  }
  (*rf)->type = file::kind::PIPE;
  (*rf)->readable = true;
  (*rf)->writable = false;
  (*rf)->pipe = pi;
  (*wf)->type = file::kind::PIPE;
  (*wf)->readable = false;
  (*wf)->writable = true;
  (*wf)->pipe = pi;
  return 0;
}

void pipeclose(pipe *pi, bool writable) {
  bool last;
  {
    lock_guard g(pi->lock);
    if (writable) {
      pi->writeopen = false;
      wake_readers(pi, POLLIN | POLLHUP); // readers see end of file
    } else {
      pi->readopen = false;
      wake_writers(pi, POLLOUT | POLLERR); // writers see a broken pipe
    }
    last = !pi->readopen && !pi->writeopen;
  }
  if (last) free_pipe(pi);
}

int pipewrite(pipe *pi, user_ptr<char> buf, int n, bool nonblock) {
  proc *p = myproc();
  const uint64_t need = n > 0 && static_cast<uint64_t>(n) <= PIPE_BUF ? n : 1;
  int done = 0, err = -EFAULT; // err: what a write that moved nothing returns
  lock_guard g(pi->lock);
  while (done < n) {
    if (!pi->readopen) {
      lock_guard pg(ptable.lock);
      send_signal(p, SIGPIPE); // the Unix way to stop a writer nobody reads
      return done > 0 ? done : -EPIPE;
    }
    const uint64_t room = PIPESIZE - (pi->nwrite - pi->nread);
    if (room == 0 || (done == 0 && room < need)) {
      // Nonblocking, as Linux's pipe_write: what fitted, or -EAGAIN with
      // nothing written (so an atomic write is still all or nothing).
      if (nonblock) {
        err = -EAGAIN;
        break;
      }
      // Only a write that must wait may be cut short by a signal. Checking
      // on every pass would let a signal that arrives between two runs of
      // the copy end an atomic (<= PIPE_BUF) write half done (POSIX: such
      // a write is all or nothing; found by `make stress`).
      if (signal_pending(p)) return done > 0 ? done : -ERESTARTSYS;
      wake_readers(pi, POLLIN | POLLRDNORM); // let readers drain the ring, then wait for room
      pi->sleeping_writers++;
      sleep(&pi->nwrite, g);
      continue;
    }
    uint64_t run;
    char *dst = ring_at(pi, pi->nwrite, &run);
    run = min(min(run, room), static_cast<uint64_t>(n - done));
    if (copyin(p->pagetable, dst, buf + done, run) < 0) break; // bad address: stop here
    pi->nwrite += run;
    done += static_cast<int>(run);
  }
  wake_readers(pi, POLLIN | POLLRDNORM);
  return done > 0 || n == 0 ? done : err;
}

int piperead(pipe *pi, user_ptr<char> buf, int n, bool nonblock) {
  proc *p = myproc();
  lock_guard g(pi->lock);
  while (pi->nread == pi->nwrite && pi->writeopen) {
    if (nonblock) return -EAGAIN;
    if (signal_pending(p)) return -ERESTARTSYS;
    pi->sleeping_readers++;
    sleep(&pi->nread, g);
  }
  int done = 0;
  while (done < n && pi->nread != pi->nwrite) {
    uint64_t run;
    const char *src = ring_at(pi, pi->nread, &run);
    run = min(min(run, pi->nwrite - pi->nread), static_cast<uint64_t>(n - done));
    // Advance nread only after a successful copy: a bad address loses nothing.
    if (copyout(p->pagetable, buf + done, src, run) < 0) break;
    pi->nread += run;
    done += static_cast<int>(run);
  }
  wake_writers(pi, POLLOUT | POLLWRNORM);
  return done > 0 || n == 0 ? done : (pi->nread == pi->nwrite ? 0 : -EFAULT);
}

uint32_t pipepoll(pipe *pi, bool write_end, poll_table *pt) {
  poll_wait(&pi->poll_wq, pt); // before looking, so no change is missed
  lock_guard g(pi->lock);
  uint32_t mask = 0;
  if (!write_end) {
    if (pi->nwrite != pi->nread) mask |= POLLIN | POLLRDNORM;
    if (!pi->writeopen) mask |= POLLHUP;
  } else {
    if (pi->nwrite - pi->nread < PIPESIZE) mask |= POLLOUT | POLLWRNORM;
    if (!pi->readopen) mask |= POLLERR;
  }
  return mask;
}

} // namespace kernel
