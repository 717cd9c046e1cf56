"""Fuzzed path parameters steered to objects that exist, so writes and reads hit something.

Used by the pytest run (tests/reliability/test_fuzz_api.py) and the CLI run (fuzz_hooks.py).
"""

from __future__ import annotations

import re
import zlib
from typing import Any

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
KNOWN = {
    "cluster": ("demo", "bare-metal"),
    "namespace": ("default", "kube-system"),
    "name": ("web", "frontend", "backend", "kubernetes", "kube-dns", "node-1", "coredns"),
}


def steer(path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Most well-formed names become ones the seeded clusters hold; malformed ones stay (a
    negative case must stay invalid)."""
    if not path_parameters:
        return path_parameters
    mapped = dict(path_parameters)
    for key, known in KNOWN.items():
        value = mapped.get(key)
        if isinstance(value, str) and len(value) <= 63 and DNS_LABEL.match(value):
            choice = zlib.crc32(value.encode()) % (len(known) + 1)
            if choice < len(known):
                mapped[key] = known[choice]
    return mapped
