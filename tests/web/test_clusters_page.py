"""The clusters page in Debian's Chromium, driven by Playwright against a real server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.server import Server
from tests.web.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_the_clusters_page_shows_services_as_kubectl_would(
    browser: Browser, server: Server
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(server.url + "/")
    web_demo = page.locator('#cluster-demo tr[data-service="default/web"]')
    assert "LoadBalancer" in web_demo.inner_text()
    assert "198.51.100.1" in web_demo.inner_text()
    web_bare = page.locator('#cluster-bare-metal tr[data-service="default/web"]')
    assert "<pending>" in web_bare.inner_text()
    frontend = page.locator('#cluster-demo tr[data-service="default/frontend"]')
    assert "80:30080/TCP" in frontend.inner_text()
    assert page.locator("#cluster-bare-metal .note").is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "clusters.png"), full_page=True)
    page.close()


def test_htmx_is_served_locally(browser: Browser, server: Server) -> None:
    page = browser.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(server.url + "/")
    page.wait_for_function("() => typeof window.htmx === 'object'")
    assert failed == []
    page.close()
