// File-system calls: argument checking, and the operations that combine
// several lower-level steps (open, link, unlink, mkdir ...). Every check of
// what a user program passed fails with the errno Linux would give
// (-ENOENT, -EEXIST, -EFAULT ...); panics here are only for states the
// kernel itself must never reach.
// Mirrors xv6's sysfile.c.
//
// Each call that may change the disk runs as one transaction (an
// fs_transaction: begin_op/end_op), so a crash leaves it done entirely or
// not at all.
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "fs/file.hh"
#include "fs/fs.hh"
#include "fs/log.hh"
#include "net/socket.hh"
#include "uapi/param.h"
#include "pipe.hh"
#include "printf.hh"
#include "proc.hh"
#include "uapi/socket.h"
#include "uapi/stat.h"
#include "syscall.hh"
#include "vm.hh"

namespace kernel {

// The open file that file-descriptor argument n names goes to *pf, the
// descriptor to *pfd if pfd is not null. 0, or -EBADF.
int argfd(int n, int *pfd, file **pf) {
  const int fd = argint(n);
  if (fd < 0 || fd >= NOFILE || myproc()->ofile[fd] == nullptr) return -EBADF;
  if (pfd != nullptr) *pfd = fd;
  *pf = myproc()->ofile[fd];
  return 0;
}

// Give f the lowest free descriptor of the current process. The caller's
// reference to f becomes the descriptor's. -EMFILE if all are in use.
int fdalloc(file *f) {
  proc *p = myproc();
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == nullptr) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -EMFILE;
}

namespace {

constexpr uint32_t DIRENT_SIZE = sizeof(dirent);

// Is directory dp empty but for "." and ".."? Caller holds dp's lock.
bool isdirempty(inode *dp) {
  for (uint32_t off = 2 * DIRENT_SIZE; off < dp->size; off += DIRENT_SIZE) {
    dirent de;
    if (readi(dp, &de, off, DIRENT_SIZE) != DIRENT_SIZE) panic("isdirempty: cannot read directory");
    if (de.inum != 0) return false;
  }
  return true;
}

// May directory dp (locked) take a new entry? Not once it has been removed
// (no name left, nlink 0), though a process may still be in it: nothing
// would name the new entry once dp is freed, so its inode and blocks would
// never be freed. (`make stress`'s fuzzer finds one inode fewer free after
// its run without this check.)
bool takes_entries(inode *dp) { return dp->nlink > 0; }

// Enter the new inode ip (locked) in directory dp (locked) as name, and if
// it is a directory give it "." and "..". 0, or -EEXIST if dp already has
// name, or -ENOSPC if the disk is full.
int link_new(inode *dp, inode *ip, const char *name) {
  int err;
  if (ip->type == T_DIR) {
    // ip->nlink does not count ".": a directory's entry for itself would
    // keep it from ever being freed.
    if ((err = dirlink(ip, ".", ip->inum)) < 0 || (err = dirlink(ip, "..", dp->inum)) < 0) return err;
  }
  if ((err = dirlink(dp, name, ip->inum)) < 0) return err;
  if (ip->type == T_DIR) {
    dp->nlink++; // ip's ".." names dp
    iupdate(dp);
  }
  return 0;
}

// What create() says when path exists already, as type ip->type (ip
// locked): open(O_CREATE) may use a file or a device; anything else fails.
int use_existing(inode *ip, short type) {
  if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE)) return 0;
  return type == T_FILE && ip->type == T_DIR ? -EISDIR : -EEXIST;
}

// Create path as a new inode of the given type, and return it locked in
// *ipp; or, where use_existing() allows, the inode path names already.
// 0 or -errno. Inside a transaction.
int create(const char *path, short type, short major, short minor, inode **ipp) {
  char name[DIRSIZ + 1];
  inode *dp = nameiparent(path, name);
  if (dp == nullptr) return -ENOENT;
  ilock(dp);
  if (!takes_entries(dp)) {
    iunlockput(dp);
    return -ENOENT;
  }

  if (inode *ip = dirlookup(dp, name, nullptr); ip != nullptr) {
    iunlockput(dp);
    ilock(ip);
    const int err = use_existing(ip, type);
    if (err < 0) {
      iunlockput(ip);
      return err;
    }
    *ipp = ip;
    return 0;
  }

  inode *ip = ialloc(dp->dev, type);
  if (ip == nullptr) {
    iunlockput(dp);
    return -ENOSPC; // no free inode
  }
  ilock(ip); // nobody else knows ip yet, so locking it under dp is safe
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  if (const int err = link_new(dp, ip, name); err < 0) {
    // Undo: an inode with no links is freed, with any blocks "." and ".."
    // took, by its last iput.
    ip->nlink = 0;
    iupdate(ip);
    iunlockput(ip);
    iunlockput(dp);
    return err;
  }
  iunlockput(dp);
  *ipp = ip;
  return 0;
}

// Why open() may not use the inode ip (locked) in mode omode, or 0.
int open_check(inode *ip, int omode) {
  if (ip->type == T_DIR && (omode & (O_WRONLY | O_RDWR))) return -EISDIR;
  if (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV)) return -ENXIO; // no driver for it
  return 0;
}

// The inode open() should use, locked, to *ipp; 0 or -errno.
int open_inode(const char *path, int omode, inode **ipp) {
  inode *ip;
  if (omode & O_CREATE) {
    if (const int err = create(path, T_FILE, 0, 0, &ip); err < 0) return err;
  } else {
    ip = namei(path);
    if (ip == nullptr) return -ENOENT;
    ilock(ip);
  }
  if (const int err = open_check(ip, omode); err < 0) {
    iunlockput(ip);
    return err;
  }
  *ipp = ip;
  return 0;
}

// Remove name from directory dp (locked). Returns 0 or -errno.
int unlink_in(inode *dp, const char *name) {
  // Removing "." or ".." would cut the directory tree apart.
  if (namecmp(name, ".") == 0 || namecmp(name, "..") == 0) return -EINVAL;
  uint32_t off;
  inode *ip = dirlookup(dp, name, &off);
  if (ip == nullptr) return -ENOENT;
  ilock(ip); // parent before child: the order every path walk uses
  if (ip->nlink < 1) panic("unlink: inode with no links");
  if (ip->type == T_DIR && !isdirempty(ip)) {
    iunlockput(ip);
    return -ENOTEMPTY;
  }

  dirent empty = {};
  if (writei(dp, &empty, off, DIRENT_SIZE) != DIRENT_SIZE) panic("unlink: cannot clear directory entry");
  if (ip->type == T_DIR) {
    dp->nlink--; // ip's ".." named dp
    iupdate(dp);
  }
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip); // frees ip if this was its last name and nobody has it open
  return 0;
}

// Enter ip (unlocked) in the file system as path: link()'s second name.
// 0 or -errno. Inside a transaction.
int add_link(const char *path, inode *ip) {
  char name[DIRSIZ + 1];
  inode *dp = nameiparent(path, name);
  if (dp == nullptr) return -ENOENT;
  ilock(dp);
  int err;
  if (dp->dev != ip->dev)
    err = -EXDEV; // a directory entry can only name an inode on the same disk
  else if (!takes_entries(dp))
    err = -ENOENT;
  else
    err = dirlink(dp, name, ip->inum);
  iunlockput(dp);
  return err;
}

} // namespace

int64_t sys_dup() {
  file *f;
  if (const int err = argfd(0, nullptr, &f); err < 0) return err;
  const int fd = fdalloc(f);
  if (fd < 0) return fd;
  filedup(f);
  return fd;
}

int64_t sys_read() {
  file *f;
  if (const int err = argfd(0, nullptr, &f); err < 0) return err;
  const user_ptr<char> buf = argaddr<char>(1);
  const int n = argint(2);
  if (n < 0) return -EINVAL;
  return fileread(f, buf, n);
}

int64_t sys_write() {
  file *f;
  if (const int err = argfd(0, nullptr, &f); err < 0) return err;
  const user_ptr<char> buf = argaddr<char>(1);
  const int n = argint(2);
  if (n < 0) return -EINVAL;
  return filewrite(f, buf, n);
}

int64_t sys_close() {
  int fd;
  file *f;
  if (const int err = argfd(0, &fd, &f); err < 0) return err;
  myproc()->ofile[fd] = nullptr;
  fileclose(f);
  return 0;
}

int64_t sys_fstat() {
  file *f;
  if (const int err = argfd(0, nullptr, &f); err < 0) return err;
  return filestat(f, argaddr<struct stat>(1));
}

// fcntl(fd, cmd, arg): F_GETFL and F_SETFL (O_NONBLOCK, O_ASYNC) on any
// file; F_SETOWN and F_GETOWN name who gets SIGIO, which only sockets send.
int64_t sys_fcntl() {
  file *f;
  if (const int err = argfd(0, nullptr, &f); err < 0) return err;
  const int cmd = argint(1);
  const uint64_t arg = argu64(2);
  const bool socket = f->type == file::kind::SOCKET;
  switch (cmd) {
  case F_GETFL:
    return static_cast<int64_t>(__atomic_load_n(&f->flags, __ATOMIC_RELAXED)) |
           (f->readable && f->writable ? 2
            : f->writable              ? 1
                                       : 0); // O_RDWR / O_WRONLY / O_RDONLY
  case F_SETFL:
    __atomic_store_n(&f->flags, static_cast<uint32_t>(arg) & (O_NONBLOCK | O_ASYNC), __ATOMIC_RELAXED);
    return socket ? sock_fcntl(f, cmd, arg) : 0;
  case F_SETOWN: return socket ? sock_fcntl(f, cmd, arg) : -EINVAL;
  case F_GETOWN: return socket ? sock_fcntl(f, cmd, arg) : 0;
  }
  return -EINVAL;
}

// link(old, new): give the inode named old a second name, new.
int64_t sys_link() {
  char oldpath[MAXPATH], newpath[MAXPATH];
  int err;
  if ((err = argstr(0, oldpath, MAXPATH)) < 0 || (err = argstr(1, newpath, MAXPATH)) < 0) return err;

  fs_transaction tx;
  inode *ip = namei(oldpath);
  if (ip == nullptr) return -ENOENT;
  ilock(ip);
  if (ip->type == T_DIR) { // a second name for a directory could make a cycle
    iunlockput(ip);
    return -EPERM;
  }
  // Count the new name before making it, and unlock ip before locking the
  // new parent: unlink() locks a directory and then a file in it, so taking
  // them in the other order here could deadlock. The count is never below
  // the number of names, whatever another process does meanwhile.
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  err = add_link(newpath, ip);
  if (err < 0) {
    ilock(ip);
    ip->nlink--;
    iupdate(ip);
    iunlock(ip);
  }
  iput(ip);
  return err;
}

int64_t sys_unlink() {
  char path[MAXPATH];
  char name[DIRSIZ + 1];
  if (const int err = argstr(0, path, MAXPATH); err < 0) return err;

  fs_transaction tx;
  inode *dp = nameiparent(path, name);
  if (dp == nullptr) return -ENOENT;
  ilock(dp);
  const int r = unlink_in(dp, name);
  iunlockput(dp);
  return r;
}

// open(path, flags): O_RDONLY, O_WRONLY or O_RDWR, plus O_CREATE, O_TRUNC.
int64_t sys_open() {
  char path[MAXPATH];
  if (const int err = argstr(0, path, MAXPATH); err < 0) return err;
  const int omode = argint(1);

  fs_transaction tx;
  inode *ip;
  if (const int err = open_inode(path, omode, &ip); err < 0) return err;

  file *f = filealloc();
  const int fd = f != nullptr ? fdalloc(f) : -ENFILE;
  if (fd < 0) {
    if (f != nullptr) fileclose(f); // still of kind NONE: just frees the slot
    iunlockput(ip);
    return fd;
  }

  if (ip->type == T_DEVICE) {
    f->type = file::kind::DEVICE;
    f->major = ip->major;
  } else {
    f->type = file::kind::INODE;
    f->off = 0;
  }
  f->ip = ip; // the reference from namei/create is now the file's
  f->readable = (omode & O_WRONLY) == 0;
  f->writable = (omode & (O_WRONLY | O_RDWR)) != 0;

  if ((omode & O_TRUNC) && ip->type == T_FILE) itrunc(ip);
  iunlock(ip);
  return fd;
}

// Create path as a new inode of this type and let go of it: what mkdir
// and mknod have in common. 0, or -errno.
static int make_node(const char *path, short type, short major, short minor) {
  fs_transaction tx;
  inode *ip;
  const int err = create(path, type, major, minor, &ip);
  if (err == 0) iunlockput(ip);
  return err;
}

int64_t sys_mkdir() {
  char path[MAXPATH];
  if (const int err = argstr(0, path, MAXPATH); err < 0) return err;
  return make_node(path, T_DIR, 0, 0);
}

// mknod(path, major, minor): create a device file.
int64_t sys_mknod() {
  char path[MAXPATH];
  if (const int err = argstr(0, path, MAXPATH); err < 0) return err;
  const int major = argint(1);
  const int minor = argint(2);
  if (major < 0 || major >= NDEV || minor < 0 || minor > 0x7fff) return -EINVAL;
  return make_node(path, T_DEVICE, static_cast<short>(major), static_cast<short>(minor));
}

int64_t sys_chdir() {
  char path[MAXPATH];
  if (const int err = argstr(0, path, MAXPATH); err < 0) return err;
  proc *p = myproc();

  fs_transaction tx;
  inode *ip = namei(path);
  if (ip == nullptr) return -ENOENT;
  ilock(ip);
  if (ip->type != T_DIR) {
    iunlockput(ip);
    return -ENOTDIR;
  }
  iunlock(ip);
  iput(p->cwd); // in the transaction: the old cwd may have been removed
  p->cwd = ip;
  return 0;
}

// pipe(int fds[2]): fds[0] is the read end, fds[1] the write end.
int64_t sys_pipe() {
  const user_ptr<int[2]> fdarray = argaddr<int[2]>(0);
  file *rf, *wf;
  if (const int err = pipealloc(&rf, &wf); err < 0) return err;

  proc *p = myproc();
  int fds[2] = {fdalloc(rf), -1};
  if (fds[0] >= 0) fds[1] = fdalloc(wf);
  int err = fds[1] < 0 ? -EMFILE : copyout(p->pagetable, fdarray, &fds);
  if (err < 0) {
    if (fds[0] >= 0) p->ofile[fds[0]] = nullptr;
    if (fds[1] >= 0) p->ofile[fds[1]] = nullptr;
    fileclose(rf);
    fileclose(wf);
    return err;
  }
  return 0;
}

} // namespace kernel
