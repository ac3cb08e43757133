// The write-ahead log (interface in log.hh).
// Mirrors xv6's log.c.
//
// On disk, from superblock.logstart: one header block, then the log blocks.
//   header: int32 n; int32 block[LOGSIZE];  (xv6's format)
// n == 0 means the log holds nothing to install. n > 0 means log blocks
// 1..n hold new contents for blocks block[0..n-1], and the transaction is
// committed: writing the header with n > 0 is the single disk write that
// makes a whole transaction happen.
//
// Group commit: operations run concurrently, each inside begin_op/end_op.
// Their blocks join one transaction, which is committed when the last of
// them calls end_op, so that no commit ever contains half an operation.
// begin_op admits an operation only if the log has room for every admitted
// operation to write MAXOPBLOCKS more blocks.
//
// Lock order: log.lock, then bcache.lock (log_write pins a buf) or
// ptable.lock (wakeup). No sleep lock is acquired while log.lock is held.
#include <cstdint>
#include "fs/log.hh"
#include "fs/buf.hh"
#include "uapi/param.h"
#include "printf.hh"
#include "proc.hh"
#include "spinlock.hh"
#include "lib/string.hh"

namespace kernel {

namespace {

struct log_header {
  int32_t n;
  int32_t block[LOGSIZE];
};
static_assert(sizeof(log_header) <= BSIZE, "the log header must fit in one block");

struct log_state {
  spinlock lock{"log"};

  // Set once by initlog().
  int dev = 0;
  uint32_t start = 0; // block number of the header
  int capacity = 0;   // most blocks one transaction may log

  // Guarded by lock. While committing is set, no operation is running or
  // can start, so commit() uses lh without the lock.
  int outstanding = 0;     // operations between begin_op and end_op
  bool committing = false; // commit() in progress
  log_header lh = {};      // the blocks the current transaction has written
};

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::log);
// static keeps it private to this file all the same.
static constinit log_state log;

namespace {

void read_head() {
  buf *b = bread(log.dev, log.start);
  memcpy(&log.lh, b->data, sizeof(log.lh));
  brelse(b);
  if (log.lh.n < 0 || log.lh.n > log.capacity) panic("initlog: corrupt log header");
}

// Write the in-memory header to disk. With lh.n > 0 this is the commit
// point; with lh.n == 0 it erases a transaction that has been installed.
void write_head() {
  buf *b = bread(log.dev, log.start);
  memcpy(b->data, &log.lh, sizeof(log.lh));
  bwrite(b);
  brelse(b);
}

// Copy each logged block from the cache into its slot in the log area.
void write_log() {
  for (int i = 0; i < log.lh.n; i++) {
    buf *to = bread(log.dev, log.start + 1 + i);
    buf *from = bread(log.dev, log.lh.block[i]);
    memmove(to->data, from->data, BSIZE);
    bwrite(to);
    brelse(from);
    brelse(to);
  }
}

// Write each logged block to its home location. After a commit the cached
// buf, still pinned, already holds the new contents; after a crash the
// contents must come from the log.
void install_trans(bool recovering) {
  for (int i = 0; i < log.lh.n; i++) {
    buf *home = bread(log.dev, log.lh.block[i]);
    if (recovering) {
      buf *logged = bread(log.dev, log.start + 1 + i);
      memmove(home->data, logged->data, BSIZE);
      brelse(logged);
    }
    bwrite(home);
    if (!recovering) bunpin(home); // written home: the cache may recycle it now
    brelse(home);
  }
}

void commit() {
  if (log.lh.n == 0) return;
  write_log();          // 1. new contents into the log area
  write_head();         // 2. commit: a crash after this replays the transaction
  install_trans(false); // 3. new contents to their home blocks
  log.lh.n = 0;
  write_head(); // 4. the log is empty again
}

} // namespace

// Called once, by the first process, before any file-system operation.
void initlog(int dev, superblock *sb) {
  log.dev = dev;
  log.start = sb->logstart;
  // Block 0 of the log area is the header; a transaction fits in the rest.
  const int room = static_cast<int>(sb->nlog) - 1;
  log.capacity = room < LOGSIZE ? room : static_cast<int>(LOGSIZE);
  if (log.capacity < MAXOPBLOCKS) panic("initlog: log area too small for one operation");

  // Recovery: if a committed transaction was not (fully) installed before
  // a crash, install it now; installing twice is harmless.
  read_head();
  install_trans(true);
  log.lh.n = 0;
  write_head();
}

void begin_op() {
  lock_guard guard(log.lock);
  for (;;) {
    if (log.committing) {
      sleep(&log, guard, TASK_UNINTERRUPTIBLE);
    } else if (log.lh.n + (log.outstanding + 1) * MAXOPBLOCKS > log.capacity) {
      // The operations already admitted might fill the log: wait until
      // they end and their transaction is committed.
      sleep(&log, guard, TASK_UNINTERRUPTIBLE);
    } else {
      log.outstanding++;
      return;
    }
  }
}

void end_op() {
  bool do_commit = false;
  {
    lock_guard guard(log.lock);
    KASSERT(log.outstanding > 0);
    KASSERT(!log.committing);
    log.outstanding--;
    if (log.outstanding == 0) {
      do_commit = true;
      log.committing = true;
    } else {
      // This operation's reserved room is returned, maybe enough for a
      // process waiting in begin_op.
      wakeup(&log);
    }
  }

  // Not under log.lock: commit() sleeps on the disk. committing keeps every
  // other operation out meanwhile.
  if (do_commit) {
    commit();
    lock_guard guard(log.lock);
    log.committing = false;
    wakeup(&log);
  }
}

// Record that b was modified, so that the commit writes it. The caller has
// changed b->data and still holds b. Writing a block again in the same
// transaction costs no extra log space ("absorption").
//
// Pinning keeps the buf in the cache until the commit: it is then the only
// copy of the new data. Note that with NBUF == LOGSIZE a transaction that
// logs LOGSIZE blocks pins every buf, and the commit finds none free for
// write_log(); NBUF should exceed LOGSIZE.
void log_write(buf *b) {
  if (!holdingsleep(&b->lock)) panic("log_write: buf not locked");
  lock_guard guard(log.lock);
  if (log.outstanding < 1) panic("log_write: outside of a transaction (no begin_op)");
  for (int i = 0; i < log.lh.n; i++)
    if (static_cast<uint32_t>(log.lh.block[i]) == b->blockno)
      return; // absorbed: the commit will write b's latest contents
  if (log.lh.n >= log.capacity) panic("log_write: transaction too big");
  log.lh.block[log.lh.n++] = static_cast<int32_t>(b->blockno);
  bpin(b);
}

} // namespace kernel
