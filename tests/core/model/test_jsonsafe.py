"""app/core/jsonsafe.py: bodies reduced to plain JSON values, as Go would have decoded them."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import yaml

from app.core.model import jsonsafe


def test_lone_surrogates_become_the_replacement_character_in_keys_and_values() -> None:
    parsed = jsonsafe.loads(b'{"a\\udc00": ["x\\ud800y"]}')
    assert parsed == {"a\ufffd": ["x\ufffdy"]}
    json.dumps(parsed).encode("utf-8")  # encodable again


def test_nan_and_infinity_are_not_json() -> None:
    for text in ('{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}'):
        with pytest.raises(jsonsafe.UnsafeDocument):
            jsonsafe.loads(text)
    with pytest.raises(jsonsafe.UnsafeDocument):
        jsonsafe.loads('{"x": 1e999}')


def test_yaml_values_get_their_json_form() -> None:
    document = yaml.safe_load("7: a\ntrue: b\n~: c\n1.5: d\n2020-01-02: e\nwhen: 2020-01-02\n")
    assert jsonsafe.plain(document) == {
        "7": "a", "true": "b", "null": "c", "1.5": "d", "2020-01-02": "e", "when": "2020-01-02",
    }  # fmt: skip
    for text in ("x: !!binary aGk=", "x: !!set {a}"):
        with pytest.raises(jsonsafe.UnsafeDocument):
            jsonsafe.plain(yaml.safe_load(text))


def test_depth_is_limited_without_recursion() -> None:
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(jsonsafe.UnsafeDocument, match="nested deeper than 64"):
        jsonsafe.plain(deep)
    shallow: list[object] = []
    for _ in range(63):
        shallow = [shallow]
    assert jsonsafe.plain(shallow) == shallow


def test_aliases_cannot_expand_a_document_past_the_size_limit() -> None:
    text = "x" * 1_000_000
    shared = [text] * 20  # what a YAML alias makes: one string, referenced twenty times
    with pytest.raises(jsonsafe.UnsafeDocument, match="expands to more than"):
        jsonsafe.plain({"a": shared})
    assert len(jsonsafe.plain({"a": [text] * 5})["a"]) == 5


def test_the_copy_is_equal_and_independent() -> None:
    body: dict[str, Any] = {
        "metadata": {"name": "x", "labels": {"a": "b"}},
        "spec": {"ports": [{"port": 80}]},
    }
    copied = jsonsafe.plain(body)
    assert copied == body
    copied["metadata"]["labels"]["a"] = "changed"
    assert body["metadata"]["labels"]["a"] == "b"
    assert jsonsafe.plain(datetime.date(2020, 1, 2)) == "2020-01-02"
