// Open files: what a file descriptor refers to.
//
// open() creates a struct file; fork() and dup() share it (ref counts the
// sharers), so they share its offset too. A file is a pipe end, an inode
// (regular file or directory), or a device, which reads and writes through
// the devsw table instead of the disk.
#pragma once
#include <cstdint>
#include "uapi/fcntl.h"
#include "uapi/param.h"
#include "user_ptr.hh"

struct stat; // uapi/stat.h: the ABI types live outside namespace kernel

namespace kernel {

struct inode;
struct pipe;

struct file {
  enum class kind { NONE, PIPE, INODE, DEVICE, SOCKET };

  // Guarded by the file table's spinlock (ftable.lock in file.cc).
  int ref = 0; // 0 means this slot is free

  // Set by whoever allocates the file, before anyone else can see it, and
  // never changed after; so read without a lock.
  kind type = kind::NONE;
  bool readable = false;
  bool writable = false;
  struct pipe *pipe = nullptr;   // kind::PIPE
  inode *ip = nullptr;           // kind::INODE and kind::DEVICE
  short major = 0;               // kind::DEVICE
  struct socket *sock = nullptr; // kind::SOCKET

  // fcntl's O_NONBLOCK | O_ASYNC (uapi/fcntl.h); set by fcntl, read without a lock.
  uint32_t flags = 0;

  // O_NONBLOCK: a read or write that would wait gives -EAGAIN instead.
  // fcntl may set it at any moment, so a call reads it once.
  [[nodiscard]] bool nonblocking() const { return __atomic_load_n(&flags, __ATOMIC_RELAXED) & O_NONBLOCK; }

  // Guarded by ip's sleep lock: processes sharing the file each read or
  // write under ilock, so each sees and advances the offset in turn.
  uint32_t off = 0; // kind::INODE
};

// How a device (an inode of type T_DEVICE) is read and written: one entry
// per major device number, to or from a user address of the current
// process or kernel memory. They return the byte count, or -errno.
struct poll_table;
struct socket;

struct devsw_entry {
  int (*read)(either_ptr dst, int n);
  int (*write)(either_ptr src, int n);
  uint32_t (*poll)(poll_table *pt); // ready events (poll.h); null: always ready
};
extern devsw_entry devsw[NDEV];
constexpr int CONSOLE = 1; // major number of the console

void fileinit();
[[nodiscard]] file *filealloc(); // ref 1, kind NONE; null if the table is full
file *filedup(file *f);          // another reference; returns f
void fileclose(file *f);
[[nodiscard]] int filestat(file *f, user_ptr<struct stat> st); // 0 or -errno
// The byte count, or -errno: -EBADF if f is not open for it, -EFAULT for a
// bad address, or what a pipe, socket or device returned.
[[nodiscard]] int fileread(file *f, user_ptr<char> buf, int n);
[[nodiscard]] int filewrite(file *f, user_ptr<char> buf, int n);
// The open file that file-descriptor argument n names, to *pf, and the
// descriptor to *pfd if pfd is not null. 0, or -EBADF (sysfile.cc).
[[nodiscard]] int argfd(int n, int *pfd, file **pf);
// Give f the lowest free descriptor of the current process; -EMFILE if none.
[[nodiscard]] int fdalloc(file *f);

// The poll.h events ready on f now; with pt, also register for wakeups.
[[nodiscard]] uint32_t filepoll(file *f, poll_table *pt);

} // namespace kernel
