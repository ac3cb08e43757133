// What generic kernel code may ask of the architecture, by name, without
// spelling a CSR. Each is a one-liner over riscv.hh.
#pragma once
#include <cstdint>
#include "memlayout.hh"
#include "riscv.hh"

namespace kernel::arch {

inline int hartid() { return static_cast<int>(riscv::hartid()); }
inline void intr_on() { riscv::intr_on(); }
inline void intr_off() { riscv::intr_off(); }
[[nodiscard]] inline bool intr_enabled() { return riscv::intr_get(); }
// intr_off(), returning whether interrupts were on before.
[[nodiscard]] inline bool intr_save_off() { return riscv::intr_off_was_on(); }

// Sleep the hart until an interrupt is pending. Works with interrupts
// disabled too: it returns as soon as one is pending, without taking it.
inline void wait_for_interrupt() { riscv::wfi(); }

inline uint64_t frame_pointer() { return riscv::read_fp(); }
// Not volatile, so GCC may read it once per function: a function's frame
// stays on one stack for its whole life (myproc() relies on that too), and
// sp moves only in prologues and epilogues.
inline uint64_t stack_pointer() {
  uint64_t sp;
  asm("mv %0, sp" : "=r"(sp));
  return sp;
}
inline bool is_kernel_ram(uint64_t a) { return a >= KERNBASE && a < PHYSTOP; }

// Raise a supervisor software interrupt on another hart (ACLINT SSWI).
void send_ipi(int hart);
// Power QEMU off; it exits with `code` as its status.
[[noreturn]] void poweroff(int code);

// The timer: `time` counts at TIMEBASE_HZ on QEMU virt.
constexpr uint64_t TIMEBASE_HZ = 10'000'000;
inline uint64_t now() { return riscv::read_time(); }

void trapinithart(); // install the kernel trap vector, start this hart's timer
void plicinit();
void plicinithart();

} // namespace kernel::arch
