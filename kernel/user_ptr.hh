// User addresses as types of their own.
//
// A system call's pointer arguments are addresses in the calling process's
// address space, chosen by the user program. The kernel must never
// dereference one: it could name kernel memory, or nothing at all. A
// user_ptr<T> holds such an address and has no operator* or operator->;
// the only way to what it points to is through the checked copy routines
// (copyin, copyout, copyinstr in vm.hh), which look up every page in the
// process's page table and fail with -EFAULT instead. SerenityOS's
// Userspace<T> is the model; Linux marks the same pointers `__user` for
// its sparse checker.
//
// Why a template over T rather than one plain `uaddr` type: the copy
// routines then know the size of what they copy (copyout(pt, status, &st)
// writes one int: no length to get wrong), and passing the address of one kind of object where
// another is expected does not compile. A user buffer of bytes, what read
// and write take, is a user_ptr<char>.
//
// A user_ptr is made from an integer only explicitly: by argaddr()
// (syscall.hh) from the argument registers, by userinit() and exec() for
// the new program's memory, and by the signal code from the user's stack
// pointer; `grep -rn "user_ptr<[a-z]*>("` finds them all. It is exactly
// the 8 bytes of the address, so a user array of pointers (exec's argv) is
// copied in as user_ptr<char>s.
#pragma once
#include <cstdint>

namespace kernel {

template <class T> class user_ptr {
public:
  constexpr user_ptr() = default;
  constexpr explicit user_ptr(uint64_t addr) : addr_(addr) {}

  // For printing, and for code that lays out user memory itself.
  [[nodiscard]] constexpr uint64_t addr() const { return addr_; }
  // Optional arguments: a null pointer means "not given".
  constexpr explicit operator bool() const { return addr_ != 0; }
  // Counts elements of T, as pointer arithmetic does.
  constexpr user_ptr operator+(uint64_t n) const { return user_ptr(addr_ + n * sizeof(T)); }
  // The same address as a byte buffer: to copy part of an object, or an
  // array whose length the caller computes.
  [[nodiscard]] constexpr user_ptr<char> bytes() const { return user_ptr<char>(addr_); }

private:
  uint64_t addr_ = 0;
};

static_assert(sizeof(user_ptr<char>) == sizeof(uint64_t), "a user_ptr is just the address");

// Where readi/writei and the device drivers copy to or from: a user
// address of the current process, or kernel memory. xv6 passes a flag and
// an integer (user_dst, dst); this is the two in one value, so that a
// kernel pointer cannot be taken for a user address or the other way
// round. Used only through either_copyout/either_copyin (proc.hh).
class either_ptr {
public:
  template <class T> either_ptr(user_ptr<T> u) : user_(true), addr_(u.addr()) {}
  either_ptr(void *k) : user_(false), addr_(reinterpret_cast<uint64_t>(k)) {}

  [[nodiscard]] bool is_user() const { return user_; }
  [[nodiscard]] user_ptr<char> user() const { return user_ptr<char>(addr_); }    // if is_user()
  [[nodiscard]] void *kernel() const { return reinterpret_cast<void *>(addr_); } // if !is_user()
  either_ptr operator+(uint64_t bytes) const { return either_ptr(user_, addr_ + bytes); }

private:
  either_ptr(bool user, uint64_t addr) : user_(user), addr_(addr) {}
  bool user_;
  uint64_t addr_;
};

} // namespace kernel
