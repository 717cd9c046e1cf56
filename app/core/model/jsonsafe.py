"""Request bodies reduced to plain JSON values before anything walks them.

A body can be valid JSON (or YAML) and still break the server later: a lone UTF-16 surrogate
cannot be encoded back to UTF-8, NaN and Infinity are not JSON, YAML adds dates, binary strings
and non-string keys, and nesting a few hundred levels deep exhausts the stack of every recursive
walk after the parser (copy.deepcopy, json.dumps). kube-apiserver decodes into Go values first,
which settles all of these; `plain()` does the same once, iteratively, at the edge.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from typing import Any

MAX_DEPTH = 64
"""Deeper than any Kubernetes object (managedFields nest about 20 levels)."""
MAX_SIZE = 16 * 1024 * 1024
"""Characters of text (plus one per value) a document may hold once YAML aliases are copied out:
a small document can alias one long string a thousand times, and storing it would write
gigabytes. A JSON body never comes close (bodies are limited to a few megabytes)."""

_SURROGATE = re.compile("[\ud800-\udfff]")


class UnsafeDocument(ValueError):
    """A body that parses but cannot be stored as JSON; the message says why."""


def _text(value: str) -> str:
    # Go's encoding/json decodes an unpaired surrogate escape to U+FFFD.
    return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value


def _key(key: object) -> str:
    """Map keys as sigs.k8s.io/yaml's YAMLToJSON writes them."""
    if isinstance(key, str):
        return _text(key)
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float) and math.isfinite(key):
        return repr(key)
    if isinstance(key, datetime.date):
        return key.isoformat()
    raise UnsafeDocument(f"map key {key!r} cannot be converted to a JSON string")


def _scalar(value: object) -> object:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnsafeDocument(f"json: unsupported value: {value}")
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise UnsafeDocument(f"a value of YAML type {type(value).__name__} has no JSON form")


def _size(value: object) -> int:
    return len(value) + 1 if isinstance(value, str) else 1


def plain(document: object, *, max_depth: int = MAX_DEPTH, max_size: int = MAX_SIZE) -> Any:
    """A copy holding only dict, list, str, int, float, bool and None: at most max_depth deep,
    at most max_size characters of text once aliases are copied out."""
    if not isinstance(document, dict | list):
        return _scalar(document)
    root: dict[str, Any] | list[Any] = {} if isinstance(document, dict) else []
    stack: list[tuple[object, dict[str, Any] | list[Any], int]] = [(document, root, 1)]
    size = 0
    while stack:
        source, target, depth = stack.pop()
        if depth > max_depth:
            raise UnsafeDocument(f"the document is nested deeper than {max_depth} levels")
        pairs = (
            ((_key(k), v) for k, v in source.items())
            if isinstance(source, dict)
            else enumerate(source)  # type: ignore[arg-type]
        )
        for key, value in pairs:
            size += _size(key) + _size(value)
            if size > max_size:
                raise UnsafeDocument(f"the document expands to more than {max_size} characters")
            if isinstance(value, dict | list):
                child: dict[str, Any] | list[Any] = {} if isinstance(value, dict) else []
                stack.append((value, child, depth + 1))
            else:
                child = _scalar(value)  # type: ignore[assignment]
            if isinstance(target, dict):
                target[str(key)] = child
            else:
                target.append(child)
    return root


def _no_constant(name: str) -> Any:
    raise UnsafeDocument(f"invalid character '{name[0]}' looking for beginning of value")


def loads(raw: bytes | str) -> Any:
    """json.loads without Python's NaN/Infinity extension, then `plain()`.

    Raises ValueError (json.JSONDecodeError, UnicodeDecodeError or UnsafeDocument) or
    RecursionError for nesting deeper than the C parser allows.
    """
    return plain(json.loads(raw, parse_constant=_no_constant))
