"""A token bucket per client address in front of POST /login, so the write token cannot be
guessed at speed: SVCSCOPE_LOGIN_BURST attempts at once, then SVCSCOPE_LOGIN_PER_MINUTE.

Checked in an ASGI middleware, before the form is read. Beyond the allowance: 429 with
Retry-After (seconds until one attempt is free again), as kube-apiserver's max-in-flight
filter answers. The buckets live in the database (app/db/limits.py), so every worker of
`svcscope serve --workers N` spends from the same one; only addresses that tried within the
last burst / rate seconds have a row. A busy database refuses the attempt (fails closed).
The address is the TCP peer: `svcscope serve` does not trust X-Forwarded-For.
"""

from __future__ import annotations

import math
import time

import anyio
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db.limits import take_login_attempt
from app.db.session import database_busy
from app.security.asgi import Middleware, send_status
from app.settings import get_settings


def _wait_for(client: str) -> float:
    settings = get_settings()
    try:
        return take_login_attempt(
            client=client,
            burst=settings.SVCSCOPE_LOGIN_BURST,
            per_minute=settings.SVCSCOPE_LOGIN_PER_MINUTE,
            now=time.time(),
        )
    except OperationalError as exc:
        if not database_busy(exc):
            raise
        return 1.0


class LoginRateLimitMiddleware(Middleware):
    def __init__(self, app: ASGIApp, path: str) -> None:
        super().__init__(app)
        self.path = path

    def applies(self, scope: Scope) -> bool:
        method: str = scope["method"]
        path: str = scope["path"]
        return method == "POST" and path == self.path

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client") or ("unknown", 0)
        wait = await anyio.to_thread.run_sync(_wait_for, str(client[0])[:64])
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            await send_status(
                send, 429, "TooManyRequests",
                f"too many sign-in attempts from this address; try again in {seconds} s",
                {"retry-after": str(seconds)},
            )  # fmt: skip
            return
        await self.app(scope, receive, send)
