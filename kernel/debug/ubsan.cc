// The UndefinedBehaviorSanitizer runtime, for `make test UBSAN=1`.
// Mirrors Linux's lib/ubsan.c (4.5 and later), reporting much less.
//
// With -fsanitize=undefined the compiler checks each signed add, shift,
// array index, pointer use ... and on a failure calls one of the
// __ubsan_handle_* functions below with a description of the check. A
// hosted program gets them from libubsan; a kernel writes its own. Every
// description starts with the source location of the check, which is all
// we report: the kind of check, file:line:column, and a panic, so a test
// run cannot pass over undefined behaviour.
#include <cstdint>
#include "printf.hh"

namespace kernel {

// The compiler's layout of a check's source location.
struct ubsan_location {
  const char *file;
  uint32_t line;
  uint32_t column;
};

namespace {

[[noreturn]] void report(const char *what, const void *data) {
  const auto *loc = static_cast<const ubsan_location *>(data);
  printf("UBSAN: %s at %s:%u:%u\n", what, loc->file, loc->line, loc->column);
  panic("undefined behaviour");
}

} // namespace
} // namespace kernel

using kernel::report;

// The checks GCC emits for -fsanitize=undefined in a C++ kernel without
// RTTI. The arguments after `data` (the operands) are not reported.
extern "C" {
void __ubsan_handle_add_overflow(void *data, void *, void *) { report("signed overflow in +", data); }
void __ubsan_handle_sub_overflow(void *data, void *, void *) { report("signed overflow in -", data); }
void __ubsan_handle_mul_overflow(void *data, void *, void *) { report("signed overflow in *", data); }
void __ubsan_handle_negate_overflow(void *data, void *) { report("signed overflow in unary -", data); }
void __ubsan_handle_divrem_overflow(void *data, void *, void *) {
  report("division by zero or overflow", data);
}
void __ubsan_handle_shift_out_of_bounds(void *data, void *, void *) { report("shift out of bounds", data); }
void __ubsan_handle_out_of_bounds(void *data, void *) { report("array index out of bounds", data); }
void __ubsan_handle_load_invalid_value(void *data, void *) {
  report("load of an invalid bool or enum value", data);
}
void __ubsan_handle_builtin_unreachable(void *data) { report("__builtin_unreachable() reached", data); }
void __ubsan_handle_missing_return(void *data) { report("end of a value-returning function reached", data); }
void __ubsan_handle_vla_bound_not_positive(void *data, void *) {
  report("variable-length array bound not positive", data);
}
void __ubsan_handle_nonnull_arg(void *data) { report("null passed as a nonnull argument", data); }
void __ubsan_handle_pointer_overflow(void *data, void *, void *) {
  report("pointer arithmetic overflowed", data);
}
void __ubsan_handle_invalid_builtin(void *data) {
  report("invalid argument to a builtin (ctz/clz of 0)", data);
}

// The return of a function declared returns_nonnull: the data is the
// attribute's location; the check's own location comes second.
void __ubsan_handle_nonnull_return_v1(void *, void *loc) {
  report("null returned from a returns_nonnull function", loc);
}

// A null, misaligned or too-small object: the description says which.
struct ubsan_type_mismatch {
  kernel::ubsan_location loc;
  const void *type;
  unsigned char log_alignment;
  unsigned char type_check_kind;
};
void __ubsan_handle_type_mismatch_v1(void *data, void *pointer) {
  const auto *d = static_cast<const ubsan_type_mismatch *>(data);
  const auto p = reinterpret_cast<uintptr_t>(pointer);
  if (p == 0) report("null pointer used", data);
  if (p & ((uintptr_t{1} << d->log_alignment) - 1)) {
    kernel::printf("UBSAN: address %p is not %lu-byte aligned\n", pointer, 1ul << d->log_alignment);
    report("misaligned access", data);
  }
  report("access to an object too small for its type", data);
}
}
