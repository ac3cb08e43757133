// fuzz: random system calls with random arguments, to show that nothing a
// user program passes makes the kernel panic, hang or leak.
//
//   fuzz SEED CALLS PROCS   PROCS worker processes make CALLS calls in all
//   fuzz -v SEED CALLS      replay: one worker with exactly this seed,
//                           printing each call before making it
//
// A worker's calls follow from its seed alone, never from what earlier
// calls returned, so a run can be repeated. A worker lives for LIFE calls
// or until a signal ends it; life n of `fuzz SEED ...` has the seed
// mix(SEED, n), and the parent prints
//   fuzz: life 12 pid 345 seed 0x5d1a8a3c
// when it starts it, so `fuzz -v 0x5d1a8a3c 2500` replays it call by call.
//
// Arguments come from sets of interesting values: 0, -1, small and huge
// numbers, descriptors 0..20, buffers in the worker's own memory (that fit,
// or run off its end), read-only text, the stack's guard page, unmapped and
// kernel addresses, signal numbers -1..70, socket addresses and options,
// crafted IP packets. Sockets are UDP and TCP: each worker starts with a
// TCP listener on a port of its own, a connection to it and the accepted
// end, and the addresses it connects to are mostly the workers' ports, so
// connections are made, fed, shut down and reset for real. Children of fork
// make calls of their own on the descriptors they share with the worker;
// now and then a worker takes all free memory. What could harm the machine
// the test runs on is never done: halt and calls the fuzzer does not know
// are never made; kill and tkill name only the worker itself, init or no
// process; paths are relative, without "..", in a scratch directory; a
// signal handler is the worker's own or an address that faults, never other
// code; sbrk cannot take back the worker's own memory; no second console
// device is made; netdrop loses at most NETDROP_MAX segments at a time, and
// the parent turns it off whenever a life ends, so the programs that run
// after the fuzzer lose nothing.
//
// A worker that a signal ends (a bad handler, its own kill) is no kernel
// failure: the parent starts the next life. Blocking calls (reading an
// empty pipe, pause, poll, recvfrom ...) are cut short by the parent, which
// sends SIGUSR2 to a worker that made no progress for a tick. One that
// makes none for STUCK_SECONDS even so is a kernel hang: the run fails. A
// kernel panic is a failure the harness (tools/stress.py) sees on the
// console; it names the seeds of the lives then running. At the end the
// parent waits for the workers' TCP connections to finish (none may be
// left after SETTLE_SECONDS), checks that as many disk inodes are free as
// before, and prints
//   fuzz: OK: 1000000 calls ...        or        fuzz: FAILED: reason
#include <stdarg.h>

#include "kernel/uapi/types.h"
#include "kernel/uapi/param.h"
#include "kernel/uapi/errno.h"
#include "kernel/uapi/fcntl.h"
#include "kernel/uapi/fs.h"
#include "kernel/uapi/poll.h"
#include "kernel/uapi/signal.h"
#include "kernel/uapi/socket.h"
#include "kernel/uapi/stat.h"
#include "kernel/uapi/syscall.h"
#include "kernel/uapi/sysinfo.h"
#include "kernel/uapi/time.h"
#include "kernel/uapi/wqctl.h"
#include "user/lib/testlib.h"
#include "user/lib/user.h"

enum {
  PGSIZE = 4096,
  MAXPROCS = 16,
  LIFE = 2500,                    // calls per worker life
  BATCH = 8,                      // calls per progress byte
  ARENA = 16 * PGSIZE,            // the worker's buffers, at the top of its memory
  HEAP_MAX = 4 * 1024 * 1024,     // how far sbrk may grow it (beyond: out-of-memory probes only)
  WAKE_SIG = SIGUSR2,             // the parent's "stop blocking" signal
  WAKE_TICKS = TIMEBASE_HZ / 100, // no progress for this long (a tick): send WAKE_SIG
  STUCK_SECONDS = 10,
  PROGRESS_SECONDS = 5,
  PROGRESS_FD = NOFILE - 1, // the worker's pipe to the parent
  ECHO_FD = NOFILE - 2,     // -v: the console
  WORKER_FDS = NOFILE - 2,  // descriptors 0..13 are the fuzzer's to play with
  PORT0 = 7000,
  NPORTS = 8,          // the ports workers bind, listen on and send or connect to
  NETDROP_MAX = 20,    // netdrop's count: lose at most this many segments
  RELISTEN = 100,      // calls between the worker's checks that it has its listener
  SETTLE_SECONDS = 30, // after the run, every TCP connection must be gone by then
  GREEDY = 0x7ffffffe, // sbrk's argument: grow until memory runs out
  CONSOLE_MAJOR = 1,
};

// ---------------------------------------------------------------------------
// Random numbers: xorshift64*, one stream per worker.

static uint64 rs;

static uint64 r64(void) {
  rs ^= rs >> 12;
  rs ^= rs << 25;
  rs ^= rs >> 27;
  return rs * 0x2545f4914f6cdd1dul;
}

static uint32 below(uint32 n) { return (uint32)(r64() >> 32) % n; }
static int chance(int percent) { return below(100) < (uint32)percent; }
#define PICK(a) (a)[below(sizeof(a) / sizeof((a)[0]))]

static uint32 mix(uint32 a, uint32 b) {
  uint32 x = a * 0x9e3779b1u ^ (b + 0x7f4a7c15u) * 0x85ebca6bu;
  x ^= x >> 16;
  x *= 0x45d9f3bu;
  return x ^ (x >> 16);
}

// ---------------------------------------------------------------------------
// The worker's state. Everything the kernel may write to is in the arena,
// the top of the worker's memory; these globals, below the stack, are only
// ever named to the kernel by the code that keeps the machine safe.

static int mypid, lastchild, children;
static int myport, mylistener; // the worker's TCP listener's port and descriptor (initial_tcp)
static int in_child;           // a worker's child (child_life)
static uint64 arena, arena_end, brk_now, text_end, guard_page;
static char pathbuf[2][256]; // paths are built here (read-only for the kernel)
static int echo;             // -v

struct call {
  long num;
  long a[6];
  uint32 after; // a random number for what make_call does after success
};

static const char *const names[] = {
#define SYSCALL(name, number) [number] = #name,
#include "kernel/uapi/syscalls.def"
#undef SYSCALL
};
enum { NNAMES = sizeof names / sizeof names[0] };

// ---------------------------------------------------------------------------
// Argument values.

static const long ints[] = {
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    15,
    16,
    17,
    31,
    32,
    63,
    64,
    100,
    255,
    256,
    511,
    4095,
    4096,
    4097,
    65535,
    65536,
    0x7fffffff,
    -0x80000000l,
    0xffffffffl,
    0x100000000l,
    0x100000001l,
    -1,
    -2,
    -4096,
    0x7fffffffffffffffl,
    (long)0x8000000000000000ul,
};

static long any(void) {
  if (chance(70)) return PICK(ints);
  return chance(50) ? (long)(int)r64() : (long)r64();
}

static const long lens[] = {
    0,    1,    2,    3,    4,    7,    8,    15,    16,    17, 64,          100,          512,          1024,
    2047, 2048, 2049, 4095, 4096, 4097, 8192, 16384, 16385, -1, 0xffffffffl, 0x100000010l, -0x80000000l,
};

// A length. Big ones are rare: writing a file to its largest size takes
// a quarter of a second.
static long len(void) {
  static const long big[] = {65536, 1 << 20, 0x7fffffff};
  int k = below(100);
  return k < 80 ? PICK(lens) : k < 98 ? (long)below(5000) : PICK(big);
}

// A descriptor: mostly one of the worker's, never the two it needs itself.
static long fd(void) {
  // (0x100000003 is 3 to a kernel that looks at only the low 32 bits.)
  static const long bad[] = {-1, 16, 17, 20, 100, -0x80000000l, 0x100000000l, 0x100000003l};
  return chance(85) ? (long)below(WORKER_FDS) : PICK(bad);
}

// A process: the worker itself (rarely: most signals end it), init (which
// no signal may end), or none. Never another: the shell and the parent
// must survive.
static long pid(int self_percent) {
  static const long none[] = {1, 0, -1, -2, 0x7fffffff, -0x80000000l, 99999, 0x100000000l};
  if (chance(self_percent)) return mypid;
  if (lastchild && chance(20)) return lastchild; // exited at once: gone, or a zombie
  return PICK(none);
}

static long sig(void) {
  if (chance(95)) return (long)below(72) - 1; // -1 .. 70
  return any();
}

// An address the kernel must refuse, for_write or for reading. (Program
// text is readable: it is bad only for writing.)
static uint64 bad_addr(int for_write) {
  switch (below(11)) {
  case 0: return 0;
  case 1: return brk_now + PGSIZE * below(4) + below(PGSIZE); // above the heap
  case 2: return 0x7ffff000ul + below(PGSIZE);                // the top of user space
  case 3: return 0x80000000ul + below(0x10000);               // kernel text
  case 4: return 0x80000000ul + below(0x8000000);             // kernel memory
  case 5: return 0xc0000000ul + 0x10000000ul;                 // the UART, through device space
  case 6: return guard_page + below(PGSIZE);                  // the stack's guard page
  case 7: return ~0ul - below(64);                            // wraps around
  case 8: return 1ul << (39 + below(25));                     // beyond Sv39
  case 9: return 0x40000000ul;
  default: return for_write ? below(text_end) : arena_end - below(16); // text; the end of memory
  }
}

// A buffer of n bytes for the kernel to read (out == 0) or write (out == 1):
// usually in the arena and fitting, sometimes running off its end (where
// memory ends, unless sbrk grew it), sometimes bad.
static uint64 buffer(long n, int out) {
  int k = below(100);
  if (k < 75) {
    uint64 room = n >= 0 && n <= ARENA ? ARENA - n : ARENA;
    uint64 off = below(room + 1);
    return arena + (chance(50) ? off & ~7ul : off);
  }
  if (k < 82) return arena_end - below(64);
  if (k < 88 && !out) return below(text_end); // readable, not writable
  return bad_addr(out);
}

// Fill n bytes of the arena at p with interesting or random values.
static void scribble(uint64 p, int n) {
  for (int i = 0; i + 8 <= n; i += 8) {
    long v = any();
    memmove((char *)p + i, &v, 8);
  }
}

// An arena address with room for n bytes.
static uint64 arena_slot(int n) { return arena + (below(ARENA - n) & ~7u); }

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";

// A path for the kernel to read: relative, without "..", so it stays in
// the scratch directory; or a bad address; or a string that runs off the
// end of memory with no NUL.
static uint64 path(int which) {
  static const char *const fixed[] = {
      "f0",
      "f1",
      "f2",
      "f3",
      "d0",
      "d1",
      "d0/f0",
      "d0/d1",
      "d1/f1",
      "d0/d1/f2",
      ".",
      "",
      "d0/",
      "f0/x",
      "d0/./f1",
      "d0//f2",
      "abcdefghijklmn",
      "abcdefghijklmnopqrstuvwxyz",
      "./d1",
      "nosuch/f0",
  };
  char *b = pathbuf[which];
  int k = below(100);
  if (k < 70) {
    strcpy(b, PICK(fixed));
  } else if (k < 85) {
    int n = 1 + below(20);
    for (int i = 0; i < n; i++) b[i] = alphabet[below(sizeof alphabet - 1)];
    b[n] = 0;
  } else if (k < 90) {
    // Long: MAXPATH - 1, MAXPATH, more; some deep.
    static const int longs[] = {MAXPATH - 1, MAXPATH, MAXPATH + 1, 200, 255};
    int n = PICK(longs), deep = chance(50);
    for (int i = 0; i < n; i++) b[i] = deep && i % 2 ? '/' : 'a';
    b[n] = 0;
  } else if (k < 95) {
    uint64 end = arena_end; // unterminated: the next page is unmapped
    for (int i = 1; i <= 16; i++) *(char *)(end - i) = 'u';
    return end - 1 - below(16);
  } else {
    return bad_addr(0);
  }
  return (uint64)b;
}

static long sockaddr_len(void) {
  static const long l[] = {16, 16, 16, 16, 0, 1, 2, 8, 15, 17, 128, -1, 0x100000010l};
  return PICK(l);
}

// A struct sockaddr_in in the arena, mostly for 127.0.0.1 and the workers'
// ports; often exactly the worker's own listener, so that connections are
// made, not only refused.
static uint64 sockaddr(void) {
  if (chance(10)) return bad_addr(0);
  static const uint32 addrs[] = {0x0100007f, 0x0100007f, 0x0100007f, 0, 0x0302017f, 0x0100000a, 0xffffffff};
  struct sockaddr_in *a = (struct sockaddr_in *)arena_slot(sizeof *a);
  if (chance(30)) {
    *a = loopback_addr(myport);
    return (uint64)a;
  }
  scribble((uint64)a, sizeof *a);
  a->sin_family = chance(85) ? AF_INET : PICK(((const int[]){AF_UNSPEC, 1, 10, 0xffff}));
  a->sin_port = htons(chance(70) ? PORT0 + below(NPORTS) : chance(50) ? 0 : below(65536));
  a->sin_addr.s_addr = chance(90) ? PICK(addrs) : (uint32)r64();
  return (uint64)a;
}

// A pointer to an int in the arena holding a length, or a bad pointer.
static uint64 lenptr(void) {
  if (chance(15)) return bad_addr(1);
  static const int l[] = {16, 16, 4, 8, 0, 1, 15, 17, 64, -1, 0x7fffffff};
  int *p = (int *)arena_slot(sizeof(int));
  *p = PICK(l);
  return (uint64)p;
}

// ---------------------------------------------------------------------------
// Crafted packets for netinject: mostly well-formed UDP or ICMP to the
// workers' ports, each with one thing wrong now and then.

static uint16 csum(const void *data, int n, uint32 sum) {
  const uchar *p = data;
  for (; n > 1; n -= 2, p += 2) sum += p[0] << 8 | p[1];
  if (n) sum += p[0] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(~sum & 0xffff);
}

static void ip_header(uchar *h, int total, int proto) {
  memset(h, 0, 20);
  h[0] = chance(95) ? 0x45 : (uchar)r64();
  *(uint16 *)(h + 2) = htons(chance(90) ? total : below(70000));
  *(uint16 *)(h + 6) = chance(95) ? 0 : htons(below(65536));
  h[8] = chance(95) ? 64 : below(2);
  h[9] = proto;
  *(uint32 *)(h + 12) = 0x0100007f;
  *(uint32 *)(h + 16) = chance(95) ? 0x0100007f : (uint32)r64();
  *(uint16 *)(h + 10) = chance(95) ? csum(h, 20, 0) : (uint16)r64();
}

static uint64 packet(long *plen) {
  uchar *p = (uchar *)arena_slot(2200);
  if (chance(30)) {
    scribble((uint64)p, 2200);
    *plen = len();
    return chance(80) ? (uint64)p : bad_addr(0);
  }
  if (chance(70)) { // UDP
    int n = below(64);
    int total = 28 + n;
    ip_header(p, total, chance(95) ? 17 : below(256));
    uchar *u = p + 20;
    *(uint16 *)u = htons(PORT0 + below(NPORTS));
    *(uint16 *)(u + 2) = htons(chance(90) ? PORT0 + below(NPORTS) : below(65536));
    *(uint16 *)(u + 4) = htons(chance(90) ? 8 + n : below(100));
    *(uint16 *)(u + 6) = 0; // no checksum, or a wrong one
    if (chance(10)) *(uint16 *)(u + 6) = (uint16)r64();
    scribble((uint64)(u + 8), n);
    *plen = chance(90) ? total : below(total + 8);
  } else { // ICMP port unreachable, quoting a datagram from one of our ports
    int total = 20 + 8 + 28;
    ip_header(p, total, 1);
    uchar *ic = p + 20;
    memset(ic, 0, 8);
    ic[0] = chance(90) ? 3 : below(256);
    ic[1] = chance(90) ? 3 : below(256);
    ip_header(ic + 8, 36, 17);
    *(uint16 *)(ic + 28) = htons(PORT0 + below(NPORTS));
    *(uint16 *)(ic + 30) = htons(PORT0 + below(NPORTS));
    *(uint16 *)(ic + 2) = chance(95) ? csum(ic, 36, 0) : (uint16)r64();
    *plen = chance(90) ? total : below(total + 8);
  }
  return (uint64)p;
}

// ---------------------------------------------------------------------------
// One generator per system call: fills in the arguments.

void __signal_restorer(void); // user/lib/usys.S
static void on_signal(int s) { (void)s; }

static void g_none(struct call *c) { (void)c; }
static void g_fd(struct call *c) { c->a[0] = fd(); }
static void g_path(struct call *c) { c->a[0] = path(0); }

static void g_rw(struct call *c) {
  long n = len();
  c->a[0] = fd();
  c->a[1] = buffer(n, c->num == SYS_read);
  c->a[2] = n;
}

static void g_wait(struct call *c) { c->a[0] = chance(50) ? 0 : buffer(4, 1); }
static void g_kill(struct call *c) { c->a[0] = pid(1); }
static void g_pipe(struct call *c) { c->a[0] = buffer(8, 1); }
static void g_fstat(struct call *c) { c->a[0] = fd(), c->a[1] = buffer(sizeof(struct stat), 1); }
static void g_dup(struct call *c) { c->a[0] = fd(); }

static void g_exec(struct call *c) {
  c->a[0] = path(0);
  if (chance(30)) {
    c->a[1] = chance(30) ? 0 : bad_addr(0);
    return;
  }
  // An argv array: strings, bad pointers, with or without its null.
  int n = below(MAXARG + 4);
  uint64 *av = (uint64 *)arena_slot((MAXARG + 8) * 8);
  for (int i = 0; i < n; i++) av[i] = chance(80) ? path(1) : bad_addr(0);
  av[n] = chance(90) ? 0 : r64();
  c->a[1] = (uint64)av;
}

static void g_sbrk(struct call *c) {
  static const long sizes[] = {0,     1,      7,       PGSIZE,     -PGSIZE,    3 * PGSIZE,  -3 * PGSIZE,
                               65536, -65536, 1 << 20, -(1 << 20), 0x7fffffff, -0x80000000l};
  long n = chance(90) ? PICK(sizes) : (long)below(2 * PGSIZE) - PGSIZE;
  if (below(200) == 0) n = 200 << 20; // more than there is: fails after using up memory (a fifth of a second)
  if (below(200) == 0) n = GREEDY;    // take all the memory there is, and keep it (make_call)
  // Never below the arena: the worker would lose its own memory.
  if (n < 0 && (uint64)-n <= brk_now && brk_now + n < arena_end) n = arena_end - brk_now;
  // Growth past HEAP_MAX only by the value that must fail (more than RAM):
  // it uses up memory for a moment, so other calls meet a full allocator.
  if (n > 0 && brk_now + n > arena_end + HEAP_MAX && n != 200 << 20 && n != GREEDY) n = 0;
  c->a[0] = n;
}

static void g_sleep(struct call *c) {
  static const long t[] = {0, 0, 0, 0, 0, 0, -1, -0x80000000l, 1, 0x7fffffff};
  c->a[0] = PICK(t);
}

static void g_open(struct call *c) {
  static const long modes[] = {
      O_RDONLY,         O_WRONLY, O_RDWR, O_CREATE | O_RDWR, O_CREATE | O_WRONLY | O_TRUNC,
      O_TRUNC | O_RDWR, O_CREATE, -1};
  c->a[0] = path(0);
  c->a[1] = chance(90) ? PICK(modes) : any();
}

static void g_mknod(struct call *c) {
  c->a[0] = path(0);
  c->a[1] = chance(80) ? (long)below(NDEV + 2) - 1 : any();
  if ((int)c->a[1] == CONSOLE_MAJOR)
    c->a[1] = 2; // a second console would let the worker read the harness's input
  c->a[2] = chance(80) ? (long)below(4) : any();
}

static void g_link(struct call *c) { c->a[0] = path(0), c->a[1] = path(1); }

static void g_sysinfo(struct call *c) { c->a[0] = buffer(sizeof(struct sysinfo), 1); }

static void g_clock(struct call *c) {
  c->a[0] = chance(80) ? (long)below(3) : any();
  c->a[1] = buffer(sizeof(struct timespec), 1);
}

static void g_nanosleep(struct call *c) {
  static const long sec[] = {0, 0, 0, 1, -1, 0x7fffffffffffffffl, 100000};
  static const long nsec[] = {0, 1, 1000, 999999999, 1000000000, -1, 5000000};
  struct timespec *ts = (struct timespec *)arena_slot(sizeof *ts);
  ts->tv_sec = PICK(sec);
  ts->tv_nsec = PICK(nsec);
  c->a[0] = chance(85) ? (uint64)ts : bad_addr(0);
  c->a[1] = chance(50) ? 0 : buffer(sizeof *ts, 1);
}

static void g_wqctl(struct call *c) {
  c->a[0] = chance(90) ? (long)below(WQ_STAT_WAITERS + 3) - 1 : any();
  c->a[1] = chance(90) ? (long)below(WQ_NQUEUES + 2) - 1 : any();
  c->a[2] = any();
}

static void g_tkill(struct call *c) { c->a[0] = pid(15), c->a[1] = sig(); }

static void g_sigaction(struct call *c) {
  c->a[0] = sig();
  if (c->a[0] == WAKE_SIG || (in_child && c->a[0] == SIGALRM))
    c->a[0] = SIGUSR1; // the parent's wake-up, and a child's alarm, must keep their actions
  c->a[2] = chance(50) ? 0 : buffer(sizeof(struct sigaction), 1);
  if (chance(20)) {
    c->a[1] = chance(50) ? 0 : bad_addr(0);
    return;
  }
  // The handler is ours, a default, or an address that faults: never other
  // code of this program, which could do anything.
  struct sigaction *sa = (struct sigaction *)arena_slot(sizeof *sa);
  int k = below(10);
  sa->sa_handler = k < 4 ? on_signal : k < 6 ? SIG_DFL : k < 8 ? SIG_IGN : (sighandler_t)bad_addr(0);
  sa->sa_flags = chance(90) ? SA_RESTORER : 0;
  if (chance(50))
    sa->sa_flags |= PICK(((const unsigned long[]){SA_RESTART, SA_NODEFER, SA_RESETHAND, ~0ul, 1}));
  sa->sa_restorer = chance(95) ? __signal_restorer : (void (*)(void))bad_addr(0);
  sa->sa_mask = chance(50) ? 0 : r64();
  c->a[1] = (uint64)sa;
}

static void g_sigprocmask(struct call *c) {
  uint64 *set = (uint64 *)arena_slot(8);
  *set = chance(50) ? 1ul << below(64) : r64();
  c->a[0] = chance(90) ? (long)below(4) : any();
  c->a[1] = chance(15) ? 0 : chance(85) ? (uint64)set : bad_addr(0);
  c->a[2] = chance(50) ? 0 : buffer(8, 1);
}

static void g_alarm(struct call *c) {
  static const long t[] = {0, 0, 0, 1, 2, 1000, 0x7fffffff, -1};
  c->a[0] = PICK(t);
}

static void g_waitpid(struct call *c) {
  c->a[0] = chance(50) ? -1 : pid(10);
  c->a[1] = chance(30) ? 0 : buffer(4, 1);
  c->a[2] = chance(70) ? WNOHANG : any();
}

static void g_poll(struct call *c) {
  static const long nfds[] = {0, 1, 1, 2, 3, 8, 16, POLL_MAX_FDS, POLL_MAX_FDS + 1, -1, 0x100000001l};
  static const long ms[] = {0, 0, 0, 0, 0, 1, 10, -1, 0x7fffffff};
  long n = PICK(nfds);
  struct pollfd *p = (struct pollfd *)arena_slot(POLL_MAX_FDS * sizeof *p);
  for (int i = 0; i < POLL_MAX_FDS; i++) {
    p[i].fd = fd();
    p[i].events = chance(80) ? POLLIN | POLLOUT : (short)r64();
    p[i].revents = (short)r64();
  }
  c->a[0] = chance(85) ? (uint64)p : bad_addr(1);
  c->a[1] = n;
  c->a[2] = PICK(ms);
}

static void g_socket(struct call *c) {
  static const long types[] = {SOCK_DGRAM, SOCK_STREAM, SOCK_DGRAM | SOCK_NONBLOCK,
                               SOCK_STREAM | SOCK_NONBLOCK};
  static const long bad_types[] = {0, 3, 5, -1, SOCK_STREAM | 0x80000, SOCK_DGRAM | 0x1000, 0x100000001l};
  long type = chance(85) ? PICK(types) : PICK(bad_types);
  c->a[0] = chance(85) ? AF_INET : PICK(((const long[]){0, 1, 10, -1, 0x100000002l}));
  c->a[1] = type;
  // The protocol mostly fits the type (0 always does); now and then not.
  if (chance(85))
    c->a[2] = chance(50) ? 0 : (type & 0xf) == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  else
    c->a[2] = PICK(((const long[]){1, IPPROTO_TCP, IPPROTO_UDP, 255, -1}));
}

static void g_listen(struct call *c) {
  static const long backlog[] = {0, 1, 2, 4, 4, SOMAXCONN, SOMAXCONN + 1, -1, 0x7fffffff, 0x100000001l};
  c->a[0] = fd();
  c->a[1] = chance(90) ? PICK(backlog) : any();
}

// accept and accept4: the peer's address wanted or not; accept4's flags.
static void g_accept(struct call *c) {
  static const long flags[] = {0, 0,  SOCK_NONBLOCK, SOCK_NONBLOCK, 0x80000, SOCK_NONBLOCK | 0x80000,
                               1, -1, 0x100000800l};
  c->a[0] = chance(30) ? mylistener : fd(); // (unless the worker has closed it since)
  if (chance(40)) {
    c->a[1] = 0;
    c->a[2] = chance(80) ? 0 : lenptr();
  } else {
    c->a[1] = buffer(sizeof(struct sockaddr_in), 1);
    c->a[2] = lenptr();
  }
  c->a[3] = chance(90) ? PICK(flags) : any();
}

static void g_bind(struct call *c) { c->a[0] = fd(), c->a[1] = sockaddr(), c->a[2] = sockaddr_len(); }

static const long msgflags[] = {0,
                                0,
                                0,
                                MSG_DONTWAIT,
                                MSG_PEEK | MSG_DONTWAIT,
                                MSG_TRUNC | MSG_DONTWAIT,
                                MSG_PEEK,
                                MSG_WAITALL,
                                MSG_WAITALL | MSG_DONTWAIT,
                                MSG_NOSIGNAL,
                                MSG_NOSIGNAL | MSG_DONTWAIT,
                                ~0l,
                                1,
                                0x100000000l};

static void g_sendto(struct call *c) {
  long n = chance(80) ? (long)below(UDP_MAX_PAYLOAD + 2) : len();
  c->a[0] = fd();
  c->a[1] = buffer(n, 0);
  c->a[2] = n;
  c->a[3] = PICK(msgflags);
  c->a[4] = chance(50) ? 0 : sockaddr();
  c->a[5] = sockaddr_len();
}

static void g_recvfrom(struct call *c) {
  long n = chance(70) ? (long)below(UDP_MAX_PAYLOAD + 2) : len();
  c->a[0] = fd();
  c->a[1] = buffer(n, 1);
  c->a[2] = n;
  c->a[3] = PICK(msgflags);
  c->a[4] = chance(40) ? 0 : buffer(sizeof(struct sockaddr_in), 1);
  c->a[5] = lenptr();
}

static void g_sockname(struct call *c) {
  c->a[0] = fd();
  c->a[1] = buffer(sizeof(struct sockaddr_in), 1);
  c->a[2] = lenptr();
}

static long level(void) {
  int k = below(100);
  return k < 70 ? SOL_SOCKET : k < 85 ? IPPROTO_TCP : PICK(((const long[]){0, 17, -1, 0x100000001l}));
}
static long optname(void) {
  static const long names[] = {SO_RCVBUF,    SO_RCVTIMEO, SO_SNDBUF, SO_SNDTIMEO,
                               SO_REUSEADDR, SO_TYPE,     SO_ERROR,  TCP_NODELAY};
  return chance(80) ? PICK(names) : any();
}

static void g_setsockopt(struct call *c) {
  static const long tsec[] = {0, 0, 1, -1, 1000000, 0x7fffffffffffffffl, 0x7ffffffffffffl};
  static const long tusec[] = {0, 1, 10000, 999999, 1000000, -1};
  uint64 v = arena_slot(16);
  long name = optname();
  if ((name == SO_RCVTIMEO || name == SO_SNDTIMEO) && chance(80)) {
    ((long *)v)[0] = PICK(tsec);
    ((long *)v)[1] = PICK(tusec);
  } else {
    *(long *)v =
        chance(70) ? (long)(int)PICK(((const long[]){0, 1, -1, 4096, 0x7fffffff, -0x80000000l})) : any();
  }
  c->a[0] = fd();
  c->a[1] = level();
  c->a[2] = name;
  c->a[3] = chance(85) ? v : bad_addr(0);
  c->a[4] = PICK(((const long[]){4, 8, 16, 16, 0, 3, -1, 0x100000004l}));
}

static void g_getsockopt(struct call *c) {
  c->a[0] = fd();
  c->a[1] = level();
  c->a[2] = optname();
  c->a[3] = buffer(16, 1);
  c->a[4] = lenptr();
}

static void g_shutdown(struct call *c) { c->a[0] = fd(), c->a[1] = chance(90) ? (long)below(5) - 1 : any(); }

static void g_fcntl(struct call *c) {
  long cmd = chance(90) ? PICK(((const long[]){F_GETFL, F_SETFL, F_SETFL, F_SETOWN, F_GETOWN})) : any();
  c->a[0] = fd();
  c->a[1] = cmd;
  if (cmd == F_SETOWN)
    c->a[2] = pid(50); // SIGIO goes here: only to the worker itself
  else
    c->a[2] = chance(80) ? PICK(((const long[]){0, O_NONBLOCK, O_ASYNC, O_NONBLOCK | O_ASYNC})) : any();
}

static void g_netstat(struct call *c) {
  c->a[0] = chance(30) ? -1 : fd();
  c->a[1] = buffer(sizeof(struct net_counters), 1);
}

static void g_netinject(struct call *c) { c->a[0] = packet(&c->a[1]); }

// It only looks: any pid will do, other processes' too.
static void g_procstate(struct call *c) {
  c->a[0] = chance(70) ? pid(20) : chance(50) ? (long)below(200) : any();
}

static void g_netconns(struct call *c) {
  static const long max[] = {0, 1, 2, 8, 64, 900, -1, 0x7fffffff, 0x100000001l};
  long n = PICK(max);
  c->a[0] = chance(15) ? bad_addr(1) : buffer(n > 0 && n <= 900 ? n * (long)sizeof(struct sock_info) : 64, 1);
  c->a[1] = n;
}

// Only a few segments at a time (make_call makes sure), all of any
// connection's: SYNs, data, FINs, ACKs and resets are sent again or time out.
static void g_netdrop(struct call *c) {
  static const long every[] = {0, 1, 2, 3, 7, 13, 50, 1000, -1, 0x7fffffff, 0x100000001l};
  c->a[0] = chance(90) ? PICK(every) : any();
  c->a[1] = chance(90) ? (long)below(NETDROP_MAX + 1) : PICK(((const long[]){-1, 0, -0x80000000l}));
}

// rt_sigreturn with the stack pointer at a signal frame made up here: the
// kernel's layout (kernel/signal.cc: the trap frame's 34 registers, the
// blocked set, a magic number), every register random, the pc one that
// faults. The worker dies of it; the kernel must not, nor run anything
// but user code.
static uint64 fake_sigframe(void) {
  uint64 *f = (uint64 *)arena_slot(36 * 8);
  for (int i = 0; i < 34; i++) f[i] = any();
  f[31] = bad_addr(0);          // the pc
  f[34] = r64();                // the blocked signals
  f[35] = 0x5349474652414d45ul; // "SIGFRAME"
  return (uint64)f;
}

// The calls fuzzed, with weights. A call not listed is never made: exit,
// halt, provoke (a deliberate panic) and any added later until it is
// listed here. (rt_sigreturn is made rarely, by generate: it ends the worker.)
static const struct gen {
  int num;
  int weight;
  void (*fn)(struct call *);
} gens[] = {
    {SYS_fork, 4, g_none},
    {SYS_wait, 4, g_wait},
    {SYS_pipe, 10, g_pipe},
    {SYS_read, 30, g_rw},
    {SYS_kill, 2, g_kill},
    {SYS_exec, 6, g_exec},
    {SYS_fstat, 10, g_fstat},
    {SYS_chdir, 8, g_path},
    {SYS_dup, 15, g_dup},
    {SYS_getpid, 2, g_none},
    {SYS_sbrk, 6, g_sbrk},
    {SYS_sleep, 2, g_sleep},
    {SYS_uptime, 2, g_none},
    {SYS_open, 20, g_open},
    {SYS_write, 30, g_rw},
    {SYS_mknod, 4, g_mknod},
    {SYS_unlink, 15, g_path},
    {SYS_link, 8, g_link},
    {SYS_mkdir, 10, g_path},
    {SYS_close, 50, g_fd},
    {SYS_sysinfo, 3, g_sysinfo},
    {SYS_clock_gettime, 3, g_clock},
    {SYS_nanosleep, 2, g_nanosleep},
    {SYS_wqctl, 3, g_wqctl},
    {SYS_tkill, 8, g_tkill},
    {SYS_rt_sigaction, 10, g_sigaction},
    {SYS_sigprocmask, 6, g_sigprocmask},
    {SYS_alarm, 2, g_alarm},
    {SYS_pause, 1, g_none},
    {SYS_waitpid, 4, g_waitpid},
    {SYS_poll, 8, g_poll},
    {SYS_socket, 15, g_socket},
    {SYS_bind, 10, g_bind},
    {SYS_connect, 10, g_bind},
    {SYS_sendto, 20, g_sendto},
    {SYS_recvfrom, 15, g_recvfrom},
    {SYS_getsockname, 4, g_sockname},
    {SYS_getpeername, 4, g_sockname},
    {SYS_setsockopt, 8, g_setsockopt},
    {SYS_getsockopt, 6, g_getsockopt},
    {SYS_shutdown, 5, g_shutdown},
    {SYS_fcntl, 8, g_fcntl},
    {SYS_netstat, 3, g_netstat},
    {SYS_netinject, 10, g_netinject},
    {SYS_listen, 6, g_listen},
    {SYS_accept, 6, g_accept},
    {SYS_accept4, 6, g_accept},
    {SYS_netconns, 2, g_netconns},
    {SYS_netdrop, 1, g_netdrop},
    {SYS_procstate, 2, g_procstate},
};
enum { NGENS = sizeof gens / sizeof gens[0] };
static int total_weight;

static int highest_syscall(void) {
  int m = 0;
#define SYSCALL(name, number) m = number > m ? number : m;
#include "kernel/uapi/syscalls.def"
#undef SYSCALL
  return m;
}

static int fuzzed(long num) {
  for (int i = 0; i < NGENS; i++)
    if (gens[i].num == num) return 1;
  return 0;
}

// Numbers no system call has: the kernel must just say no.
static int invalid(long num) { return num <= 0 || num > highest_syscall(); }

static void generate(struct call *c) {
  for (int i = 0; i < 6; i++) c->a[i] = any();
  c->after = below(100);
  if (below(1000) < 3) {
    static const long bad[] = {0, -1, 1000, 0x100000000l + SYS_getpid, (long)0x8000000000000000ul};
    c->num = chance(50) ? highest_syscall() + 1 + below(16) : PICK(bad);
    return;
  }
  if (below(20000) == 0) {
    c->num = SYS_rt_sigreturn;
    c->a[0] = chance(50) ? fake_sigframe() : 0;
    return;
  }
  int w = below(total_weight);
  const struct gen *g = gens;
  while (w >= g->weight) w -= g++->weight;
  c->num = g->num;
  g->fn(c);
}

// ---------------------------------------------------------------------------
// Making the call.

static long raw(long num, long a0, long a1, long a2, long a3, long a4, long a5) {
  register long x0 asm("a0") = a0;
  register long x1 asm("a1") = a1;
  register long x2 asm("a2") = a2;
  register long x3 asm("a3") = a3;
  register long x4 asm("a4") = a4;
  register long x5 asm("a5") = a5;
  register long x7 asm("a7") = num;
  asm volatile("ecall" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x7) : "memory");
  return x0;
}

static void sigreturn_from(uint64 sp) {
  register long a7 asm("a7") = SYS_rt_sigreturn;
  register uint64 newsp asm("t0") = sp;
  asm volatile("mv sp, t0\n ecall" : : "r"(a7), "r"(newsp) : "memory");
  raw(SYS_exit, 0, 0, 0, 0, 0, 0); // not reached
}

// sbrk until memory runs out, in halving steps, and keep what was got:
// everyone's next allocations fail (fork, pipes, sockets, packets, poll)
// until this worker gives it back or dies.
static void greedy(void) {
  for (long n = 64 << 20; n >= PGSIZE; n /= 2)
    while (brk_now + n < 0x7f000000ul && raw(SYS_sbrk, n, 0, 0, 0, 0, 0) >= 0) brk_now += n;
}

// -v: the call, and the paths it names.
static void print_call(int i, const struct call *c) {
  const char *name = c->num > 0 && c->num < NNAMES && names[c->num] ? names[c->num] : "invalid";
  fprintf(ECHO_FD, "fuzz: %d: %s#%ld(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)\n", i, name, c->num, c->a[0],
          c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
  for (int k = 0; k < 6; k++)
    for (int b = 0; b < 2; b++)
      if (c->a[k] == (long)pathbuf[b])
        fprintf(ECHO_FD, "fuzz: %d:   argument %d is \"%s\"\n", i, k, pathbuf[b]);
}

static void reap_children(void) {
  for (int i = 0; i < 16 && children > 0; i++) {
    int w = waitpid(-1, 0, i < 8 ? WNOHANG : 0);
    if (w < 0 && errno == ECHILD)
      children = 0;
    else if (w > 0)
      children--;
  }
}

static void child_life(uint32 after);

// Make the call; return its result.
static long make_call(const struct call *c) {
  // Whatever the table says, these are never made.
  if (!(fuzzed(c->num) || c->num == SYS_rt_sigreturn || invalid(c->num))) return 0;
  if (in_child && c->num == SYS_alarm) return 0; // the alarm that ends the child stays set
  if (c->num == SYS_netdrop && (int)c->a[1] > NETDROP_MAX) return 0; // the kernel reads an int
  if (c->num == SYS_sbrk && c->a[0] == GREEDY) {
    greedy();
    return 0;
  }
  if (c->num == SYS_rt_sigreturn && c->a[0]) sigreturn_from(c->a[0]);
  long r = raw(c->num, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
  switch (c->num) {
  case SYS_fork:
    if (r == 0) {
      if (in_child) raw(SYS_exit, 0, 0, 0, 0, 0, 0); // a grandchild: gone at once
      child_life(c->after);
    }
    if (r > 0) {
      lastchild = r;
      if (++children > 3) reap_children(); // keep the process table from filling up
    }
    break;
  case SYS_sbrk:
    if (r >= 0) // the kernel says -errno (ENOMEM)
      brk_now = r + c->a[0];
    break;
  // A new pipe or socket mostly does not block: a blocked call costs a tick.
  case SYS_pipe:
    if (r == 0 && c->after < 70) close(((int *)c->a[0])[c->after % 2]);
    break;
  case SYS_socket:
    // Now and then straight to the worker's own listener: a connection.
    // (No random numbers here: the calls must not depend on results.)
    if (r >= 0 && c->after % 4 == 0) {
      struct sockaddr_in a = loopback_addr(myport);
      connect(r, (struct sockaddr *)&a, sizeof a);
    }
    // fall through
  case SYS_accept:
  case SYS_accept4:
    if (r >= 0 && c->after < 70) fcntl(r, F_SETFL, O_NONBLOCK);
    break;
  case SYS_sigprocmask: {
    // The parent's wake-up, and a child's alarm, must get through.
    uint64 wake = 1ul << (WAKE_SIG - 1) | (uint64)in_child << (SIGALRM - 1);
    sigprocmask(SIG_UNBLOCK, &wake, 0);
    break;
  }
  }
  return r;
}

// exec of a real program, which must not be one that could harm the
// machine: echo, with random arguments, printing to whatever descriptor 1
// is (never the console: see initial_fds).
static void exec_echo(void) {
  char **av = (char **)arena_slot((MAXARG + 2) * 8 + 32 * MAXARG);
  char *str = (char *)(av + MAXARG + 2);
  int n = below(MAXARG + 2);
  av[0] = "echo";
  for (int i = 1; i < n; i++) {
    av[i] = str;
    for (int k = below(30); k > 0; k--) *str++ = alphabet[below(sizeof alphabet - 1)];
    *str++ = 0;
  }
  av[n < 1 ? 1 : n] = 0;
  exec("/echo", av);
}

// A child of fork. Mostly it exits at once; otherwise it makes up to 100
// calls of its own (its own random stream, fixed by the worker's) on the
// descriptors it shares with the worker -- two processes on one pipe or
// socket -- and may exec echo. It reports no progress and so closes the
// progress pipe; an alarm ends it if it blocks for a second, as SIGALRM
// keeps its default action in a child.
static void child_life(uint32 after) {
  static struct call c;
  if (after < 60) raw(SYS_exit, 0, 0, 0, 0, 0, 0);
  in_child = 1;
  mypid = getpid();
  close(PROGRESS_FD);
  rs ^= 0xc2b2ae3d27d4eb4ful;
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  sigaction(SIGALRM, &dfl, 0);
  uint64 alrm = 1ul << (SIGALRM - 1);
  sigprocmask(SIG_UNBLOCK, &alrm, 0);
  alarm(1);
  for (int i = 0; i < (int)(after - 60) * 100 / 40; i++) {
    if (below(300) == 0) exec_echo();
    generate(&c);
    make_call(&c);
  }
  raw(SYS_exit, 0, 0, 0, 0, 0, 0);
}

// ---------------------------------------------------------------------------
// A worker's life.

// What a worker tells the parent every BATCH calls. The time lets the
// parent see at once that a worker is blocked, to the tick.
struct progress {
  uint64 calls; // made since the last report
  uint64 when;  // rdtime() after the last of them
};

// Move descriptor fd to target, which must be free, by dup'ing it until dup
// returns target; the lower ones it returns meanwhile are closed again.
static int move_fd(int fd, int target) {
  int got[NOFILE], n = 0, d = -1;
  while (n < NOFILE && (d = dup(fd)) >= 0 && d != target) got[n++] = d;
  for (int i = 0; i < n; i++) close(got[i]);
  if (d != target) return -1;
  close(fd);
  return target;
}

static uint64 stack_guard(void) {
  volatile char c = 0;
  return (((uint64)&c) & ~(uint64)(PGSIZE - 1)) - PGSIZE;
}

// A non-blocking TCP listener on the worker's port, or -1 if the port is
// taken. SO_REUSEADDR: an earlier life's connections may be in TIME_WAIT.
static int new_listener(void) {
  struct sockaddr_in a = loopback_addr(myport);
  int one = 1;
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (ls >= 0 && (setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
                  bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 4) < 0)) {
    close(ls);
    ls = -1;
  }
  return mylistener = ls;
}

// Random calls close the listener soon (close is frequent): every
// RELISTEN calls the worker makes sure it has one again -- whatever is
// bound to its port at mylistener will do, listen() again makes it one.
// (Not a fuzzed call: -v does not show it, and it uses no random numbers.)
static void keep_listener(void) {
  struct sockaddr_in a;
  unsigned int len = sizeof a;
  if (getsockname(mylistener, (struct sockaddr *)&a, &len) < 0 || a.sin_port != htons(myport) ||
      listen(mylistener, 4) < 0)
    new_listener();
}

// A TCP listener on the life's own port (non-blocking), a connection to it
// (blocking, with short time-outs) and the accepted end (non-blocking), with
// a little data queued each way. On loopback the handshake is over when
// connect returns, even a non-blocking one.
static void initial_tcp(int index) {
  myport = PORT0 + index % NPORTS;
  struct sockaddr_in a = loopback_addr(myport);
  struct timeval tv = {0, 10000};
  int ls = new_listener();
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  connect(c, (struct sockaddr *)&a, sizeof a);
  fcntl(c, F_SETFL, 0);
  setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int s = accept4(ls, 0, 0, SOCK_NONBLOCK);
  write(c, (char *)arena, 1000);
  if (s >= 0) write(s, (char *)arena, 1000);
}

// Descriptors 0..13 start out as files, pipes and sockets of every kind.
// Most are ones that do not block: a blocked call costs the run a tick
// (pipes and sockets the fuzzer makes itself do block).
static void initial_fds(int index) {
  static const char *const files[] = {"f0", "f1", "f2", "f3"};
  for (int fd = 0; fd < WORKER_FDS; fd++) close(fd);
  open(files[index % 4], O_CREATE | O_RDWR);
  open(".", O_RDONLY);
  int p[2];
  pipe(p);
  write(p[1], (char *)arena, 2 * PGSIZE); // half full: reads and writes both go through
  pipe(p);
  close(p[1]); // end of file at once
  pipe(p);
  close(p[0]); // EPIPE (and SIGPIPE) at once
  for (int i = 0; i < 3; i++) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(PORT0 + (index * 3 + i) % NPORTS);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (i == 2)
      connect(s, (struct sockaddr *)&a, sizeof a);
    else
      bind(s, (struct sockaddr *)&a, sizeof a);
    if (i > 0) fcntl(s, F_SETFL, O_NONBLOCK);
  }
  initial_tcp(index);
}

static void worker(int index, uint32 seed, int calls) {
  static struct call c;
  rs = ((uint64)seed << 32 | seed) ^ 0x9e3779b97f4a7c15ul;
  if (rs == 0) rs = 1;
  mypid = getpid();
  for (int i = 0; i < NGENS; i++) total_weight += gens[i].weight;
  text_end = (uint64)worker; // [0, text_end) is program text: read-only
  guard_page = stack_guard();

  // Every signal starts out caught, so that one the worker sends itself
  // runs a handler rather than ending it; rt_sigaction changes that.
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &sa, 0);

  // The arena: page-aligned, at the very top of memory.
  uint64 b = (uint64)sbrk(0);
  sbrk(PGSIZE - b % PGSIZE);
  arena = (uint64)sbrk(ARENA);
  arena_end = brk_now = arena + ARENA;
  memset((void *)arena, 0, ARENA);
  initial_fds(index);

  struct progress pr = {0, 0};
  for (int i = 0; i < calls; i++) {
    if (i % RELISTEN == RELISTEN - 1) keep_listener();
    generate(&c);
    if (echo) print_call(i, &c);
    long r = make_call(&c);
    if (echo) fprintf(ECHO_FD, "fuzz: %d: = %ld\n", i, r);
    if (++pr.calls == BATCH || i == calls - 1) {
      pr.when = rdtime();
      for (int tries = 0; tries < 3; tries++)
        if (write(PROGRESS_FD, &pr, sizeof pr) == sizeof pr || errno != EINTR) break;
      pr.calls = 0;
    }
  }
  exit(0);
}

// ---------------------------------------------------------------------------
// The parent: lives, progress, wake-ups, stuck workers.

struct life {
  int pid; // 0: slot free
  int rd;  // the read end of its progress pipe
  int index;
  uint32 seed;
  int budget, done; // calls to make, made so far
  uint64 last;      // rdtime() of the last progress
  uint64 woken;     // rdtime() of the last WAKE_SIG
  int stuck;        // reported and killed
};

static struct life lives[MAXPROCS];
static int nlives, deaths, wakeups;
static uint64 made;
static char failure[160]; // why the run failed

static int start_life(struct life *l, int index, uint32 seed, int budget) {
  int p[2];
  if (pipe(p) < 0) return -1;
  int pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return -1;
  }
  if (pid == 0) {
    close(p[0]);
    if (echo && move_fd(1, ECHO_FD) < 0) exit(3);
    for (int fd = 3; fd < NOFILE; fd++)
      if (fd != p[1] && !(echo && fd == ECHO_FD)) close(fd);
    if (p[1] != PROGRESS_FD && move_fd(p[1], PROGRESS_FD) < 0) exit(3);
    worker(index, seed, budget);
  }
  close(p[1]);
  l->pid = pid, l->rd = p[0], l->index = index, l->seed = seed;
  l->budget = budget, l->done = 0, l->stuck = 0;
  l->last = l->woken = rdtime();
  printf("fuzz: life %d pid %d seed 0x%x\n", index, pid, seed);
  return 0;
}

// The life's pipe reached end of file: it is over. Returns calls not made.
static int end_life(struct life *l) {
  int st = 0;
  waitpid(l->pid, &st, 0);
  close(l->rd);
  netdrop(0, 0); // whatever it set: the next life, and what runs after the fuzzer, lose nothing
  if (WIFSIGNALED(st)) {
    deaths += !l->stuck;
    printf("fuzz: life %d ended by signal %d after %d calls\n", l->index, WTERMSIG(st), l->done);
  } else {
    printf("fuzz: life %d ended: %d calls, status %d\n", l->index, l->done, WEXITSTATUS(st));
  }
  l->pid = 0;
  return l->budget > l->done ? l->budget - l->done : 0;
}

static int watch(struct life *l, uint64 now) {
  uint64 idle = now > l->last ? now - l->last : 0; // (a report may be newer than now)
  if (idle > (uint64)STUCK_SECONDS * TIMEBASE_HZ && !l->stuck) {
    printf("fuzz: life %d (pid %d, seed 0x%x) is stuck: no progress for %d s, after %d calls\n", l->index,
           l->pid, l->seed, STUCK_SECONDS, l->done);
    sleep(2 * 100); // time for the harness to show the process table before the kill
    kill(l->pid, SIGKILL);
    l->stuck = 1;
    snprintf(failure, sizeof failure, "life %d (seed 0x%x) was stuck", l->index, l->seed);
    return 1;
  }
  if (idle > WAKE_TICKS && now - l->woken > WAKE_TICKS) {
    // Now and then a kill instead: a process killed in the middle of a
    // blocking call must leave nothing behind. (Not when replaying.)
    kill(l->pid, ++wakeups % 1000 == 0 && !echo ? SIGKILL : WAKE_SIG);
    l->woken = now;
  }
  return 0;
}

// Run lives until `calls` calls have been made. Returns 0, or -1 (with
// failure set) if a worker was stuck or none could be started.
static int run(uint32 seed, long calls, int procs, int replay) {
  static struct pollfd pf[MAXPROCS];
  static struct progress pr[32];
  long assigned = 0;
  int failed = 0, active = 0, idle = 0;
  uint64 t0 = rdtime(), next_print = t0 + (uint64)PROGRESS_SECONDS * TIMEBASE_HZ;
  for (;;) {
    // After a stuck worker, only wait for the others: the run has failed.
    for (int i = 0; i < procs && assigned < calls && !failed && !(replay && nlives); i++) {
      if (lives[i].pid) continue;
      int budget = calls - assigned < LIFE || replay ? calls - assigned : LIFE;
      if (start_life(&lives[i], nlives, replay ? seed : mix(seed, nlives), budget) < 0)
        break; // out of processes or memory for now: try again soon
      nlives++;
      active++;
      assigned += budget;
    }
    if (active == 0) {
      if (assigned >= calls || failed || (replay && nlives)) break;
      if (++idle > 1000) {
        strcpy(failure, "no worker could be started for 10 s");
        return -1;
      }
      sleep(1);
      continue;
    }
    idle = 0;
    int n = 0;
    for (int i = 0; i < procs; i++)
      if (lives[i].pid) pf[n++] = (struct pollfd){lives[i].rd, POLLIN, 0};
    // Look, and if nothing happened wait a tick (poll's shortest time-out
    // is two): a blocked worker costs the run a tick or two.
    if (poll(pf, n, 0) == 0) {
      sleep(1);
      poll(pf, n, 0);
    }
    uint64 now = rdtime();
    for (int i = 0, k = 0; i < procs; i++) {
      struct life *l = &lives[i];
      if (!l->pid) continue;
      if (pf[k++].revents) {
        int got = read(l->rd, pr, sizeof pr);
        if (got > 0) {
          for (int j = 0; j < got / (int)sizeof pr[0]; j++) {
            l->done += pr[j].calls;
            l->last = pr[j].when;
          }
        } else if (got == 0) {
          made += l->done;
          assigned -= end_life(l);
          active--;
          continue;
        }
      }
      failed |= watch(l, now);
    }
    if (now >= next_print) {
      uint64 inflight = 0;
      for (int i = 0; i < procs; i++)
        if (lives[i].pid) inflight += lives[i].done;
      printf("fuzz: %d s: %lu calls, %d lives\n", (int)((now - t0) / TIMEBASE_HZ), made + inflight, nlives);
      next_print += (uint64)PROGRESS_SECONDS * TIMEBASE_HZ;
    }
    if (replay && deaths) break;
  }
  return failed ? -1 : 0;
}

// The workers' connections finish on their own once their sockets are
// closed (a FIN or a reset, sent again if lost, then a second of
// TIME_WAIT), as orphans. Wait for the last; one still there after
// SETTLE_SECONDS is stuck: say which. Returns 0, or -1 with failure set.
static int tcp_settle(void) {
  enum { MAXINFO = 64 };
  static struct sock_info info[MAXINFO];
  const struct sock_info *left = 0;
  int count = 0;
  for (int tries = 0; tries < SETTLE_SECONDS * 10; tries++) {
    int n = netconns(info, MAXINFO);
    count = 0;
    for (int i = 0; i < n; i++)
      if (info[i].type == SOCK_STREAM && info[i].orphan) left = &info[i], count++;
    if (n >= 0 && count == 0) return 0;
    sleep(10);
  }
  if (!left) {
    snprintf(failure, sizeof failure, "netconns failed: %s", strerror(errno));
    return -1;
  }
  snprintf(failure, sizeof failure,
           "%d closed TCP connections left %d s after the run, e.g. port %d to %d in state %d, %u bytes "
           "unacknowledged, window %u, %lu segments sent again",
           count, SETTLE_SECONDS, ntohs(left->local.sin_port), ntohs(left->peer.sin_port), left->state,
           left->tx_queue, left->snd_wnd, left->retrans);
  return -1;
}

// ---------------------------------------------------------------------------
// The scratch directory, and removing it again whatever the workers left.

static const char scratch[] = "fuzzdir";

// The first entry of the current directory other than "." and "..", and
// whether it is a directory. 0 if there is none.
static int first_entry(char *name, int *isdir) {
  struct dirent de;
  struct stat st;
  int fd = open(".", O_RDONLY), found = 0;
  if (fd < 0) return 0;
  while (!found && read(fd, &de, sizeof de) == sizeof de) {
    if (de.inum == 0) continue;
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    found = strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
  }
  close(fd);
  *isdir = found && stat(name, &st) == 0 && st.type == T_DIR;
  return found;
}

// rm -r, without recursion (the stack is one page; the tree may be deep).
static int remove_tree(const char *top) {
  enum { MAXDEPTH = 400 };
  static char path[MAXDEPTH][DIRSIZ + 1];
  char name[DIRSIZ + 1];
  int depth = 0, isdir;
  if (chdir(top) < 0) return unlink(top);
  for (int steps = 0; steps < 100000; steps++) {
    if (first_entry(name, &isdir)) {
      if (isdir && depth < MAXDEPTH && chdir(name) == 0) {
        strcpy(path[depth++], name);
      } else if (unlink(name) < 0) {
        break; // cannot be removed: give up rather than loop
      }
      continue;
    }
    if (chdir("..") < 0 || depth == 0) break;
    unlink(path[--depth]);
  }
  if (depth > 0) return -1;
  return unlink(top);
}

// Free inodes on the disk, counted by making empty files until no more
// can be made (then removing them).
static int free_inodes(void) {
  static const char dir[] = "fuzzinodes";
  char name[16];
  int n = 0;
  remove_tree(dir);
  if (mkdir(dir) < 0 || chdir(dir) < 0) return -1;
  for (int fd; n < 10000 && (snprintf(name, sizeof name, "i%d", n), fd = open(name, O_CREATE | O_RDWR)) >= 0;
       n++)
    close(fd);
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "i%d", i);
    unlink(name);
  }
  chdir("..");
  unlink(dir);
  return n + 1; // and the directory's
}

int main(int argc, char *argv[]) {
  int replay = argc == 4 && strcmp(argv[1], "-v") == 0;
  if (argc != 4) {
    fprintf(2, "usage: fuzz SEED CALLS PROCS | fuzz -v SEED CALLS\n");
    exit(2);
  }
  char *end;
  uint32 seed = 0;
  const char *s = argv[1 + replay];
  if (s[0] == '0' && s[1] == 'x') {
    for (end = (char *)s + 2; *end; end++)
      seed = seed * 16 + (*end <= '9' ? *end - '0' : (*end | 0x20) - 'a' + 10);
  } else {
    seed = atoi(s);
  }
  long calls = atoi(argv[2 + replay]);
  int procs = replay ? 1 : atoi(argv[3]);
  if (calls < 1 || procs < 1 || procs > MAXPROCS) {
    fprintf(2, "fuzz: CALLS must be positive, PROCS 1 to %d\n", MAXPROCS);
    exit(2);
  }
  echo = replay;
  // The wake-up, before any worker exists: no SA_RESTART, so that a
  // blocked call returns EINTR.
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(WAKE_SIG, &sa, 0);

  remove_tree(scratch); // left by an earlier run
  int inodes = replay ? 0 : free_inodes();
  if (mkdir(scratch) < 0 || chdir(scratch) < 0) {
    printf("fuzz: FAILED: cannot make the scratch directory %s\n", scratch);
    exit(1);
  }
  printf("fuzz: seed 0x%x, %ld calls, %d workers at a time\n", seed, calls, procs);
  uint64 t0 = rdtime();
  int r = run(seed, calls, procs, replay);
  int secs = (int)((rdtime() - t0) / TIMEBASE_HZ);
  // Workers' children outlive them by at most a second (their alarm): let
  // the last ones go before the scratch directory goes, and before the
  // harness counts free pages.
  sleep(150);
  netdrop(0, 0);
  if (r == 0 && tcp_settle() < 0) r = -1;
  chdir("..");
  if (remove_tree(scratch) < 0) printf("fuzz: cannot remove the scratch directory %s\n", scratch);
  if (r < 0) {
    printf("fuzz: FAILED: %s; %lu calls in %d s\n", failure, made, secs);
    exit(1);
  }
  // Everything the workers created is gone again: so are its inodes.
  int after = replay ? 0 : free_inodes();
  if (after != inodes) {
    printf("fuzz: FAILED: %d disk inodes free before, %d after: %d lost; %lu calls in %d s\n", inodes, after,
           inodes - after, made, secs);
    exit(1);
  }
  printf("fuzz: OK: %lu calls in %d s: %d worker lives, %d at a time, %d ended by a signal; %d wake-ups\n",
         made, secs, nlives, procs, deaths, wakeups);
  exit(0);
}
