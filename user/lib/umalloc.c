// malloc and free.
//
// The heap is the memory between the end of the program's data and the
// current break, which only grows (through sbrk). It is carved into blocks.
// Each block starts with a header that records its size; the free blocks are
// also chained together through their headers, in address order. Keeping the
// chain sorted lets free() find a block's neighbours on the chain and merge
// with them when they touch, so freed memory does not stay chopped into small
// pieces that no large request can use.
//
// malloc takes the first free block that is big enough ("first fit"). When
// none is, it asks the kernel for more memory, 64 KiB or more at a time so
// that small requests do not each cost a system call.
#include "kernel/uapi/types.h"
#include "user/lib/user.h"

// A block header. Sizes count whole units of sizeof(struct block) = 16
// bytes, header included. The heap starts 16-byte aligned, so every block,
// and the memory after each header that malloc hands out, is 16-byte aligned,
// which suits any C type.
struct block {
  struct block *next; // next free block at a higher address (free blocks)
  uint64 units;       // size of this block, header included, in units
};

enum {
  UNIT = sizeof(struct block),
  MINGROW = 64 * 1024 / UNIT, // the least the heap grows by, in units
  MAXSBRK = 0x7fffffff,       // sbrk's argument is an int
};

static struct block *freelist; // lowest free block; 0 when there is none

void free(void *ptr) {
  if (ptr == 0) return;
  struct block *b = (struct block *)ptr - 1;

  // Find b's place in the chain: between prev and next.
  struct block *prev = 0;
  struct block *next = freelist;
  while (next != 0 && next < b) {
    prev = next;
    next = next->next;
  }

  // Link b in before next, absorbing next if b ends where next begins.
  if (next != 0 && b + b->units == next) {
    b->units += next->units;
    b->next = next->next;
  } else {
    b->next = next;
  }

  // Link b in after prev, or let prev absorb b if prev ends where b begins.
  if (prev == 0) {
    freelist = b;
  } else if (prev + prev->units == b) {
    prev->units += b->units;
    prev->next = b->next;
  } else {
    prev->next = b;
  }
}

// Grow the heap by at least the given number of units and put the new memory
// on the free chain. Returns 0, or -1 if the kernel refuses.
static int grow(uint64 units) {
  if (units < MINGROW) units = MINGROW;

  // Another part of the program may have moved the break by an amount that
  // is not a multiple of 16; if so, skip the bytes up to the next unit.
  uint64 skip = -(uint64)sbrk(0) % UNIT;
  if (units > (MAXSBRK - skip) / UNIT) return -1;

  char *p = sbrk(skip + units * UNIT);
  if (p == (char *)-1) return -1;

  // Pretend the new memory is one allocated block and free it.
  struct block *b = (struct block *)(p + skip);
  b->units = units;
  free(b + 1);
  return 0;
}

void *malloc(uint nbytes) {
  // Round up to whole units, plus one for the header.
  uint64 units = ((uint64)nbytes + UNIT - 1) / UNIT + 1;

  for (;;) {
    struct block *prev = 0;
    for (struct block *b = freelist; b != 0; prev = b, b = b->next) {
      if (b->units < units) continue;
      if (b->units == units) {
        // An exact fit: take the whole block off the chain.
        if (prev == 0)
          freelist = b->next;
        else
          prev->next = b->next;
      } else {
        // Cut the allocation from the end of the block, so that the rest
        // stays where it is on the chain and no links need to change.
        b->units -= units;
        b += b->units;
        b->units = units;
      }
      return b + 1;
    }
    // Nothing fits: get more memory, then search again.
    if (grow(units) < 0) return 0;
  }
}
