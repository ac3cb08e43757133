# GDB setup for Kite: `make qemu-gdb` in one terminal, `make gdb` in another.
# Loads the debug kernel's symbols, attaches to that QEMU, and loads the
# kernel-aware commands (tools/gdb/kite.py; `help kite` lists them).
set confirm off
set pagination off
set print pretty on
file build-debug/kernel/kernel
source build-debug/gdb-target
source tools/gdb/kite.py
echo \nKite: attached. Harts are threads (thread N = hart N-1). Try: break kernel::sleep, continue, bt, kite-ps\n
