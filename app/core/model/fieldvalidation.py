"""Server-side field validation: the unknown fields of a body, as the API server's strict
decoder reports them (k8s.io/apimachinery pkg/runtime/serializer/json, sigs.k8s.io/json).

kubectl (1.27+) leaves validation to the server once the OpenAPI documents say it does, and
sends `fieldValidation=Strict` (or Warn / Ignore). The known fields come from
known_fields.json (scripts/known_fields.py): every field upstream declares, nested as objects
are; maps and scalars are leaves.
"""

from __future__ import annotations

import json
import unicodedata
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


TRUNCATE_AT_TOTAL_RUNES = 4 * 1024
TRUNCATE_ITEM_RUNES = 256


def warning_headers(texts: list[str]) -> list[str]:
    """The Warning header values, one `299 - "<text>"` each, as kube-apiserver's warning
    recorder adds them (k8s.io/apiserver/pkg/endpoints/filters/warning.go): empty and repeated
    texts skipped; once the texts pass 4 Ki runes every one is cut to 256 runes, and what still
    does not fit is dropped. A text NewWarningHeader refuses (a control character, or text that
    is not UTF-8) is dropped, as upstream drops it."""
    headers: list[str] = []
    recorded: set[str] = set()
    ordered: list[str] = []
    written, truncating = 0, False
    for text in texts:
        if not text or text in recorded:
            continue
        if written >= TRUNCATE_AT_TOTAL_RUNES and truncating:
            break
        recorded.add(text)
        ordered.append(text)
        if truncating:
            text = text[:TRUNCATE_ITEM_RUNES]
        header = _warning_header(text)
        if header is None:
            continue
        if written + len(text) <= TRUNCATE_AT_TOTAL_RUNES or truncating:
            written += len(text)
            headers.append(header)
            continue
        truncating, written, headers = True, 0, []
        for earlier in ordered:
            cut = earlier[:TRUNCATE_ITEM_RUNES]
            if (replayed := _warning_header(cut)) is not None:
                written += len(cut)
                headers.append(replayed)
    return headers


def _warning_header(text: str) -> str | None:
    """NewWarningHeader(299, "", text) of k8s.io/apimachinery/pkg/util/net/http.go: only the
    quote and the backslash are escaped, everything else is written as is, in UTF-8."""
    if any(unicodedata.category(c) == "Cc" for c in text):  # Go's unicode.IsControl
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from a JSON \ud800 escape
        return None
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{escaped}"'
