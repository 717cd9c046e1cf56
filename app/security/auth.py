"""Who may write: with SVCSCOPE_WRITE_TOKEN set, every state-changing request needs the token.

Reads stay open to every viewer (pages, lists, live animation). A write (POST, PUT, PATCH,
DELETE anywhere: /api, /k8s, page forms) must carry `Authorization: Bearer <token>`, or the
session cookie the presenter gets from the /login form. No credentials → 401, wrong ones →
403, as Kubernetes Status objects on the APIs (app/main.py answers a refusal: a Status on
the APIs, a short page elsewhere). The token is compared in constant time and never
logged; the session cookie holds an HMAC keyed by the token (no server-side state, so several
workers agree, and changing the token signs everyone out).

Independently of the token, a write a browser sends from another site is refused (its Origin
or Sec-Fetch-Site says so), and page forms must carry the CSRF token (app/security/csrf.py): a
server on 127.0.0.1 without a token is otherwise writable by any web page its user visits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import urlsplit

from fastapi import Depends, Request

from app.core.apiserver.writes import ApiError
from app.security import csrf
from app.settings import get_settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "svcscope_session"
SESSION_SECONDS = 12 * 3600
LOGIN_PATH = "/login"
TOKEN_CHECKING_FORMS = frozenset({"/login", "/logout"})
"""Page forms that check the token themselves (they still need the CSRF token)."""


class WriteRefused(ApiError):
    """A state-changing request this server does not accept from this client."""


class Unauthorized(WriteRefused):
    code, reason = 401, "Unauthorized"


class Forbidden(WriteRefused):
    code, reason = 403, "Forbidden"


def is_api(path: str) -> bool:
    return path in ("/api", "/k8s") or path.startswith(("/api/", "/k8s/"))


def _token() -> bytes:
    return get_settings().SVCSCOPE_WRITE_TOKEN.encode()


def token_required() -> bool:
    return bool(_token())


def token_matches(candidate: str) -> bool:
    token = _token()
    return bool(token) and hmac.compare_digest(candidate.encode("utf-8", "replace"), token)


def _signature(expires: str, nonce: str) -> str:
    message = f"svcscope-session|{expires}|{nonce}".encode()
    return hmac.new(_token(), message, hashlib.sha256).hexdigest()


def new_session(now: float | None = None) -> str:
    """A presenter session cookie value: expiry, nonce and their HMAC under the token."""
    expires = str(int((now or time.time()) + SESSION_SECONDS))
    nonce = secrets.token_urlsafe(16)
    return f"{expires}.{nonce}.{_signature(expires, nonce)}"


def session_valid(value: str, now: float | None = None) -> bool:
    parts = value.split(".")
    if len(parts) != 3 or not token_required() or not parts[0].isdigit():
        return False
    expires, nonce, signature = parts
    fresh = int(expires) > (now or time.time())
    return hmac.compare_digest(signature.encode(), _signature(expires, nonce).encode()) and fresh


def _cross_site(request: Request) -> bool:
    """A browser says where a request comes from; anything but this origin is refused."""
    origin = request.headers.get("origin")
    if origin is not None:
        return urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()
    site = request.headers.get("sec-fetch-site")
    return site is not None and site not in ("same-origin", "none")


async def require_writer(request: Request) -> None:
    """The app-wide dependency: reads pass, writes must come from someone allowed to write.

    Everything that needs no body comes first (origin, the CSRF cookie, the credentials), so
    an anonymous or cross-site form is refused before a byte of it is parsed; only then is a
    form read for its CSRF field (and the body limit caps that read).
    """
    if request.method in SAFE_METHODS:
        return
    page = not is_api(request.url.path)
    if _cross_site(request):
        raise Forbidden("cross-site requests may not change anything on this server")
    if page and not csrf.cookie_token(request):
        raise Forbidden("the form carried no CSRF token; reload the page and try again")
    by_session = _check_credentials(request)
    # The session cookie rides along on cross-site requests too: the API demands the page token.
    if page or by_session:
        await _check_csrf(request)


def _check_credentials(request: Request) -> bool:
    """Raise unless the request may write; True when it is allowed by the session cookie."""
    if not token_required() or request.url.path in TOKEN_CHECKING_FORMS:
        return False
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        if token_matches(credentials.strip()):
            return False
        raise Forbidden("the write token is not valid")
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        if not session_valid(session):
            raise Forbidden("the presenter session is not valid (expired, or the token changed)")
        return True
    raise Unauthorized(
        "changes need the write token: send 'Authorization: Bearer <token>', or sign in as "
        f"the presenter at {LOGIN_PATH}"
    )


async def _check_csrf(request: Request) -> None:
    try:
        await csrf.verify(request)
    except csrf.CsrfFailed as exc:
        raise Forbidden(str(exc)) from None


WriteGuard = Depends(require_writer)
