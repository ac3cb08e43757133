// provoke WHAT: make the kernel commit a deliberate error that one of its
// checkers must catch; each ends in a kernel panic (kernel/uapi/provoke.h). The
// tests use it to show the checkers work; `make test UBSAN=1` builds the
// kernel in which all of them are on.
#include "kernel/uapi/types.h"
#include "kernel/uapi/provoke.h"
#include "user/lib/user.h"

static const struct {
  const char *name;
  int what;
} kinds[] = {
    {"panic", PROVOKE_PANIC},
    {"ubsan", PROVOKE_UBSAN},
    {"lock-order", PROVOKE_LOCK_ORDER},
    {"sleep-locked", PROVOKE_SLEEP_LOCKED},
    {"unlock-twice", PROVOKE_UNLOCK_TWICE},
    {"double-free", PROVOKE_DOUBLE_FREE},
    {"bad-csum", PROVOKE_BAD_CSUM},
    {"use-after-free", PROVOKE_USE_AFTER_FREE},
    {"ipi-locked", PROVOKE_IPI_LOCKED},
};

int main(int argc, char *argv[]) {
  if (argc == 2) {
    for (int i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
      if (strcmp(argv[1], kinds[i].name) != 0) continue;
      if (provoke(kinds[i].what) < 0)
        fprintf(2, "provoke: %s: this kernel was built without that checker\n", argv[1]);
      else
        fprintf(2, "provoke: %s: the kernel carried on\n", argv[1]);
      exit(1);
    }
  }
  fprintf(2, "usage: provoke panic|ubsan|lock-order|sleep-locked|unlock-twice|double-free|bad-csum|"
             "use-after-free|ipi-locked\n");
  exit(2);
}
