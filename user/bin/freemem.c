// freemem: print how many physical pages are free and how many processes
// exist, as sysinfo() reports them. The test harness compares the page count
// before and after a test run to find leaks, so the format is fixed:
//   freemem: N pages free, P procs
#include "kernel/uapi/types.h"
#include "kernel/uapi/sysinfo.h"
#include "user/lib/user.h"

int main(void) {
  struct sysinfo si;

  if (sysinfo(&si) < 0) {
    fprintf(2, "freemem: sysinfo failed\n");
    return 1;
  }
  printf("freemem: %lu pages free, %lu procs\n", si.freepages, si.nproc);
  return 0;
}
