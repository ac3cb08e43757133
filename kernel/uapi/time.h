// Time structures and clocks for clock_gettime() and nanosleep(): Linux's
// layouts and clock numbers. C-compatible.
#pragma once

struct timespec {
  long tv_sec;
  long tv_nsec;
};

struct timeval {
  long tv_sec;
  long tv_usec;
};

enum {
  CLOCK_REALTIME = 0,  // no wall clock here: the same as CLOCK_MONOTONIC
  CLOCK_MONOTONIC = 1, // time since boot, from the `time` CSR (10 MHz)
};
