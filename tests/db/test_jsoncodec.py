"""The body column's JSON codec: fast path, and the fallback for what orjson refuses."""

from __future__ import annotations

from app.db import jsoncodec


def test_ordinary_objects_round_trip() -> None:
    body = {"metadata": {"name": "web", "labels": {"app": "é"}}, "spec": {"ports": [80]}}
    assert jsoncodec.loads(jsoncodec.dumps(body)) == body


def test_integers_beyond_64_bits_in_unknown_fields_are_kept() -> None:
    body = {"spec": {"x-unknown": 2**70, "y": -(2**65)}}
    text = jsoncodec.dumps(body)
    assert jsoncodec.loads(text) == body
