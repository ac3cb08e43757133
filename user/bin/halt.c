// halt [status]: power the machine off; QEMU exits with the given status
// (0 if none is given). Prints nothing.
#include "kernel/uapi/types.h"
#include "user/lib/user.h"

int main(int argc, char *argv[]) {
  halt(argc > 1 ? atoi(argv[1]) : 0);
  return 1; // halt() only comes back if it failed
}
