"""Host tests: every test_* function in the modules of tools/tests/host/
(mkfs, and kernel code built for the host under the sanitizers)."""
import importlib.util
import time
import traceback
from pathlib import Path

HOST = Path(__file__).resolve().parent / "host"


def run_host_tests(results, selected):
    for path in sorted(HOST.glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name in sorted(n for n in dir(module) if n.startswith("test_")):
            full = f"host/{path.stem[5:]}/{name[5:]}"
            if not selected(full):
                continue
            t0 = time.monotonic()
            try:
                getattr(module, name)()
                results.record(full, True, time.monotonic() - t0)
            except Exception as e:  # a failing assert or a crash: both fail the test
                reason = f"{type(e).__name__}: {e}" if str(e) else traceback.format_exc(limit=2)
                results.record(full, False, time.monotonic() - t0, reason.strip().splitlines()[-1])
