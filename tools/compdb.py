#!/usr/bin/env python3
"""Write compile_commands.json for the kernel: argv[1] is the compiler,
argv[2] the flags, the rest the source files. clangd and editors read it to
understand the cross-compiled tree."""
import json
import os
import shlex
import sys


def main():
    compiler, flags, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
    root = os.getcwd()
    entries = [
        {
            "directory": root,
            "file": os.path.join(root, src),
            "arguments": [compiler] + shlex.split(flags) + ["-c", src],
        }
        for src in sources
    ]
    json.dump(entries, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
