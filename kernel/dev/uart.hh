// The 16550 UART of QEMU's virt machine: the console's wire.
#pragma once

namespace kernel {

void uartinit();
void uartputc(int c);      // queue a character for output; may sleep (process context)
void uartputc_sync(int c); // spin until sent; for kernel printf and echo
void uartintr();           // the UART's interrupt: input arrived or output space freed

} // namespace kernel
