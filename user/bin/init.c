// init: the first user program, started by the kernel.
//
// It gives itself the console as standard input, output and error, which
// every process it starts inherits, and then keeps a shell running on the
// console forever. As the ancestor of every process, it is also the parent
// that orphans are handed to when their own parent exits, so it must keep
// calling wait() to clear them away.
#include "kernel/uapi/types.h"
#include "kernel/uapi/stat.h"
#include "kernel/uapi/fcntl.h"
#include "user/lib/user.h"

enum { CONSOLE_MAJOR = 1 };

static char *sh_argv[] = {"sh", 0};

int main(void) {
  // On a fresh file system the device file may not exist yet: create it.
  if (open("console", O_RDWR) < 0) {
    mknod("console", CONSOLE_MAJOR, 0);
    if (open("console", O_RDWR) < 0) exit(1); // there is nowhere to even report this
  }
  // open returned fd 0 (no file was open yet); copy it to fds 1 and 2.
  dup(0);
  dup(0);

  for (;;) {
    printf("init: starting sh\n");
    int pid = fork();
    if (pid < 0) {
      fprintf(2, "init: fork failed\n");
      sleep(10); // wait a little for resources to come back, then retry
      continue;
    }
    if (pid == 0) {
      exec("sh", sh_argv);
      fprintf(2, "init: exec sh failed\n");
      exit(1);
    }

    // Wait until the shell exits, reaping any orphans that exit meanwhile.
    for (;;) {
      int w = wait(0);
      if (w == pid) break; // the shell exited: start a new one
      if (w < 0) {
        fprintf(2, "init: wait failed\n");
        exit(1);
      }
    }
  }
}
