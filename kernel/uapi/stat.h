// struct stat as fstat() returns it: xv6-riscv's layout, byte for byte.
#pragma once
#include "types.h"

enum {
  T_DIR = 1,    // directory
  T_FILE = 2,   // regular file
  T_DEVICE = 3, // device (major/minor in the inode)
};

struct stat {
  int dev;     // file system's disk device
  uint ino;    // inode number
  short type;  // T_DIR, T_FILE or T_DEVICE
  short nlink; // number of links to file
  uint64 size; // size of file in bytes
};
