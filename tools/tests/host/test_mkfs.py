"""Tests for mkfs/mkfs, the host program that builds the file-system image.

Each test runs the real binary in a temporary directory and checks the image
with the small reader below, which parses the format of kernel/uapi/fs.h on its own
(it shares no code with mkfs, so a misunderstanding of the format would have to
be made twice to go unnoticed).

Build mkfs first, from the repository root:
    make build/mkfs/mkfs   (from the repo root)
Run with:  python3 tools/tests/host/test_mkfs.py
"""

import os
import struct
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MKFS = ROOT / os.environ.get("KITE_BUILD", "build") / "mkfs" / "mkfs"

# The format, from kernel/uapi/fs.h, kernel/uapi/param.h and kernel/uapi/stat.h.
BSIZE = 1024
FSMAGIC = 0x10203040
ROOTINO = 1
NDIRECT = 12
NINDIRECT = BSIZE // 4
MAXFILE = NDIRECT + NINDIRECT
DIRSIZ = 14
LOGSIZE = 30
FSSIZE = 10000
DEFAULT_INODES = 200
T_DIR = 1
T_FILE = 2

SUPERBLOCK = struct.Struct("<8I")  # magic size nblocks ninodes nlog logstart inodestart bmapstart
DINODE = struct.Struct(f"<4hI{NDIRECT + 1}I")  # type major minor nlink size addrs[]
DIRENT = struct.Struct(f"<H{DIRSIZ}s")
IPB = BSIZE // DINODE.size
BPB = BSIZE * 8


# ---------------------------------------------------------------------------
# Image reader


class Image:
    def __init__(self, path):
        self.data = Path(path).read_bytes()
        (self.magic, self.size, self.nblocks, self.ninodes, self.nlog, self.logstart,
         self.inodestart, self.bmapstart) = SUPERBLOCK.unpack_from(self.data, BSIZE)

    def block(self, b):
        assert 0 <= b < self.size, f"block {b} outside the image"
        return self.data[b * BSIZE:(b + 1) * BSIZE]

    def inode(self, inum):
        """(type, nlink, size, addrs) of inode inum."""
        b = self.inodestart + inum // IPB
        typ, _major, _minor, nlink, size, *addrs = DINODE.unpack_from(
            self.data, b * BSIZE + inum % IPB * DINODE.size)
        return typ, nlink, size, addrs

    def file_blocks(self, inum):
        """The file's data blocks in order, and its indirect block (or None)."""
        _typ, _nlink, size, addrs = self.inode(inum)
        count = (size + BSIZE - 1) // BSIZE
        assert count <= MAXFILE
        blocks = addrs[:NDIRECT]
        indirect = addrs[NDIRECT] or None
        if indirect is not None:
            blocks += list(struct.unpack(f"<{NINDIRECT}I", self.block(indirect)))
        used, unused = blocks[:count], blocks[count:]
        assert all(used), f"inode {inum}: hole in a file mkfs wrote"
        assert not any(unused), f"inode {inum}: block address past the end of the file"
        assert (indirect is not None) == (count > NDIRECT), f"inode {inum}: indirect block misused"
        return used, indirect

    def read_file(self, inum):
        size = self.inode(inum)[2]
        blocks, _ = self.file_blocks(inum)
        return b"".join(self.block(b) for b in blocks)[:size]

    def read_dir(self, inum):
        """[(inum, name)] of the directory's used entries, in order."""
        raw = self.read_file(inum)
        assert len(raw) % DIRENT.size == 0
        entries = []
        for off in range(0, len(raw), DIRENT.size):
            e_inum, name = DIRENT.unpack_from(raw, off)
            if e_inum:
                entries.append((e_inum, name.rstrip(b"\0").decode()))
        return entries

    def root_files(self):
        """{name: contents} of everything in the root except . and .."""
        return {name: self.read_file(i) for i, name in self.read_dir(ROOTINO)
                if name not in (".", "..")}

    def bitmap_bit(self, b):
        byte = self.data[self.bmapstart * BSIZE + b // 8]
        return (byte >> (b % 8)) & 1

    def datastart(self):
        return self.size - self.nblocks


# ---------------------------------------------------------------------------
# Helpers


def run_mkfs(*args, cwd=None):
    assert MKFS.exists(), f"{MKFS} is not built (see this file's docstring)"
    return subprocess.run([str(MKFS), *map(str, args)], cwd=cwd, capture_output=True, text=True)


def make_files(directory, files):
    """Writes {relative path: bytes} under directory; returns the paths."""
    paths = []
    for rel, contents in files.items():
        p = Path(directory) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(contents)
        paths.append(p)
    return paths


def pattern(n, seed):
    """n bytes that differ from block to block, so misplaced blocks show."""
    return bytes((i * 7 + i // BSIZE * 13 + seed) % 251 for i in range(n))


def build(directory, files, *options):
    """Builds fs.img in directory from files ({path: bytes}); returns an Image."""
    paths = make_files(directory, files)
    out = Path(directory) / "fs.img"
    r = run_mkfs(*options, out, *paths)
    assert r.returncode == 0, f"mkfs failed: {r.stderr}"
    assert r.stderr == ""
    assert r.stdout.count("\n") <= 1, f"more than one line of output: {r.stdout!r}"
    return Image(out)


# A file that needs the indirect block, an empty one, and the build's
# "_name" convention for user programs.
SAMPLE = {
    "README.md": b"# hello\n",
    "empty": b"",
    "user/_cat": pattern(5000, 1),
    "big": pattern((NDIRECT + 5) * BSIZE + 123, 2),
    "exact": pattern(NDIRECT * BSIZE, 3),
}


# ---------------------------------------------------------------------------
# Good images


def test_round_trip():
    with tempfile.TemporaryDirectory() as d:
        img = build(d, SAMPLE)
        got = img.root_files()
        want = {Path(p).name.removeprefix("_"): c for p, c in SAMPLE.items()}
        assert sorted(got) == sorted(want), got.keys()
        for name, contents in want.items():
            assert got[name] == contents, f"{name} differs"
        for inum, name in img.read_dir(ROOTINO):
            typ, nlink, size, _ = img.inode(inum)
            if name not in (".", ".."):
                assert (typ, nlink, size) == (T_FILE, 1, len(want[name])), name
        _, indirect = img.file_blocks(dict((n, i) for i, n in img.read_dir(ROOTINO))["big"])
        assert indirect is not None


def test_underscore_and_names():
    with tempfile.TemporaryDirectory() as d:
        img = build(d, {"a/_ls": b"ls", "__x": b"x", "_" + "n" * DIRSIZ: b"long", "plain_": b"p"})
        names = set(img.root_files())
        assert names == {"ls", "_x", "n" * DIRSIZ, "plain_"}, names


def test_superblock():
    with tempfile.TemporaryDirectory() as d:
        img = build(d, SAMPLE)
        assert img.magic == FSMAGIC
        assert img.size == FSSIZE
        assert img.ninodes == DEFAULT_INODES
        assert img.logstart == 2
        assert img.nlog == LOGSIZE + 1
        assert img.inodestart == img.logstart + img.nlog
        assert img.bmapstart == img.inodestart + img.ninodes // IPB + 1
        nbitmap = img.size // BPB + 1
        assert img.size == img.bmapstart + nbitmap + img.nblocks
        assert len(img.data) == img.size * BSIZE
        # The bitmap must have a bit for every block.
        assert nbitmap * BPB >= img.size


def test_size_and_inodes_options():
    with tempfile.TemporaryDirectory() as d:
        img = build(d, SAMPLE, "--size", 3000, "--inodes", 40)
        assert img.size == 3000 and img.ninodes == 40
        assert len(img.data) == 3000 * BSIZE
        assert img.root_files()["big"] == SAMPLE["big"]


def test_root_directory():
    with tempfile.TemporaryDirectory() as d:
        img = build(d, SAMPLE)
        typ, nlink, size, _ = img.inode(ROOTINO)
        assert typ == T_DIR and nlink == 1
        entries = img.read_dir(ROOTINO)
        assert entries[:2] == [(ROOTINO, "."), (ROOTINO, "..")]
        assert len(entries) == 2 + len(SAMPLE)
        assert size >= len(entries) * DIRENT.size
        assert img.inode(0)[0] == 0, "inode 0 must stay unused"
        # Inodes after the last file are free.
        assert img.inode(len(entries))[0] == 0


def test_empty_image():
    with tempfile.TemporaryDirectory() as d:
        img = build(d, {})
        assert img.read_dir(ROOTINO) == [(ROOTINO, "."), (ROOTINO, "..")]


def test_bitmap_marks_exactly_used_blocks():
    with tempfile.TemporaryDirectory() as d:
        img = build(d, SAMPLE)
        used = set()
        for inum, _name in img.read_dir(ROOTINO):
            blocks, indirect = img.file_blocks(inum)
            used.update(blocks)
            if indirect is not None:
                used.add(indirect)
        files = [inum for inum, name in img.read_dir(ROOTINO) if name not in (".", "..")]
        data_count = sum(len(img.file_blocks(i)[0]) + (img.file_blocks(i)[1] is not None)
                         for i in files + [ROOTINO])
        assert len(used) == data_count, "a data block is shared by two files"
        # Allocation is sequential: the data blocks are one run from datastart.
        start = img.datastart()
        assert used == set(range(start, start + len(used)))
        marked = {b for b in range(img.size) if img.bitmap_bit(b)}
        assert marked == set(range(start + len(used))), "bitmap != metadata + used data"
        # Bits past the end of the image, in the last bitmap block, stay clear.
        nbitmap = img.size // BPB + 1
        tail = img.data[img.bmapstart * BSIZE:(img.bmapstart + nbitmap) * BSIZE]
        assert all(not (tail[b // 8] >> (b % 8)) & 1 for b in range(img.size, nbitmap * BPB))


def test_largest_file():
    with tempfile.TemporaryDirectory() as d:
        contents = pattern(MAXFILE * BSIZE, 4)
        img = build(d, {"huge": contents})
        assert img.root_files()["huge"] == contents


def test_many_files_spill_root_directory():
    # More entries than fit in one block, so the root directory has several.
    with tempfile.TemporaryDirectory() as d:
        files = {f"f{i}": pattern(i * 37, i) for i in range(150)}
        img = build(d, files)
        assert img.root_files() == files
        assert len(img.file_blocks(ROOTINO)[0]) > 1


def test_output_replaced():
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "fs.img"
        out.write_bytes(b"old image")
        (Path(d) / "a").write_bytes(b"a")
        r = run_mkfs(out, Path(d) / "a")
        assert r.returncode == 0, r.stderr
        assert Image(out).root_files() == {"a": b"a"}
        assert sorted(p.name for p in Path(d).iterdir()) == ["a", "fs.img"], "temp file left over"


# ---------------------------------------------------------------------------
# Bad input


def check_fails(args, files=None):
    """Runs mkfs with args ("OUT" marks the output) in a fresh directory,
    once without and once with an existing output, and checks the error."""
    for existing in (None, b"precious old image"):
        with tempfile.TemporaryDirectory() as d:
            make_files(d, files or {})
            out = Path(d) / "fs.img"
            if existing is not None:
                out.write_bytes(existing)
            before = sorted(p.name for p in Path(d).iterdir())
            argv = [out if a == "OUT" else a for a in args]
            r = run_mkfs(*argv, cwd=d)
            assert r.returncode != 0, f"mkfs {args} succeeded"
            assert r.stderr.startswith("mkfs: "), repr(r.stderr)
            assert r.stderr.endswith("\n") and r.stderr.count("\n") == 1, repr(r.stderr)
            assert sorted(p.name for p in Path(d).iterdir()) == before, "stray files left"
            if existing is None:
                assert not out.exists()
            else:
                assert out.read_bytes() == existing, "existing output changed"
    return r.stderr


def test_no_arguments():
    check_fails([])
    check_fails(["--size", "100"])


def test_missing_input():
    check_fails(["OUT", "a", "nonexistent"], {"a": b"a"})


def test_unreadable_input():
    # A directory cannot be read as a file, even by root (for whom chmod 000
    # would not stop the read).
    check_fails(["OUT", "subdir"], {"subdir/x": b"x"})
    if os.geteuid() != 0:
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "secret"
            p.write_bytes(b"s")
            p.chmod(0)
            check_fails(["OUT", str(p)])


def test_name_too_long():
    check_fails(["OUT", "x" * (DIRSIZ + 1)], {"x" * (DIRSIZ + 1): b"x"})
    check_fails(["OUT", "_" + "y" * (DIRSIZ + 1)], {"_" + "y" * (DIRSIZ + 1): b"y"})


def test_duplicate_name():
    check_fails(["OUT", "a/cat", "b/cat"], {"a/cat": b"1", "b/cat": b"2"})
    check_fails(["OUT", "cat", "_cat"], {"cat": b"1", "_cat": b"2"})
    check_fails(["OUT", "cat", "cat"], {"cat": b"1"})


def test_unusable_name():
    check_fails(["OUT", "_"], {"_": b"1"})
    check_fails(["OUT", "./"], {})


def test_file_too_large():
    check_fails(["OUT", "huge"], {"huge": b"\1" * (MAXFILE * BSIZE + 1)})


def test_too_many_files_for_inodes():
    files = {f"f{i}": b"" for i in range(DEFAULT_INODES - 1)}  # one more than fit
    check_fails(["OUT", *files], files)
    check_fails(["--inodes", "4", "OUT", "a", "b", "c"], {"a": b"", "b": b"", "c": b""})


def test_too_many_files_for_root_directory():
    limit = MAXFILE * BSIZE // DIRENT.size - 2
    files = {f"{i}": b"" for i in range(limit + 1)}
    check_fails(["--inodes", "65536", "OUT", *files], files)


def test_image_too_small():
    check_fails(["--size", "60", "OUT", "big"], {"big": pattern(20 * BSIZE, 5)})
    check_fails(["--size", "10", "OUT", "a"], {"a": b"a"})  # not even the metadata fits


def test_bad_size_value():
    for value in ["abc", "0", "-5", "12x", "", "1e3", "99999999999", str(1 << 30)]:
        check_fails(["--size", value, "OUT", "a"], {"a": b"a"})
    check_fails(["OUT", "a", "--size"], {"a": b"a"})


def test_bad_inodes_value():
    for value in ["x", "0", "1", "70000"]:
        check_fails(["--inodes", value, "OUT", "a"], {"a": b"a"})


def test_unknown_option():
    check_fails(["--frobnicate", "OUT", "a"], {"a": b"a"})


def test_output_not_writable():
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "a").write_bytes(b"a")
        r = run_mkfs(Path(d) / "missing-dir" / "fs.img", Path(d) / "a")
        assert r.returncode != 0 and r.stderr.startswith("mkfs: ")
        assert r.stderr.count("\n") == 1
        # An output that is a directory: the rename fails, the temp file goes.
        (Path(d) / "out").mkdir()
        r = run_mkfs(Path(d) / "out", Path(d) / "a")
        assert r.returncode != 0 and r.stderr.startswith("mkfs: ")
        assert sorted(p.name for p in Path(d).iterdir()) == ["a", "out"]


if __name__ == "__main__":
    import sys
    import traceback

    passed = failed = 0
    for name, fn in list(globals().items()):
        if name.startswith("test_") and callable(fn):
            try:
                fn()
                passed += 1
            except Exception:
                failed += 1
                print(f"FAIL {name}")
                traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
