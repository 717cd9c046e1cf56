"""The Simulate panel in Chromium: a run shows progress, then plotly charts drawn with the
plotly.js the plotly package ships (static/vendor), with no request leaving the server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Request, Response, expect

from tests.server import Server
from tests.web.test_topology_browser import open_page, shot

pytestmark = pytest.mark.browser


def test_a_simulation_draws_its_charts_offline(browser: Browser, server: Server) -> None:
    page = open_page(browser, server.url + "/clusters/demo")
    failed: list[str] = []
    foreign: list[str] = []
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))

    def refused(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.url} {response.status}")

    def outside(request: Request) -> None:
        if not request.url.startswith((server.url, "data:", "blob:")):
            foreign.append(request.url)

    page.on("response", refused)
    page.on("request", outside)
    panel = page.locator("#simulate")
    panel.scroll_into_view_if_needed()
    panel.locator('input[name="requests"]').fill("200000")
    panel.locator('select[name="event"]').select_option("node-down")
    panel.locator('input[name="at"]').fill("60")
    panel.locator('select[name="node"]').select_option("node-2")
    panel.get_by_role("button", name="Run").click()
    expect(page.locator("#sim-progress")).to_be_visible()
    charts = page.locator("#sim-result .chart")
    expect(charts).to_have_count(5, timeout=30_000)
    expect(page.locator("#sim-result .chart svg.main-svg").first).to_be_visible(timeout=30_000)
    expect(page.locator("#sim-progress")).to_be_hidden()
    assert page.locator("#sim-result .chart").nth(0).locator("g.trace.bars").count() == 2
    assert page.locator("#sim-result .chart").nth(1).locator("g.trace.scatter").count() == 4
    expect(page.locator("#sim-result")).to_contain_text("t=60s node-down node-2")
    assert page.evaluate("typeof window.Plotly") == "object"
    page.locator("#sim-result").scroll_into_view_if_needed()
    shot(page, "topology-simulate-charts")

    panel.locator("form").evaluate("form => { form.noValidate = true; }")  # reach the server
    panel.locator('input[name="requests"]').fill("0")
    panel.get_by_role("button", name="Run").click()
    expect(page.locator('#sim-result [data-field="requests"]')).to_be_visible()
    assert failed == []
    assert foreign == []
    page.close()
