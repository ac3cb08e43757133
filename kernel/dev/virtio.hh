// The virtio block device, as QEMU's `virt` machine presents it: a
// virtio-mmio transport, version 2 (the "modern", non-legacy interface), at
// VIRTIO0_PA. QEMU must be started with
//   -global virtio-mmio.force-legacy=false
//   -drive file=fs.img,if=none,format=raw,id=x0
//   -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
//
// Register offsets, bits and ring layouts below are from the virtio 1.x
// specification (sections "MMIO Device Register Layout", "Virtqueues" and
// "Block Device").
#pragma once
#include <cstdint>

namespace kernel {

struct buf;

void virtio_disk_init();                 // hart 0, once, at boot
void virtio_disk_rw(buf *b, bool write); // process context: sleeps until done
void virtio_disk_intr();                 // from the trap code on VIRTIO0_IRQ

namespace virtio {

// MMIO registers: byte offsets from the device's base address. All are
// 32 bits wide.
constexpr uint32_t MAGIC_VALUE = 0x000; // reads 0x74726976, "virt"
constexpr uint32_t VERSION = 0x004;     // 2 for the modern interface
constexpr uint32_t DEVICE_ID = 0x008;   // 2 for a block device
constexpr uint32_t VENDOR_ID = 0x00c;
constexpr uint32_t DEVICE_FEATURES = 0x010;     // 32 feature bits, chosen by...
constexpr uint32_t DEVICE_FEATURES_SEL = 0x014; // ...this: 0 = bits 0-31, 1 = 32-63
constexpr uint32_t DRIVER_FEATURES = 0x020;
constexpr uint32_t DRIVER_FEATURES_SEL = 0x024;
constexpr uint32_t QUEUE_SEL = 0x030;     // the queue the QUEUE_* registers mean
constexpr uint32_t QUEUE_NUM_MAX = 0x034; // the device's largest queue size
constexpr uint32_t QUEUE_NUM = 0x038;     // the size the driver chose
constexpr uint32_t QUEUE_READY = 0x044;
constexpr uint32_t QUEUE_NOTIFY = 0x050; // write a queue number: "look at it"
constexpr uint32_t INTERRUPT_STATUS = 0x060;
constexpr uint32_t INTERRUPT_ACK = 0x064;
constexpr uint32_t STATUS = 0x070;
constexpr uint32_t QUEUE_DESC_LOW = 0x080; // physical addresses of the rings
constexpr uint32_t QUEUE_DESC_HIGH = 0x084;
constexpr uint32_t QUEUE_DRIVER_LOW = 0x090; // the available ring
constexpr uint32_t QUEUE_DRIVER_HIGH = 0x094;
constexpr uint32_t QUEUE_DEVICE_LOW = 0x0a0; // the used ring
constexpr uint32_t QUEUE_DEVICE_HIGH = 0x0a4;
constexpr uint32_t CONFIG = 0x100; // device-specific configuration

constexpr uint32_t MMIO_MAGIC = 0x74726976;
constexpr uint32_t MMIO_VERSION_MODERN = 2;
constexpr uint32_t DEVICE_ID_BLOCK = 2;

// STATUS bits: the driver reports its progress through initialisation.
constexpr uint32_t STATUS_ACKNOWLEDGE = 1; // a driver noticed the device
constexpr uint32_t STATUS_DRIVER = 2;      // ...and knows how to drive it
constexpr uint32_t STATUS_DRIVER_OK = 4;   // ...and is ready
constexpr uint32_t STATUS_FEATURES_OK = 8; // feature negotiation is done

// Feature bits (a bit number; bits >= 32 are in the second 32-bit word).
constexpr int BLK_F_RO = 5;          // read-only disk
constexpr int BLK_F_SCSI = 7;        // SCSI command passthrough
constexpr int BLK_F_CONFIG_WCE = 11; // writeback cache mode in config space
constexpr int BLK_F_MQ = 12;         // more than one queue
constexpr int F_ANY_LAYOUT = 27;     // legacy framing relaxation
constexpr int RING_F_INDIRECT_DESC = 28;
constexpr int RING_F_EVENT_IDX = 29;
constexpr int F_VERSION_1 = 32; // "I am a modern driver"; required

// Block device configuration space: capacity is its first field.
constexpr uint32_t CONFIG_CAPACITY = CONFIG + 0; // 64 bits, in 512-byte sectors
constexpr uint64_t SECTOR_SIZE = 512;

// A split virtqueue is three arrays in memory shared with the device.

// Descriptor table: each entry names one buffer the device reads or writes.
// A request is a chain of descriptors linked by next.
struct virtq_desc {
  uint64_t addr; // physical address
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
constexpr uint16_t VIRTQ_DESC_F_NEXT = 1;  // chain continues at next
constexpr uint16_t VIRTQ_DESC_F_WRITE = 2; // device writes (else reads) this buffer

// Available ring: the driver appends the head descriptor of each new
// request and then advances idx. Only the driver writes it.
template <int N> struct virtq_avail {
  uint16_t flags;
  uint16_t idx; // where the driver will put the next entry (mod N)
  uint16_t ring[N];
  uint16_t unused; // used_event, if EVENT_IDX had been negotiated
};

// Used ring: the device appends the head of each finished request and then
// advances idx. Only the device writes it, hence volatile.
struct virtq_used_elem {
  uint32_t id;  // head descriptor of the finished chain
  uint32_t len; // bytes the device wrote
};
template <int N> struct virtq_used {
  volatile uint16_t flags;
  volatile uint16_t idx;
  volatile virtq_used_elem ring[N];
};

// The first descriptor of every block request points at this header.
constexpr uint32_t BLK_T_IN = 0;  // read from the disk
constexpr uint32_t BLK_T_OUT = 1; // write to the disk
struct virtio_blk_req {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};
// The last descriptor is one status byte, written by the device.
constexpr uint8_t BLK_S_OK = 0;

} // namespace virtio
} // namespace kernel
