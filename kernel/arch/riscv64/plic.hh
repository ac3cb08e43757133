// The platform-level interrupt controller: routes device interrupts to harts.
#pragma once

namespace kernel {

[[nodiscard]] int plic_claim(); // the pending device interrupt, or 0
void plic_complete(int irq);    // done with irq: it may interrupt again

} // namespace kernel
