"""Run every tests/bench/bench_*.py module's main(), in name order."""

from __future__ import annotations

import importlib
import pkgutil

import tests.bench


def main() -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(tests.bench.__path__)):
        if module.startswith("bench_"):
            importlib.import_module(f"tests.bench.{module}").main()


if __name__ == "__main__":
    main()
