# Kite: build, boot and test.
#   make qemu      build everything and boot to a shell (Ctrl-A x quits QEMU)
#   make test      build everything and run every test; ends "N passed, N failed"
#   make stress    build everything, hammer pipes and sockets, then fuzz system calls (CPUS=4 unless given)
#   make bench     build everything and run the benchmarks (ICOUNT=1: in guest time; RUNS=3: medians of 3 boots)
#   make lab LAB=name OUT=DIR   write the student tree for a lab (docs/labs/README.md)
#   make grade     run a lab's graded tests (in a student tree; in this one: LAB=name or LAB=all)
#   make test-labs check every lab: its student tree builds, scores below full marks, and this tree full marks
#   make clean
# Variables: CPUS=n (harts, 1..8, default 3), TOOLPREFIX=riscv64-linux-gnu-

CPUS ?= 3
# `make test UBSAN=1`: a checked kernel in its own build directory, with
# UndefinedBehaviorSanitizer (kernel/debug/ubsan.cc) and the lock checker
# (kernel/debug/lockdep.cc).
ifeq ($(UBSAN),1)
B ?= build-ubsan
KCHECKS := -fsanitize=undefined -DKITE_UBSAN -DKITE_LOCKDEP
endif
B ?= build
# `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

# The cross toolchain: the first prefix whose g++ exists; installed by
# tools/ensure-toolchain when none does.
TOOLPREFIX ?= $(firstword $(foreach p,riscv64-linux-gnu- riscv64-unknown-elf- riscv64-elf-,\
                 $(if $(shell command -v $(p)g++ 2>/dev/null),$(p))) riscv64-linux-gnu-)
export TOOLPREFIX
CC := $(TOOLPREFIX)gcc
CXX := $(TOOLPREFIX)g++
LD := $(TOOLPREFIX)ld
OBJCOPY := $(TOOLPREFIX)objcopy
QEMU := qemu-system-riscv64
HOSTCXX ?= g++
export HOSTCXX # after its definition: exporting an undefined variable defines it, empty
PYTHON ?= python3

ARCHFLAGS := -march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax
WARN := -Wall -Wextra -Werror
OPT ?= -O2

KCXXFLAGS := -std=c++20 $(OPT) -g $(ARCHFLAGS) $(WARN) \
  -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit \
  -nostdlib -fno-omit-frame-pointer -fno-stack-protector -fno-pie -fno-common \
  -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables \
  -fno-optimize-sibling-calls $(KCHECKS) \
  -I. -Ikernel -Ikernel/arch/riscv64 -MMD -MP
KASFLAGS := $(ARCHFLAGS) -g -I. -Ikernel -Ikernel/arch/riscv64 -I$(B) -MMD -MP
UCFLAGS := -std=gnu11 -O2 -g $(ARCHFLAGS) -Wall -Werror -ffreestanding -fno-common -nostdlib \
  -fno-builtin -fno-pie -fno-omit-frame-pointer -fno-stack-protector \
  -fno-asynchronous-unwind-tables -I. -MMD -MP

KSRCS := $(wildcard kernel/*.cc $(addsuffix /*.cc,$(addprefix kernel/,arch/riscv64 debug dev fs lib net testing)))
KASMS := $(wildcard kernel/*.S kernel/arch/riscv64/*.S)
KOBJS := $(patsubst %,$(B)/%.o,$(basename $(KSRCS) $(KASMS)))

# user/lib is the C library every program links, user/bin the programs a
# user types, user/tests the test programs. Each becomes build/user/_NAME
# (the name on the disk image is _NAME too).
ULIBOBJS := $(patsubst user/lib/%,$(B)/user/lib/%.o,$(basename $(wildcard user/lib/*.c user/lib/*.S)))
ULIB := $(B)/user/ulib.a
UBINS := $(basename $(notdir $(wildcard user/bin/*.c)))
UTESTS := $(basename $(notdir $(wildcard user/tests/*.c)))
UPROGS := $(addprefix $(B)/user/_,$(UBINS) $(UTESTS))

QEMUOPTS = -machine virt,aclint=on -bios none -kernel $(B)/kernel/kernel -m 128M -smp $(CPUS) \
  -global virtio-mmio.force-legacy=false \
  -drive file=$(B)/fs.img,if=none,format=raw,id=disk0 \
  -device virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.0

.PHONY: all qemu qemu-gdb gdb test bench clean toolchain
.SECONDARY: # keep intermediate objects: no needless rebuilds
.DEFAULT_GOAL := all
all: $(B)/kernel/kernel $(B)/fs.img compile_commands.json

toolchain:
	@tools/ensure-toolchain

# ---- kernel
# The flags each build was compiled with: when they change (OPT, UBSAN, a
# debug build reusing a directory), every kernel object is rebuilt.
$(B)/kernel/flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(KCXXFLAGS)' | cmp -s - $@ || echo '$(KCXXFLAGS)' > $@
.PHONY: FORCE

$(B)/%.o: %.cc $(B)/kernel/flags | toolchain
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(KCXXFLAGS) -c $< -o $@

$(B)/kernel/%.o: kernel/%.S | toolchain
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

$(B)/kernel/initcode.o: $(B)/user/initcode

$(B)/kernel/kernel: $(KOBJS) kernel/kernel.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) -z max-page-size=4096 --no-warn-rwx-segments -T kernel/kernel.ld -o $@ $(KOBJS) $$($(CXX) -print-libgcc-file-name)
	$(Q)$(TOOLPREFIX)objdump -S $@ > $(B)/kernel/kernel.asm

# ---- user space
$(B)/user/%.o: user/%.c | toolchain
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

$(B)/user/%.o: user/%.S | toolchain
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

# The user library is an archive: a program links only the pieces it uses.
$(ULIB): $(ULIBOBJS)
	$(Q)$(TOOLPREFIX)ar rcs $@ $^

$(addprefix $(B)/user/_,$(UBINS)): $(B)/user/_%: $(B)/user/bin/%.o $(ULIB) user/lib/user.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) -z max-page-size=4096 -T user/lib/user.ld -o $@ $< $(ULIB)

$(addprefix $(B)/user/_,$(UTESTS)): $(B)/user/_%: $(B)/user/tests/%.o $(ULIB) user/lib/user.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) -z max-page-size=4096 -T user/lib/user.ld -o $@ $< $(ULIB)

$(B)/user/initcode: $(B)/user/initcode.o
	$(Q)$(LD) -z max-page-size=4096 --no-warn-rwx-segments -N -e start -Ttext 0 -o $@.elf $<
	$(Q)$(OBJCOPY) -S -O binary $@.elf $@

# ---- file system
$(B)/mkfs/mkfs: mkfs/mkfs.cc $(addprefix kernel/uapi/,fs.h param.h stat.h types.h) | toolchain
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCXX $<")
	$(Q)$(HOSTCXX) -std=c++20 -Wall -Wextra -Werror -O2 -I. -o $@ mkfs/mkfs.cc

# The image gets copies without debug information (a file holds at most
# 268 KiB); GDB reads the originals in build/user/.
FSPROGS := $(patsubst $(B)/user/_%,$(B)/fsroot/_%,$(UPROGS))
$(B)/fsroot/_%: $(B)/user/_%
	@mkdir -p $(dir $@)
	$(Q)$(OBJCOPY) --strip-debug $< $@

$(B)/fs.img: $(B)/mkfs/mkfs README.md $(FSPROGS)
	$(Q)$(B)/mkfs/mkfs $@ README.md $(FSPROGS)

# Editors and clangd: the exact flags each kernel file is compiled with.
compile_commands.json: Makefile tools/compdb.py | toolchain
	$(Q)$(PYTHON) tools/compdb.py "$(CXX)" "$(KCXXFLAGS)" $(KSRCS) > $@

# ---- running
qemu: all
	@echo "*** Booting Kite on $(CPUS) harts. Quit QEMU with Ctrl-A then x."
	$(QEMU) $(QEMUOPTS) -nographic

# Debugging: a separate build for stepping (-Og, -g3), QEMU halted with its
# GDB stub on 127.0.0.1 at a port found free now, and `make gdb` to attach.
DEBUG_B := build-debug
qemu-gdb:
	@$(MAKE) --no-print-directory B=$(DEBUG_B) OPT="-Og -g3" KCHECKS=-DKITE_LOCKDEP $(DEBUG_B)/kernel/kernel $(DEBUG_B)/fs.img
	@port=$$($(PYTHON) tools/freeport.py); \
	 echo "target remote 127.0.0.1:$$port" > $(DEBUG_B)/gdb-target; \
	 echo "*** QEMU is waiting for GDB on 127.0.0.1:$$port. In another terminal, type: make gdb"; \
	 echo "*** (Ctrl-A x quits QEMU.)"; \
	 $(QEMU) $(subst $(B)/,$(DEBUG_B)/,$(QEMUOPTS)) -nographic -S -gdb tcp:127.0.0.1:$$port

gdb:
	@test -f $(DEBUG_B)/gdb-target || { echo "make gdb: start 'make qemu-gdb' in another terminal first"; exit 1; }
	@grep -qs "add-auto-load-safe-path $(CURDIR)" $$HOME/.config/gdb/gdbinit $$HOME/.gdbinit || \
	  echo "(To let a plain 'gdb-multiarch' load .gdbinit here, add this line to ~/.config/gdb/gdbinit: add-auto-load-safe-path $(CURDIR)/.gdbinit)"
	gdb-multiarch -q -iex "set auto-load local-gdbinit off" -x .gdbinit

# The tests of the kernel's checkers also need the checked kernel.
CHECKED_B := build-ubsan
test: all
	@$(MAKE) --no-print-directory UBSAN=1 B=$(CHECKED_B) $(CHECKED_B)/kernel/kernel $(CHECKED_B)/fs.img
	KITE_BUILD=$(B) KITE_CHECKED_BUILD=$(CHECKED_B) $(PYTHON) tools/test.py --cpus $(CPUS)

# A minute of pipes and sockets under load, then a million random system
# calls (tools/stress.py; `make test` runs a short version of each). On 4
# harts unless CPUS is given; SEED=n repeats a fuzzer run.
.PHONY: stress
stress: all
	KITE_BUILD=$(B) $(PYTHON) tools/stress.py --cpus $(if $(filter command line environment,$(origin CPUS)),$(CPUS),4) \
	  $(if $(SEED),--seed $(SEED))

# Benchmarks on 1 and 3 harts (docs/performance.md). ICOUNT=1: on one hart
# under QEMU's -icount shift=0, figures in guest time that repeat run to run.
ICOUNT ?= 0
bench: all
	KITE_BUILD=$(B) $(PYTHON) tools/bench.py $(if $(filter 1,$(ICOUNT)),--icount) $(if $(RUNS),--runs $(RUNS))

# ---- coursework (docs/labs/README.md)
.PHONY: lab grade test-labs
lab:
	@test -n "$(LAB)" -a -n "$(OUT)" || { echo "make lab: give LAB=name OUT=DIR (labs: tools/labs.py)"; exit 2; }
	@$(PYTHON) tools/lab.py "$(LAB)" "$(OUT)"

grade: all
	@KITE_BUILD=$(B) $(PYTHON) tools/grade.py --cpus $(CPUS) $(if $(LAB),--lab $(LAB))

test-labs: all
	KITE_BUILD=$(B) $(PYTHON) tools/labcheck.py --cpus $(CPUS)

clean:
	rm -rf build build-debug build-ubsan compile_commands.json

-include $(shell find $(B) -name '*.d' 2>/dev/null)
