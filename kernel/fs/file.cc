// The open-file table and reading and writing open files (see file.hh).
// Mirrors xv6's file.c.
#include "fs/file.hh"
#include "fs/fs.hh"
#include "fs/log.hh"
#include "uapi/errno.h"
#include "uapi/param.h"
#include "net/socket.hh"
#include "pipe.hh"
#include "uapi/poll.h"
#include "printf.hh"
#include "proc.hh"
#include "spinlock.hh"
#include "uapi/stat.h"
#include "vm.hh"

namespace kernel {

devsw_entry devsw[NDEV];

namespace {

struct file_table {
  spinlock lock{"ftable"}; // guards every file's ref
  file files[NFILE];
};

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::ftable);
// static keeps it private to this file all the same.
static constinit file_table ftable;

namespace {

// The device entry an inode's major number selects, or null.
devsw_entry *device(const file *f) {
  if (f->major < 0 || f->major >= NDEV) return nullptr;
  return &devsw[f->major];
}

// The most bytes one transaction of filewrite() may write. A transaction
// may log MAXOPBLOCKS blocks. k blocks' worth of bytes at an unaligned
// offset touch k + 1 data blocks; each may be newly allocated and dirty a
// bitmap block of its own; add the inode and the indirect block:
//   2 * (k + 1) + 2 <= MAXOPBLOCKS.
constexpr int MAX_WRITE_BLOCKS = (MAXOPBLOCKS - 2) / 2 - 1;
static_assert(MAX_WRITE_BLOCKS >= 1, "MAXOPBLOCKS too small for any write");
constexpr int MAX_WRITE_BYTES = MAX_WRITE_BLOCKS * static_cast<int>(BSIZE);

// Write n bytes at the file's offset, in as many transactions as needed.
// Returns n, or -errno if not all of it could be written (as xv6 does, the
// bytes that were are not counted). A short chunk is followed by another
// try, which writes nothing and says why: a bad address or a full disk.
int inode_write(file *f, user_ptr<char> buf, int n) {
  int done = 0;
  while (done < n) {
    const int chunk = n - done < MAX_WRITE_BYTES ? n - done : MAX_WRITE_BYTES;
    int r;
    {
      fs_transaction tx;
      ilock(f->ip);
      r = writei(f->ip, buf + done, f->off, static_cast<uint32_t>(chunk));
      if (r > 0) f->off += r;
      iunlock(f->ip);
    }
    if (r < 0) return r;
    done += r;
  }
  return n;
}

} // namespace

// Nothing to set up: ftable is initialised at compile time (constinit).
void fileinit() {}

file *filealloc() {
  lock_guard guard(ftable.lock);
  for (file &f : ftable.files) {
    if (f.ref == 0) {
      f = file{};
      f.ref = 1;
      return &f;
    }
  }
  return nullptr;
}

file *filedup(file *f) {
  lock_guard guard(ftable.lock);
  if (f->ref < 1) panic("filedup: file not open");
  f->ref++;
  return f;
}

// Drop a reference; the last one closes the pipe end or releases the inode.
void fileclose(file *f) {
  file closed;
  {
    lock_guard guard(ftable.lock);
    if (f->ref < 1) panic("fileclose: file not open");
    if (--f->ref > 0) return;
    // Copy what the close needs and free the slot now: pipeclose and iput
    // may sleep, which must not happen while holding ftable.lock.
    closed = *f;
    f->type = file::kind::NONE;
  }

  if (closed.type == file::kind::PIPE) {
    pipeclose(closed.pipe, closed.writable);
  } else if (closed.type == file::kind::SOCKET) {
    sock_release(closed.sock);
  } else if (closed.type == file::kind::INODE || closed.type == file::kind::DEVICE) {
    fs_transaction tx; // iput may free the inode, if this file was its last use
    iput(closed.ip);
  }
}

// Copy the file's metadata to the user's struct stat.
int filestat(file *f, user_ptr<struct stat> ust) {
  if (f->type != file::kind::INODE && f->type != file::kind::DEVICE)
    return -EINVAL; // pipes and sockets have no inode to describe
  struct stat st;
  ilock(f->ip);
  stati(f->ip, &st);
  iunlock(f->ip);
  return copyout(myproc()->pagetable, ust, &st);
}

// Read up to n bytes into the user's buf (n >= 0: sys_read checks it).
int fileread(file *f, user_ptr<char> buf, int n) {
  if (!f->readable) return -EBADF;
  switch (f->type) {
  case file::kind::PIPE: return piperead(f->pipe, buf, n, f->nonblocking());
  case file::kind::SOCKET: return sock_read(f, buf, n);
  case file::kind::DEVICE: {
    devsw_entry *dev = device(f);
    if (dev == nullptr) return -ENXIO;
    if (dev->read == nullptr) return -EINVAL;
    return dev->read(buf, n);
  }
  case file::kind::INODE: {
    ilock(f->ip);
    const int r = readi(f->ip, buf, f->off, static_cast<uint32_t>(n));
    if (r > 0) f->off += r;
    iunlock(f->ip);
    return r;
  }
  case file::kind::NONE: break;
  }
  panic("fileread: file of no kind");
}

// Write n bytes from the user's buf (n >= 0: sys_write checks it).
int filewrite(file *f, user_ptr<char> buf, int n) {
  if (!f->writable) return -EBADF;
  switch (f->type) {
  case file::kind::PIPE: return pipewrite(f->pipe, buf, n, f->nonblocking());
  case file::kind::SOCKET: return sock_write(f, buf, n);
  case file::kind::DEVICE: {
    devsw_entry *dev = device(f);
    if (dev == nullptr) return -ENXIO;
    if (dev->write == nullptr) return -EINVAL;
    return dev->write(buf, n);
  }
  case file::kind::INODE: return inode_write(f, buf, n);
  case file::kind::NONE: break;
  }
  panic("filewrite: file of no kind");
}

uint32_t filepoll(file *f, poll_table *pt) {
  switch (f->type) {
  case file::kind::PIPE: return pipepoll(f->pipe, f->writable, pt);
  case file::kind::SOCKET: return sock_poll(f, pt);
  case file::kind::DEVICE:
    if (f->major >= 0 && f->major < NDEV && devsw[f->major].poll) return devsw[f->major].poll(pt);
    return POLLIN | POLLOUT;
  case file::kind::INODE: // a disk file never makes a reader or writer wait
    return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
  case file::kind::NONE: break;
  }
  return POLLNVAL;
}

} // namespace kernel
