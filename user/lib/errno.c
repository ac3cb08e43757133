// errno, and the error messages behind it (kernel/uapi/errno.h has the numbers).
#include "kernel/uapi/types.h"
#include "kernel/uapi/errno.h"
#include "user/lib/user.h"

int errno;

// Every system-call stub (usys.S) ends here with the kernel's result:
// -4095..-1 is -errno, anything else a success. This is the one place where
// the kernel's convention (-errno) becomes the C library's (-1 and errno),
// for xv6's calls as for the new ones: an xv6 program still sees -1.
long __syscall_ret(long result) {
  if (result < 0 && result >= -4095) {
    errno = (int)-result;
    return -1;
  }
  return result;
}

static const char *const messages[] = {
    [EPERM] = "operation not permitted",
    [ENOENT] = "no such file or directory",
    [ESRCH] = "no such process",
    [EINTR] = "interrupted system call",
    [EIO] = "input/output error",
    [ENXIO] = "no such device or address",
    [E2BIG] = "argument list too long",
    [ENOEXEC] = "exec format error",
    [EBADF] = "bad file descriptor",
    [ECHILD] = "no child processes",
    [EAGAIN] = "resource temporarily unavailable",
    [ENOMEM] = "cannot allocate memory",
    [EFAULT] = "bad address",
    [EBUSY] = "device or resource busy",
    [EEXIST] = "file exists",
    [EXDEV] = "invalid cross-device link",
    [ENODEV] = "no such device",
    [ENOTDIR] = "not a directory",
    [EISDIR] = "is a directory",
    [EINVAL] = "invalid argument",
    [ENFILE] = "too many open files in system",
    [EMFILE] = "too many open files",
    [EFBIG] = "file too large",
    [ENOSPC] = "no space left on device",
    [ESPIPE] = "illegal seek",
    [EPIPE] = "broken pipe",
    [ERANGE] = "numerical result out of range",
    [ENAMETOOLONG] = "file name too long",
    [ENOSYS] = "function not implemented",
    [ENOTEMPTY] = "directory not empty",
    [ENOTSOCK] = "socket operation on non-socket",
    [EDESTADDRREQ] = "destination address required",
    [EMSGSIZE] = "message too long",
    [EPROTOTYPE] = "protocol wrong type for socket",
    [ENOPROTOOPT] = "protocol not available",
    [EPROTONOSUPPORT] = "protocol not supported",
    [ESOCKTNOSUPPORT] = "socket type not supported",
    [EOPNOTSUPP] = "operation not supported",
    [EAFNOSUPPORT] = "address family not supported by protocol",
    [EADDRINUSE] = "address already in use",
    [EADDRNOTAVAIL] = "cannot assign requested address",
    [ENETUNREACH] = "network is unreachable",
    [ECONNABORTED] = "software caused connection abort",
    [ECONNRESET] = "connection reset by peer",
    [ENOBUFS] = "no buffer space available",
    [EISCONN] = "transport endpoint is already connected",
    [ENOTCONN] = "transport endpoint is not connected",
    [ETIMEDOUT] = "connection timed out",
    [ECONNREFUSED] = "connection refused",
    [EALREADY] = "operation already in progress",
    [EINPROGRESS] = "operation now in progress",
};

const char *strerror(int err) {
  if (err > 0 && err < (int)(sizeof messages / sizeof messages[0]) && messages[err]) return messages[err];
  return "unknown error";
}
