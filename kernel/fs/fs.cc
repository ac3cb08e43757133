// The file system: blocks, inodes, directories, path names (see fs.hh).
// Mirrors xv6's fs.c.
//
// Layers, bottom up:
//   blocks       balloc/bfree: the free bitmap
//   inodes       ialloc, iget ... iput: the inode table and on-disk inodes
//   contents     bmap, readi, writei: an inode's data blocks
//   directories  dirlookup, dirlink: files of struct dirent
//   paths        namei, nameiparent: walking directories from / or the cwd
// Every layer reads and writes disk blocks through the buffer cache, and
// every change to a block goes through log_write(), so that each system
// call's changes reach the disk all together or not at all.
#include "fs/fs.hh"
#include "fs/buf.hh"
#include "fs/log.hh"
#include "uapi/errno.h"
#include "uapi/param.h"
#include "printf.hh"
#include "proc.hh"
#include "spinlock.hh"
#include "lib/string.hh"

namespace kernel {

namespace {

// The root disk's superblock, read once by fsinit() and constant after.
superblock sb;

uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

// ---- Blocks ----

// Zero a block through the log, so the block's new contents commit in the
// same transaction as its allocation: after a crash a newly allocated block
// never shows what an earlier, deleted file left in it.
void bzero(uint32_t dev, uint32_t blockno) {
  buf *b = bread(dev, blockno);
  memset(b->data, 0, BSIZE);
  log_write(b);
  brelse(b);
}

// Allocate a zeroed disk block and return its number, or 0 if the disk is
// full (block 0 is the boot block, never a data block). mkfs marks every
// block before the data area as in use, so only data blocks are found.
uint32_t balloc(uint32_t dev) {
  for (uint32_t base = 0; base < sb.size; base += BPB) {
    buf *b = bread(dev, bblock(base, sb));
    for (uint32_t bit = 0; bit < BPB && base + bit < sb.size; bit++) {
      const uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
      if ((b->data[bit / 8] & mask) == 0) {
        b->data[bit / 8] |= mask;
        log_write(b);
        brelse(b);
        bzero(dev, base + bit);
        return base + bit;
      }
    }
    brelse(b);
  }
  printf("balloc: out of disk blocks\n");
  return 0;
}

void bfree(uint32_t dev, uint32_t blockno) {
  buf *b = bread(dev, bblock(blockno, sb));
  const uint32_t bit = blockno % BPB;
  const uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
  if ((b->data[bit / 8] & mask) == 0) panic("bfree: freeing a free block");
  b->data[bit / 8] &= static_cast<uint8_t>(~mask);
  log_write(b);
  brelse(b);
}

// ---- Reading structures out of block data ----
// A buf's data is an array of bytes. C++ does not allow reading those bytes
// through a dinode* or uint32_t* (strict aliasing), so these copy; the
// compiler turns each memcpy into plain loads and stores.

dinode load_dinode(const buf *b, uint32_t inum) {
  dinode d;
  memcpy(&d, b->data + (inum % IPB) * sizeof(dinode), sizeof(d));
  return d;
}

void store_dinode(buf *b, uint32_t inum, const dinode &d) {
  memcpy(b->data + (inum % IPB) * sizeof(dinode), &d, sizeof(d));
}

uint32_t load_addr(const buf *b, uint32_t i) { // entry i of an indirect block
  uint32_t a;
  memcpy(&a, b->data + i * sizeof(uint32_t), sizeof(a));
  return a;
}

void store_addr(buf *b, uint32_t i, uint32_t a) { memcpy(b->data + i * sizeof(uint32_t), &a, sizeof(a)); }

// ---- The inode table ----
// Holds an in-memory inode for every inode some part of the kernel uses
// (open files, current directories, path walks in progress). Having one
// copy per inode lets its sleep lock serialise everybody's use of it.

struct inode_table {
  spinlock lock{"itable"}; // guards every slot's dev, inum and ref
  inode inodes[NINODE];
};

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::itable);
// static keeps it private to this file all the same.
static constinit inode_table itable;

namespace {

// ---- Contents ----

// The disk block holding block bn of ip's contents, allocated (and ip's
// addrs or indirect block updated) if it has none yet. 0 if the disk is
// full. Caller holds ip's lock and, if it may allocate, is in a transaction.
uint32_t bmap(inode *ip, uint32_t bn) {
  if (bn < NDIRECT) {
    if (ip->addrs[bn] == 0) ip->addrs[bn] = balloc(ip->dev);
    return ip->addrs[bn];
  }
  bn -= NDIRECT;
  if (bn >= NINDIRECT) panic("bmap: block number beyond the largest file");

  // Blocks NDIRECT.. are listed in the indirect block, addrs[NDIRECT].
  if (ip->addrs[NDIRECT] == 0) {
    ip->addrs[NDIRECT] = balloc(ip->dev);
    if (ip->addrs[NDIRECT] == 0) return 0;
  }
  buf *ind = bread(ip->dev, ip->addrs[NDIRECT]);
  uint32_t addr = load_addr(ind, bn);
  if (addr == 0) {
    addr = balloc(ip->dev);
    if (addr != 0) {
      store_addr(ind, bn, addr);
      log_write(ind);
    }
  }
  brelse(ind);
  return addr;
}

// ---- Path names ----

// Copy the next element of path into name (NUL-terminated, at most DIRSIZ
// chars: a longer element is cut short, as DIRSIZ is all a directory entry
// stores) and return the rest of path, without leading slashes. Returns
// null if path has no more elements.
//   skipelem("a/bb/c", name) == "bb/c", name == "a"
//   skipelem("//a//bb", name) == "bb",  name == "a"
//   skipelem("a", name)       == "",    name == "a"
//   skipelem("", name) == skipelem("//", name) == nullptr
const char *skipelem(const char *path, char *name) {
  while (*path == '/') path++;
  if (*path == '\0') return nullptr;
  const char *start = path;
  while (*path != '/' && *path != '\0') path++;
  size_t len = static_cast<size_t>(path - start);
  if (len > DIRSIZ) len = DIRSIZ;
  memmove(name, start, len);
  name[len] = '\0';
  while (*path == '/') path++;
  return path;
}

// Walk path one directory at a time. Returns the inode it names, or with
// parent set, the directory holding its last element (copied into name).
inode *namex(const char *path, bool parent, char *name) {
  inode *ip;
  if (*path == '/') {
    ip = iget(ROOTDEV, ROOTINO);
  } else {
    inode *cwd = myproc()->cwd;
    ip = cwd ? idup(cwd) : nullptr;
  }
  if (ip == nullptr) return nullptr;

  while ((path = skipelem(path, name)) != nullptr) {
    ilock(ip);
    if (ip->type != T_DIR) {
      iunlockput(ip);
      return nullptr;
    }
    if (parent && *path == '\0') {
      iunlock(ip); // stop one level early: ip is the parent
      return ip;
    }
    inode *next = dirlookup(ip, name, nullptr);
    // Let go of ip before next is locked (by the next iteration). Locking
    // next while holding ip would deadlock for "." (next == ip), and for
    // ".." would lock child then parent while others lock parent then child.
    iunlockput(ip);
    if (next == nullptr) return nullptr;
    ip = next;
  }
  if (parent) { // path had no elements, e.g. "/": there is no parent
    iput(ip);
    return nullptr;
  }
  return ip;
}

} // namespace

// ---- Boot ----

void fsinit(int dev) {
  buf *b = bread(dev, 1); // block 0 is the boot block; the superblock follows
  memcpy(&sb, b->data, sizeof(sb));
  brelse(b);
  if (sb.magic != FSMAGIC) {
    printf("fsinit: superblock magic is 0x%x, expected 0x%x\n", sb.magic, static_cast<unsigned>(FSMAGIC));
    panic("fsinit: the disk does not hold an xv6 file system (run mkfs)");
  }
  initlog(dev, &sb);
}

// ---- Inodes ----

// Allocate an on-disk inode of the given type, and return a reference to
// it (unlocked). Null if every inode on disk, or every slot of the inode
// table, is in use. Inside a transaction.
inode *ialloc(uint32_t dev, short type) {
  for (uint32_t inum = 1; inum < sb.ninodes; inum++) {
    buf *b = bread(dev, iblock(inum, sb));
    dinode d = load_dinode(b, inum);
    if (d.type == 0) {
      // Take the table slot before marking the inode used, so that a full
      // table leaves nothing allocated on disk.
      inode *ip = iget(dev, inum);
      if (ip != nullptr) {
        d = {};
        d.type = type;
        store_dinode(b, inum, d);
        log_write(b);
      }
      brelse(b);
      return ip;
    }
    brelse(b);
  }
  return nullptr;
}

// Write ip's in-memory copy to its on-disk inode. Call after every change
// to a field that is stored on disk. Caller holds ip's lock, in a transaction.
void iupdate(inode *ip) {
  buf *b = bread(ip->dev, iblock(ip->inum, sb));
  dinode d;
  d.type = ip->type;
  d.major = ip->major;
  d.minor = ip->minor;
  d.nlink = ip->nlink;
  d.size = ip->size;
  memcpy(d.addrs, ip->addrs, sizeof(d.addrs));
  store_dinode(b, ip->inum, d);
  log_write(b);
  brelse(b);
}

// A reference to inode (dev, inum): its existing table slot, or a free slot
// claimed for it. Does not read the disk; ilock() does, when first needed.
// Null if the table is full (too many files in use: the caller's error to
// report, not a kernel bug).
inode *iget(uint32_t dev, uint32_t inum) {
  lock_guard guard(itable.lock);
  inode *empty = nullptr;
  for (inode &ip : itable.inodes) {
    if (ip.ref > 0 && ip.dev == dev && ip.inum == inum) {
      ip.ref++;
      return &ip;
    }
    if (empty == nullptr && ip.ref == 0) empty = &ip;
  }
  if (empty == nullptr) return nullptr;
  empty->dev = dev;
  empty->inum = inum;
  empty->ref = 1;
  empty->valid = false; // ref was 0, so nobody holds its sleep lock
  return empty;
}

inode *idup(inode *ip) {
  lock_guard guard(itable.lock);
  ip->ref++;
  return ip;
}

// Lock ip, reading it from disk if this is the first use since iget().
void ilock(inode *ip) {
  if (ip == nullptr) panic("ilock: null inode");
  {
    lock_guard guard(itable.lock); // ref is itable's to guard, even to read
    if (ip->ref < 1) panic("ilock: inode not referenced (used after iput?)");
  }
  acquiresleep(&ip->lock);
  if (ip->valid) return;

  buf *b = bread(ip->dev, iblock(ip->inum, sb));
  const dinode d = load_dinode(b, ip->inum);
  brelse(b);
  ip->type = d.type;
  ip->major = d.major;
  ip->minor = d.minor;
  ip->nlink = d.nlink;
  ip->size = d.size;
  memcpy(ip->addrs, d.addrs, sizeof(ip->addrs));
  ip->valid = true;
  if (ip->type == 0) panic("ilock: inode is free on disk");
}

void iunlock(inode *ip) {
  if (ip == nullptr || !holdingsleep(&ip->lock)) panic("iunlock: inode not locked");
  releasesleep(&ip->lock);
}

// Drop a reference. The last reference to an inode that no directory names
// any more (nlink == 0) frees it on disk: that is when an unlinked but
// still open file finally goes away. Inside a transaction, always: the
// caller cannot know whether this is the last reference.
void iput(inode *ip) {
  lock_guard g(itable.lock);
  if (ip->ref == 1 && ip->valid && ip->nlink == 0) {
    // Ours is the only reference, so no other process has ip locked or can
    // get it (no directory names it): acquiresleep cannot block, and
    // reading valid and nlink without the sleep lock was safe.
    g.unlock();

    acquiresleep(&ip->lock);
    itrunc(ip);
    ip->type = 0;
    iupdate(ip);
    ip->valid = false;
    releasesleep(&ip->lock);

    g.relock();
  }
  ip->ref--;
}

void iunlockput(inode *ip) {
  iunlock(ip);
  iput(ip);
}

// Free ip's data blocks and make it empty. Caller holds ip's lock, in a
// transaction.
void itrunc(inode *ip) {
  for (uint32_t i = 0; i < NDIRECT; i++) {
    if (ip->addrs[i] != 0) {
      bfree(ip->dev, ip->addrs[i]);
      ip->addrs[i] = 0;
    }
  }
  if (ip->addrs[NDIRECT] != 0) {
    buf *ind = bread(ip->dev, ip->addrs[NDIRECT]);
    for (uint32_t i = 0; i < NINDIRECT; i++) {
      const uint32_t a = load_addr(ind, i);
      if (a != 0) bfree(ip->dev, a);
    }
    brelse(ind);
    bfree(ip->dev, ip->addrs[NDIRECT]);
    ip->addrs[NDIRECT] = 0;
  }
  ip->size = 0;
  iupdate(ip);
}

void stati(inode *ip, struct stat *st) {
  st->dev = static_cast<int>(ip->dev);
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->size = ip->size;
}

// ---- Contents ----

// Copy up to n bytes from offset off of ip to dst. Returns the count (less
// than n at the end of the file), or -EFAULT if dst is a bad user address
// and nothing was copied. Caller holds ip's lock.
int readi(inode *ip, either_ptr dst, uint32_t off, uint32_t n) {
  if (off > ip->size || off + n < off) return 0;
  if (off + n > ip->size) n = ip->size - off;

  uint32_t done = 0;
  while (done < n) {
    const uint32_t addr = bmap(ip, off / BSIZE);
    if (addr == 0) break;
    buf *b = bread(ip->dev, addr);
    const uint32_t m = min_u32(n - done, BSIZE - off % BSIZE);
    const int r = either_copyout(dst, b->data + off % BSIZE, m);
    brelse(b);
    if (r < 0) return done > 0 ? static_cast<int>(done) : r;
    done += m;
    off += m;
    dst = dst + m;
  }
  return static_cast<int>(done);
}

// Copy n bytes from src to offset off of ip, growing the file if the write
// goes past its end. off may be at most the current size: files have no
// holes. Returns the count written (less than n if the disk fills up or src
// turns bad part way), or, when nothing could be written, -EFAULT (a bad
// user address), -ENOSPC (the disk is full), -EFBIG (past the largest
// file) or -EINVAL (off past the end). Never 0 unless n is 0. Caller holds
// ip's lock, in a transaction.
int writei(inode *ip, either_ptr src, uint32_t off, uint32_t n) {
  if (off > ip->size || off + n < off) return -EINVAL;
  if (off + n > MAXFILE_BYTES) return -EFBIG;

  uint32_t done = 0;
  int err = 0;
  while (done < n && err == 0) {
    const uint32_t addr = bmap(ip, off / BSIZE);
    if (addr == 0) {
      err = -ENOSPC;
      break;
    }
    buf *b = bread(ip->dev, addr);
    const uint32_t m = min_u32(n - done, BSIZE - off % BSIZE);
    err = either_copyin(b->data + off % BSIZE, src, m);
    // Log the block even after a fault: the copy may have stored some bytes
    // before reaching the bad address, and the cached block must not differ
    // from what the disk will hold.
    log_write(b);
    brelse(b);
    if (err == 0) {
      done += m;
      off += m;
      src = src + m;
    }
  }

  if (off > ip->size) ip->size = off;
  // Even if the size is unchanged, bmap() may have added blocks to addrs.
  iupdate(ip);
  return done == 0 && err < 0 ? err : static_cast<int>(done);
}

// ---- Directories ----

namespace {
constexpr uint32_t DIRENT_SIZE = sizeof(dirent);
} // namespace

int namecmp(const char *a, const char *b) { return strncmp(a, b, DIRSIZ); }

// Look name up in directory dp. Returns a reference to the inode it names
// (unlocked) and its entry's offset in *poff, or null. Caller holds dp's
// lock. The result is only iget(), not locked: for "." it is dp itself,
// which the caller already holds locked.
inode *dirlookup(inode *dp, const char *name, uint32_t *poff) {
  if (dp->type != T_DIR) panic("dirlookup: not a directory");
  for (uint32_t off = 0; off < dp->size; off += DIRENT_SIZE) {
    dirent de;
    if (readi(dp, &de, off, DIRENT_SIZE) != DIRENT_SIZE) panic("dirlookup: cannot read directory");
    if (de.inum != 0 && namecmp(name, de.name) == 0) {
      if (poff != nullptr) *poff = off;
      return iget(dp->dev, de.inum);
    }
  }
  return nullptr;
}

// Add the entry (name, inum) to directory dp, in the first free slot or at
// the end. Returns 0, -EEXIST if name is already there, or -ENOSPC if the
// disk is full. Caller holds dp's lock, in a transaction.
int dirlink(inode *dp, const char *name, uint32_t inum) {
  uint32_t slot = dp->size;
  for (uint32_t off = 0; off < dp->size; off += DIRENT_SIZE) {
    dirent de;
    if (readi(dp, &de, off, DIRENT_SIZE) != DIRENT_SIZE) panic("dirlink: cannot read directory");
    if (de.inum == 0) {
      if (slot == dp->size) slot = off;
    } else if (namecmp(name, de.name) == 0) {
      return -EEXIST;
    }
  }

  dirent de = {};
  de.inum = static_cast<ushort>(inum);
  strncpy(de.name, name, DIRSIZ); // NUL-padded; no NUL if exactly DIRSIZ long
  if (writei(dp, &de, slot, DIRENT_SIZE) != DIRENT_SIZE)
    return -ENOSPC; // a kernel address cannot fault: the disk is full
  return 0;
}

// ---- Path names ----

inode *namei(const char *path) {
  char name[DIRSIZ + 1];
  return namex(path, false, name);
}

inode *nameiparent(const char *path, char *name) { return namex(path, true, name); }

} // namespace kernel
