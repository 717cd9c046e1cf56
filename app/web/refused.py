"""Short pages for a browser: a write the server refused (app/security/auth.py), or a failure."""

from __future__ import annotations

import html
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.security.auth import LOGIN_PATH, WriteRefused


def refused_page(request: Request, exc: WriteRefused) -> Response:
    """The reason, and a link to sign in that comes back to the page the user was on."""
    here = request.headers.get("hx-current-url") or request.headers.get("referer") or "/"
    target = urlsplit(here).path or "/"
    login = f"{LOGIN_PATH}?next={quote(target, safe='/')}"
    body = (
        "<!doctype html><meta charset='utf-8'><title>Not allowed · svcscope</title>"
        "<link rel='stylesheet' href='/static/css/app.css'>"
        f"<main><h1>{exc.code} {html.escape(exc.reason)}</h1><p>{html.escape(exc.message)}</p>"
        f"<p><a href='{html.escape(login)}'>Sign in as the presenter</a></p></main>"
    )
    headers = {"HX-Redirect": login} if exc.code == 401 else {}
    return HTMLResponse(body, status_code=exc.code, headers=headers)


def failure_page() -> Response:
    """500 for a page: what happened in the words the API uses, no trace, a way back."""
    body = (
        "<!doctype html><meta charset='utf-8'><title>Internal error · svcscope</title>"
        "<link rel='stylesheet' href='/static/css/app.css'>"
        "<main><h1>500 Internal error</h1><p>An unexpected error prevented the request from "
        "succeeding; the server's log has the details.</p><p><a href='/'>Clusters</a></p></main>"
    )
    return HTMLResponse(body, status_code=500)
