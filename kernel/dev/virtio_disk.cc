// Driver for the virtio block device (see virtio.hh for the QEMU flags).
// Mirrors xv6's virtio_disk.c.
//
// The driver and the device share one virtqueue of NUM descriptors. A disk
// request is a chain of three descriptors: a header (read or write, which
// sector), the buf's data, and a status byte the device fills in. To start
// a request the driver puts the chain's head in the available ring and
// writes QUEUE_NOTIFY; when the device finishes it puts the head in the used
// ring and raises an interrupt, and virtio_disk_intr() wakes the sleeper.
#include "dev/virtio.hh"
#include "fs/buf.hh"
#include "memlayout.hh"
#include "printf.hh"
#include "proc.hh"
#include "spinlock.hh"

namespace kernel {

using namespace virtio;

namespace {

constexpr int NUM = 8; // descriptors: enough for NUM / 3 requests at once

// The device reads and writes this memory by physical address. It is static
// kernel data, and the kernel maps RAM at virtual == physical, so the address
// of a field is what the device must be told. For the same reason a buf's
// data is physically contiguous and can be handed to the device directly.
struct disk_state {
  // Guards everything below, including which descriptors are free and every
  // buf's `disk` flag. Taken by virtio_disk_rw and by the interrupt handler.
  spinlock lock{"virtio_disk"};

  // The virtqueue. Alignments are the specification's minimums.
  alignas(16) virtq_desc desc[NUM] = {};
  alignas(2) virtq_avail<NUM> avail = {};
  alignas(4) virtq_used<NUM> used = {};

  // Per request, indexed by its head descriptor: the header the first
  // descriptor points at, the status byte the last one points at, and the
  // buf to wake when the request is done.
  virtio_blk_req ops[NUM] = {};
  volatile uint8_t status[NUM] = {};
  buf *inflight[NUM] = {};

  bool free[NUM] = {};   // descriptor i is not part of any request
  uint16_t used_idx = 0; // how far we have read the used ring
  uint64_t capacity = 0; // disk size in sectors
};

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::disk);
// static keeps it private to this file all the same.
static constinit disk_state disk;

namespace {

volatile uint32_t *reg(uint32_t offset) {
  return reinterpret_cast<volatile uint32_t *>(dev_va(VIRTIO0_PA) + offset);
}

uint64_t phys(const volatile void *p) { return reinterpret_cast<uint64_t>(p); }

// A 64-bit physical address goes to the device as two 32-bit registers.
void write_addr(uint32_t low_reg, uint64_t pa) {
  *reg(low_reg) = static_cast<uint32_t>(pa);
  *reg(low_reg + 4) = static_cast<uint32_t>(pa >> 32);
}

// Features the device may offer that this driver does not implement (or, for
// RO, does not want: the file system must be able to write).
constexpr int unwanted_features[] = {BLK_F_RO,     BLK_F_SCSI,       BLK_F_CONFIG_WCE,    BLK_F_MQ,
                                     F_ANY_LAYOUT, RING_F_EVENT_IDX, RING_F_INDIRECT_DESC};

// Accept every feature in the first word except the unwanted ones; of the
// second word accept only VERSION_1, our promise to use the modern interface.
void negotiate_features() {
  *reg(DEVICE_FEATURES_SEL) = 0;
  uint32_t low = *reg(DEVICE_FEATURES);
  *reg(DEVICE_FEATURES_SEL) = 1;
  uint32_t high = *reg(DEVICE_FEATURES);
  if ((high & (1u << (F_VERSION_1 - 32))) == 0)
    panic("virtio disk: device does not offer VIRTIO_F_VERSION_1");

  for (int bit : unwanted_features) low &= ~(1u << bit);
  *reg(DRIVER_FEATURES_SEL) = 0;
  *reg(DRIVER_FEATURES) = low;
  *reg(DRIVER_FEATURES_SEL) = 1;
  *reg(DRIVER_FEATURES) = 1u << (F_VERSION_1 - 32);

  *reg(STATUS) = *reg(STATUS) | STATUS_FEATURES_OK;
  // The device clears FEATURES_OK again if it cannot work with our choice.
  if ((*reg(STATUS) & STATUS_FEATURES_OK) == 0) panic("virtio disk: device rejected our features");
}

// Tell the device where queue 0's three rings are.
void setup_queue() {
  *reg(QUEUE_SEL) = 0;
  if (*reg(QUEUE_READY) != 0) panic("virtio disk: queue 0 already in use");
  uint32_t max = *reg(QUEUE_NUM_MAX);
  if (max == 0) panic("virtio disk: device has no queue 0");
  if (max < NUM) panic("virtio disk: device queue smaller than NUM");
  *reg(QUEUE_NUM) = NUM;
  write_addr(QUEUE_DESC_LOW, phys(disk.desc));
  write_addr(QUEUE_DRIVER_LOW, phys(&disk.avail));
  write_addr(QUEUE_DEVICE_LOW, phys(&disk.used));
  *reg(QUEUE_READY) = 1;
  for (bool &f : disk.free) f = true;
}

// Three free descriptors for one request, or false if there are not three
// free. Caller holds disk.lock.
[[nodiscard]] bool alloc3_desc(int idx[3]) {
  int found = 0;
  for (int i = 0; i < NUM && found < 3; i++)
    if (disk.free[i]) idx[found++] = i;
  if (found < 3) return false;
  for (int k = 0; k < 3; k++) disk.free[idx[k]] = false;
  return true;
}

// Return a finished request's chain to the free set, and wake any request
// waiting for descriptors. Caller holds disk.lock.
void free_chain(int i) {
  for (;;) {
    KASSERT(!disk.free[i]);
    uint16_t flags = disk.desc[i].flags;
    uint16_t next = disk.desc[i].next;
    disk.desc[i] = {};
    disk.free[i] = true;
    if ((flags & VIRTQ_DESC_F_NEXT) == 0) break;
    i = next;
  }
  wakeup(&disk.free);
}

} // namespace

void virtio_disk_init() {
  if (*reg(MAGIC_VALUE) != MMIO_MAGIC || *reg(VERSION) != MMIO_VERSION_MODERN ||
      *reg(DEVICE_ID) != DEVICE_ID_BLOCK)
    panic("virtio disk: no modern virtio block device at VIRTIO0 "
          "(need -global virtio-mmio.force-legacy=false and a virtio-blk-device)");

  // The initialisation sequence of the specification: reset, then announce
  // ourselves, agree on features, set up the queue, and declare we're ready.
  *reg(STATUS) = 0;
  while (*reg(STATUS) != 0) {
  }
  *reg(STATUS) = STATUS_ACKNOWLEDGE;
  *reg(STATUS) = STATUS_ACKNOWLEDGE | STATUS_DRIVER;
  negotiate_features();
  setup_queue();

  uint64_t cap_low = *reg(CONFIG_CAPACITY);
  uint64_t cap_high = *reg(CONFIG_CAPACITY + 4);
  disk.capacity = cap_high << 32 | cap_low;

  *reg(STATUS) = *reg(STATUS) | STATUS_DRIVER_OK;
}

void virtio_disk_rw(buf *b, bool write) {
  constexpr uint64_t sectors_per_block = BSIZE / SECTOR_SIZE;
  const uint64_t sector = uint64_t{b->blockno} * sectors_per_block;

  lock_guard guard(disk.lock);
  if (sector + sectors_per_block > disk.capacity)
    panic("virtio_disk_rw: block number beyond the end of the disk");

  int idx[3];
  while (!alloc3_desc(idx)) sleep(&disk.free, guard, TASK_UNINTERRUPTIBLE); // free_chain() wakes us

  const int head = idx[0];
  disk.ops[head] = {write ? BLK_T_OUT : BLK_T_IN, 0, sector};
  disk.status[head] = 0xff; // the device overwrites this with BLK_S_OK
  disk.desc[idx[0]] = {phys(&disk.ops[head]), sizeof(virtio_blk_req), VIRTQ_DESC_F_NEXT,
                       static_cast<uint16_t>(idx[1])};
  // For a read the device writes into the data, so that descriptor is WRITE.
  const uint16_t data_flags = write ? 0 : VIRTQ_DESC_F_WRITE;
  disk.desc[idx[1]] = {phys(b->data), BSIZE, static_cast<uint16_t>(data_flags | VIRTQ_DESC_F_NEXT),
                       static_cast<uint16_t>(idx[2])};
  disk.desc[idx[2]] = {phys(&disk.status[head]), 1, VIRTQ_DESC_F_WRITE, 0};

  b->disk = true;
  disk.inflight[head] = b;

  disk.avail.ring[disk.avail.idx % NUM] = static_cast<uint16_t>(head);
  // The device may look at the rings as soon as avail.idx moves, so the
  // descriptors and the ring entry must reach memory before the new idx.
  __sync_synchronize();
  disk.avail.idx = static_cast<uint16_t>(disk.avail.idx + 1);
  // ...and the new idx must be in memory before the device is told to look.
  __sync_synchronize();
  *reg(QUEUE_NOTIFY) = 0; // queue number 0

  // virtio_disk_intr() clears b->disk. sleep() releases disk.lock, so the
  // interrupt handler, which needs it, can run.
  while (b->disk) sleep(b, guard, TASK_UNINTERRUPTIBLE);

  disk.inflight[head] = nullptr;
  free_chain(head);
}

void virtio_disk_intr() {
  lock_guard guard(disk.lock);

  // Acknowledge first: if the device finishes another request while we are
  // reading the ring below, it raises a new interrupt rather than this one
  // swallowing it. Any request that interrupt reports we may already have
  // handled here; the loop then simply finds nothing new.
  *reg(INTERRUPT_ACK) = *reg(INTERRUPT_STATUS) & 0x3;

  // The device writes a used-ring entry before it advances used.idx; the
  // fence keeps us from reading the entry before we have seen the idx.
  __sync_synchronize();
  while (disk.used_idx != disk.used.idx) {
    __sync_synchronize();
    const uint32_t head = disk.used.ring[disk.used_idx % NUM].id;
    if (head >= NUM || disk.inflight[head] == nullptr)
      panic("virtio_disk_intr: device completed an unknown request");
    if (disk.status[head] != BLK_S_OK) panic("virtio_disk_intr: disk request failed");

    buf *b = disk.inflight[head];
    b->disk = false; // the buf is ours again
    wakeup(b);
    disk.used_idx = static_cast<uint16_t>(disk.used_idx + 1);
  }
}

} // namespace kernel
