// The on-disk file-system format, shared by the kernel, mkfs and user programs
// (ls reads directory entries). Identical to xv6-riscv's, so images are
// interchangeable.
//
// Disk layout, in BSIZE blocks:
//   [ boot | super | log header + log | inodes | free bitmap | data ... ]
// mkfs computes the boundaries and records them in the superblock.
#pragma once
#include "types.h"

enum {
  ROOTINO = 1,  // inode number of "/"
  BSIZE = 1024, // block size in bytes
  FSMAGIC = 0x10203040,
  NDIRECT = 12,                     // direct block addresses in an inode
  NINDIRECT = BSIZE / sizeof(uint), // addresses in the indirect block
  MAXFILE = NDIRECT + NINDIRECT,    // largest file, in blocks
  DIRSIZ = 14,                      // a directory entry's name: NUL-padded, not terminated at 14
};

struct superblock {
  uint magic;      // must be FSMAGIC
  uint size;       // size of file system image (blocks)
  uint nblocks;    // number of data blocks
  uint ninodes;    // number of inodes
  uint nlog;       // number of log blocks
  uint logstart;   // block number of first log block
  uint inodestart; // block number of first inode block
  uint bmapstart;  // block number of first free map block
};

// An inode as stored on disk. type 0 means the inode is free.
struct dinode {
  short type;              // T_DIR, T_FILE, T_DEVICE (stat.h) or 0
  short major;             // major device number (T_DEVICE only)
  short minor;             // minor device number (T_DEVICE only)
  short nlink;             // number of directory entries naming this inode
  uint size;               // size of file (bytes)
  uint addrs[NDIRECT + 1]; // data blocks; the last is the indirect block
};

enum {
  IPB = BSIZE / sizeof(struct dinode), // inodes per block
  BPB = BSIZE * 8,                     // bitmap bits per block
};

// A directory is a file holding a sequence of these; inum 0 marks a free slot.
struct dirent {
  ushort inum;
  char name[DIRSIZ];
};
