// The file system's in-memory layer: inodes, directories and path names.
// The disk format is in fs.h; blocks come from the buffer cache (buf.hh) and
// every change goes through the log (log.hh).
//
// Using an inode:
//   ip = namei(path);   // or iget/ialloc/dirlookup: a counted reference (ref)
//   ilock(ip);          // now its fields are valid and ours to use
//   ... readi/writei/stati, change fields and iupdate ...
//   iunlock(ip);
//   iput(ip);           // drop the reference (iunlockput does both)
// A reference keeps the in-memory inode from being reused for another
// inode; the lock gives the exclusive use of its contents. iput() may free
// the inode on disk, so any iput() must be inside begin_op/end_op.
#pragma once
#include <cstdint>
#include "uapi/fs.h"
#include "fs/sleeplock.hh"
#include "uapi/stat.h"
#include "user_ptr.hh"

namespace kernel {

struct inode {
  // Guarded by the inode table's spinlock (itable.lock in fs.cc).
  uint32_t dev = 0;
  uint32_t inum = 0;
  int ref = 0; // references: 0 means this slot is free

  // Guarded by lock, which ilock() takes.
  sleeplock lock{"inode"};
  bool valid = false; // the fields below have been read from disk
  // A copy of the on-disk inode (struct dinode in fs.h).
  short type = 0; // T_DIR, T_FILE, T_DEVICE; 0 = free
  short major = 0;
  short minor = 0;
  short nlink = 0;
  uint32_t size = 0;
  uint32_t addrs[NDIRECT + 1] = {};
};

// Where things are on disk, computed from the superblock.
inline uint32_t iblock(uint32_t inum, const superblock &sb) { // block holding inode inum
  return sb.inodestart + inum / IPB;
}
inline uint32_t bblock(uint32_t blockno, const superblock &sb) { // bitmap block for it
  return sb.bmapstart + blockno / BPB;
}

constexpr uint32_t MAXFILE_BYTES = static_cast<uint32_t>(MAXFILE) * BSIZE;

// Boot.
void fsinit(int dev); // from the first process: reads the superblock, recovers the log

// Inodes.
[[nodiscard]] inode *ialloc(uint32_t dev, short type);  // unlocked; null if none free
[[nodiscard]] inode *iget(uint32_t dev, uint32_t inum); // unlocked; null if table full
inode *idup(inode *ip);                                 // another reference; returns ip
void ilock(inode *ip);
void iunlock(inode *ip);
void iput(inode *ip); // inside a transaction
void iunlockput(inode *ip);
void iupdate(inode *ip);                // write the in-memory copy to disk; ip locked, in a transaction
void itrunc(inode *ip);                 // free all its data blocks; ip locked, in a transaction
void stati(inode *ip, struct stat *st); // ip locked

// Contents, to or from a user address of the current process or kernel
// memory (either_ptr). Return bytes copied, or -errno when nothing was
// (fs.cc says which).
[[nodiscard]] int readi(inode *ip, either_ptr dst, uint32_t off, uint32_t n);
[[nodiscard]] int writei(inode *ip, either_ptr src, uint32_t off, uint32_t n);

// Directories. dp is locked. name is at most DIRSIZ significant characters.
[[nodiscard]] int namecmp(const char *a, const char *b);
[[nodiscard]] inode *dirlookup(inode *dp, const char *name, uint32_t *poff);
[[nodiscard]] int dirlink(inode *dp, const char *name, uint32_t inum); // 0, -EEXIST or -ENOSPC

// Path names. Inside a transaction (they may iput). Results are unlocked.
[[nodiscard]] inode *namei(const char *path);
// The parent directory of path's last element, whose name is copied into
// name: a buffer of at least DIRSIZ + 1 chars, always NUL-terminated.
[[nodiscard]] inode *nameiparent(const char *path, char *name);

} // namespace kernel
