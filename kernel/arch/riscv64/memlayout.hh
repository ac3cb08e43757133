// Physical memory map of QEMU's `virt` machine and how the kernel maps it.
//
// Every page table -- the kernel's and each process's -- maps the same two
// kernel regions, neither with PTE_U:
//   0x80000000..PHYSTOP   RAM, virtual == physical. Kernel text, data, the
//                         page allocator's pool, kernel stacks.
//   0xC0000000..          devices: physical 0..1 GiB seen through one 1 GiB
//                         page at DEVBASE + physical address.
// User memory lives in [0, USERTOP), below both. Because the kernel is in
// every address space, a trap or system call never switches page tables
// (QEMU flushes its whole TLB on each satp write), and GDB can read kernel
// data from any stop, even one in user mode.
#pragma once
#include <cstdint>

namespace kernel {

constexpr uint64_t KERNBASE = 0x80000000; // kernel loaded here by QEMU
constexpr uint64_t PHYSTOP = KERNBASE + 128 * 1024 * 1024;
constexpr uint64_t USERTOP = KERNBASE;   // user addresses are below
constexpr uint64_t DEVBASE = 0xC0000000; // virtual base of device space

// Physical addresses of devices (QEMU hw/riscv/virt.c).
constexpr uint64_t TEST_PA = 0x00100000; // sifive_test: power off / exit code
constexpr uint64_t SSWI_PA = 0x02F00000; // ACLINT supervisor software interrupts
constexpr uint64_t PLIC_PA = 0x0C000000;
constexpr uint64_t UART0_PA = 0x10000000;
constexpr uint64_t VIRTIO0_PA = 0x10001000;

constexpr int UART0_IRQ = 10;
constexpr int VIRTIO0_IRQ = 1;

// Where the kernel sees a device once paging is on.
constexpr uint64_t dev_va(uint64_t pa) { return DEVBASE + pa; }

} // namespace kernel
