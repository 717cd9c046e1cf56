"""/docs (Swagger UI) and /redoc, drawn with the pinned copies in /static/vendor, never a CDN.

tools/vendor.py fetches them at install and build time, so the API reference works offline.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.security.headers import CSP

router = APIRouter(include_in_schema=False)
VENDOR = "/static/vendor"
FAVICON = "/static/favicon.svg"


def _openapi_url(request: Request) -> str:
    return request.app.openapi_url or "/openapi.json"


def _with_nonce(page: HTMLResponse) -> HTMLResponse:
    """FastAPI's pages start their viewer with an inline <script>; the app's CSP refuses inline
    script, so these two pages carry a per-response nonce for it (and allow the blob: worker
    ReDoc's search runs in) instead of weakening the policy everywhere."""
    nonce = secrets.token_urlsafe(16)
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    policy = CSP.replace("script-src 'self'", f"script-src 'self' 'nonce-{nonce}'")
    return HTMLResponse(
        html, headers={"content-security-policy": f"{policy}; worker-src 'self' blob:"}
    )


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """The interactive API reference."""
    return _with_nonce(
        get_swagger_ui_html(
            openapi_url=_openapi_url(request),
            title=f"{request.app.title} — API",
            swagger_js_url=f"{VENDOR}/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui.css",
            swagger_favicon_url=FAVICON,
        )
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """The API reference as one readable page."""
    return _with_nonce(
        get_redoc_html(
            openapi_url=_openapi_url(request),
            title=f"{request.app.title} — API",
            redoc_js_url=f"{VENDOR}/redoc.standalone.js",
            redoc_favicon_url=FAVICON,
            with_google_fonts=False,
        )
    )
