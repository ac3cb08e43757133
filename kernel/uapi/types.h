// The kernel's user-visible ABI types, shared by the kernel (C++), mkfs
// (host C++) and user programs (C). Kept at xv6's path and with xv6's names so
// that xv6's own user programs build against our user library unchanged.
#pragma once

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long uint64;

typedef uint64 pde_t;
