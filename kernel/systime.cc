// Time for user programs: clock_gettime(CLOCK_MONOTONIC) and nanosleep().
#include "arch.hh"
#include "clock.hh"
#include "uapi/errno.h"
#include "proc.hh"
#include "syscall.hh"
#include "uapi/time.h"
#include "vm.hh"
#include "wait.hh"

namespace kernel {

constexpr long NSEC_PER_SEC = 1'000'000'000;

// Time since boot from the `time` CSR: 100 ns resolution on QEMU virt.
int64_t sys_clock_gettime() {
  const int clock = argint(0);
  if (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME) return -EINVAL;
  const uint64_t t = arch::now();
  timespec ts;
  ts.tv_sec = static_cast<long>(t / arch::TIMEBASE_HZ);
  ts.tv_nsec = static_cast<long>((t % arch::TIMEBASE_HZ) * (NSEC_PER_SEC / arch::TIMEBASE_HZ));
  if (copyout(myproc()->pagetable, argaddr<timespec>(1), &ts) < 0) return -EFAULT;
  return 0;
}

// Sleep at least the time asked for, in whole ticks: rounded up, plus one,
// because the current tick is already partly over. A signal ends the sleep
// early with EINTR and the time left in *rem.
int64_t sys_nanosleep() {
  proc *p = myproc();
  timespec req;
  if (copyin(p->pagetable, &req, argaddr<timespec>(0)) < 0) return -EFAULT;
  if (req.tv_sec < 0 || req.tv_nsec < 0 || req.tv_nsec >= NSEC_PER_SEC) return -EINVAL;
  constexpr long NSEC_PER_TICK = NSEC_PER_SEC / HZ;
  const long max_sec = MAX_SCHEDULE_TIMEOUT / HZ / 2;
  const long sec = req.tv_sec < max_sec ? req.tv_sec : max_sec;
  long left = sec * static_cast<long>(HZ) + (req.tv_nsec + NSEC_PER_TICK - 1) / NSEC_PER_TICK;
  if (left > 0) left++;
  while (left > 0 && !signal_pending(p)) {
    set_current_state(TASK_INTERRUPTIBLE);
    left = schedule_timeout(left);
  }
  if (left == 0) return 0;
  const user_ptr<timespec> rem_uva = argaddr<timespec>(1);
  if (rem_uva) {
    timespec rem{left / static_cast<long>(HZ), (left % static_cast<long>(HZ)) * NSEC_PER_TICK};
    if (copyout(p->pagetable, rem_uva, &rem) < 0) return -EFAULT;
  }
  return -EINTR;
}

} // namespace kernel
