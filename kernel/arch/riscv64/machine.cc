// Machine-level services of QEMU virt: inter-processor interrupts and power.
#include <cstdint>
#include "arch.hh"

namespace kernel::arch {

// The ACLINT SSWI device (QEMU `-machine virt,aclint=on`): writing 1 to a
// hart's register sets that hart's supervisor software-interrupt pending bit.
void send_ipi(int hart) {
  *reinterpret_cast<volatile uint32_t *>(dev_va(SSWI_PA) + 4 * static_cast<uint64_t>(hart)) = 1;
}

// The sifive_test device: 0x5555 powers off with status 0; (code << 16) |
// 0x3333 exits QEMU with `code`.
void poweroff(int code) {
  auto *test = reinterpret_cast<volatile uint32_t *>(dev_va(TEST_PA));
  *test = code == 0 ? 0x5555u : (static_cast<uint32_t>(code) << 16) | 0x3333u;
  for (;;) wait_for_interrupt();
}

} // namespace kernel::arch
