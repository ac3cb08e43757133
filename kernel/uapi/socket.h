// Sockets: the user-visible ABI, with Linux's names, numbers and struct
// layouts, so a program written for Linux builds with only its include
// lines changed. AF_INET over loopback only: SOCK_STREAM (TCP) and
// SOCK_DGRAM (UDP).
// C-compatible: user programs include it too.
#pragma once
#include "fcntl.h" // O_NONBLOCK, F_SETFL: the flags sockets are most used with
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
  SOCK_STREAM = 1,
  SOCK_DGRAM = 2,
  SOCK_NONBLOCK = 0x800, // socket() and accept4(): the new file is O_NONBLOCK
  IPPROTO_TCP = 6,
  IPPROTO_UDP = 17,
  SOMAXCONN = 128, // listen()'s backlog is capped at this

  // send/recv flags
  MSG_PEEK = 0x02,       // look at the next data, leave it queued
  MSG_TRUNC = 0x20,      // (out) the datagram was longer than the buffer
  MSG_DONTWAIT = 0x40,   // do not block: EAGAIN instead
  MSG_WAITALL = 0x100,   // TCP: wait for the whole length (or EOF, an error, a signal)
  MSG_NOSIGNAL = 0x4000, // TCP: a send to a closed connection fails with EPIPE, without SIGPIPE

  // setsockopt/getsockopt
  SOL_SOCKET = 1,
  SO_REUSEADDR = 2, // int: bind may take a port that connections closing still use
  SO_TYPE = 3,      // int (get): SOCK_STREAM or SOCK_DGRAM
  SO_ERROR = 4,     // int (get): the pending error, cleared by reading it
  SO_SNDBUF = 7,    // int: send buffer bytes (doubled, as SO_RCVBUF)
  SO_RCVBUF = 8,    // int: receive buffer bytes (Linux doubles what you set)
  SO_RCVTIMEO = 20, // struct timeval: receive (and accept) time-out; {0, 0} = none
  SO_SNDTIMEO = 21, // struct timeval: send (and connect) time-out
  TCP_NODELAY = 1,  // level IPPROTO_TCP, int: accepted; Kite always sends at once

  // shutdown
  SHUT_RD = 0,
  SHUT_WR = 1,
  SHUT_RDWR = 2,
};

#define INADDR_ANY ((in_addr_t)0x00000000)
#define INADDR_LOOPBACK ((in_addr_t)0x7f000001) // 127.0.0.1, host order

// The largest UDP payload one datagram can carry here.
enum { UDP_MAX_PAYLOAD = 2048 };

// One socket, as netconns() lists them (Kite's own call; Linux's
// /proc/net/tcp and /proc/net/udp give the same facts).
struct sock_info {
  int type;  // SOCK_STREAM or SOCK_DGRAM
  int state; // TCP's state (1 ESTABLISHED .. 11 CLOSING, Linux's numbers); UDP: 7 (CLOSE)
  struct sockaddr_in local, peer;
  unsigned int rx_queue, tx_queue; // bytes queued to read; bytes sent but unacknowledged or unsent
  unsigned int snd_una, snd_nxt, rcv_nxt, snd_wnd, rcv_wnd; // TCP sequence space
  int orphan;                        // the socket was closed; the connection is finishing alone
  uint64 segs_in, segs_out, retrans; // TCP: this socket's counters (net_counters)
};

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
  // TCP
  uint64 tcp_segs_in;        // segments received (checksum good)
  uint64 tcp_segs_out;       // segments sent, retransmissions included
  uint64 tcp_retrans;        // segments sent again (time-out, three duplicate ACKs, a SYN-ACK again)
  uint64 tcp_rst_in;         // resets received (and accepted)
  uint64 tcp_rst_out;        // resets sent
  uint64 tcp_active_opens;   // connect()s that sent a SYN
  uint64 tcp_passive_opens;  // connections a listener accepted the handshake of
  uint64 tcp_listen_drops;   // SYNs or handshakes dropped: accept queue full
  uint64 tcp_drops_csum;     // bad TCP checksum
  uint64 tcp_drops_header;   // too short, or a data offset out of range
  uint64 tcp_drops_flags;    // flags that make no sense (SYN+FIN, SYN+RST, none of SYN/ACK/RST ...)
  uint64 tcp_drops_window;   // outside the receive window, or acknowledging what was never sent
  uint64 tcp_ofo_queue;      // segments after a gap, kept until it is filled (out-of-order queue)
  uint64 tcp_drops_backlog;  // the socket's backlog was full while a process held it
  uint64 tcp_drops_injected; // dropped on purpose by netdrop() (tests)
  uint64 tcp_write_wakeups;  // writers woken because the send buffer has room again
};
