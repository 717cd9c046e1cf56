"""Security headers on every response the app sends.

The Content-Security-Policy allows scripts only from this server (no inline script, no eval):
templates carry no inline <script> or on* handlers, and htmx's own eval paths are off
(base.html's htmx-config sets allowEval false). Styles may be inline: plotly.js writes its
stylesheet into a <style> element at run time and diagrams carry style attributes, and
style injection cannot run script. Images may be data: or blob: URLs (plotly's icons, the
diagram's PNG export). Framing is refused twice (frame-ancestors, and X-Frame-Options for
browsers that predate it), MIME sniffing is off, and no Referer leaves the site.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import Receive, Scope, Send

from app.security.asgi import Middleware, editing_headers

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


def secure(headers: MutableHeaders) -> None:
    """Add the security headers a response does not set itself (the docs pages set their own
    CSP with a nonce). Also called by the 500 handler: Starlette's ServerErrorMiddleware answers
    from outside every middleware added with add_middleware, this one included."""
    for name, value in HEADERS.items():
        if name not in headers:
            headers[name] = value


class SecurityHeadersMiddleware(Middleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, editing_headers(send, secure))
