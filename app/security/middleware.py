"""The ASGI layers every request passes before routing, outermost first:

1. security headers (on every answer, the refusals below included),
2. allowed hosts (DNS rebinding: 400),
3. the sign-in rate limit (429),
4. the body limit (413),
5. the read-only in-flight limit (reads wait; writes pass),
then the CSRF cookie (csrf.py) and the app, whose WriteGuard checks credentials and CSRF.
"""

from __future__ import annotations

from fastapi import FastAPI

from app.security.auth import LOGIN_PATH
from app.security.bodylimit import BodyLimitMiddleware
from app.security.headers import SecurityHeadersMiddleware
from app.security.hosts import AllowedHostsMiddleware
from app.security.inflight import ReadInFlightMiddleware
from app.security.ratelimit import LoginRateLimitMiddleware


def install(app: FastAPI) -> None:
    """Call after csrf.install: each add_middleware wraps everything added before it."""
    app.add_middleware(ReadInFlightMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(LoginRateLimitMiddleware, path=LOGIN_PATH)
    app.add_middleware(AllowedHostsMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
