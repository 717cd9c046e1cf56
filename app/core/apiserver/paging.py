"""Chunked lists: `limit` and `continue`, as kube-apiserver answers them.

A list asked with `limit` returns at most that many objects and, when more remain, a `continue`
token in its metadata; the next request sends the token back to get the next chunk. The token is
what upstream writes (apiserver/pkg/storage/continue.go): base64url (no padding) of
`{"v": "meta.k8s.io/v1", "rv": N, "start": "<key after the last one returned>"}`, the key relative
to the list's key prefix (`ns/name` across namespaces, `name` in one namespace or for a
cluster-scoped kind), with a NUL appended so the range starts just after it. Selectors do not
shorten a chunk: like the etcd3 store (apiserver/pkg/storage/etcd3/store.go GetList), the
server reads on until `limit` objects match, and `remainingItemCount` is only given when nothing
filters the list.

svcscope serves every chunk from the watch cache's current state, so a continuation reflects
changes made since the first chunk (upstream reads etcd at the token's revision until that
revision is compacted, then answers 410 Expired); the token's resourceVersion is still checked.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.core.apiserver.writes import BadRequest
from app.core.model.workspace import Manifest

TOKEN_VERSION = "meta.k8s.io/v1"
INVALID = "continue key is not valid"


def _invalid(detail: str) -> BadRequest:
    return BadRequest(f"invalid continue token: {detail}")


def item_key(obj: Manifest, across_namespaces: bool) -> str:
    """The object's key below the list's prefix: `ns/name`, or `name` (one namespace, or a
    cluster-scoped kind)."""
    meta = obj.get("metadata", {})
    namespace = meta.get("namespace") or ""
    name = str(meta.get("name", ""))
    return f"{namespace}/{name}" if across_namespaces and namespace else name


def _position(key: str) -> tuple[str, ...]:
    """A key as the (namespace, name) the cache orders by; names hold no "/"."""
    return tuple(key.split("/", 1))


def encode_continue(start: str, resource_version: int) -> str:
    """The token for a chunk that starts at key `start` (upstream's EncodeContinue)."""
    body = json.dumps(
        {"v": TOKEN_VERSION, "rv": resource_version, "start": start}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[str, int]:
    """The start key and resourceVersion of a token, or a 400 with upstream's text
    (DecodeContinue: invalid base64 or JSON, an unknown version, rv 0, an empty or
    path-escaping start key)."""
    try:
        if "=" in token or "+" in token or "/" in token:
            raise ValueError("illegal base64 data")  # RawURLEncoding takes none of these
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        decoded = json.loads(data)
    except (ValueError, binascii.Error) as exc:
        raise _invalid(f"{INVALID}: {exc}") from None
    if not isinstance(decoded, dict):
        raise _invalid(f"{INVALID}: the token is not a JSON object")
    if decoded.get("v") != TOKEN_VERSION:
        version = json.dumps(decoded.get("v", ""))
        raise _invalid(f"{INVALID} server does not recognize this encoded version {version}")
    rv, start = decoded.get("rv"), decoded.get("start")
    if not isinstance(rv, int) or isinstance(rv, bool) or rv == 0:
        raise _invalid(
            f"{INVALID}: incorrect encoded start resourceVersion (version {TOKEN_VERSION})"
        )
    if not isinstance(start, str) or not start:
        raise _invalid(f"{INVALID}: encoded start key empty")
    key = start if start.startswith("/") else "/" + start
    if posixpath.normpath(key) != key or key.startswith("//"):
        raise _invalid(f"{INVALID}: {start}")
    return start, rv


@dataclass(frozen=True)
class Chunk:
    items: list[Manifest]
    continue_token: str
    """"" on the last chunk."""
    remaining: int | None
    """remainingItemCount: objects after this chunk, when no selector filters the list."""
    offset: int
    """How many matching objects come before this chunk (for "41–60 of 282")."""
    total: int
    """How many objects match, this chunk included."""
    previous_token: str | None
    """A token for the chunk before this one ("" for the first chunk; None on the first)."""


def chunk(
    items: Sequence[Manifest],
    *,
    limit: int,
    token: str,
    resource_version: int,
    across_namespaces: bool,
    matches: Callable[[Manifest], bool] | None = None,
) -> Chunk:
    """One chunk of `items` (in key order) after `token`, at most `limit` long (0: all).

    The previous-chunk token is an addition for pages (the API has no way back): it starts
    at the first matching key `limit` matches before this chunk.
    """
    start = ""
    if token:
        start, _ = decode_continue(token)

    def position(obj: Manifest) -> tuple[str, ...]:
        return _position(item_key(obj, across_namespaces))

    # The cache keeps (namespace, name) order; compare in it rather than as one string, and
    # find the start by bisection (a 150,000-pod list is not walked for an unfiltered chunk).
    begin = bisect.bisect_left(items, _position(start), key=position) if start else 0
    if matches is None:
        chosen: Sequence[int] = range(len(items))
        at = begin
    else:
        chosen = [i for i, obj in enumerate(items) if matches(obj)]
        at = bisect.bisect_left(chosen, begin)
    end = len(chosen) if limit <= 0 else min(at + limit, len(chosen))
    page = [items[i] for i in chosen[at:end]]
    more = end < len(chosen)
    next_token = (
        encode_continue(
            item_key(items[chosen[end - 1]], across_namespaces) + "\x00", resource_version
        )
        if more
        else ""
    )
    previous: str | None = None
    if at > 0 and limit > 0:
        back = max(at - limit, 0)
        previous = (
            ""
            if back == 0
            else encode_continue(item_key(items[chosen[back]], across_namespaces), resource_version)
        )
    return Chunk(
        items=page,
        continue_token=next_token,
        remaining=(len(chosen) - end) if more and matches is None else None,
        offset=at,
        total=len(chosen),
        previous_token=previous,
    )
