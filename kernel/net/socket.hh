// The socket layer: system calls and the file operations of sockets.
#pragma once
#include <cstdint>
#include "user_ptr.hh"

namespace kernel {

struct file;
struct socket;
struct poll_table;

void socket_init();              // the socket cache; at boot
void sock_release(socket *sock); // the last close of the file
[[nodiscard]] int sock_read(file *f, user_ptr<char> buf, int n);
[[nodiscard]] int sock_write(file *f, user_ptr<char> buf, int n);
[[nodiscard]] uint32_t sock_poll(file *f, poll_table *pt);
// F_SETFL (after the file's flags changed), F_SETOWN, F_GETOWN.
[[nodiscard]] int sock_fcntl(file *f, int cmd, uint64_t arg);

} // namespace kernel
