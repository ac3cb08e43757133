#!/usr/bin/env python3
"""Print a TCP port on 127.0.0.1 that is free right now.

For QEMU's GDB stub: a fixed or uid-derived port collides between users and
containers (every root container gets the same one), and a stale QEMU on it
makes GDB attach to the wrong machine without a word."""
import socket

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
