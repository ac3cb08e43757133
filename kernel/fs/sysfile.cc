// File-system calls: argument checking, and the operations that combine
// several lower-level steps (open, link, unlink, mkdir ...). Every check of
// what a user program passed returns -1 to it; panics here are only for
// states the kernel itself must never reach.
// Mirrors xv6's sysfile.c.
//
// Each call that may change the disk runs as one transaction
// (begin_op/end_op), so a crash leaves it done entirely or not at all.
#include "uapi/fcntl.h"
#include "fs/file.hh"
#include "fs/fs.hh"
#include "fs/log.hh"
#include "uapi/param.h"
#include "pipe.hh"
#include "printf.hh"
#include "proc.hh"
#include "uapi/stat.h"
#include "syscall.hh"
#include "vm.hh"

namespace kernel {

// The open file that file-descriptor argument n names, or null. The
// descriptor goes to *pfd if pfd is not null.
file *argfd(int n, int *pfd) {
  const int fd = argint(n);
  if (fd < 0 || fd >= NOFILE)
    return nullptr;
  file *f = myproc()->ofile[fd];
  if (f != nullptr && pfd != nullptr)
    *pfd = fd;
  return f;
}

// Give f the lowest free descriptor of the current process. The caller's
// reference to f becomes the descriptor's. -1 if all are in use.
int fdalloc(file *f) {
  proc *p = myproc();
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == nullptr) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -1;
}

namespace {

constexpr uint32_t DIRENT_SIZE = sizeof(dirent);

// Is directory dp empty but for "." and ".."? Caller holds dp's lock.
bool isdirempty(inode *dp) {
  for (uint32_t off = 2 * DIRENT_SIZE; off < dp->size; off += DIRENT_SIZE) {
    dirent de;
    if (readi(dp, false, reinterpret_cast<uint64_t>(&de), off, DIRENT_SIZE) != DIRENT_SIZE)
      panic("isdirempty: cannot read directory");
    if (de.inum != 0)
      return false;
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
// it is a directory give it "." and "..". False if dp already has name or
// the disk is full.
bool link_new(inode *dp, inode *ip, const char *name) {
  if (ip->type == T_DIR) {
    // ip->nlink does not count ".": a directory's entry for itself would
    // keep it from ever being freed.
    if (dirlink(ip, ".", ip->inum) < 0 || dirlink(ip, "..", dp->inum) < 0)
      return false;
  }
  if (dirlink(dp, name, ip->inum) < 0)
    return false;
  if (ip->type == T_DIR) {
    dp->nlink++; // ip's ".." names dp
    iupdate(dp);
  }
  return true;
}

// Create path as a new inode of the given type, and return it locked.
// If path exists already, open(O_CREATE) may use it if it is a file or a
// device; anything else fails. Inside a transaction.
inode *create(const char *path, short type, short major, short minor) {
  char name[DIRSIZ + 1];
  inode *dp = nameiparent(path, name);
  if (dp == nullptr)
    return nullptr;
  ilock(dp);
  if (!takes_entries(dp)) {
    iunlockput(dp);
    return nullptr;
  }

  if (inode *ip = dirlookup(dp, name, nullptr); ip != nullptr) {
    iunlockput(dp);
    ilock(ip);
    if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
      return ip;
    iunlockput(ip);
    return nullptr;
  }

  inode *ip = ialloc(dp->dev, type);
  if (ip == nullptr) {
    iunlockput(dp);
    return nullptr;
  }
  ilock(ip); // nobody else knows ip yet, so locking it under dp is safe
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  if (!link_new(dp, ip, name)) {
    // Undo: an inode with no links is freed, with any blocks "." and ".."
    // took, by its last iput.
    ip->nlink = 0;
    iupdate(ip);
    iunlockput(ip);
    iunlockput(dp);
    return nullptr;
  }
  iunlockput(dp);
  return ip;
}

// The inode open() should use, locked, or null if the open must fail.
inode *open_inode(const char *path, int omode) {
  inode *ip;
  if (omode & O_CREATE) {
    ip = create(path, T_FILE, 0, 0);
    if (ip == nullptr)
      return nullptr;
  } else {
    ip = namei(path);
    if (ip == nullptr)
      return nullptr;
    ilock(ip);
  }

  const bool for_writing = (omode & (O_WRONLY | O_RDWR)) != 0;
  const bool bad_major = ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV);
  if ((ip->type == T_DIR && for_writing) || bad_major) {
    iunlockput(ip);
    return nullptr;
  }
  return ip;
}

// Remove name from directory dp (locked). Returns 0 or -1.
int unlink_in(inode *dp, const char *name) {
  // Removing "." or ".." would cut the directory tree apart.
  if (namecmp(name, ".") == 0 || namecmp(name, "..") == 0)
    return -1;
  uint32_t off;
  inode *ip = dirlookup(dp, name, &off);
  if (ip == nullptr)
    return -1;
  ilock(ip); // parent before child: the order every path walk uses
  if (ip->nlink < 1)
    panic("unlink: inode with no links");
  if (ip->type == T_DIR && !isdirempty(ip)) {
    iunlockput(ip);
    return -1;
  }

  dirent empty = {};
  if (writei(dp, false, reinterpret_cast<uint64_t>(&empty), off, DIRENT_SIZE) != DIRENT_SIZE)
    panic("unlink: cannot clear directory entry");
  if (ip->type == T_DIR) {
    dp->nlink--; // ip's ".." named dp
    iupdate(dp);
  }
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip); // frees ip if this was its last name and nobody has it open
  return 0;
}

} // namespace

int64_t sys_dup() {
  file *f = argfd(0, nullptr);
  if (f == nullptr)
    return -1;
  const int fd = fdalloc(f);
  if (fd < 0)
    return -1;
  filedup(f);
  return fd;
}

int64_t sys_read() {
  file *f = argfd(0, nullptr);
  const uint64_t addr = argaddr(1);
  const int n = argint(2);
  if (f == nullptr || n < 0)
    return -1;
  return fileread(f, addr, n);
}

int64_t sys_write() {
  file *f = argfd(0, nullptr);
  const uint64_t addr = argaddr(1);
  const int n = argint(2);
  if (f == nullptr || n < 0)
    return -1;
  return filewrite(f, addr, n);
}

int64_t sys_close() {
  int fd;
  file *f = argfd(0, &fd);
  if (f == nullptr)
    return -1;
  myproc()->ofile[fd] = nullptr;
  fileclose(f);
  return 0;
}

int64_t sys_fstat() {
  file *f = argfd(0, nullptr);
  const uint64_t addr = argaddr(1); // a struct stat *
  if (f == nullptr)
    return -1;
  return filestat(f, addr);
}

// link(old, new): give the inode named old a second name, new.
int64_t sys_link() {
  char oldpath[MAXPATH], newpath[MAXPATH];
  if (argstr(0, oldpath, MAXPATH) < 0 || argstr(1, newpath, MAXPATH) < 0)
    return -1;

  begin_op();
  inode *ip = namei(oldpath);
  if (ip == nullptr) {
    end_op();
    return -1;
  }
  ilock(ip);
  if (ip->type == T_DIR) { // a second name for a directory could make a cycle
    iunlockput(ip);
    end_op();
    return -1;
  }
  // Count the new name before making it, and unlock ip before locking the
  // new parent: unlink() locks a directory and then a file in it, so taking
  // them in the other order here could deadlock. The count is never below
  // the number of names, whatever another process does meanwhile.
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  char name[DIRSIZ + 1];
  bool linked = false;
  if (inode *dp = nameiparent(newpath, name); dp != nullptr) {
    ilock(dp);
    // A directory entry can only name an inode on the same disk.
    linked = dp->dev == ip->dev && takes_entries(dp) && dirlink(dp, name, ip->inum) == 0;
    iunlockput(dp);
  }
  if (!linked) {
    ilock(ip);
    ip->nlink--;
    iupdate(ip);
    iunlock(ip);
  }
  iput(ip);
  end_op();
  return linked ? 0 : -1;
}

int64_t sys_unlink() {
  char path[MAXPATH];
  char name[DIRSIZ + 1];
  if (argstr(0, path, MAXPATH) < 0)
    return -1;

  begin_op();
  inode *dp = nameiparent(path, name);
  if (dp == nullptr) {
    end_op();
    return -1;
  }
  ilock(dp);
  const int r = unlink_in(dp, name);
  iunlockput(dp);
  end_op();
  return r;
}

// open(path, flags): O_RDONLY, O_WRONLY or O_RDWR, plus O_CREATE, O_TRUNC.
int64_t sys_open() {
  char path[MAXPATH];
  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  const int omode = argint(1);

  begin_op();
  inode *ip = open_inode(path, omode);
  if (ip == nullptr) {
    end_op();
    return -1;
  }

  file *f = filealloc();
  const int fd = f != nullptr ? fdalloc(f) : -1;
  if (fd < 0) {
    if (f != nullptr)
      fileclose(f); // still of kind NONE: just frees the slot
    iunlockput(ip);
    end_op();
    return -1;
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

  if ((omode & O_TRUNC) && ip->type == T_FILE)
    itrunc(ip);
  iunlock(ip);
  end_op();
  return fd;
}

// Create path as a new inode of this type and let go of it: what mkdir
// and mknod have in common. 0, or -1.
static int make_node(const char *path, short type, short major, short minor) {
  begin_op();
  inode *ip = create(path, type, major, minor);
  if (ip != nullptr)
    iunlockput(ip);
  end_op();
  return ip != nullptr ? 0 : -1;
}

int64_t sys_mkdir() {
  char path[MAXPATH];
  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  return make_node(path, T_DIR, 0, 0);
}

// mknod(path, major, minor): create a device file.
int64_t sys_mknod() {
  char path[MAXPATH];
  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  const int major = argint(1);
  const int minor = argint(2);
  if (major < 0 || major >= NDEV || minor < 0 || minor > 0x7fff)
    return -1;
  return make_node(path, T_DEVICE, static_cast<short>(major), static_cast<short>(minor));
}

int64_t sys_chdir() {
  char path[MAXPATH];
  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  proc *p = myproc();

  begin_op();
  inode *ip = namei(path);
  if (ip == nullptr) {
    end_op();
    return -1;
  }
  ilock(ip);
  if (ip->type != T_DIR) {
    iunlockput(ip);
    end_op();
    return -1;
  }
  iunlock(ip);
  iput(p->cwd); // in the transaction: the old cwd may have been removed
  end_op();
  p->cwd = ip;
  return 0;
}

// pipe(int fds[2]): fds[0] is the read end, fds[1] the write end.
int64_t sys_pipe() {
  const uint64_t fdarray = argaddr(0);
  file *rf, *wf;
  if (pipealloc(&rf, &wf) < 0)
    return -1;

  proc *p = myproc();
  int fds[2] = {fdalloc(rf), -1};
  if (fds[0] >= 0)
    fds[1] = fdalloc(wf);
  if (fds[1] < 0 || copyout(p->pagetable, fdarray, fds, sizeof(fds)) < 0) {
    if (fds[0] >= 0)
      p->ofile[fds[0]] = nullptr;
    if (fds[1] >= 0)
      p->ofile[fds[1]] = nullptr;
    fileclose(rf);
    fileclose(wf);
    return -1;
  }
  return 0;
}

} // namespace kernel
