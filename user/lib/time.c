// Time helpers over clock_gettime() and nanosleep().
#include "kernel/uapi/types.h"
#include "kernel/uapi/time.h"
#include "user/lib/user.h"

unsigned long time_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) return 0;
  return (unsigned long)ts.tv_sec * 1000000000ul + (unsigned long)ts.tv_nsec;
}

int usleep(unsigned int usec) {
  struct timespec ts = {usec / 1000000, (long)(usec % 1000000) * 1000};
  return nanosleep(&ts, 0);
}
