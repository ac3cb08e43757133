/* Constants shared by entry.S and start.cc (macros: the assembler reads them). */
#pragma once
#define BOOT_STACK_SIZE 16384 /* per hart; also the scheduler's stack */
#define NCPU_MAX 8            /* == NCPU in param.h; start.cc checks */
