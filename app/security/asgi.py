"""Answering from an ASGI middleware, before any route runs: a Kubernetes Status, as the APIs
answer every error (kubectl and client-go parse it), with the headers the middleware adds."""

from __future__ import annotations

import json

from starlette.types import Send


async def send_status(
    send: Send, code: int, reason: str, message: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }
    ).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": code, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def header(scope_headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    """The first value of a request header, decoded as HTTP does (latin-1)."""
    for key, value in scope_headers:
        if key == name:
            return value.decode("latin-1")
    return None
