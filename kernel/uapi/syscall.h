// System-call numbers, SYS_name, generated from syscalls.def.
#pragma once

enum {
#define SYSCALL(name, number) SYS_##name = number,
#include "syscalls.def"
#undef SYSCALL
};
