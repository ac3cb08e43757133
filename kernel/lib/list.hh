// The kernel's one intrusive doubly linked list.
//
// An object joins a list through a list_node member of its own, so linking
// never allocates and an object can be unlinked in O(1) from wherever it is.
// A node knows whether it is linked: linking it twice or unlinking it twice
// is a bug, and panics instead of corrupting two lists.
//
//   struct buf { list_node lru; ... };
//   intrusive_list<buf, &buf::lru> bcache_lru;
//   bcache_lru.push_back(*b);  ...  b->lru.unlink();
#pragma once
#include <cstddef>
#include <cstdint>

namespace kernel {

[[noreturn]] void list_panic(const char *what);

struct list_node {
  list_node *prev = nullptr;
  list_node *next = nullptr;
  [[nodiscard]] bool linked() const { return next != nullptr; }

  // Leave whatever list this node is on (Linux's list_del). The neighbours
  // are all it needs, so no list has to be named.
  void unlink() {
    if (!linked()) list_panic("list_node: unlinking a node that is not linked");
    prev->next = next;
    next->prev = prev;
    prev = next = nullptr;
  }
};

template <typename T, list_node T::*Link> class intrusive_list {
public:
  // The head is a sentinel node in a circle with the elements, so insertion
  // and removal never test for an end. An all-zero head is a valid empty
  // list too (the circle is closed on first use), so lists work in zeroed
  // memory, and no constant initializer has to point at itself: GCC 12
  // silently emits zeros for such an initializer inside an array.
  constexpr intrusive_list() = default;
  intrusive_list(const intrusive_list &) = delete;
  intrusive_list &operator=(const intrusive_list &) = delete;

  [[nodiscard]] bool empty() const { return head_.next == nullptr || head_.next == &head_; }
  T *front() { return empty() ? nullptr : owner(head_.next); }
  T *back() { return empty() ? nullptr : owner(head_.prev); }

  void push_front(T &x) { insert_after(sentinel(), &(x.*Link)); }
  void push_back(T &x) { insert_after(sentinel()->prev, &(x.*Link)); }
  void insert_after(T &pos, T &x) { insert_after(&(pos.*Link), &(x.*Link)); } // pos is on this list
  // The element after x (which is on this list), or null at the end.
  T *next(T &x) {
    list_node *n = (x.*Link).next;
    return n == sentinel() ? nullptr : owner(n);
  }
  // The element before x (which is on this list), or null at the start.
  T *prev(T &x) {
    list_node *n = (x.*Link).prev;
    return n == sentinel() ? nullptr : owner(n);
  }

  T *pop_front() {
    T *x = front();
    if (x) (x->*Link).unlink();
    return x;
  }

  // Iteration that tolerates removal of the current element: the next node
  // is read before the loop body runs.
  class iterator {
  public:
    iterator(list_node *n) : n_(n), next_(n->next) {}
    T &operator*() const { return *owner(n_); }
    T *operator->() const { return owner(n_); }
    iterator &operator++() {
      n_ = next_;
      next_ = n_->next;
      return *this;
    }
    bool operator!=(const iterator &o) const { return n_ != o.n_; }

  private:
    list_node *n_;
    list_node *next_;
  };
  iterator begin() { return iterator(sentinel()->next); }
  iterator end() { return iterator(sentinel()); }

private:
  list_node *sentinel() {
    if (head_.next == nullptr) head_.next = head_.prev = &head_;
    return &head_;
  }

  static void insert_after(list_node *pos, list_node *n) {
    if (n->linked()) list_panic("intrusive_list: inserting a node that is already linked");
    n->prev = pos;
    n->next = pos->next;
    pos->next->prev = n;
    pos->next = n;
  }

  // From a node back to the object that contains it: the member pointer
  // gives the node's offset inside T.
  static T *owner(list_node *n) {
    // No T is touched: the probe address is only used for arithmetic.
    const T *probe = reinterpret_cast<const T *>(uintptr_t{4096});
    const auto offset =
        reinterpret_cast<const char *>(&(probe->*Link)) - reinterpret_cast<const char *>(probe);
    return reinterpret_cast<T *>(reinterpret_cast<char *>(n) - offset);
  }

  list_node head_;
};

} // namespace kernel
