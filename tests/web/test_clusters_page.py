"""The clusters page in Debian's Chromium, driven by Playwright against a real server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.server import Server
from tests.web.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_the_clusters_page_summarises_each_cluster(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(server.url + "/")
    demo = page.locator("#cluster-demo dl.summary")
    expect(demo.locator('[data-type="LoadBalancer"]')).to_have_text("LoadBalancer 1")
    expect(demo.locator('[data-type="NodePort"]')).to_have_text("NodePort 1")
    expect(demo.locator(".health")).to_have_text("all nodes Ready, all pods ready")
    bare = page.locator("#cluster-bare-metal dl.summary")
    expect(bare).to_contain_text("1 LoadBalancer Service <pending>")
    assert page.locator("#cluster-bare-metal .note").is_visible()
    page.locator('#cluster-demo dl.summary a[href="/clusters/demo/services"]').click()
    expect(page.locator("#table .pager .count").first).to_contain_text(" of ")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(server.url + "/")
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
