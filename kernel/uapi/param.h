// System-wide limits. C-compatible (user programs include it too); anonymous
// enums instead of macros so the names are typed constants in C and C++ alike.
#pragma once

enum {
  NPROC = 64,                // maximum number of processes
  NCPU = 8,                  // maximum number of harts
  NOFILE = 16,               // open files per process
  NFILE = 100,               // open files per system
  NINODE = 50,               // maximum number of active in-memory inodes
  NDEV = 10,                 // maximum major device number
  ROOTDEV = 1,               // device number of the file system root disk
  MAXARG = 32,               // max exec arguments
  MAXOPBLOCKS = 10,          // max # of blocks any FS op writes
  LOGSIZE = MAXOPBLOCKS * 3, // max data blocks in on-disk log
  NBUF = LOGSIZE + 16,       // disk block cache: more than one full transaction pins
  FSSIZE = 10000,            // size of file system in blocks
  MAXPATH = 128,             // maximum file path name
  USERSTACK = 1,             // user stack pages
};
