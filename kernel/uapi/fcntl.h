// open() flags: xv6-riscv's values; fcntl()'s commands and file status
// flags: Linux's.
#pragma once

enum {
  O_RDONLY = 0x000,
  O_WRONLY = 0x001,
  O_RDWR = 0x002,
  O_CREATE = 0x200,
  O_TRUNC = 0x400,

  // fcntl
  F_GETFL = 3,
  F_SETFL = 4,
  F_SETOWN = 8, // the process that gets SIGIO for an O_ASYNC socket
  F_GETOWN = 9,
  O_NONBLOCK = 0x800, // pipes and sockets: EAGAIN where a call would wait
  O_ASYNC = 0x2000,   // sockets: SIGIO when ready
};
