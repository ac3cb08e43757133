// ln: give an existing file a second name (a hard link).
#include "kernel/uapi/types.h"
#include "user/lib/user.h"

int main(int argc, char *argv[]) {
  if (argc != 3) {
    fprintf(2, "usage: ln old new\n");
    return 1;
  }
  if (link(argv[1], argv[2]) < 0) {
    fprintf(2, "ln: cannot link %s as %s\n", argv[1], argv[2]);
    return 1;
  }
  return 0;
}
