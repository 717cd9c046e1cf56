"""/docs (Swagger UI) and /redoc, drawn with the pinned copies in /static/vendor, never a CDN.

tools/vendor.py fetches them at install and build time, so the API reference works offline.
Both pages follow the app's light or dark theme (static/js/docs-theme.js).
"""

from __future__ import annotations

import secrets
from html import escape

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.security.headers import CSP

router = APIRouter(include_in_schema=False)
VENDOR = "/static/vendor"
FAVICON = "/static/favicon.svg"
# The app's theme (saved choice, else the system's), set in <head> so a dark page never
# flashes white.
THEME = (
    '<link rel="stylesheet" href="/static/css/docs.css">'
    '<script src="/static/js/theme.js"></script>'
    '<script src="/static/js/docs-theme.js"></script>'
)
# ReDoc's search runs in a blob: worker.
REDOC_CSP = f"{CSP}; worker-src 'self' blob:"


def _openapi_url(request: Request) -> str:
    return request.app.openapi_url or "/openapi.json"


def _title(request: Request) -> str:
    return f"{request.app.title} — API"


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """The interactive API reference.

    FastAPI's page starts Swagger UI with an inline <script>; the app's CSP refuses inline
    script, so this page carries a per-response nonce for it instead of weakening the policy
    everywhere.
    """
    page = get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=_title(request),
        swagger_js_url=f"{VENDOR}/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui.css",
        swagger_favicon_url=FAVICON,
    )
    nonce = secrets.token_urlsafe(16)
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    html = html.replace("</head>", f"{THEME}</head>", 1)
    policy = CSP.replace("script-src 'self'", f"script-src 'self' 'nonce-{nonce}'")
    return HTMLResponse(html, headers={"content-security-policy": policy})


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """The API reference as one readable page.

    Written here rather than by FastAPI's get_redoc_html: that page lets the bundle start
    itself from <redoc spec-url>, which leaves no way to hand ReDoc the dark theme.
    docs-theme.js starts it with the theme instead, so the page needs no inline script.
    """
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<title>{escape(_title(request))}</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="shortcut icon" href="{FAVICON}">
{THEME}
</head>
<body>
<noscript>ReDoc requires JavaScript to draw this page; the raw description is at
<a href="{escape(_openapi_url(request))}">{escape(_openapi_url(request))}</a>.</noscript>
<div id="redoc" data-spec-url="{escape(_openapi_url(request))}"></div>
<script src="{VENDOR}/redoc.standalone.js"></script>
</body>
</html>
"""
    return HTMLResponse(html, headers={"content-security-policy": REDOC_CSP})
