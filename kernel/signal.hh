// Signals: sending, delivering on the way back to user mode, and the
// system calls around them. The ABI is in signal.h.
#pragma once
#include <cstdint>
#include "proc.hh"

namespace kernel {

constexpr uint64_t sigmask(int sig) { return 1ull << (sig - 1); }

// Kernel-internal results, never seen by user programs (Linux's values):
// do_signal() turns them into a restart or EINTR.
constexpr int ERESTARTSYS = 512;    // restart if the handler has SA_RESTART, or none runs
constexpr int ERESTARTNOHAND = 514; // restart only if no handler runs (pause)

// Make sig pending for p and wake p if it sleeps interruptibly and does
// not block sig. Caller holds ptable.lock. Any context.
void send_signal(proc *p, int sig);

// Called on the way back to user mode, when signal_work_pending() says so:
// deliver one pending signal -- run its default action or set up its
// handler's frame -- and settle a system call that returned -ERESTARTSYS
// (restart it, or make it fail with EINTR).
// restartable: the trap was a system call that may be restarted.
void do_signal(proc *p, bool restartable);
// Has do_signal anything to do: a signal to deliver, or a system call that
// returned -ERESTARTSYS or -ERESTARTNOHAND to settle? Neither, the common
// case, is checked here inline on every return to user mode.
[[nodiscard]] inline bool signal_work_pending(proc *p, bool restartable) {
  if (sigset_load(p->sigpending) & ~sigset_load(p->sigblocked)) return true;
  const int64_t ret = static_cast<int64_t>(p->tf->a0);
  return restartable && (ret == -ERESTARTSYS || ret == -ERESTARTNOHAND);
}

// fork() and exec(): what a new program keeps of its signal state.
void signals_fork(proc *parent, proc *child);
void signals_exec(proc *p);

} // namespace kernel
