// Host unit test of kernel/lib/list.hh under AddressSanitizer and UBSan.
// Built and run by tools/tests/host/test_units.py. Prints one line per failed
// check and exits non-zero if any failed.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include "lib/list.hh"

namespace kernel {
// The kernel's panic: here it jumps back to the test that expected it.
static std::jmp_buf *expect_panic = nullptr;
void list_panic(const char *what) {
  if (expect_panic) std::longjmp(*expect_panic, 1);
  std::fprintf(stderr, "unexpected panic: %s\n", what);
  std::abort();
}
} // namespace kernel

using kernel::intrusive_list;
using kernel::list_node;

struct item {
  int value;
  list_node link;
  list_node other; // an object can be on two lists at once
};

static int failures = 0;
#define CHECK(cond)                                                                                          \
  do {                                                                                                       \
    if (!(cond)) {                                                                                           \
      std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                            \
      failures++;                                                                                            \
    }                                                                                                        \
  } while (0)

template <typename List> static int sum(List &l) {
  int s = 0;
  for (item &i : l) s += i.value;
  return s;
}

static void test_order_and_remove() {
  intrusive_list<item, &item::link> l;
  item a{1, {}, {}}, b{2, {}, {}}, c{3, {}, {}};
  CHECK(l.empty());
  l.push_back(b);
  l.push_front(a);
  l.push_back(c);
  CHECK(l.front() == &a && l.back() == &c);
  CHECK(sum(l) == 6);
  CHECK(l.next(a) == &b && l.next(c) == nullptr);
  CHECK(l.prev(c) == &b && l.prev(b) == &a && l.prev(a) == nullptr);
  b.link.unlink();
  CHECK(!b.link.linked());
  CHECK(sum(l) == 4);
  CHECK(l.pop_front() == &a);
  CHECK(l.pop_front() == &c);
  CHECK(l.pop_front() == nullptr && l.empty());
}

static void test_remove_while_iterating() {
  intrusive_list<item, &item::link> l;
  item items[5] = {{0, {}, {}}, {1, {}, {}}, {2, {}, {}}, {3, {}, {}}, {4, {}, {}}};
  for (item &i : items) l.push_back(i);
  for (item &i : l)
    if (i.value % 2 == 0) i.link.unlink();
  CHECK(sum(l) == 4);
  while (l.pop_front()) {
  }
}

static void test_two_lists() {
  intrusive_list<item, &item::link> first;
  intrusive_list<item, &item::other> second;
  item a{7, {}, {}};
  first.push_back(a);
  second.push_back(a);
  CHECK(first.front() == &a && second.front() == &a);
  a.link.unlink(); // leaves first only
  CHECK(first.empty() && second.front() == &a && a.other.linked());
  a.other.unlink();
  CHECK(second.empty());
}

// Runs f and reports whether it panicked (list_panic jumps back here).
template <typename F> static bool panics(F f) {
  std::jmp_buf env;
  kernel::expect_panic = &env;
  bool panicked = true;
  if (setjmp(env) == 0) {
    f();
    panicked = false;
  }
  kernel::expect_panic = nullptr;
  return panicked;
}

static void test_unlink() {
  intrusive_list<item, &item::link> l;
  item a{1, {}, {}}, b{2, {}, {}}, c{3, {}, {}};
  l.push_back(a);
  l.push_back(b);
  l.push_back(c);
  a.link.unlink(); // the first
  CHECK(l.front() == &b && l.back() == &c);
  c.link.unlink(); // the last
  CHECK(l.front() == &b && l.back() == &b);
  b.link.unlink(); // the only one
  CHECK(l.empty() && l.front() == nullptr);
  CHECK(!a.link.linked() && !b.link.linked() && !c.link.linked());
  l.push_front(c); // an unlinked node may join again
  l.push_front(a);
  CHECK(l.front() == &a && l.back() == &c && sum(l) == 4);
  a.link.unlink();
  c.link.unlink();
  CHECK(l.empty());
}

static void test_double_link_and_unlink_panic() {
  intrusive_list<item, &item::link> l;
  item a{1, {}, {}}, b{2, {}, {}};
  CHECK(panics([&] { a.link.unlink(); })); // never linked
  l.push_back(a);
  CHECK(panics([&] { l.push_back(a); })); // already linked
  l.push_back(b);
  a.link.unlink();
  CHECK(panics([&] { a.link.unlink(); }));  // unlinked twice
  CHECK(l.front() == &b && l.back() == &b); // and the list is untouched
  b.link.unlink();
  CHECK(l.empty());
}

int main() {
  test_order_and_remove();
  test_remove_while_iterating();
  test_two_lists();
  test_unlink();
  test_double_link_and_unlink_panic();
  std::printf("list_test: %d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
