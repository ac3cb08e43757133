// Processes: creation, the scheduler, sleep and wakeup, exit and wait.
// Mirrors xv6's proc.c.
//
// The whole table is guarded by one lock, ptable.lock (see proc.hh). A
// process switching away holds ptable.lock across swtch(); the code on the
// other side (the scheduler loop, or sched()'s caller in another process)
// releases it. That hand-off is what keeps two harts from ever picking the
// same RUNNABLE process.
#include "proc.hh"
#include "arch.hh"
#include "fs/file.hh"
#include "fs/fs.hh"
#include "kalloc.hh"
#include "debug/lockdep.hh"
#include "uapi/errno.h"
#include "fs/log.hh"
#include "printf.hh"
#include "sched.hh"
#include "signal.hh"
#include "softirq.hh"
#include "lib/string.hh"
#include "vm.hh"

extern "C" {
void swtch(kernel::context *old, kernel::context *next);
void forkret_entry(); // swtch.S: calls forkret() with a clean frame chain
void forkret();
extern char initcode_start[], initcode_end[]; // user/initcode, linked in
}

namespace kernel {

[[noreturn]] void usertrapret(); // arch trap.cc

constinit proc_table ptable;
proc *initproc = nullptr;

constinit cpu cpus[NCPU];
uint64_t ipis_sent = 0;

namespace {

int nextpid = 1; // guarded by ptable.lock

} // namespace

// Each process slot owns a kernel stack, preceded by an unmapped guard
// page: a stack overflow faults instead of silently corrupting a neighbour.
alignas(PGSIZE) uint8_t kstacks[NPROC][KSTACK_GUARD + KSTACK_SIZE];

namespace {

// If some hart is idle in wfi, poke it so that it looks for a runnable
// process now rather than at its next timer tick. The poke (an IPI, a
// write to the interrupt controller that QEMU handles outside the hart's
// translated code) is sent once this hart has let go of its last spinlock
// (send_pending_ipis): not while ptable.lock keeps every other hart waiting.
// Returns whether there was one.
bool poke_idle_hart(cpu *c) {
  for (int i = 0; i < NCPU; i++) {
    // exchange: one poke per idle period; the next waker picks another hart.
    if (&cpus[i] != c && __atomic_exchange_n(&cpus[i].idle, 0u, __ATOMIC_SEQ_CST)) {
      c->ipi_pending |= 1u << i;
      return true;
    }
  }
  return false;
}

} // namespace

// Make p runnable: an idle hart is poked to run it, or else it waits for
// this one.
void make_runnable(proc *p) {
  KASSERT(holding(&ptable.lock));
  __atomic_store_n(&p->task_state, TASK_RUNNING, __ATOMIC_RELAXED);
  p->state = procstate::RUNNABLE;
  cpu *c = mycpu();
  // WF_SYNC: p runs here once the waker sleeps (sched.cc).
  if ((c->sync_wakeup || !poke_idle_hart(c)) && c->proc) c->proc->others_waiting = true;
}

// Linux's smp_send_reschedule: interrupt hart so that its scheduler looks
// at the process table again. Every wakeup IPI goes through here, so the
// check and the count below see them all. Interrupts are off.
void smp_send_reschedule(int hart) {
  // An IPI sent under a spinlock (ptable.lock, say) makes every hart that
  // waits for the lock wait for QEMU's exit from translated code as well.
  // Nothing else would show it (the benchmarks only get slower), so the
  // checked build panics.
  const cpu *c = mycpu();
  if (LOCKDEP && c->nheld != 0) {
    printf("spinlock '%s' held\n", c->held[c->nheld - 1]->name);
    panic("smp_send_reschedule: an IPI sent with a spinlock held");
  }
  arch::send_ipi(hart);
  // Counted so that tests can check when IPIs go and when they must not
  // (waittests ipisync, ipiidle, ipibusy).
  __atomic_fetch_add(&ipis_sent, 1, __ATOMIC_RELAXED);
}

// The pokes make_runnable left for this hart to send (release() calls this
// when the last spinlock goes). Interrupts are still off.
void send_pending_ipis(cpu *c) {
  const uint32_t harts = c->ipi_pending;
  c->ipi_pending = 0; // first: a panic's report takes locks, and their release must not come back here
  for (int i = 0; i < NCPU; i++)
    if (harts & (1u << i)) smp_send_reschedule(i);
}

namespace {

// Return a slot to UNUSED, freeing its user memory. Caller holds ptable.lock.
void freeproc(proc *p) {
  if (p->pagetable) uvmfree(p->pagetable, p->sz);
  p->pagetable = nullptr;
  p->sz = 0;
  p->pid = 0;
  p->parent = nullptr;
  p->name[0] = 0;
  p->chan = nullptr;
  __atomic_store_n(&p->killed, 0, __ATOMIC_RELAXED);
  p->xstate = 0;
  p->termsig = 0;
  sigset_store(p->sigpending, 0);
  sigset_store(p->sigblocked, 0);
  p->hart = -1;
  __atomic_store_n(&p->task_state, TASK_RUNNING, __ATOMIC_RELAXED);
  p->syscall_nr = -1; // exit() leaves mid-call
  p->state = procstate::UNUSED;
}

// Claim an UNUSED slot: EMBRYO, with a pid, an empty address space and a
// context that starts at forkret. Returns 0 with the slot in *out, -EAGAIN
// if the table is full, or -ENOMEM.
[[nodiscard]] int allocproc(proc **out) {
  proc *p = nullptr;
  {
    lock_guard g(ptable.lock);
    for (proc &candidate : ptable.proc) {
      if (candidate.state == procstate::UNUSED) {
        p = &candidate;
        break;
      }
    }
    if (!p) return -EAGAIN;
    p->state = procstate::EMBRYO;
    p->pid = nextpid++;
  }
  p->pagetable = uvmcreate();
  if (!p->pagetable) {
    lock_guard g(ptable.lock);
    freeproc(p);
    return -ENOMEM;
  }
  memset(&p->ctx, 0, sizeof p->ctx);
  p->ctx.ra = reinterpret_cast<uint64_t>(forkret_entry);
  p->ctx.sp = reinterpret_cast<uint64_t>(p->tf); // the kernel stack continues below the trap frame
  *out = p;
  return 0;
}

// Switch this hart to p. Called by the scheduler with ptable.lock held;
// returns when p gives the hart back, with ptable.lock held again.
void run(cpu *c, proc *p) {
  c->proc = p;
  p->hart = static_cast<int>(c - cpus);
  switch_to(p->pagetable);
  p->state = procstate::RUNNING;
  // A new slice, unless p is the process that just left the hart runnable
  // and nothing ran since: then the tick only looked for others, found
  // none, and p's slice goes on, as in Linux, where nothing would have
  // switched. Otherwise the one that left waits for the hart
  // (need_resched); if another hart has taken it since, the cost is one
  // early yield.
  if (c->yielder != p) p->slice_start = arch::now();
  p->others_waiting = c->yielder && c->yielder != p;
  c->yielder = nullptr;
  swtch(&c->scheduler, &p->ctx);
  c->proc = nullptr;
  if (p->state == procstate::RUNNABLE) c->yielder = p;
}

const char *state_name(procstate s) {
  switch (s) {
  case procstate::UNUSED: return "unused";
  case procstate::EMBRYO: return "embryo";
  case procstate::SLEEPING: return "sleep";
  case procstate::RUNNABLE: return "runble";
  case procstate::RUNNING: return "run";
  case procstate::ZOMBIE: return "zombie";
  }
  return "???";
}

} // namespace

void procinit() {
  for (int i = 0; i < NPROC; i++) {
    proc &p = ptable.proc[i];
    kvm_unmap_page(reinterpret_cast<uint64_t>(kstacks[i])); // the guard page
    p.kstack = kstacks[i] + KSTACK_GUARD;
    p.tf = reinterpret_cast<trapframe *>(p.kstack + KSTACK_SIZE - TRAPFRAME_SPACE);
  }
}

// The first process runs initcode (user/initcode.S), which execs /init.
void userinit() {
  proc *p;
  if (allocproc(&p) < 0) panic("userinit: no process slot");
  initproc = p;
  const uint64_t size = initcode_end - initcode_start;
  if (uvmalloc(p->pagetable, 0, PGSIZE, PERM_W | PERM_X) != PGSIZE ||
      copyout(p->pagetable, user_ptr<char>(0), initcode_start, size) < 0)
    panic("userinit: out of memory");
  p->sz = PGSIZE;
  memset(p->tf, 0, sizeof *p->tf);
  p->tf->epc = 0;     // initcode's first instruction
  p->tf->sp = PGSIZE; // its stack grows down from the top of its one page
  safestrcpy(p->name, "initcode", sizeof p->name);
  p->cwd = namei("/");
  lock_guard g(ptable.lock);
  make_runnable(p);
}

// A new process's first code in the kernel, reached by the scheduler's
// swtch() (through forkret_entry), still holding ptable.lock.
extern "C" void forkret() {
  static bool first = true;
  release(&ptable.lock); // raw: the scheduler took it, before its swtch() to here
  if (first) {
    // Reading the superblock sleeps on the disk, so it must happen in a
    // process, not in main(). Only initproc gets here first.
    first = false;
    fsinit(ROOTDEV);
  }
  usertrapret();
}

int growproc(int64_t n) {
  proc *p = myproc();
  uint64_t sz = p->sz;
  if (n > 0) {
    if (sz + n > USERTOP || sz + n < sz) return -ENOMEM; // would reach the kernel
    sz = uvmalloc(p->pagetable, sz, sz + n, PERM_W);
    if (sz == 0) return -ENOMEM;
  } else if (n < 0) {
    if (static_cast<uint64_t>(-n) > sz) return -ENOMEM;
    sz = uvmdealloc(p->pagetable, sz, sz + n);
  }
  p->sz = sz;
  return 0;
}

int fork() {
  proc *p = myproc();
  proc *np;
  if (const int err = allocproc(&np); err < 0) return err;
  if (uvmcopy(p->pagetable, np->pagetable, p->sz) < 0) {
    lock_guard g(ptable.lock);
    freeproc(np);
    return -ENOMEM;
  }
  np->sz = p->sz;
  *np->tf = *p->tf;
  np->tf->a0 = 0; // fork returns 0 in the child
  for (int fd = 0; fd < NOFILE; fd++)
    if (p->ofile[fd]) np->ofile[fd] = filedup(p->ofile[fd]);
  np->cwd = idup(p->cwd);
  safestrcpy(np->name, p->name, sizeof np->name);

  const int pid = np->pid;
  lock_guard g(ptable.lock);
  signals_fork(p, np); // under the lock: send_signal may be looking at np
  np->parent = p;
  make_runnable(np);
  return pid;
}

void exit(int status) { do_exit(status, 0); }

void do_exit(int status, int termsig) {
  proc *p = myproc();
  if (p == initproc) panic("init exiting");
  del_timer_sync(&p->alarm_timer); // an alarm must not fire for a freed slot

  for (file *&f : p->ofile) {
    if (f) {
      fileclose(f);
      f = nullptr;
    }
  }
  {
    fs_transaction tx; // iput may free a removed directory
    iput(p->cwd);
  }
  p->cwd = nullptr;

  // Raw: never released here; the scheduler does, after sched()'s swtch().
  acquire(&ptable.lock);
  wakeup1(p->parent); // it may be sleeping in wait()
  send_signal(p->parent, SIGCHLD);
  // Children outlive us: init adopts them and reaps them when they exit.
  for (proc &child : ptable.proc) {
    if (child.parent != p) continue;
    child.parent = initproc;
    if (child.state == procstate::ZOMBIE) wakeup1(initproc);
  }
  p->xstate = status;
  p->termsig = termsig;
  p->state = procstate::ZOMBIE;
  sched(); // the parent's wait() frees the slot; we never come back
  panic("exit: a zombie ran again");
}

int wait_common(int pid, user_ptr<int> status_uva, int options, wait_status report) {
  proc *p = myproc();
  lock_guard g(ptable.lock);
  for (;;) {
    bool have_children = false;
    for (proc &child : ptable.proc) {
      if (child.parent != p || (pid > 0 && child.pid != pid)) continue;
      have_children = true;
      if (child.state != procstate::ZOMBIE) continue;
      const int status = report(child);
      // A bad status address fails the call but leaves the zombie for a retry.
      if (status_uva && copyout(p->pagetable, status_uva, &status) < 0) return -EFAULT;
      const int found = child.pid;
      freeproc(&child);
      return found;
    }
    if (!have_children) return -ECHILD;
    if (options & WNOHANG) return 0;
    if (signal_pending(p)) return -ERESTARTSYS;
    sleep(p, g); // exit() calls wakeup1(parent)
  }
}

// Linux's find_task_by_vpid, which relies on RCU where this holds the lock.
proc *find_proc_locked(int pid) {
  if (!holding(&ptable.lock)) panic("find_proc_locked: ptable.lock not held");
  for (proc &p : ptable.proc)
    if (p.pid == pid && p.state != procstate::UNUSED) return &p;
  return nullptr;
}

int kill(int pid) {
  lock_guard g(ptable.lock);
  proc *p = find_proc_locked(pid);
  if (!p) return -ESRCH;
  // xv6's kill is SIGKILL: it wakes an interruptible sleep, whose loop
  // sees killed and returns; the process exits on its way to user mode.
  send_signal(p, SIGKILL);
  return 0;
}

void sigset_store(uint64_t &set, uint64_t value) {
  KASSERT(holding(&ptable.lock));
  __atomic_store_n(&set, value, __ATOMIC_RELAXED);
}

void setkilled_locked(proc *p) {
  if (!holding(&ptable.lock)) panic("setkilled_locked: ptable.lock not held");
  __atomic_store_n(&p->killed, 1, __ATOMIC_RELAXED);
}

// The scheduler loop each hart runs after boot, on its boot stack. It picks
// RUNNABLE processes round-robin; with nothing to run it waits in wfi.
void scheduler() {
  cpu *c = mycpu();
  for (;;) {
    // Interrupts stay off from here to wfi: an IPI sent after our scan is
    // left pending, and a pending interrupt ends wfi at once. Announcing
    // idleness before the scan closes the other half of the race: a waker
    // that makes a process runnable after the scan sees idle set (ptable.lock
    // orders the two) and sends that IPI.
    arch::intr_off();
    __atomic_store_n(&c->idle, 1u, __ATOMIC_SEQ_CST);
    bool ran = false;
    acquire(&ptable.lock); // raw: run()'s swtch() hands it to the process, which releases it
    for (proc &p : ptable.proc) {
      if (p.state != procstate::RUNNABLE) continue;
      __atomic_store_n(&c->idle, 0u, __ATOMIC_RELAXED);
      run(c, &p);
      ran = true;
    }
    // The last process's page table may be freed (exit, exec) as soon as
    // ptable.lock is released: stop using it first.
    switch_to(kernel_pagetable);
    release(&ptable.lock); // raw: taken above, or again by the last process to switch back (sched())
    if (!ran) arch::wait_for_interrupt();
    __atomic_store_n(&c->idle, 0u, __ATOMIC_RELAXED);
    run_leftover_softirqs();
    arch::intr_on(); // take whatever interrupt is pending
  }
}

// Give the hart back to the scheduler. The caller holds ptable.lock (and no
// other lock) and has already changed its state from RUNNING.
void sched() {
  proc *p = myproc();
  cpu *c = mycpu();
  if (!holding(&ptable.lock)) panic("sched: ptable.lock not held");
  if (c->nheld != 1) {
    // Switching away with another spinlock held leaves it held, with
    // interrupts off, for as long as this process sleeps.
    const spinlock *other = c->held[c->held[0] == &ptable.lock ? 1 : 0];
    printf("spinlock '%s' taken at ", other->name);
    print_site(other->acquired_at);
    printf("\n");
    panic("sched: a spinlock other than ptable.lock is held");
  }
  if (c->noff != 1) panic("sched: interrupts pushed off without a spinlock");
  if (p->state == procstate::RUNNING) panic("sched: process still RUNNING");
  if (arch::intr_enabled()) panic("sched: interrupts enabled");
  // intena belongs to this kernel thread, not to the hart: save it across
  // the switch, during which other threads run on this hart.
  const bool intena = c->intena;
  swtch(&p->ctx, &c->scheduler);
  mycpu()->intena = intena;
}

void yield() {
  // A guard will do: the scheduler releases the lock and takes it again
  // before switching back, so it is held again when sched() returns.
  lock_guard g(ptable.lock);
  proc *me = myproc();
  me->state = procstate::RUNNABLE;
  // If another process is waiting for a hart -- one a sync wakeup left for
  // this one, say -- it runs here next, and the yielder should not wait for
  // an idle hart's own tick to run again.
  for (proc &p : ptable.proc) {
    if (&p != me && p.state == procstate::RUNNABLE) {
      poke_idle_hart(mycpu());
      break;
    }
  }
  sched();
}

// Sleep on chan until wakeup(chan); lk is released while asleep and held
// again on return. Callers re-check their condition in a loop: a wakeup
// means "look again", not "it is true".
//
// The lost-wakeup problem: a caller checks its condition under lk, finds it
// false and decides to sleep. If lk were released before the process was
// marked SLEEPING, a waker on another hart could change the condition and
// call wakeup() in between; finding no sleeper, the wakeup would be lost and
// the process would sleep forever. So ptable.lock is taken *before* lk is
// released. wakeup() needs ptable.lock, and a waker that changes the
// condition holds lk while it does, so it can only run either before our
// check (and we see the new condition) or after we are SLEEPING (and it
// finds us).
void sleep(void *chan, spinlock *lk, task_state state, source_location where) {
  // LAB sleep: begin sleep(chan, lk, state, where)
  proc *p = myproc();
  if (!p) panic("sleep: no process");
  if (!lk) panic("sleep: no lock");
  if constexpr (LOCKDEP) lockdep::check_sleep(lk, where);
  if (lk != &ptable.lock) { // when lk is ptable.lock, we already hold it
    // Raw: sched() below hands ptable.lock across swtch() to the scheduler;
    // lk is the caller's (or its guard's), and held again when we return.
    acquire(&ptable.lock, where);
    release(lk);
  }
  // A signal sent after the caller last looked (send_signal needs
  // ptable.lock, which we hold now) would find us not yet asleep and wake
  // nobody: so an interruptible sleep with a signal pending does not
  // happen. The caller's loop sees the signal and returns.
  if ((state & TASK_INTERRUPTIBLE) && signal_pending(p)) {
    if (lk != &ptable.lock) { // raw: the two calls above, undone
      release(&ptable.lock);
      acquire(lk, where);
    }
    return;
  }
  p->chan = chan;
  __atomic_store_n(&p->task_state, state, __ATOMIC_RELAXED);
  p->state = procstate::SLEEPING;
  sched();
  p->chan = nullptr;
  if (lk != &ptable.lock) {
    release(&ptable.lock); // raw: the scheduler re-took it before its swtch() back to us
    acquire(lk, where);    // raw: the caller's lock (or guard's) again, as it expects
  }
  // LAB sleep: end
}

// Wake every process sleeping on chan. The caller holds ptable.lock: used
// where it already does (exit() waking the parent), and by wakeup().
// Never inlined: `break wakeup1` then stops in one place, with chan in hand.
[[gnu::noinline]] void wakeup1(void *chan) {
  // LAB sleep: begin wakeup1(chan)
  if (!holding(&ptable.lock)) panic("wakeup1: ptable.lock not held");
  // Wait-queue sleepers (schedule()) have a null chan: never match them.
  if (!chan) panic("wakeup1: null channel");
  for (proc &p : ptable.proc)
    if (p.state == procstate::SLEEPING && p.chan == chan) {
      make_runnable(&p);
      ptable.chan_wakeups++;
    }
  // LAB sleep: end
}

void wakeup(void *chan) {
  // LAB sleep: begin wakeup(chan)
  lock_guard g(ptable.lock);
  wakeup1(chan);
  // LAB sleep: end
}

int either_copyout(either_ptr dst, const void *src, uint64_t len) {
  if (dst.is_user()) return copyout(myproc()->pagetable, dst.user(), src, len);
  memmove(dst.kernel(), src, len);
  return 0;
}

int either_copyin(void *dst, either_ptr src, uint64_t len) {
  if (src.is_user()) return copyin(myproc()->pagetable, dst, src.user(), len);
  memmove(dst, src.kernel(), len);
  return 0;
}

// The process table on the console (^P). Takes no lock, so it works even
// when the kernel is wedged holding ptable.lock.
void procdump() {
  printf("\n");
  for (proc &p : ptable.proc) {
    if (p.state == procstate::UNUSED) continue;
    printf("%d %s %s", p.pid, state_name(p.state), p.name);
    if (p.state == procstate::SLEEPING && p.chan) printf(" chan %p", p.chan);
    if (p.state == procstate::SLEEPING && !p.chan) printf(" in schedule()"); // a wait queue or timer
    if (p.state == procstate::RUNNING) printf(" hart %d", p.hart);
    // Where a process off the harts stopped: the return addresses on its
    // kernel stack, from the frame pointer swtch() saved (s0). The test
    // harness turns them into function names.
    if (p.state == procstate::SLEEPING || p.state == procstate::RUNNABLE) {
      printf(" at");
      print_backtrace(p.ctx.s[0], 8, " ");
    }
    printf("\n");
  }
}

} // namespace kernel
