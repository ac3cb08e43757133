// The user library's interface: system calls (stubs in usys.S, generated from
// kernel/uapi/syscalls.def) and the small C library in ulib.c, printf.c, umalloc.c.
// Plain C: user programs are C. Same declarations as xv6-riscv's user.h, so
// xv6's programs build against it unchanged.
#pragma once
#include "kernel/uapi/types.h"

struct stat;
struct sysinfo;
struct timespec;
struct sigaction;

// system calls. Each fails with -1 and errno set (errno.c); programs
// written for xv6 look only at the -1.
int fork(void);
int exit(int) __attribute__((noreturn));
int wait(int *);
int pipe(int *);
int write(int, const void *, int);
int read(int, void *, int);
int close(int);
int kill(int);
int exec(const char *, char **);
int open(const char *, int);
int mknod(const char *, short, short);
int unlink(const char *);
int fstat(int fd, struct stat *);
int link(const char *, const char *);
int mkdir(const char *);
int chdir(const char *);
int dup(int);
int getpid(void);
char *sbrk(int);
int sleep(int);
int uptime(void);
// New calls (numbers above 21).
int sysinfo(struct sysinfo *);                     // kernel figures (kernel/uapi/sysinfo.h)
int halt(int status);                              // power QEMU off with this exit status
int clock_gettime(int clock, struct timespec *ts); // kernel/uapi/time.h
int nanosleep(const struct timespec *req, struct timespec *rem);
int wqctl(int op, int queue, unsigned long arg); // test wait queues (kernel/uapi/wqctl.h)
int tkill(int pid, int sig);
int rt_sigaction(int sig, const struct sigaction *act, struct sigaction *oldact);
int sigprocmask(int how, const unsigned long *set, unsigned long *oldset);
int alarm(unsigned int seconds);
int pause(void);
int waitpid(int pid, int *status, int options);
struct pollfd;
int poll(struct pollfd *fds, int nfds, int timeout_ms); // kernel/uapi/poll.h

// sockets (kernel/uapi/socket.h): TCP and UDP over loopback
struct sockaddr;
struct net_counters;
int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, unsigned int addrlen);
int connect(int fd, const struct sockaddr *addr, unsigned int addrlen);
long sendto(int fd, const void *buf, unsigned long len, int flags, const struct sockaddr *dest,
            unsigned int addrlen);
long recvfrom(int fd, void *buf, unsigned long len, int flags, struct sockaddr *src, unsigned int *addrlen);
int getsockname(int fd, struct sockaddr *addr, unsigned int *addrlen);
int getpeername(int fd, struct sockaddr *addr, unsigned int *addrlen);
int setsockopt(int fd, int level, int name, const void *val, unsigned int len);
int getsockopt(int fd, int level, int name, void *val, unsigned int *len);
int shutdown(int fd, int how);
int fcntl(int fd, int cmd, long arg);
int netstat(int fd, struct net_counters *c);
int netinject(const void *packet, int len); // an IPv4 packet into the loopback device (tests)
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr *addr, unsigned int *addrlen);
int accept4(int fd, struct sockaddr *addr, unsigned int *addrlen, int flags);
struct sock_info;
int netconns(struct sock_info *buf, int max); // every socket and its state (the netstat tool)
int netdrop(int every, int count);            // drop every `every`th TCP segment, count times (tests)
int provoke(int what);  // a deliberate kernel error for a checker to catch (kernel/uapi/provoke.h; tests)
int procstate(int pid); // asleep, running ...? (kernel/uapi/procstate.h; tests: testlib's wait_until_asleep)
// net.c
long send(int fd, const void *buf, unsigned long len, int flags);
long recv(int fd, void *buf, unsigned long len, int flags);
unsigned short htons(unsigned short x);
unsigned short ntohs(unsigned short x);
unsigned int htonl(unsigned int x);
unsigned int ntohl(unsigned int x);
unsigned int inet_addr(const char *dotted); // "127.0.0.1" -> network order; -1 if bad
struct sockaddr_in loopback_addr(int port); // 127.0.0.1:port

// signal.c (kernel/uapi/signal.h has the numbers and struct sigaction)
int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact);
void (*signal(int sig, void (*handler)(int)))(int);
int raise(int sig);
// kill(pid) is xv6's (it kills); kill(pid, sig) is POSIX's (it sends sig).
// The macro picks by the number of arguments, so both kinds of program
// build against this header unchanged.
int kill2(int pid, int sig);
#define KILL_PICK_(_1, _2, name, ...) name
#define kill(...) KILL_PICK_(__VA_ARGS__, kill2, kill, _)(__VA_ARGS__)

// errno.c
extern int errno;
const char *strerror(int err);

// time.c
unsigned long time_ns(void); // CLOCK_MONOTONIC in nanoseconds
int usleep(unsigned int usec);

// ulib.c
int stat(const char *, struct stat *);
char *strcpy(char *, const char *);
void *memmove(void *, const void *, int);
char *strchr(const char *, char c);
int strcmp(const char *, const char *);
char *gets(char *, int max);
uint strlen(const char *);
void *memset(void *, int, uint);
int atoi(const char *);
int memcmp(const void *, const void *, uint);
void *memcpy(void *, const void *, uint);

// printf.c
void fprintf(int, const char *, ...) __attribute__((format(printf, 2, 3)));
void printf(const char *, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *, int, const char *, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *, int, const char *, __builtin_va_list);

// umalloc.c
void *malloc(uint);
void free(void *);
