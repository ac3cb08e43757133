// The few pieces of the C++ runtime a freestanding kernel still needs.
// There is no heap behind operator new/delete: kernel objects live in fixed
// tables or in pages from kalloc(), built with placement new (from <new>).
#include <cstddef>
#include "lib/list.hh"
#include "printf.hh"

// A virtual call through a half-built or destroyed object.
extern "C" void __cxa_pure_virtual() { kernel::panic("pure virtual function called"); }

// Referenced by any virtual destructor; never reached since nothing is
// allocated with new.
void operator delete(void *) noexcept { kernel::panic("operator delete: the kernel has no heap"); }
void operator delete(void *, size_t) noexcept { kernel::panic("operator delete: the kernel has no heap"); }

namespace kernel {
void list_panic(const char *what) { panic(what); }
} // namespace kernel
