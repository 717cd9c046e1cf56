"""`python -m tests.bench [name ...]`: run every bench_*.py module's main(), or the named ones."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import tests.bench


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(tests.bench.__path__) if m.name.startswith("bench_")
    )
    for name in [n for n in names if not argv or any(a in n for a in argv)]:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"tests.bench.{name}").main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
