// The AF_INET socket calls (Linux's net/ipv4/af_inet.c).
#pragma once
#include "net/sock.hh"

namespace kernel {

extern const proto_ops inet_stream_ops; // TCP
extern const proto_ops inet_dgram_ops;  // UDP

// socket()'s AF_INET part: the protocol for type and a sock for sock. -errno.
[[nodiscard]] int inet_create(socket *sock, int type, int protocol);

} // namespace kernel
