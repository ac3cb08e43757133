// rm: remove files (that is, their names; a file's data goes away when its
// last name does and no process has it open). Removes empty directories too.
#include "kernel/uapi/types.h"
#include "user/lib/user.h"

int main(int argc, char *argv[]) {
  int status = 0;

  if (argc < 2) {
    fprintf(2, "usage: rm file...\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    if (unlink(argv[i]) < 0) {
      fprintf(2, "rm: cannot remove %s\n", argv[i]);
      status = 1;
    }
  }
  return status;
}
