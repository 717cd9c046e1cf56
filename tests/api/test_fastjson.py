"""The orjson-rendered JSONResponse sends what Starlette's would, and fails nowhere it did not."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.responses import JSONResponse as StandardJSONResponse

from app.api.fastjson import JSONResponse

BODIES: list[Any] = [
    {"kind": "Service", "metadata": {"name": "web", "labels": {"ü": "ö"}}, "spec": {"ports": []}},
    [1, 2.5, None, True, 'x\n"y"'],
    {"big": 2**70, "nested": [{"n": -(2**65)}]},  # beyond orjson's 64 bits: the fallback
]


@pytest.mark.parametrize("body", BODIES)
def test_same_bytes_as_starlette(body: Any) -> None:
    assert JSONResponse(body).body == StandardJSONResponse(body).body


def test_non_string_keys_fall_back() -> None:
    assert JSONResponse({1: "a"}).body == b'{"1":"a"}'
