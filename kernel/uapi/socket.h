// Sockets: the user-visible ABI, with Linux's names, numbers and struct
// layouts, so a program written for Linux builds with only its include
// lines changed. Only AF_INET + SOCK_DGRAM (UDP) over loopback exists.
// C-compatible: user programs include it too.
#pragma once
#include "types.h"

typedef unsigned short sa_family_t;
typedef unsigned int socklen_t;
typedef unsigned short in_port_t;
typedef unsigned int in_addr_t;

struct sockaddr {
  sa_family_t sa_family;
  char sa_data[14];
};

struct in_addr {
  in_addr_t s_addr; // network byte order
};

struct sockaddr_in {
  sa_family_t sin_family; // AF_INET
  in_port_t sin_port;     // network byte order
  struct in_addr sin_addr;
  unsigned char sin_zero[8];
};

enum {
  AF_UNSPEC = 0,
  AF_INET = 2,
  SOCK_DGRAM = 2,
  IPPROTO_UDP = 17,

  // send/recv flags
  MSG_PEEK = 0x02,     // look at the next datagram, leave it queued
  MSG_TRUNC = 0x20,    // (out) the datagram was longer than the buffer
  MSG_DONTWAIT = 0x40, // do not block: EAGAIN instead

  // setsockopt/getsockopt
  SOL_SOCKET = 1,
  SO_RCVBUF = 8,    // int: receive buffer bytes (Linux doubles what you set)
  SO_RCVTIMEO = 20, // struct timeval: receive time-out; {0, 0} = none

  // shutdown
  SHUT_RD = 0,
  SHUT_WR = 1,
  SHUT_RDWR = 2,

  // fcntl
  F_GETFL = 3,
  F_SETFL = 4,
  F_SETOWN = 8, // the process that gets SIGIO for an O_ASYNC socket
  F_GETOWN = 9,
  O_NONBLOCK = 0x800,
  O_ASYNC = 0x2000,
};

#define INADDR_ANY ((in_addr_t)0x00000000)
#define INADDR_LOOPBACK ((in_addr_t)0x7f000001) // 127.0.0.1, host order

// The largest UDP payload one datagram can carry here.
enum { UDP_MAX_PAYLOAD = 2048 };

// Counters, from netstat(fd, &c): fd -1 for the whole stack, or a socket.
struct net_counters {
  uint64 datagrams_in;     // delivered to a socket's receive queue
  uint64 datagrams_out;    // sent by udp_sendmsg
  uint64 drops_rcvbuf;     // receive queue full (sk_rcvbuf)
  uint64 drops_nomem;      // no memory for a buffer
  uint64 drops_malformed;  // bad IP/UDP header, length or checksum
  uint64 drops_noport;     // no socket on the port (ICMP sent back)
  uint64 drops_backlog;    // per-hart backlog full
  uint64 wakeups;          // reader wakeups tried (receiver_wake_function): data, errors, shutdown
  uint64 wakeups_running;  // of those, the ones that found the reader already running
  uint64 icmp_unreachable; // ICMP port-unreachable messages received
};
