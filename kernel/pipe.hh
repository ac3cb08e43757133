// Pipes: a bounded byte buffer between a writing and a reading file.
#pragma once
#include <cstdint>
#include "user_ptr.hh"

namespace kernel {

struct file;
struct pipe;

[[nodiscard]] int pipealloc(file **rf, file **wf); // 0, -ENOMEM or -ENFILE
void pipeclose(pipe *pi, bool writable);           // one end is closed
// The byte count, or -EFAULT (a bad address, nothing moved), -EPIPE (no
// reader; SIGPIPE is sent too), -ERESTARTSYS (a signal while waiting) or,
// for a nonblocking end (O_NONBLOCK) that would wait, -EAGAIN.
[[nodiscard]] int pipewrite(pipe *pi, user_ptr<char> buf, int n, bool nonblock);
[[nodiscard]] int piperead(pipe *pi, user_ptr<char> buf, int n, bool nonblock);
struct poll_table;
[[nodiscard]] uint32_t pipepoll(pipe *pi, bool write_end, poll_table *pt);

} // namespace kernel
