// The lock checker (lockdep.hh): Linux's lockdep reduced to its idea.
// Mirrors Linux's kernel/locking/lockdep.c (kernel/lockdep.c before 3.13).
//
// The classes and the "held A, then took B" orders seen so far form a graph.
// A new order A -> B is a deadlock in waiting if B already reaches A: some
// code path takes B (perhaps through C) before A, and two harts running the
// two paths can each get their first lock and wait forever for the second.
#include "debug/lockdep.hh"
#include "printf.hh"
#include "proc.hh"
#include "lib/string.hh"

namespace kernel::lockdep {

namespace {

constexpr int MAX_CLASSES = 48;

// Where an order was first seen: the earlier lock's acquire and the later's.
struct order {
  bool seen = false;
  source_location first, then;
};

struct graph {
  const char *names[MAX_CLASSES] = {};
  uint32_t subclasses[MAX_CLASSES] = {}; // acquire_nested's; 0 for acquire()
  int nclasses = 0;
  order before[MAX_CLASSES][MAX_CLASSES] = {}; // before[a][b]: a held while b taken
};

graph g;
// Guards g. Not a spinlock: taking one would check itself forever. Every
// caller already runs with interrupts off (inside acquire()).
uint32_t graph_busy = 0;

void lock_graph() {
  while (__atomic_exchange_n(&graph_busy, 1u, __ATOMIC_ACQUIRE) != 0) {
  }
}
void unlock_graph() { __atomic_store_n(&graph_busy, 0u, __ATOMIC_RELEASE); }

// The class of a lock taken as `subclass`: its name, compared as a string
// (the same name may be two string literals in two files), and the subclass.
int class_of(const char *name, uint32_t subclass) {
  for (int i = 0; i < g.nclasses; i++)
    if ((g.names[i] == name || strncmp(g.names[i], name, 64) == 0) && g.subclasses[i] == subclass) return i;
  if (g.nclasses == MAX_CLASSES) {
    unlock_graph();
    panic("lockdep: more lock classes than MAX_CLASSES");
  }
  g.names[g.nclasses] = name;
  g.subclasses[g.nclasses] = subclass;
  return g.nclasses++;
}

// "/1" after a nested class's name in reports, as Linux prints it.
const char *suffix(int cls) {
  static const char *const suffixes[] = {"", "/1", "/2", "/3"};
  const uint32_t s = g.subclasses[cls];
  return s < 4 ? suffixes[s] : "/?";
}

// Is there a chain of recorded orders from a to b? Depth-first, with a
// visited set: the graph is a few dozen classes.
bool reaches(int a, int b, bool *visited) {
  if (a == b) return true;
  visited[a] = true;
  for (int next = 0; next < g.nclasses; next++)
    if (g.before[a][next].seen && !visited[next] && reaches(next, b, visited)) return true;
  return false;
}

// The first step of a chain from a toward b, for the report.
int first_step(int a, int b) {
  for (int next = 0; next < g.nclasses; next++) {
    bool visited[MAX_CLASSES] = {};
    visited[a] = true;
    if (g.before[a][next].seen && reaches(next, b, visited)) return next;
  }
  return b;
}

[[noreturn]] void report_inversion(int held, int taking, const spinlock *h, source_location where) {
  unlock_graph();
  const int step = first_step(taking, held);
  const order &o = g.before[taking][step];
  printf("lockdep: lock order inversion on hart %d\n", cpuid());
  printf("  now:     '%s%s' taken at ", g.names[taking], suffix(taking));
  print_site(where);
  printf(" while '%s%s' is held (taken at ", g.names[held], suffix(held));
  print_site(h->acquired_at);
  printf(")\n  earlier: '%s%s' taken at ", g.names[step], suffix(step));
  print_site(o.then);
  printf(" while '%s%s' was held (taken at ", g.names[taking], suffix(taking));
  print_site(o.first);
  printf(")\n");
  if (step != held)
    printf("  (and '%s%s' is taken before '%s%s' elsewhere)\n", g.names[step], suffix(step), g.names[held],
           suffix(held));
  panic("lockdep: two paths take these locks in opposite orders");
}

} // namespace

void check_acquire(const spinlock *lk, uint32_t subclass, source_location where) {
  cpu *c = mycpu();
  lock_graph();
  const int taking = class_of(lk->name, subclass);
  for (int i = 0; i < c->nheld; i++) {
    const spinlock *h = c->held[i];
    const int held = class_of(h->name, h->subclass);
    if (held == taking) {
      // Two locks of one class at once (two pipes): no order between them
      // can be checked by class, so the kernel never does it (a sock's lock
      // and a new connection's are two subclasses: acquire_nested).
      unlock_graph();
      printf("lockdep: '%s' taken at ", lk->name);
      print_site(where);
      printf(" while another '%s' is held (taken at ", h->name);
      print_site(h->acquired_at);
      printf(")\n");
      panic("lockdep: two locks of one class held at once");
    }
    order &o = g.before[held][taking];
    if (o.seen) continue;
    bool visited[MAX_CLASSES] = {};
    if (reaches(taking, held, visited)) report_inversion(held, taking, h, where);
    o = {true, h->acquired_at, where};
  }
  unlock_graph();
}

void check_sleep(const spinlock *allowed, source_location where) {
  push_off();
  cpu *c = mycpu();
  for (int i = 0; i < c->nheld; i++) {
    const spinlock *h = c->held[i];
    if (h == allowed) continue;
    printf("lockdep: sleep at ");
    print_site(where);
    printf(" with spinlock '%s' held (taken at ", h->name);
    print_site(h->acquired_at);
    printf(")\n");
    panic("lockdep: sleeping with a spinlock held");
  }
  pop_off();
}

} // namespace kernel::lockdep
