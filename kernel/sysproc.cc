// Process-related system calls.
// Mirrors xv6's sysproc.c.
#include "arch.hh"
#include "clock.hh"
#include "uapi/errno.h"
#include "uapi/procstate.h"
#include "kalloc.hh"
#include "proc.hh"
#include "sched.hh"
#include "syscall.hh"
#include "slab.hh"
#include "uapi/sysinfo.h"
#include "vm.hh"

namespace kernel {

namespace {

// xv6's wait(&status) stores exit()'s argument (-1 for a process a signal
// ended); POSIX's waitpid a status word that tells the two apart: the
// signal, or the exit status << 8 (WIFEXITED, WEXITSTATUS).
int xv6_status(const proc &child) { return child.xstate; }
int posix_status(const proc &child) { return child.termsig ? child.termsig : (child.xstate & 0xff) << 8; }

} // namespace

int64_t sys_exit() { exit(argint(0)); }
int64_t sys_getpid() { return myproc()->pid; }
int64_t sys_fork() { return fork(); }
int64_t sys_wait() { return wait_common(-1, argaddr<int>(0), 0, xv6_status); }
int64_t sys_waitpid() { return wait_common(argint(0), argaddr<int>(1), argint(2), posix_status); }
int64_t sys_kill() { return kill(argint(0)); }

// procstate(pid): the state of any process (uapi/procstate.h), or -ESRCH.
// It exists for tests, which must not kill or signal a child they mean to
// be blocked in a system call before it is: a slow host would end the
// child some other way, and the test pass without the wakeup it is about.
int64_t sys_procstate() {
  lock_guard g(ptable.lock);
  const proc *p = find_proc_locked(argint(0));
  if (!p) return -ESRCH;
  switch (p->state) {
  case procstate::UNUSED: break; // find_proc_locked never returns one
  case procstate::EMBRYO: return PROC_NEW;
  case procstate::RUNNABLE: return PROC_RUNNABLE;
  case procstate::RUNNING: return PROC_RUNNING;
  case procstate::SLEEPING:
    return __atomic_load_n(&p->task_state, __ATOMIC_RELAXED) & TASK_INTERRUPTIBLE ? PROC_SLEEPING
                                                                                  : PROC_DISK_SLEEP;
  case procstate::ZOMBIE: return PROC_ZOMBIE;
  }
  return -ESRCH;
}

int64_t sys_sbrk() {
  const int n = argint(0);
  const uint64_t old = myproc()->sz;
  if (const int err = growproc(n); err < 0) return err;
  return static_cast<int64_t>(old);
}

int64_t sys_sleep() {
  const int n = argint(0);
  lock_guard g(tickslock);
  const uint64_t start = ticks;
  while (n > 0 && ticks - start < static_cast<uint64_t>(n)) {
    if (signal_pending(myproc())) return -EINTR;
    sleep(&ticks, g);
  }
  return 0;
}

int64_t sys_uptime() {
  lock_guard g(tickslock);
  return static_cast<int64_t>(ticks);
}

int64_t sys_sysinfo() {
  struct sysinfo info = {};
  info.slabfree = slab_empty_pages();
  info.freepages = kfree_pages() + info.slabfree;
  {
    lock_guard g(ptable.lock);
    for (proc &p : ptable.proc)
      if (p.state != procstate::UNUSED) info.nproc++;
    info.chan_wakeups = ptable.chan_wakeups;
  }
  info.ncpu = started_harts();
  info.ipis = __atomic_load_n(&ipis_sent, __ATOMIC_RELAXED);
  slab_sysinfo(&info);
  {
    lock_guard g(tickslock);
    info.ticks = ticks;
  }
  if (copyout(myproc()->pagetable, argaddr<struct sysinfo>(0), &info) < 0) return -EFAULT;
  return 0;
}

// Power the machine off, QEMU exiting with the given status. For test runs;
// any process may call it, as in a teaching kernel with no users.
int64_t sys_halt() { arch::poweroff(argint(0)); }

} // namespace kernel
