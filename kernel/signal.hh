// Signals: sending, delivering on the way back to user mode, and the
// system calls around them. The ABI is in signal.h.
#pragma once
#include <cstdint>

namespace kernel {

struct proc;

constexpr uint64_t sigmask(int sig) { return 1ull << (sig - 1); }

// Kernel-internal results, never seen by user programs (Linux's values):
// do_signal() turns them into a restart or EINTR.
constexpr int ERESTARTSYS = 512;    // restart if the handler has SA_RESTART, or none runs
constexpr int ERESTARTNOHAND = 514; // restart only if no handler runs (pause)

// Make sig pending for p and wake p if it sleeps interruptibly and does
// not block sig. Caller holds ptable.lock. Any context.
void send_signal(proc *p, int sig);

// Called on every return to user mode: deliver one pending signal -- run
// its default action or set up its handler's frame -- and settle a system
// call that returned -ERESTARTSYS (restart it, or make it fail with EINTR).
// restartable: the trap was a system call that may be restarted.
void do_signal(proc *p, bool restartable);

// fork() and exec(): what a new program keeps of its signal state.
void signals_fork(proc *parent, proc *child);
void signals_exec(proc *p);

} // namespace kernel
