// Host unit test of kernel/lib/list.hh under AddressSanitizer and UBSan.
// Built and run by tools/tests/test_units.py. Prints one line per failed
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
#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
      failures++;                                                    \
    }                                                                \
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
  decltype(l)::remove(b);
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
    if (i.value % 2 == 0) decltype(l)::remove(i);
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
  decltype(first)::remove(a);
  CHECK(first.empty() && second.front() == &a);
  decltype(second)::remove(a);
}

static void test_double_link_and_unlink_panic() {
  intrusive_list<item, &item::link> l;
  item a{1, {}, {}};
  std::jmp_buf env;
  kernel::expect_panic = &env;
  bool panicked = false;
  if (setjmp(env) == 0) decltype(l)::remove(a); // never linked
  else panicked = true;
  CHECK(panicked);
  l.push_back(a);
  panicked = false;
  if (setjmp(env) == 0) l.push_back(a); // already linked
  else panicked = true;
  CHECK(panicked);
  kernel::expect_panic = nullptr;
  decltype(l)::remove(a);
}

int main() {
  test_order_and_remove();
  test_remove_while_iterating();
  test_two_lists();
  test_double_link_and_unlink_panic();
  std::printf("list_test: %d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
