// The 16550 UART driver.
// Mirrors xv6's uart.c.
//
// Output from user programs goes through a small ring: uartputc() queues a
// character and returns; the UART's "transmit holding register empty"
// interrupt sends the next one. A writer that finds the ring full sleeps.
// Kernel printf bypasses the ring (uartputc_sync) so it works anywhere,
// even with interrupts off or in a panic.
#include "dev/uart.hh"
#include <cstdint>
#include "arch.hh"
#include "console.hh"
#include "printf.hh"
#include "proc.hh"
#include "spinlock.hh"

namespace kernel {

namespace {

// Register offsets and bits (the 16550 data sheet).
constexpr int RHR = 0; // receive holding register (read)
constexpr int THR = 0; // transmit holding register (write)
constexpr int IER = 1; // interrupt enable
constexpr uint8_t IER_RX = 1 << 0;
constexpr uint8_t IER_TX = 1 << 1;
constexpr int ISR = 2; // interrupt status (read)
constexpr int FCR = 2; // FIFO control (write)
constexpr uint8_t FCR_ENABLE_AND_CLEAR = 0x7;
constexpr int LCR = 3; // line control
constexpr uint8_t LCR_8N1 = 0x3;
constexpr uint8_t LCR_DIVISOR_LATCH = 1 << 7;
constexpr int LSR = 5; // line status
constexpr uint8_t LSR_RX_READY = 1 << 0;
constexpr uint8_t LSR_TX_IDLE = 1 << 5;

volatile uint8_t *reg(int r) { return reinterpret_cast<volatile uint8_t *>(dev_va(UART0_PA) + r); }

constexpr uint32_t TX_SIZE = 64;
// The transmit ring; tx_w - tx_r characters are waiting. Guarded by tx_lock.
constinit spinlock tx_lock{"uart"};
char tx_buf[TX_SIZE];
uint64_t tx_w = 0;
uint64_t tx_r = 0;

// Move characters from the ring to the UART while it accepts them.
// Called with tx_lock held, from a writer or from the interrupt.
void uartstart() {
  while (tx_w != tx_r && (*reg(LSR) & LSR_TX_IDLE)) {
    char c = tx_buf[tx_r % TX_SIZE];
    tx_r++;
    wakeup(&tx_r); // a writer may be waiting for room
    *reg(THR) = c;
  }
}

} // namespace

void uartinit() {
  *reg(IER) = 0;
  *reg(LCR) = LCR_DIVISOR_LATCH; // the next two writes set the baud rate
  *reg(0) = 0x03;                // divisor 3: 38400 baud (QEMU ignores it)
  *reg(1) = 0x00;
  *reg(LCR) = LCR_8N1;
  *reg(FCR) = FCR_ENABLE_AND_CLEAR;
  *reg(IER) = IER_TX | IER_RX;
}

void uartputc(int c) {
  lock_guard g(tx_lock);
  // Uninterruptible: the ring drains in microseconds, and this loop does
  // not look at signals.
  while (tx_w - tx_r == TX_SIZE) sleep(&tx_r, g, TASK_UNINTERRUPTIBLE);
  tx_buf[tx_w % TX_SIZE] = static_cast<char>(c);
  tx_w++;
  uartstart();
}

void uartputc_sync(int c) {
  push_off();
  while (panicked && arch::hartid() != panicking_hart) {
  }
  while ((*reg(LSR) & LSR_TX_IDLE) == 0) {
  }
  *reg(THR) = static_cast<uint8_t>(c);
  pop_off();
}

void uartintr() {
  // Reading ISR acknowledges a "transmitter empty" interrupt. Unacknowledged,
  // it stays asserted while the ring is empty, and the hart that takes it
  // does nothing but take it again.
  (void)*reg(ISR);
  while (*reg(LSR) & LSR_RX_READY) consoleintr(*reg(RHR));
  lock_guard g(tx_lock);
  uartstart();
}

} // namespace kernel
