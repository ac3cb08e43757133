// The buffer cache: in-memory copies of disk blocks.
//
// Every disk block the kernel reads or writes passes through a buf. The cache
// makes sure there is at most one buf per block, so that all processes see
// one copy and the buf's sleep lock serialises their use of it.
//
//   buf *b = bread(dev, blockno); // locked, data valid
//   ... read or change b->data; if changed: log_write(b) (or bwrite(b)) ...
//   brelse(b);                    // unlock; do not touch b after this
#pragma once
#include <cstdint>
#include "uapi/fs.h"
#include "lib/list.hh"
#include "fs/sleeplock.hh"

namespace kernel {

struct buf {
  // Guarded by the cache's spinlock (bcache.lock in bio.cc): which block
  // this buf holds, how many users it has, and its place in the LRU list.
  uint32_t dev = 0;
  uint32_t blockno = 0;
  uint32_t refcnt = 0; // bread()s not yet brelse()d, plus bpin()s
  list_node lru;

  // Guarded by lock: whether data holds the block's contents, and the data.
  sleeplock lock{"buffer"};
  bool valid = false;
  alignas(8) uint8_t data[BSIZE] = {};

  // Guarded by the disk driver's spinlock: true while the device owns the
  // buf (a read or write is in flight); the driver clears it and wakes us.
  bool disk = false;
};

void binit();
[[nodiscard]] buf *bread(uint32_t dev, uint32_t blockno);
void bwrite(buf *b);
void brelse(buf *b);
void bpin(buf *b); // keep b cached although nobody holds it (the log)
void bunpin(buf *b);

} // namespace kernel
