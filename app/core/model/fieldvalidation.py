"""Server-side field validation: the unknown fields of a body, as the API server's strict
decoder reports them (k8s.io/apimachinery pkg/runtime/serializer/json, sigs.k8s.io/json).

kubectl (1.27+) leaves validation to the server once the OpenAPI documents say it does, and
sends `fieldValidation=Strict` (or Warn / Ignore). The known fields come from
known_fields.json (scripts/known_fields.py): every field upstream declares, nested as objects
are; maps and scalars are leaves.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from app.core.model.decoding import DecodeError

MODES = ("Strict", "Warn", "Ignore")


@cache
def _known() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        Path(__file__).with_name("known_fields.json").read_text(encoding="utf-8")
    )
    return loaded


def unknown_fields(kind: str, body: Any) -> list[str]:
    """Paths of fields the kind does not have, `spec.ports[0].foo` style, in body order."""
    found: list[str] = []
    _walk(body, _known()[kind], "", found)
    return found


def _walk(value: Any, known: Any, path: str, found: list[str]) -> None:
    if not isinstance(known, dict):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, known, f"{path}[{i}]", found)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        here = f"{path}.{key}" if path else key
        if key not in known:
            found.append(here)
        else:
            _walk(item, known[key], here, found)


def check(kind: str, body: Any, mode: str | None) -> list[str]:
    """Strict: raise DecodeError (400) naming every unknown field. Warn (the default, as
    upstream): the Warning texts to send. Ignore: nothing."""
    if mode == "Ignore":
        return []
    unknown = unknown_fields(kind, body)
    if not unknown:
        return []
    if mode == "Strict":
        detail = ", ".join(f'unknown field "{p}"' for p in unknown)
        raise DecodeError(kind, f"strict decoding error: {detail}")
    return [f'unknown field "{p}"' for p in unknown]


def warning_header(texts: list[str]) -> str:
    """The Warning header value: one `299 - "<text>"` per warning, comma-separated."""
    return ", ".join('299 - "' + t.replace("\\", "\\\\").replace('"', '\\"') + '"' for t in texts)
