"""Who may write: the write token, the presenter session, CSRF on forms, cross-site refusals."""

from __future__ import annotations

import hmac
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from app import cli
from app.main import create_app
from app.security import auth, csrf
from app.settings import get_settings
from tests.server import Server

TOKEN = "s3cret-token-for-tests"
ROOT = Path(__file__).resolve().parents[2]
SVC = "/k8s/demo/api/v1/namespaces/default/services"
PATH_VALUES = {
    "cluster": "demo",
    "namespace": "default",
    "resource": "services",
    "name": "web",
    "group": "apps",
    "node": "node-1",
}


def service(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}


@pytest.fixture
def guarded(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The seeded app with SVCSCOPE_WRITE_TOKEN set."""
    monkeypatch.setenv("SVCSCOPE_SEED", "true")
    monkeypatch.setenv("SVCSCOPE_WRITE_TOKEN", TOKEN)
    get_settings.cache_clear()
    with TestClient(create_app()) as test_client:
        yield test_client


def _writes(routes: Any = None) -> list[tuple[str, str]]:
    """Every state-changing route the app has, with its path parameters filled in."""
    found = []
    for context in iter_route_contexts(routes if routes is not None else create_app().routes):
        methods = getattr(context.original_route, "methods", None) or set()
        path = context.path_format or ""
        for method in sorted(methods - {"GET", "HEAD", "OPTIONS"}):
            filled = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PATH_VALUES.get(m[1], "x"), path)
            found.append((method, filled))
    return found


def _snapshot(client: TestClient) -> Any:
    return client.get("/api/clusters").json()


def _page_token(client: TestClient) -> str:
    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found[1]


def test_every_write_route_is_guarded_and_there_are_many(guarded: TestClient) -> None:
    writes = _writes(guarded.app.routes)  # type: ignore[attr-defined]
    # The walk over app.routes really finds the routes (a walk finding none would pass below).
    assert len(writes) >= 10
    assert ("POST", "/api/clusters") in writes
    assert ("DELETE", "/k8s/demo/api/v1/namespaces/default/services/web") in writes
    before = _snapshot(guarded)
    for method, path in writes:
        response = guarded.request(method, path, json=service("intruder"))
        assert response.status_code in (401, 403), (method, path, response.status_code)
        if auth.is_api(path):
            body = response.json()
            assert body["kind"] == "Status", (method, path, body)
            assert body["code"] == response.status_code, (method, path, body)
            assert body["reason"] in ("Unauthorized", "Forbidden"), (method, path, body)
    assert _snapshot(guarded) == before


def test_every_api_write_without_credentials_is_401_as_a_status(guarded: TestClient) -> None:
    before = _snapshot(guarded)
    for method, path in _writes():
        if not auth.is_api(path):
            continue
        response = guarded.request(method, path, json=service("intruder"))
        assert response.status_code == 401, (method, path, response.text)
        body = response.json()
        assert body["kind"] == "Status" and body["reason"] == "Unauthorized", body
        assert "Bearer" in body["message"]
    assert _snapshot(guarded) == before


def test_every_api_write_with_a_wrong_token_is_403(guarded: TestClient) -> None:
    before = _snapshot(guarded)
    for method, path in _writes():
        if not auth.is_api(path):
            continue
        wrong = {"Authorization": f"Bearer {TOKEN}x"}
        response = guarded.request(method, path, json=service("intruder"), headers=wrong)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["reason"] == "Forbidden"
    assert _snapshot(guarded) == before


def test_every_page_form_needs_the_write_token_and_then_the_csrf_token(
    guarded: TestClient,
) -> None:
    """Credentials come first (no body is read for them); the CSRF field only after."""
    token = _page_token(guarded)
    for method, path in _writes():
        if auth.is_api(path):
            continue
        if path in auth.TOKEN_CHECKING_FORMS:
            refused = guarded.request(method, path, data={"x": "1"})
            assert refused.status_code == 403 and "CSRF" in refused.text, (method, path)
            continue
        for data in ({"x": "1"}, {"csrf_token": token}):
            anonymous = guarded.request(method, path, data=data)
            assert anonymous.status_code == 401, (method, path, anonymous.text)
            assert anonymous.headers["HX-Redirect"].startswith("/login")
        guarded.cookies.set(auth.SESSION_COOKIE, auth.new_session())
        refused = guarded.request(method, path, data={"x": "1"})
        guarded.cookies.delete(auth.SESSION_COOKIE)
        assert refused.status_code == 403, (method, path, refused.text)
        assert "CSRF" in refused.text


def test_reads_stay_open_without_credentials(guarded: TestClient) -> None:
    assert guarded.get("/api/clusters").status_code == 200
    assert guarded.get(SVC).status_code == 200
    assert guarded.get("/k8s/demo/apis/apps/v1/namespaces/default/deployments").status_code == 200
    assert guarded.get("/").status_code == 200


def test_the_bearer_token_writes(guarded: TestClient) -> None:
    response = guarded.post(
        SVC, json=service("allowed"), headers={"Authorization": f"bearer {TOKEN}"}
    )
    assert response.status_code == 201, response.text
    basic = guarded.post(SVC, json=service("basic"), headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401


def test_the_presenter_signs_in_and_writes_through_the_page_token(guarded: TestClient) -> None:
    token = _page_token(guarded)
    wrong = guarded.post("/login", data={"token": "nope", "csrf_token": token})
    assert wrong.status_code == 403 and "not the write token" in wrong.text
    assert auth.SESSION_COOKIE not in guarded.cookies
    signed_in = guarded.post(
        "/login",
        data={"token": TOKEN, "csrf_token": token, "next": "/clusters"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/clusters"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    without_page_token = guarded.post(SVC, json=service("ride-along"))
    assert without_page_token.status_code == 403
    created = guarded.post(SVC, json=service("presenter"), headers={"X-CSRF-Token": token})
    assert created.status_code == 201, created.text
    out = guarded.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert guarded.post(SVC, json=service("after"), headers={csrf.HEADER: token}).status_code == 401


def test_the_login_form_never_redirects_to_another_site(guarded: TestClient) -> None:
    token = _page_token(guarded)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = guarded.post(
            "/login",
            data={"token": TOKEN, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/", target


def test_a_forged_or_expired_session_is_refused(guarded: TestClient) -> None:
    token = _page_token(guarded)
    expires, nonce, signature = auth.new_session().split(".")
    forged = f"{expires}.{nonce}.{'0' * len(signature)}"
    expired = auth.new_session(now=1_000_000)
    for value in (forged, expired, "garbage", f"{int(expires) + 9999}.{nonce}.{signature}"):
        guarded.cookies.set(auth.SESSION_COOKIE, value)
        response = guarded.post(SVC, json=service("forged"), headers={csrf.HEADER: token})
        assert response.status_code == 403, value
        assert response.json()["kind"] == "Status"


def test_changing_the_token_signs_everyone_out(
    guarded: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = auth.new_session()
    assert auth.session_valid(session)
    monkeypatch.setenv("SVCSCOPE_WRITE_TOKEN", "another-token")
    get_settings.cache_clear()
    assert not auth.session_valid(session)


def test_the_token_is_compared_in_constant_time(
    guarded: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    response = guarded.post(SVC, json=service("timed"), headers={"Authorization": "Bearer guess"})
    assert response.status_code == 403, response.text
    assert (b"guess", TOKEN.encode()) in seen


def test_cross_site_writes_are_refused_even_without_a_token(client: TestClient) -> None:
    before = _snapshot(client)
    evil = {"Origin": "http://evil.example", "Content-Type": "text/plain"}
    assert client.post(SVC, content=b'{"metadata":{"name":"x"}}', headers=evil).status_code == 403
    fetch = {"Sec-Fetch-Site": "cross-site"}
    assert client.post("/api/clusters", json={"name": "evil"}, headers=fetch).status_code == 403
    assert client.delete("/api/clusters/demo", headers=evil).status_code == 403
    assert _snapshot(client) == before
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert client.post(SVC, json=service("same"), headers=same).status_code == 201


def test_without_a_token_api_writes_need_nothing_but_forms_still_need_csrf(
    client: TestClient,
) -> None:
    assert client.post(SVC, json=service("open")).status_code == 201
    assert client.post("/logout").status_code == 403
    client.get("/")
    token = client.cookies.get(csrf.COOKIE, "")
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303


def test_pages_issue_the_csrf_cookie_and_carry_it_for_htmx(client: TestClient) -> None:
    page = client.get("/")
    token = client.cookies.get(csrf.COOKIE)
    assert token and f'"X-CSRF-Token": "{token}"' in page.text
    assert "SameSite=Strict" in page.headers["set-cookie"]
    again = client.get("/")
    assert "set-cookie" not in again.headers
    assert client.get("/api/clusters").headers.get("set-cookie") is None


def test_the_openapi_document_declares_the_write_token(guarded: TestClient) -> None:
    document = guarded.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["writeToken"]["scheme"] == "bearer"
    post = document["paths"]["/api/clusters"]["post"]
    assert {"writeToken": []} in post["security"]
    assert "security" not in document["paths"]["/api/clusters"]["get"]


def test_the_server_listens_on_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOST", raising=False)
    assert cli.build_parser().parse_args(["serve"]).host == "127.0.0.1"
    get_settings.cache_clear()
    assert get_settings().HOST == "127.0.0.1"
    assert re.search(r"^HOST \?= 127\.0\.0\.1$", (ROOT / "Makefile").read_text(), re.M)


@pytest.mark.server
def test_the_token_never_reaches_the_server_log(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    server = Server(
        tmp_path / "db.sqlite", env={"SVCSCOPE_WRITE_TOKEN": TOKEN}, log=log, log_level="debug"
    ).start()
    try:
        with httpx.Client(base_url=server.url) as http:
            for header in (f"Bearer {TOKEN}", f"Bearer {TOKEN}x", "Bearer nope"):
                http.post(SVC, json=service("logged"), headers={"Authorization": header})
            http.post("/api/clusters", content=b"{", headers={"Authorization": f"Bearer {TOKEN}"})
            page = http.get("/login")
            page_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert page_token
            http.post("/login", data={"token": TOKEN, "csrf_token": page_token[1]})
    finally:
        server.stop()
    text = log.read_text()
    assert "POST /k8s/demo" in text  # the log is there, at debug level
    assert TOKEN not in text


@pytest.mark.server
@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_kubectl_writes_with_the_token_over_https(tmp_path: Path) -> None:
    """client-go sends credentials only over TLS: `svcscope serve --tls-cert/--tls-key`."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = Server(
        tmp_path / "db.sqlite", env={"SVCSCOPE_WRITE_TOKEN": TOKEN}, tls=(cert, key)
    ).start()
    env = {**os.environ, "KUBECONFIG": str(tmp_path / "kubeconfig")}

    def kubectl(*args: str) -> subprocess.CompletedProcess[str]:
        command = ["kubectl", f"--server={server.url}/k8s/demo", "--insecure-skip-tls-verify"]
        return subprocess.run(
            [*command, *args], env=env, capture_output=True, text=True, timeout=120,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip

    manifest = tmp_path / "svc.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "Service", **service("ok")}))
    try:  # (kubectl over TLS prompts for a user when it has no credentials at all)
        assert kubectl("--token=viewer", "get", "svc", "web").returncode == 0  # reads are open
        wrong = kubectl("--token=nope", "create", "--validate=false", "-f", str(manifest))
        assert wrong.returncode == 1 and "the write token is not valid" in wrong.stderr
        created = kubectl(f"--token={TOKEN}", "create", "--validate=false", "-f", str(manifest))
        assert created.returncode == 0, created.stderr
        assert kubectl("--token=viewer", "get", "svc", "ok").returncode == 0
    finally:
        server.stop()
