"""One limit on every request body, on every route, applied before anything parses it.

A declared Content-Length over SVCSCOPE_MAX_BODY_BYTES is answered 413 at once, before the
app runs; a chunked body is counted as it arrives and the read that passes the limit raises
BodyTooLarge, an HTTPException(413): FastAPI re-raises HTTP exceptions from its body reading
(anything else would become a 400), the app answers it as a Status, and if a route swallowed
it, this middleware still answers 413 as long as nothing was sent. Form parsing (python-
multipart), the JSON and YAML readers and the manifest upload all read through here.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from app.security.asgi import Middleware, header, send_status
from app.settings import get_settings


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request entity too large: limit is {limit}")


class BodyLimitMiddleware(Middleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = get_settings().SVCSCOPE_MAX_BODY_BYTES
        declared = header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            message = str(BodyTooLarge(limit).detail)
            await send_status(send, 413, "RequestEntityTooLarge", message, {"connection": "close"})
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge as exc:
            if started:
                raise
            await send_status(send, 413, "RequestEntityTooLarge", str(exc.detail),
                              {"connection": "close"})  # fmt: skip
