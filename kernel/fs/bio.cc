// The buffer cache (interface and rules in buf.hh).
// Mirrors xv6's bio.c.
//
// NBUF bufs, all of them always in one LRU list, least recently used at the
// front. A block that is not cached takes the least recently used buf that
// nobody holds. Two kinds of lock are involved, for two different jobs:
//   - bcache.lock, a spinlock, guards the list and each buf's identity
//     (dev, blockno) and refcnt. Held only briefly, never across I/O.
//   - each buf's sleep lock guards its data. Held from bread() to brelse(),
//     across disk I/O, so that one process at a time uses a block.
// Lock order: a buf's sleep lock is never acquired while bcache.lock is held
// (bget() drops bcache.lock first), because acquiring it may sleep.
#include "fs/buf.hh"
#include "dev/virtio.hh"
#include "uapi/param.h"
#include "printf.hh"
#include "proc.hh"
#include "spinlock.hh"

namespace kernel {

namespace {

struct buffer_cache {
  // Guards lru, waiters, and in every buf: dev, blockno, refcnt, lru.
  spinlock lock{"bcache"};
  buf bufs[NBUF];
  intrusive_list<buf, &buf::lru> lru; // front: least recently used
  int waiters = 0;                    // processes in bget() sleeping until some buf is free
};

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::bcache);
// static keeps it private to this file all the same.
static constinit buffer_cache bcache;

namespace {

// The buf caching (dev, blockno), or null. Caller holds bcache.lock.
buf *lookup(uint32_t dev, uint32_t blockno) {
  for (buf &b : bcache.lru)
    if (b.dev == dev && b.blockno == blockno) return &b;
  return nullptr;
}

// The least recently used buf that nobody holds, or null. A buf nobody
// holds is clean: modified blocks are pinned by the log until written home.
// Caller holds bcache.lock.
buf *recyclable() {
  for (buf &b : bcache.lru)
    if (b.refcnt == 0) return &b;
  return nullptr;
}

// The buf for (dev, blockno), locked, counted in refcnt. Its data is valid
// only if b->valid says so.
buf *bget(uint32_t dev, uint32_t blockno) {
  buf *b;
  {
    lock_guard guard(bcache.lock);
    for (;;) {
      if ((b = lookup(dev, blockno)) != nullptr) {
        // Counting ourselves before unlocking means the buf cannot be
        // recycled for another block while we wait for its sleep lock.
        b->refcnt++;
        break;
      }
      if ((b = recyclable()) != nullptr) {
        b->dev = dev;
        b->blockno = blockno;
        b->valid = false; // nobody holds b, so its sleep lock is not needed
        b->refcnt = 1;
        break;
      }
      // Every buf is in use. Many processes in the middle of disk reads can
      // cause this; it is not a kernel bug, so wait for a brelse(). Look the
      // block up again afterwards: someone may have cached it meanwhile.
      bcache.waiters++;
      sleep(&bcache, guard, TASK_UNINTERRUPTIBLE);
      bcache.waiters--;
    }
  }
  acquiresleep(&b->lock);
  return b;
}

} // namespace

void binit() {
  lock_guard guard(bcache.lock);
  for (buf &b : bcache.bufs) bcache.lru.push_back(b);
}

// A locked buf holding the block's contents, read from disk if not cached.
buf *bread(uint32_t dev, uint32_t blockno) {
  buf *b = bget(dev, blockno);
  if (!b->valid) {
    virtio_disk_rw(b, false);
    b->valid = true;
  }
  return b;
}

// Write b's data to its block on disk now. File-system code calls
// log_write() instead, so that a crash cannot leave half an update on disk;
// only the log itself writes blocks directly.
void bwrite(buf *b) {
  if (!holdingsleep(&b->lock)) panic("bwrite: buf not locked");
  virtio_disk_rw(b, true);
}

// Done with b: unlock it, and if nobody else holds it, make it the most
// recently used buf, the last to be recycled.
void brelse(buf *b) {
  if (!holdingsleep(&b->lock)) panic("brelse: buf not locked");
  releasesleep(&b->lock);

  lock_guard guard(bcache.lock);
  KASSERT(b->refcnt > 0);
  b->refcnt--;
  if (b->refcnt == 0) {
    b->lru.unlink();
    bcache.lru.push_back(*b);
    if (bcache.waiters > 0) wakeup(&bcache);
  }
}

// The log pins each block it will write: an extra refcnt keeps the buf, and
// with it the only up-to-date copy of the block, from being recycled before
// the commit writes it to disk.
void bpin(buf *b) {
  lock_guard guard(bcache.lock);
  b->refcnt++;
}

void bunpin(buf *b) {
  lock_guard guard(bcache.lock);
  KASSERT(b->refcnt > 0);
  b->refcnt--;
  if (b->refcnt == 0 && bcache.waiters > 0) wakeup(&bcache);
}

} // namespace kernel
