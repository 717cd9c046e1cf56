"""Allowed hosts: a request must name this server in its Host header, or it is refused (400).

DNS rebinding: a page on attacker.example re-points its own name at 127.0.0.1, and the
browser then sends same-origin requests to us with `Host: attacker.example` and a matching
Origin, so the cross-site check in auth.py cannot tell. Only the Host header tells, so it is
checked before routing: loopback names and the configured --host always, and whatever
`svcscope serve --allowed-host` adds (SVCSCOPE_ALLOWED_HOSTS).
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from app.security.asgi import Middleware, header, send_status
from app.settings import Settings, get_settings, host_name

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::"})
"""Addresses that mean "every interface" when bound, never a name a client should send."""


def allowed_hosts(settings: Settings) -> frozenset[str]:
    configured = {host_name(settings.HOST)} if settings.HOST else set()
    return frozenset(LOOPBACK | (configured - WILDCARDS) | set(settings.SVCSCOPE_ALLOWED_HOSTS))


def host_of(value: str) -> str | None:
    """The name in a Host header without its port ("[::1]:8000" → "::1"); None if malformed."""
    text = value.strip()
    if text.startswith("["):
        name, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
    else:
        name, _, _ = text.partition(":")
    try:
        return host_name(name)
    except ValueError:
        return None


class AllowedHostsMiddleware(Middleware):
    scope_types = frozenset({"http", "websocket"})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = header(scope, b"host") or ""
        name = host_of(raw)
        if name is None or name not in allowed_hosts(get_settings()):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            shown = raw[:100]
            await send_status(
                send, 400, "BadRequest",
                f"this server does not answer to the host {shown!r}; start it with "
                "`svcscope serve --allowed-host NAME` to allow a name",
            )  # fmt: skip
            return
        await self.app(scope, receive, send)
