// The write-ahead log: makes each file-system operation atomic on disk.
//
// A system call that changes the file system brackets its changes:
//
//   begin_op();
//   buf *b = bread(...);  ... change b->data ...;  log_write(b);  brelse(b);
//   ...
//   end_op();
//
// or, so that every way out of the call ends the operation exactly once,
// holds an fs_transaction (below) for the scope that makes the changes.
//
// log_write() only records that the block must be written; end_op() of the
// last operation in flight writes all recorded blocks to the log area, then
// to their home locations. After a crash, initlog() finishes a commit that
// reached the log, or forgets one that did not: either every change of an
// operation is on disk or none is.
//
// One operation may write at most MAXOPBLOCKS distinct blocks.
#pragma once
#include "uapi/fs.h"

namespace kernel {

struct buf;

void initlog(int dev, superblock *sb); // recovers after a crash; may sleep
void begin_op();
void end_op();
void log_write(buf *b); // instead of bwrite(); b stays cached until the commit

// begin_op() for one C++ scope: end_op() runs when the scope is left, by
// whichever return. Like lock_guard, it cannot be copied, and a temporary
// that would end the operation at once is a compile-time warning.
class [[nodiscard]] fs_transaction {
public:
  [[nodiscard]] fs_transaction() { begin_op(); }
  ~fs_transaction() { end_op(); }
  fs_transaction(const fs_transaction &) = delete;
  fs_transaction &operator=(const fs_transaction &) = delete;
};

} // namespace kernel
