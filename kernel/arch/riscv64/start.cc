// Machine-mode setup, run once by every hart before the kernel proper.
//
// The kernel runs in supervisor mode. Machine mode's only jobs are to hand
// every interrupt and exception to supervisor mode, open physical memory to
// it, let it program its own timer (the Sstc extension's stimecmp, so no
// machine-mode timer handler is needed), and drop into main().
#include <cstdint>
#include "boot.h"
#include "uapi/param.h"
#include "riscv.hh"

static_assert(NCPU_MAX == NCPU, "boot.h and param.h disagree on the hart count");

extern "C" {
void main();
void start();
// One boot stack per hart; entry.S points sp at the top of the hart's slice.
// Each hart's scheduler loop keeps running on it after boot.
alignas(16) char boot_stacks[BOOT_STACK_SIZE * NCPU];
}

namespace {

constexpr uint64_t MENVCFG_STCE = 1ull << 63; // enable stimecmp (Sstc)
constexpr uint64_t COUNTEREN_CY_TM_IR = 0x7;  // cycle, time, instret readable below M

} // namespace

using namespace kernel::riscv;

extern "C" void start() {
  // mret "returns" to supervisor mode, at main.
  uint64_t ms = CSR_READ(mstatus);
  CSR_WRITE(mstatus, (ms & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S);
  CSR_WRITE(mepc, reinterpret_cast<uint64_t>(main));
  CSR_WRITE(satp, 0); // paging off until kvminithart()

  // Every exception and interrupt goes straight to supervisor mode.
  CSR_WRITE(medeleg, 0xffff);
  CSR_WRITE(mideleg, 0xffff);
  CSR_WRITE(sie, SIE_SEIE | SIE_STIE | SIE_SSIE);

  // One PMP entry covering all of physical memory, read/write/execute:
  // without it supervisor mode could touch nothing.
  CSR_WRITE(pmpaddr0, 0x3fffffffffffffull);
  CSR_WRITE(pmpcfg0, 0xf);

  // Supervisor mode programs its own timer; S and U mode may read `time`.
  asm volatile("csrs 0x30a, %0" : : "r"(MENVCFG_STCE)); // menvcfg
  CSR_WRITE(mcounteren, COUNTEREN_CY_TM_IR);
  asm volatile("csrw 0x14d, %0" : : "r"(~0ull)); // stimecmp: no timer yet

  // The kernel finds its hart number in tp.
  uint64_t id = CSR_READ(mhartid);
  asm volatile("mv tp, %0" : : "r"(id));

  asm volatile("mret");
}
