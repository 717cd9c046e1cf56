"""The hooks of `make fuzz`'s CLI run: the shared ones (fuzz_hooks.py), and no watches.

A watch answers a stream of JSON lines, one event each, or nothing at all when no event came
before its timeoutSeconds (kube-apiserver's watch encoding: 200, application/json, an empty
body), which the CLI's checks read as one malformed JSON document. The pytest phase
(tests/reliability/test_fuzz_api.py) sends the same generated watches and checks them as a
stream; the CLI run leaves them to it.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from tests.load import fuzz_hooks  # (importing it registers the shared hooks)


@schemathesis.hook
def filter_query(_: Any, query: dict[str, Any] | None) -> bool:
    return not fuzz_hooks.is_watch(query)
