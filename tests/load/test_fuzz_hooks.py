"""The fuzz hooks must decide "watch" as the server does, or a generated watch runs unbounded
(a 30-60 s read timeout in `make fuzz`) or a list is checked as a stream of events."""

from __future__ import annotations

from typing import Any

import pytest

from app.security.inflight import long_running
from tests.load.fuzz_hooks import is_watch


@pytest.mark.parametrize(
    "query",
    [
        {"watch": True},
        {"watch": "on"},
        {"watch": [True, False]},
        {"watch": ["false", "1"]},
        {"watch": []},
        {"watch": 0},
        {"limit": 3},
        None,
    ],
)
def test_a_watch_for_the_hooks_is_a_watch_for_the_server(query: dict[str, Any] | None) -> None:
    pairs = [
        (name, value)
        for name, values in (query or {}).items()
        for value in (values if isinstance(values, list) else [values])
    ]
    raw = "&".join(f"{name}={str(value).lower()}" for name, value in pairs).encode()
    scope = {"type": "http", "path": "/k8s/demo/api/v1/pods", "query_string": raw}
    assert is_watch(query) == long_running(scope)
