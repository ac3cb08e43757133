// Error numbers: Linux's values. Every kernel function that can fail, and
// every system call, returns -ENAME; the user library's stubs turn that into
// -1 with errno set (user/lib/errno.c). C-compatible: user programs include
// it too.
#pragma once

enum {
  EPERM = 1,         // operation not permitted
  ENOENT = 2,        // no such file or directory
  ESRCH = 3,         // no such process
  EINTR = 4,         // interrupted system call
  EIO = 5,           // I/O error
  ENXIO = 6,         // no such device or address
  E2BIG = 7,         // argument list too long
  ENOEXEC = 8,       // exec format error
  EBADF = 9,         // bad file descriptor
  ECHILD = 10,       // no child processes
  EAGAIN = 11,       // try again (also EWOULDBLOCK)
  ENOMEM = 12,       // out of memory
  EFAULT = 14,       // bad address
  EBUSY = 16,        // device or resource busy
  EEXIST = 17,       // file exists
  EXDEV = 18,        // cross-device link
  ENODEV = 19,       // no such device
  ENOTDIR = 20,      // not a directory
  EISDIR = 21,       // is a directory
  EINVAL = 22,       // invalid argument
  ENFILE = 23,       // file table overflow
  EMFILE = 24,       // too many open files
  EFBIG = 27,        // file too large
  ENOSPC = 28,       // no space left on device
  ESPIPE = 29,       // illegal seek
  EPIPE = 32,        // broken pipe
  ERANGE = 34,       // result out of range
  ENAMETOOLONG = 36, // file name too long
  ENOSYS = 38,       // function not implemented
  ENOTEMPTY = 39,    // directory not empty
  ENOTSOCK = 88,     // socket operation on non-socket
  EDESTADDRREQ = 89, // destination address required
  EMSGSIZE = 90,     // message too long
  EPROTOTYPE = 91,   // protocol wrong type for socket
  ENOPROTOOPT = 92,  // protocol not available
  EPROTONOSUPPORT = 93,
  ESOCKTNOSUPPORT = 94, // socket type not supported
  EOPNOTSUPP = 95,      // operation not supported
  EAFNOSUPPORT = 97,    // address family not supported
  EADDRINUSE = 98,      // address already in use
  EADDRNOTAVAIL = 99,
  ENETUNREACH = 101,  // network is unreachable
  ECONNABORTED = 103, // software caused connection abort
  ECONNRESET = 104,   // connection reset by peer
  ENOBUFS = 105,      // no buffer space available
  EISCONN = 106,
  ENOTCONN = 107,     // not connected
  ETIMEDOUT = 110,    // timed out
  ECONNREFUSED = 111, // connection refused
  EALREADY = 114,     // a connect is already under way
  EINPROGRESS = 115,  // a non-blocking connect has started
  EWOULDBLOCK = EAGAIN,
};
