// Kernel console output and panic.
#pragma once
#include <cstdarg>
#include <cstdint>
#include <source_location>

namespace kernel {

void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintf(const char *fmt, va_list ap);

// A broken kernel invariant: prints the message, the hart, the call site and
// a frame-pointer backtrace, then stops every hart. Never for errors a user
// program can cause; those are returned to it.
[[noreturn]] void panic(const char *msg, std::source_location where = std::source_location::current());

// Checked invariant that stays on in every build.
#define KASSERT(cond)                                                                                        \
  do {                                                                                                       \
    if (!(cond)) ::kernel::panic("assertion failed: " #cond);                                                \
  } while (0)

// The return addresses on the frame-pointer chain from fp, at most depth,
// each printed after before_each.
void print_backtrace(uint64_t fp, int depth, const char *before_each);

extern volatile int panicked;       // set once a hart panics: the others' output freezes
extern volatile int panicking_hart; // the hart that panicked; it alone keeps printing

} // namespace kernel
