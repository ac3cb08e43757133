// poll(): the user-visible ABI (Linux's values). C-compatible.
#pragma once

struct pollfd {
  int fd;        // a negative fd is skipped (revents 0)
  short events;  // what the caller waits for
  short revents; // what happened; POLLERR, POLLHUP, POLLNVAL always reported
};

enum {
  POLLIN = 0x001, // data to read
  POLLPRI = 0x002,
  POLLOUT = 0x004,  // room to write
  POLLERR = 0x008,  // an error (e.g. a pipe's write end with no reader)
  POLLHUP = 0x010,  // hang-up (e.g. a pipe's read end with no writer)
  POLLNVAL = 0x020, // fd is not open
  POLLRDNORM = 0x040,
  POLLRDBAND = 0x080,
  POLLWRNORM = 0x100,
  POLLWRBAND = 0x200,
  POLLRDHUP = 0x2000, // the peer shut its sending side (TCP: its FIN arrived)
  POLL_MAX_FDS = 64,  // more than this many entries: EINVAL
};
