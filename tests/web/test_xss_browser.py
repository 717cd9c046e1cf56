"""An injected script never runs: hostile text in every free-form field, every page, Chromium.

Kubernetes lets annotations, container images, node info and a pod's status message hold any
text, and the pages reflect query parameters. Each payload below would bump `window.__xss` or
open a dialog if a page ever put it into the DOM as markup. The test visits every page (the
list is taken from the app's routes, so new pages are covered) and a panel for each object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from playwright.sync_api import Browser, Dialog

from app.main import create_app
from tests.server import Server
from tests.web.conftest import PageWatch

pytestmark = pytest.mark.browser
BUMP = "window.__xss=(window.__xss||0)+1"
PAYLOADS = [
    f"<script>{BUMP}</script>",
    f'<img src=x onerror="{BUMP}">',
    f'"><svg onload="{BUMP}">',
    f"'-{{{BUMP}}}-'",
    f"javascript:{BUMP}",
    f'<a href="#" hx-get="/" hx-trigger="load" hx-on::before-request="{BUMP}">x</a>',
]
TEXT = " | ".join(PAYLOADS)
NS = "/k8s/demo/api/v1/namespaces/default"
PARAMS = {"cluster": "demo", "what": "services", "namespace": "default", "name": "xss-svc"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("xss")
    running = Server(directory / "svcscope.db", log=directory / "server.log").start()
    plant_payloads(running.url)
    yield running
    running.stop()


def plant_payloads(url: str) -> None:
    annotations = {f"x{i}": p for i, p in enumerate(PAYLOADS)}
    pod_spec = {"containers": [{"name": "c", "image": TEXT}]}
    objects: list[tuple[str, dict[str, Any]]] = [
        (f"{NS}/services", {
            "metadata": {"name": "xss-svc", "annotations": annotations},
            "spec": {"type": "NodePort", "selector": {"app": "xss"}, "ports": [{"port": 80}]},
            "x-unknown": TEXT,
        }),
        (f"{NS}/pods", {
            "metadata": {"name": "xss-pod", "labels": {"app": "xss"}, "annotations": annotations},
            "spec": {"nodeName": "node-1", **pod_spec},
            "status": {"phase": "Running", "podIP": "10.244.1.200", "message": TEXT, "reason": TEXT,
                       "conditions": [{"type": "Ready", "status": "True", "message": TEXT}]},
        }),
        ("/k8s/demo/api/v1/nodes", {
            "metadata": {"name": "xss-node", "annotations": annotations},
            "status": {"nodeInfo": {"osImage": TEXT, "kernelVersion": TEXT},
                       "addresses": [{"type": "InternalIP", "address": "192.168.49.200"}],
                       "conditions": [{"type": "Ready", "status": "True", "message": TEXT}]},
        }),
        ("/k8s/demo/apis/apps/v1/namespaces/default/deployments", {
            "metadata": {"name": "xss-dep", "annotations": annotations},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "xss-dep"}},
                     "template": {"metadata": {"labels": {"app": "xss-dep"},
                                               "annotations": annotations}, "spec": pod_spec}},
        }),
    ]  # fmt: skip
    with httpx.Client(base_url=url) as http:
        for path, body in objects:
            response = http.post(path, json=body)
            assert response.status_code == 201, response.text


def page_urls() -> list[str]:
    """Every page the app serves (from its routes), the object panels, reflected inputs."""
    urls = set()
    for context in iter_route_contexts(create_app().routes):
        path = context.path_format or ""
        methods = getattr(context.original_route, "methods", None) or set()
        if "GET" not in methods or path.startswith(("/api", "/k8s", "/docs", "/redoc", "/openapi")):
            continue
        if path.endswith("/live"):  # an event stream of JSON, not a page: it never "loads"
            continue
        urls.add(re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PARAMS.get(m[1], "x"), path))
    for what in ("services", "pods", "nodes"):
        urls.add(f"/clusters/demo/{what}")
    for sel in ("svc:default/xss-svc", "pod:default/xss-pod", "node:xss-node", "node:node-1"):
        urls.add(f"/clusters/demo?sel={quote(sel)}")
        urls.add(f"/clusters/demo/panel?sel={quote(sel)}")
    reflected = quote(TEXT, safe="")  # every payload at once, in parameters and path segments
    urls.add(f"/clusters/demo?sel={reflected}")
    urls.add(f"/clusters/demo/panel?sel={reflected}")
    urls.add(f"/clusters/demo/trace?source=external&destination={reflected}")
    urls.add(f"/login?next={reflected}")
    urls.add(f"/clusters/{reflected}")
    urls.add(f"/clusters/demo/{reflected}")
    return sorted(urls)


def test_no_injected_script_runs_on_any_page(
    browser: Browser, server: Server, page_watch: PageWatch
) -> None:
    # Hostile names in paths are unknown clusters and objects: their 404s and 422s are the point.
    page_watch.allow(lambda problem: "the server responded with a status of 4" in problem)
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    shown = 0
    visited = page_urls()
    assert len(visited) > 12
    for url in visited:
        page.goto(server.url + url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None, url
        html = page.content()
        shown += "&lt;script&gt;window.__xss" in html or "&lt;img src=x onerror" in html
    assert dialogs == []
    assert shown >= 3  # the payloads did reach the pages, as text
    context.close()


def test_the_panels_show_the_hostile_text_as_text(browser: Browser, server: Server) -> None:
    page = browser.new_page()
    page.goto(f"{server.url}/clusters/demo?sel={quote('svc:default/xss-svc')}")
    page.wait_for_load_state("networkidle")
    assert PAYLOADS[0] in page.evaluate("document.body.textContent")
    assert page.evaluate("window.__xss") is None
    page.close()
