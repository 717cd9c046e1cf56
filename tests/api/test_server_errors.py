"""An exception no handler takes: a 500 that still carries the security headers, a Status on
the APIs and a plain page for browsers. Starlette's ServerErrorMiddleware answers those from
outside every middleware, so the headers middleware never sees them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from app.security.headers import CSP
from app.settings import get_settings


class Boom(Exception):
    """Raised by the test-only routes: nothing in the app handles it."""


def _boom() -> None:
    raise Boom("a secret the answer must not show")


def _not_busy() -> None:
    raise OperationalError("SELECT 1", {}, Exception("disk I/O error: secret"))


@pytest.fixture
def failing(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from app.main import create_app

    monkeypatch.setenv("SVCSCOPE_SEED", "false")
    get_settings.cache_clear()
    app: FastAPI = create_app()
    routes = [(p, _boom) for p in ("/api/clusters/boom", "/k8s/demo/api/v1/boom", "/boom")]
    for path, endpoint in [*routes, ("/api/clusters/disk", _not_busy)]:
        app.router.routes.insert(0, APIRoute(path, endpoint, methods=["GET"]))  # before /{name}
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _assert_secured(headers: dict[str, str] | object) -> None:
    assert isinstance(headers, dict)
    assert headers["content-security-policy"] == CSP
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    "path", ["/api/clusters/boom", "/k8s/demo/api/v1/boom", "/api/clusters/disk"]
)
def test_an_unexpected_api_failure_is_a_status_with_the_security_headers(
    failing: TestClient, path: str
) -> None:
    response = failing.get(path)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["kind"] == "Status" and body["reason"] == "InternalError" and body["code"] == 500
    assert "secret" not in response.text
    _assert_secured(dict(response.headers))


def test_an_unexpected_page_failure_is_a_plain_page_with_the_security_headers(
    failing: TestClient,
) -> None:
    response = failing.get("/boom", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "500 Internal error" in response.text and "<script" not in response.text
    assert "secret" not in response.text and "Traceback" not in response.text
    _assert_secured(dict(response.headers))
