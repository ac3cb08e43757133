// Signals and process status: the user-visible ABI (POSIX names, Linux
// numbers and bit layouts). C-compatible: user programs include it too.
#pragma once

enum {
  SIGHUP = 1,
  SIGINT = 2,
  SIGQUIT = 3,
  SIGILL = 4,
  SIGTRAP = 5,
  SIGABRT = 6,
  SIGBUS = 7,
  SIGFPE = 8,
  SIGKILL = 9, // cannot be caught, blocked or ignored
  SIGUSR1 = 10,
  SIGSEGV = 11,
  SIGUSR2 = 12,
  SIGPIPE = 13, // write to a pipe with no reader
  SIGALRM = 14, // alarm() expired
  SIGTERM = 15,
  SIGCHLD = 17, // a child exited (ignored by default)
  SIGCONT = 18,
  SIGSTOP = 19,
  SIGURG = 23,
  SIGWINCH = 28,
  SIGIO = 29, // I/O possible on an O_ASYNC descriptor
  NSIG = 32,  // signals are 1 .. NSIG-1
};

// A set of signals: bit (sig - 1), as Linux's kernel sigset.
typedef unsigned long sigset_t;

typedef void (*sighandler_t)(int);
#define SIG_DFL ((sighandler_t)0) // the default action
#define SIG_IGN ((sighandler_t)1) // ignore the signal

struct sigaction {
  sighandler_t sa_handler;
  unsigned long sa_flags;
  void (*sa_restorer)(void); // where the handler returns: calls sigreturn
  sigset_t sa_mask;          // also blocked while the handler runs
};

enum {
  SA_RESTART = 0x10000000,   // restart a system call the signal interrupted
  SA_NODEFER = 0x40000000,   // do not block the signal in its own handler
  SA_RESETHAND = 0x80000000, // back to SIG_DFL once delivered
  SA_RESTORER = 0x04000000,  // sa_restorer is set (the user library does it)
};

enum { SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2 }; // sigprocmask's how

// waitpid(): options and the status word.
enum { WNOHANG = 1 };
#define WIFEXITED(s) (((s)&0x7f) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFSIGNALED(s) (((s)&0x7f) != 0 && ((s)&0x7f) != 0x7f)
#define WTERMSIG(s) ((s)&0x7f)
