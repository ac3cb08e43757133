// What stream sockets share (Linux's net/core/stream.c, declared in
// include/net/sock.h): waits for a connection and for send-buffer space,
// and the write-space wakeup.
#pragma once
#include <cstdint>

namespace kernel {

struct sock;

[[nodiscard]] uint32_t sk_stream_wspace(struct sock *sk);     // send-buffer bytes free
[[nodiscard]] uint32_t sk_stream_min_wspace(struct sock *sk); // what a writer needs to be worth waking
[[nodiscard]] bool sk_stream_memory_free(struct sock *sk);    // room for one more segment
void sk_stream_write_space(struct sock *sk);                  // TCP's sk_write_space
[[nodiscard]] int sk_stream_wait_connect(struct sock *sk, long *timeo_p);
[[nodiscard]] int sk_stream_wait_memory(struct sock *sk, long *timeo_p);
[[nodiscard]] int sk_stream_error(struct sock *sk, int flags, int err);

} // namespace kernel
