"""Host unit tests of kernel code that does not need a machine.

Each unit/*.cc file is compiled with the host g++ against the kernel's
headers, under AddressSanitizer and UndefinedBehaviorSanitizer, and run.
"""
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
UNIT = Path(__file__).resolve().parent / "unit"
FLAGS = ["-std=c++20", "-g", "-O1", "-Wall", "-Wextra", "-Werror",
         "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
         f"-I{ROOT / 'kernel'}", f"-I{ROOT}"]


def build_and_run(source):
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / source.stem
        cc = subprocess.run(["g++", *FLAGS, "-o", str(exe), str(source)], capture_output=True, text=True)
        assert cc.returncode == 0, f"compile failed:\n{cc.stderr[-2000:]}"
        run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, f"{source.name} failed:\n{(run.stdout + run.stderr)[-2000:]}"


def test_intrusive_list():
    build_and_run(UNIT / "list_test.cc")


def test_kmalloc_size_classes():
    build_and_run(UNIT / "kmalloc_size_test.cc")


def test_internet_checksum():
    build_and_run(UNIT / "csum_test.cc")


if __name__ == "__main__":
    test_intrusive_list()
    test_kmalloc_size_classes()
    test_internet_checksum()
    print("3 passed, 0 failed")
