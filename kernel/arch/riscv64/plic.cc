// The PLIC on QEMU virt. Each hart has a supervisor-mode context (2*hart+1)
// with its own enable bits, priority threshold and claim register.
// Mirrors xv6's plic.c.
#include "plic.hh"
#include <cstdint>
#include "arch.hh"

namespace kernel {

namespace {

volatile uint32_t *plic_reg(uint64_t offset) {
  return reinterpret_cast<volatile uint32_t *>(dev_va(PLIC_PA) + offset);
}
uint64_t s_context() { return 2 * static_cast<uint64_t>(arch::hartid()) + 1; }
volatile uint32_t *priority(int irq) { return plic_reg(4 * irq); }
volatile uint32_t *senable() { return plic_reg(0x2000 + 0x80 * s_context()); }
volatile uint32_t *sthreshold() { return plic_reg(0x200000 + 0x1000 * s_context()); }
volatile uint32_t *sclaim() { return plic_reg(0x200004 + 0x1000 * s_context()); }

} // namespace

namespace arch {

void plicinit() {
  // Priority 0 would mean "never": give our devices 1.
  *priority(UART0_IRQ) = 1;
  *priority(VIRTIO0_IRQ) = 1;
}

void plicinithart() {
  *senable() = (1u << UART0_IRQ) | (1u << VIRTIO0_IRQ);
  *sthreshold() = 0; // accept every priority above 0
}

} // namespace arch

int plic_claim() { return static_cast<int>(*sclaim()); }
void plic_complete(int irq) { *sclaim() = static_cast<uint32_t>(irq); }

} // namespace kernel
