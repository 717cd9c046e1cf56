"""Cross-site request forgery: a double-submit token, checked on every form a page posts.

Every HTML response to a browser without the cookie sets `svcscope_csrf` (random, SameSite=Strict,
HttpOnly) and the page carries the same value: base.html puts it in `hx-headers` so every HTMX
request sends it as `X-CSRF-Token`, and a plain form sends it as the `csrf_token` field. Another
site can make a browser post to us, but it can neither read nor set that cookie, so it cannot
send a matching token. Stateless, so any number of workers agree without sharing memory.
"""

from __future__ import annotations

import hmac
import re
import secrets
from http.cookies import SimpleCookie

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import Receive, Scope, Send

from app.security.asgi import Middleware, editing_headers, header_values

COOKIE = "svcscope_csrf"
HEADER = "x-csrf-token"
FIELD = "csrf_token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_WELL_FORMED = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class CsrfFailed(Exception):
    """The request carried no token, or one that does not match its cookie."""


def _cookie_token(raw_cookie_header: str) -> str | None:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(raw_cookie_header)
    except Exception:  # a malformed Cookie header is a missing cookie, never an error
        return None
    morsel = cookies.get(COOKIE)
    if morsel is None or not _WELL_FORMED.match(morsel.value):
        return None
    return morsel.value


class CsrfCookieMiddleware(Middleware):
    """Puts the browser's token in `request.state.csrf_token`; issues one with HTML pages."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _cookie_token("; ".join(header_values(scope, b"cookie")))
        scope.setdefault("state", {})["csrf_token"] = token or secrets.token_urlsafe(32)
        if token:
            await self.app(scope, receive, send)
            return

        def set_cookie(headers: MutableHeaders) -> None:
            if headers.get("content-type", "").startswith("text/html"):
                headers.append(
                    "set-cookie",
                    f"{COOKIE}={scope['state']['csrf_token']}; Path=/; SameSite=Strict; HttpOnly",
                )

        await self.app(scope, receive, editing_headers(send, set_cookie))


def cookie_token(request: Request) -> str | None:
    """The browser's well-formed CSRF cookie, if it sent one (no body is read)."""
    value = request.cookies.get(COOKIE, "")
    return value if _WELL_FORMED.match(value) else None


async def verify(request: Request) -> None:
    """Raise CsrfFailed unless the header or form field matches the cookie (constant time)."""
    expected = request.cookies.get(COOKIE, "")
    sent = request.headers.get(HEADER, "")
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(FORM_TYPES):
        form = await request.form()  # cached on the request: the route reads the same form
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else ""
    if not (expected and sent and _WELL_FORMED.match(expected)):
        raise CsrfFailed("the form carried no CSRF token; reload the page and try again")
    if not hmac.compare_digest(expected.encode(), sent.encode("utf-8", "replace")):
        raise CsrfFailed("the form's CSRF token does not match; reload the page and try again")


def install(app: FastAPI) -> None:
    app.add_middleware(CsrfCookieMiddleware)
