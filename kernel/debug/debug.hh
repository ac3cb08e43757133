// The checks a debug build adds (`make qemu-gdb` builds with KITE_LOCKDEP;
// `make test UBSAN=1` with KITE_UBSAN and KITE_LOCKDEP). Constants rather
// than #ifdefs in the code, so every check is compiled -- and kept
// compiling -- in every build.
#pragma once

namespace kernel {

#ifdef KITE_LOCKDEP
constexpr bool LOCKDEP = true; // the lock checker (lockdep.hh)
#else
constexpr bool LOCKDEP = false;
#endif

#ifdef KITE_UBSAN
constexpr bool UBSAN = true; // -fsanitize=undefined, handlers in ubsan.cc
#else
constexpr bool UBSAN = false;
#endif

// Fill pages with junk when freed and allocated, so a use after free or a
// read of uninitialised memory shows up as garbage. It costs a page-sized
// memset per kalloc() and kfree(), so the normal build skips it.
constexpr bool JUNK_PAGES = LOCKDEP || UBSAN;

// Check in usertrap() that a trap it is given came from user mode: trapvec
// tells the two apart by sscratch alone (trapvec.S). A CSR read, so an exit
// from QEMU's translated code, on every trap.
constexpr bool TRAP_DEBUG = LOCKDEP || UBSAN;

// Poison freed slab objects and look for each freed object on its page's
// free list, so a double free panics naming the cache (slab.cc). The walk
// costs up to a page's worth of objects per free.
constexpr bool SLAB_DEBUG = LOCKDEP || UBSAN;

// Check every TCP and UDP checksum a sender computed, as the packet leaves
// for the loopback (dev.cc): the receiver trusts them unread, and they are
// summed in pieces as the data comes in, so nothing else would see a
// mistake. It costs a pass over every packet.
constexpr bool CSUM_DEBUG = LOCKDEP || UBSAN;

} // namespace kernel
