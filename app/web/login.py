"""The presenter's sign-in: trade the write token for a session cookie, and back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.resources import TEMPLATES
from app.security import auth

templates = Jinja2Templates(directory=str(TEMPLATES))
router = APIRouter(tags=["pages"], include_in_schema=False)


def _local(next_path: str) -> str:
    """Only a path on this server: never an open redirect to another site."""
    if next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return "/"


def _page(request: Request, next_path: str, error: str | None = None, code: int = 200) -> Response:
    session = request.cookies.get(auth.SESSION_COOKIE, "")
    context = {
        "csrf_token": request.state.csrf_token,
        "next": _local(next_path),
        "token_required": auth.token_required(),
        "signed_in": bool(session) and auth.session_valid(session),
        "error": error,
    }
    return templates.TemplateResponse(request, "pages/login.html", context, status_code=code)


@router.get(auth.LOGIN_PATH, response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    """The sign-in form (or, when signed in, the sign-out button)."""
    return _page(request, next)


@router.post(auth.LOGIN_PATH)
def login(
    request: Request,
    token: Annotated[str, Form(max_length=4096)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Check the token (the CSRF token was checked by auth.require_writer) and sign in."""
    if not auth.token_required():
        return RedirectResponse(_local(next), status_code=303)
    if not auth.token_matches(token):
        return _page(request, next, "That is not the write token.", code=403)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        auth.new_session(),
        max_age=auth.SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    """Forget the presenter session on this browser."""
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, httponly=True, samesite="strict")
    return response
