// RISC-V privileged-architecture helpers: CSR access, status bits, the Sv39
// page-table format. Only code under arch/riscv64 includes this directly;
// generic kernel code calls the named functions in arch.hh instead.
#pragma once
#include <cstdint>

namespace kernel::riscv {

#define CSR_READ(name)                                                                                       \
  ({                                                                                                         \
    uint64_t v_;                                                                                             \
    asm volatile("csrr %0, " #name : "=r"(v_));                                                              \
    v_;                                                                                                      \
  })
#define CSR_WRITE(name, v) asm volatile("csrw " #name ", %0" : : "r"((uint64_t)(v)))
#define CSR_SET(name, v) asm volatile("csrs " #name ", %0" : : "r"((uint64_t)(v)))
#define CSR_CLEAR(name, v) asm volatile("csrc " #name ", %0" : : "r"((uint64_t)(v)))

// mstatus / sstatus bits
constexpr uint64_t MSTATUS_MPP_MASK = 3ull << 11;
constexpr uint64_t MSTATUS_MPP_S = 1ull << 11;
constexpr uint64_t SSTATUS_SPP = 1ull << 8;  // previous mode: 1 = supervisor
constexpr uint64_t SSTATUS_SPIE = 1ull << 5; // interrupts enabled before the trap
constexpr uint64_t SSTATUS_SIE = 1ull << 1;  // supervisor interrupts enabled

// sie / sip bits
constexpr uint64_t SIE_SSIE = 1ull << 1; // software (IPIs)
constexpr uint64_t SIE_STIE = 1ull << 5; // timer
constexpr uint64_t SIE_SEIE = 1ull << 9; // external (PLIC)

// scause values we handle. Interrupts have the top bit set.
constexpr uint64_t SCAUSE_INTERRUPT = 1ull << 63;
constexpr uint64_t IRQ_S_SOFT = 1;
constexpr uint64_t IRQ_S_TIMER = 5;
constexpr uint64_t IRQ_S_EXT = 9;
constexpr uint64_t EXC_ECALL_U = 8;
constexpr uint64_t EXC_INST_PAGE_FAULT = 12;
constexpr uint64_t EXC_LOAD_PAGE_FAULT = 13;
constexpr uint64_t EXC_STORE_PAGE_FAULT = 15;

// Sv39: three levels of 512 eight-byte entries, 4 KiB pages.
constexpr uint64_t SATP_SV39 = 8ull << 60;
constexpr uint64_t PTE_V = 1 << 0;
constexpr uint64_t PTE_R = 1 << 1;
constexpr uint64_t PTE_W = 1 << 2;
constexpr uint64_t PTE_X = 1 << 3;
constexpr uint64_t PTE_U = 1 << 4;
constexpr uint64_t PTE_G = 1 << 5;
constexpr uint64_t PTE_A = 1 << 6;
constexpr uint64_t PTE_D = 1 << 7;

inline uint64_t hartid() { // kept in tp by entry.S and the trap vectors
  uint64_t x;
  asm volatile("mv %0, tp" : "=r"(x));
  return x;
}

inline void intr_on() { CSR_SET(sstatus, SSTATUS_SIE); }
inline void intr_off() { CSR_CLEAR(sstatus, SSTATUS_SIE); }
inline bool intr_get() { return CSR_READ(sstatus) & SSTATUS_SIE; }
// Clear SIE and return whether it was set, in one instruction (csrrc).
inline bool intr_off_was_on() {
  uint64_t old;
  asm volatile("csrrc %0, sstatus, %1" : "=r"(old) : "r"(SSTATUS_SIE));
  return old & SSTATUS_SIE;
}

inline void sfence_vma() { asm volatile("sfence.vma zero, zero"); }
inline void wfi() { asm volatile("wfi"); }
inline uint64_t read_time() { return CSR_READ(time); }
inline uint64_t read_fp() {
  uint64_t x;
  asm volatile("mv %0, s0" : "=r"(x));
  return x;
}

} // namespace kernel::riscv
