"""A token bucket per client address in front of POST /login, so the write token cannot be
guessed at speed: SVCSCOPE_LOGIN_BURST attempts at once, then SVCSCOPE_LOGIN_PER_MINUTE.

Checked in an ASGI middleware, before the form is read. Beyond the allowance: 429 with
Retry-After (seconds until one attempt is free again), as kube-apiserver's max-in-flight
filter answers. The buckets live in this process (each worker counts its own) and at most
MAX_CLIENTS are kept, the longest idle forgotten first, so a crowd of addresses costs bounded
memory. The address is the TCP peer: `svcscope serve` does not trust X-Forwarded-For.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from app.security.asgi import send_status
from app.settings import get_settings

MAX_CLIENTS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    def __init__(self, burst: int, per_minute: float, max_clients: int = MAX_CLIENTS) -> None:
        self.burst, self.rate = burst, per_minute / 60.0
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """Spend one token: 0.0 when allowed, else the seconds until a token is free."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.pop(client, None) or _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            self._buckets[client] = bucket  # most recently used last
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate


class LoginRateLimitMiddleware:
    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path
        settings = get_settings()
        self.buckets = TokenBuckets(
            settings.SVCSCOPE_LOGIN_BURST, settings.SVCSCOPE_LOGIN_PER_MINUTE
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == self.path:
            client = scope.get("client") or ("unknown", 0)
            wait = self.buckets.take(str(client[0]))
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                await send_status(
                    send, 429, "TooManyRequests",
                    f"too many sign-in attempts from this address; try again in {seconds} s",
                    {"retry-after": str(seconds)},
                )  # fmt: skip
                return
        await self.app(scope, receive, send)
