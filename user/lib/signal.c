// Signals in the user library: sigaction() with the restorer every
// handler returns through, signal(), raise(), and POSIX kill(pid, sig).
#include "kernel/uapi/types.h"
#include "kernel/uapi/signal.h"
#include "user/lib/user.h"

// A handler returns here (the kernel set ra to it): usys.S.
void __signal_restorer(void);

int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact) {
  if (act == 0) return rt_sigaction(sig, 0, oldact);
  struct sigaction k = *act;
  k.sa_flags |= SA_RESTORER;
  k.sa_restorer = __signal_restorer;
  return rt_sigaction(sig, &k, oldact);
}

// BSD semantics, as glibc's signal(): the handler stays installed and
// interrupted system calls are restarted.
sighandler_t signal(int sig, sighandler_t handler) {
  struct sigaction act = {handler, SA_RESTART, 0, 0};
  struct sigaction old;
  if (sigaction(sig, &act, &old) < 0) return (sighandler_t)-1;
  return old.sa_handler;
}

int kill2(int pid, int sig) { return tkill(pid, sig); }

int raise(int sig) { return tkill(getpid(), sig); }
