// Pipes: a bounded byte buffer between a writing and a reading file.
#pragma once
#include <cstdint>

namespace kernel {

struct file;
struct pipe;

[[nodiscard]] int pipealloc(file **rf, file **wf); // 0, or -1 if out of memory
void pipeclose(pipe *pi, bool writable);           // one end is closed
[[nodiscard]] int pipewrite(pipe *pi, uint64_t uaddr, int n);
[[nodiscard]] int piperead(pipe *pi, uint64_t uaddr, int n);
struct poll_table;
[[nodiscard]] uint32_t pipepoll(pipe *pi, bool write_end, poll_table *pt);

} // namespace kernel
