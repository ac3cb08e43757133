// Signals, as Linux does them on one hart at a time: generation
// (send_signal), delivery on the way back to user mode (do_signal), the
// handler's frame on the user stack, and sigreturn.
// Mirrors Linux's kernel/signal.c, and arch/riscv/kernel/signal.c for the frame.
//
// A handler runs in user mode on the user stack. do_signal() saves every
// user register in a sigframe below the interrupted stack pointer, points
// pc at the handler and ra at the user library's restorer, which calls
// rt_sigreturn(); that puts every register back. Signals that arrive while
// a process sleeps interruptibly wake it: the sleeping system call returns
// -ERESTARTSYS, and do_signal() decides, after the handler is chosen,
// whether the call is restarted (SA_RESTART, or no handler at all) or fails
// with EINTR -- the Linux rule.
#include "signal.hh"
#include "uapi/errno.h"
#include "printf.hh"
#include "proc.hh"
#include "sched.hh"
#include "uapi/signal.h"
#include "clock.hh"
#include "syscall.hh"
#include "timer.hh"
#include "vm.hh"

namespace kernel {

namespace {

constexpr uint64_t SIGFRAME_MAGIC = 0x5349474652414d45; // "SIGFRAME"
constexpr uint64_t UNBLOCKABLE = sigmask(SIGKILL) | sigmask(SIGSTOP);

// What a handler's frame on the user stack holds.
struct sigframe {
  trapframe regs;   // the interrupted user registers, pc included
  uint64_t blocked; // the blocked set to restore
  uint64_t magic;
};

bool valid_signal(int sig) { return sig >= 1 && sig < NSIG; }

// Signals whose default action is to do nothing; every other one ends
// the process (there is no stopping or core dumping here).
bool ignored_by_default(int sig) {
  return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

bool is_ignored(proc *p, int sig) {
  const sighandler_t h = p->sigactions[sig].sa_handler;
  return h == SIG_IGN || (h == SIG_DFL && ignored_by_default(sig));
}

// The lowest deliverable signal, taken off the pending set; 0 if none.
int dequeue_signal(proc *p, struct sigaction *action) {
  // The common case, nothing pending, without the lock: only this process
  // changes sigblocked, and a signal sent after this load is found at the
  // next entry to the kernel (a sleeping process is woken for it).
  if ((sigset_load(p->sigpending) & ~sigset_load(p->sigblocked)) == 0) return 0;
  lock_guard g(ptable.lock);
  const uint64_t ready = sigset_load(p->sigpending) & ~sigset_load(p->sigblocked);
  if (!ready) return 0;
  const int sig = __builtin_ctzll(ready) + 1;
  sigset_store(p->sigpending, sigset_load(p->sigpending) & ~sigmask(sig));
  *action = p->sigactions[sig];
  if (action->sa_flags & SA_RESETHAND) p->sigactions[sig].sa_handler = SIG_DFL;
  return sig;
}

// A system call that a signal interrupted, now that we know whether a
// handler will run.
void settle_restart(trapframe *tf, const struct sigaction *handler_action) {
  // LAB signals: begin settle_restart(tf, handler_action)
  const int64_t ret = static_cast<int64_t>(tf->a0);
  const bool restart =
      (ret == -ERESTARTSYS && (!handler_action || (handler_action->sa_flags & SA_RESTART))) ||
      (ret == -ERESTARTNOHAND && !handler_action);
  if (restart) {
    tf->a0 = tf->orig_a0;
    tf->epc -= 4; // run the ecall again
  } else if (ret == -ERESTARTSYS || ret == -ERESTARTNOHAND) {
    tf->a0 = static_cast<uint64_t>(-EINTR);
  }
  // LAB signals: end
}

// Set up the user stack and registers so that returning to user mode runs
// the handler. False if the frame cannot be written (a bad stack).
bool setup_frame(proc *p, int sig, const struct sigaction &action) {
  trapframe *tf = p->tf;
  sigframe frame{};
  frame.regs = *tf;
  frame.magic = SIGFRAME_MAGIC;
  uint64_t sp = (tf->sp - sizeof frame) & ~uint64_t{15};
  {
    lock_guard g(ptable.lock);
    frame.blocked = sigset_load(p->sigblocked);
  }
  if (copyout(p->pagetable, user_ptr<sigframe>(sp), &frame) < 0) return false; // the user's own stack
  tf->epc = reinterpret_cast<uint64_t>(action.sa_handler);
  tf->a0 = static_cast<uint64_t>(sig);
  tf->sp = sp;
  tf->ra = (action.sa_flags & SA_RESTORER) ? reinterpret_cast<uint64_t>(action.sa_restorer) : 0;
  lock_guard g(ptable.lock);
  uint64_t blocked = sigset_load(p->sigblocked) | action.sa_mask;
  if (!(action.sa_flags & SA_NODEFER)) blocked |= sigmask(sig);
  sigset_store(p->sigblocked, blocked & ~UNBLOCKABLE);
  return true;
}

void alarm_fire(timer_list *t) {
  lock_guard g(ptable.lock);
  send_signal(static_cast<proc *>(t->data), SIGALRM);
}

} // namespace

bool signal_pending(proc *p) {
  return killed(p) || (sigset_load(p->sigpending) & ~sigset_load(p->sigblocked));
}

void send_signal(proc *p, int sig) {
  if (!holding(&ptable.lock)) panic("send_signal: ptable.lock not held");
  if (p->state == procstate::UNUSED || p->state == procstate::ZOMBIE) return;
  // init must outlive every other process: its exit panics the kernel, and
  // orphans need it. So, as Linux does for init, a signal it has no
  // handler for -- SIGKILL too -- is dropped: `kill 1` must not bring the
  // system down. (The fuzzer of `make stress` has to keep away from init
  // without this.)
  if (p == initproc && (sig == SIGKILL || p->sigactions[sig].sa_handler == SIG_DFL)) return;
  if (sig == SIGKILL) {
    setkilled_locked(p); // the xv6 way: every sleep loop checks it
    try_to_wake_up_locked(p, TASK_INTERRUPTIBLE);
    return;
  }
  // An ignored signal is dropped now -- unless blocked: the process may
  // install a handler before it unblocks the signal.
  const bool blocked = sigset_load(p->sigblocked) & sigmask(sig);
  if (!blocked && is_ignored(p, sig)) return;
  sigset_store(p->sigpending, sigset_load(p->sigpending) | sigmask(sig));
  // Straight to the task, not through a wait queue: its entry stays queued
  // until the interrupted wait's finish_wait().
  if (!blocked) try_to_wake_up_locked(p, TASK_INTERRUPTIBLE);
}

void do_signal(proc *p, bool restartable) {
  struct sigaction action;
  for (;;) {
    const int sig = dequeue_signal(p, &action);
    if (sig == 0) break;
    if (action.sa_handler == SIG_IGN) continue;
    if (action.sa_handler == SIG_DFL) {
      if (ignored_by_default(sig)) continue;
      do_exit(-1, sig);
    }
    if (restartable) settle_restart(p->tf, &action);
    if (!setup_frame(p, sig, action)) {
      printf("pid %d (%s): cannot write a signal frame at sp %p: killed\n", p->pid, p->name,
             reinterpret_cast<void *>(p->tf->sp));
      do_exit(-1, SIGSEGV);
    }
    return; // one handler per return to user mode
  }
  if (restartable) settle_restart(p->tf, nullptr);
}

void signals_fork(proc *parent, proc *child) {
  for (int i = 0; i < NSIG; i++) child->sigactions[i] = parent->sigactions[i];
  sigset_store(child->sigblocked, sigset_load(parent->sigblocked));
  sigset_store(child->sigpending, 0);
}

void signals_exec(proc *p) {
  for (struct sigaction &a : p->sigactions) {
    if (a.sa_handler != SIG_IGN) a = {}; // the old program's handlers are gone
  }
}

// ---- system calls

int64_t sys_tkill() {
  const int pid = argint(0);
  const int sig = argint(1);
  if (sig != 0 && !valid_signal(sig)) return -EINVAL;
  lock_guard g(ptable.lock);
  proc *p = find_proc_locked(pid);
  if (!p) return -ESRCH;
  if (sig != 0) send_signal(p, sig); // signal 0: only check that pid exists
  return 0;
}

int64_t sys_rt_sigaction() {
  const int sig = argint(0);
  const auto act_uva = argaddr<struct sigaction>(1);
  const auto oldact_uva = argaddr<struct sigaction>(2);
  proc *p = myproc();
  if (!valid_signal(sig)) return -EINVAL;
  struct sigaction act;
  if (act_uva && copyin(p->pagetable, &act, act_uva) < 0) return -EFAULT;
  if (act_uva && (sig == SIGKILL || sig == SIGSTOP)) return -EINVAL;
  // A handler must say where it returns to (the library sets it): without
  // a restorer it would "return" to address 0.
  if (act_uva && act.sa_handler != SIG_DFL && act.sa_handler != SIG_IGN && !(act.sa_flags & SA_RESTORER))
    return -EINVAL;
  if (oldact_uva && copyout(p->pagetable, oldact_uva, &p->sigactions[sig]) < 0) return -EFAULT;
  if (act_uva) {
    act.sa_mask &= ~UNBLOCKABLE;
    lock_guard g(ptable.lock); // send_signal reads the actions on other harts
    p->sigactions[sig] = act;
    if (is_ignored(p, sig)) // POSIX: SIG_IGN discards a pending one
      sigset_store(p->sigpending, sigset_load(p->sigpending) & ~sigmask(sig));
  }
  return 0;
}

int64_t sys_sigprocmask() {
  const int how = argint(0);
  const auto set_uva = argaddr<uint64_t>(1);
  const auto oldset_uva = argaddr<uint64_t>(2);
  proc *p = myproc();
  uint64_t set = 0;
  if (set_uva && copyin(p->pagetable, &set, set_uva) < 0) return -EFAULT;
  if (set_uva && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK) return -EINVAL;
  uint64_t old;
  {
    lock_guard g(ptable.lock);
    old = sigset_load(p->sigblocked);
    if (set_uva) {
      const uint64_t now = how == SIG_BLOCK ? old | set : how == SIG_UNBLOCK ? old & ~set : set;
      sigset_store(p->sigblocked, now & ~UNBLOCKABLE);
    }
  }
  // A signal just unblocked is delivered on the way back to user mode.
  if (oldset_uva && copyout(p->pagetable, oldset_uva, &old) < 0) return -EFAULT;
  return 0;
}

int64_t sys_rt_sigreturn() {
  // LAB signals: begin sys_rt_sigreturn()
  proc *p = myproc();
  sigframe frame;
  if (copyin(p->pagetable, &frame, user_ptr<sigframe>(p->tf->sp)) < 0 || frame.magic != SIGFRAME_MAGIC) {
    printf("pid %d (%s): rt_sigreturn with no signal frame at sp %p: killed\n", p->pid, p->name,
           reinterpret_cast<void *>(p->tf->sp));
    do_exit(-1, SIGSEGV);
  }
  const uint64_t hartid = p->tf->kernel_hartid;
  *p->tf = frame.regs;
  p->tf->kernel_hartid = hartid;
  {
    lock_guard g(ptable.lock);
    sigset_store(p->sigblocked, frame.blocked & ~UNBLOCKABLE);
  }
  return static_cast<int64_t>(p->tf->a0); // syscall() stores this back into a0
  // LAB signals: end
}

int64_t sys_pause() {
  proc *p = myproc();
  for (;;) {
    set_current_state(TASK_INTERRUPTIBLE);
    if (signal_pending(p)) break;
    schedule();
  }
  __set_current_state(TASK_RUNNING);
  return -ERESTARTNOHAND;
}

// alarm(seconds): SIGALRM after that many seconds; 0 cancels. Returns the
// seconds that were left of the previous alarm.
int64_t sys_alarm() {
  const unsigned seconds = static_cast<unsigned>(argint(0));
  proc *p = myproc();
  int64_t left = 0;
  if (del_timer_sync(&p->alarm_timer)) {
    // (Less the extra tick added below when it was set.)
    const int64_t ticks_left = static_cast<int64_t>(p->alarm_timer.expires - 1 - jiffies());
    left = ticks_left <= 0 ? 1 : (ticks_left + static_cast<int64_t>(HZ) - 1) / static_cast<int64_t>(HZ);
  }
  if (seconds > 0) {
    // One tick more: the tick under way is partly over, and an alarm
    // must never come early.
    p->alarm_timer.expires = jiffies() + static_cast<uint64_t>(seconds) * HZ + 1;
    p->alarm_timer.function = alarm_fire;
    p->alarm_timer.data = p;
    add_timer(&p->alarm_timer);
  }
  return left;
}

} // namespace kernel
