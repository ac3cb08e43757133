// Socket helpers of the user library: send/recv and byte order.
#include "kernel/uapi/types.h"
#include "kernel/uapi/socket.h"
#include "user/lib/user.h"

// 127.0.0.1:port, the address every socket here talks to (loopback only).
struct sockaddr_in loopback_addr(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

long send(int fd, const void *buf, unsigned long len, int flags) { return sendto(fd, buf, len, flags, 0, 0); }

long recv(int fd, void *buf, unsigned long len, int flags) { return recvfrom(fd, buf, len, flags, 0, 0); }

// RISC-V is little-endian; the network's byte order is big-endian.
unsigned short htons(unsigned short x) { return (unsigned short)((x << 8) | (x >> 8)); }

unsigned short ntohs(unsigned short x) { return htons(x); }

unsigned int htonl(unsigned int x) {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | (x >> 24);
}

unsigned int ntohl(unsigned int x) { return htonl(x); }

unsigned int inet_addr(const char *s) {
  unsigned int a = 0;
  for (int part = 0; part < 4; part++) {
    if (*s < '0' || *s > '9') return (unsigned int)-1;
    unsigned int v = 0;
    while (*s >= '0' && *s <= '9') v = v * 10 + (unsigned)(*s++ - '0');
    if (v > 255 || (part < 3 && *s++ != '.')) return (unsigned int)-1;
    a = (a << 8) | v;
  }
  return *s == '\0' ? htonl(a) : (unsigned int)-1;
}
