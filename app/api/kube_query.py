"""Repeated query parameters on the Kubernetes face: the first one counts, as in kube-apiserver.

The apiserver decodes ListOptions, GetOptions, PatchOptions … from url.Values with the
conversions in k8s.io/apimachinery/pkg/runtime/conversion.go (Convert_Slice_string_To_bool,
_To_string, _To_int64, …), each of which reads `(*in)[0]`. FastAPI reads the last value of a
scalar query parameter instead, so `?watch=false&watch=true` would start a watch where the
apiserver answers a list. Every /k8s parameter is a scalar, so dropping the repeats before
routing gives each one the apiserver's value.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from starlette.types import Receive, Scope, Send

from app.security.asgi import Middleware

PREFIX = "/k8s/"


def first_values(query: bytes) -> bytes:
    """`query` without the repeats of a name, each first occurrence kept byte for byte."""
    seen: set[str] = set()
    kept: list[bytes] = []
    for part in query.split(b"&"):
        name = unquote_plus(part.split(b"=", 1)[0].decode("latin-1"))
        if name not in seen:
            seen.add(name)
            kept.append(part)
    return b"&".join(kept)


class FirstQueryValueMiddleware(Middleware):
    def applies(self, scope: Scope) -> bool:
        return str(scope.get("path", "")).startswith(PREFIX) and b"&" in scope.get(
            "query_string", b""
        )

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = {**scope, "query_string": first_values(scope["query_string"])}
        await self.app(scope, receive, send)
