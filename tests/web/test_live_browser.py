"""Live pages in Chromium: a change made through the API (by someone else) is redrawn on the open
topology and table pages without a reload, and the user's selection and panel stay.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.server import Server
from tests.web.test_topology_browser import open_page

pytestmark = pytest.mark.browser
SERVICES = "/k8s/demo/api/v1/namespaces/default/services"
REDRAW_MS = 5000
"""The feature promises a redraw within a second; the bound leaves room for a busy CI box."""


def watch_errors(page: Page) -> list[str]:
    """Console errors and every htmx:*Error event on the page, collected as they happen."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.evaluate(
        """() => ['htmx:responseError', 'htmx:sendError', 'htmx:swapError', 'htmx:targetError',
                  'htmx:onLoadError', 'htmx:sseError'].forEach(name =>
             document.body.addEventListener(name, () => console.error(name)))"""
    )
    return errors


def _service(name: str) -> dict[str, object]:
    return {
        "metadata": {"name": name, "labels": {"app": "frontend"}},
        "spec": {"type": "NodePort", "selector": {"app": "frontend"}, "ports": [{"port": 81}]},
    }


def test_the_open_topology_redraws_a_service_created_through_the_api(
    browser: Browser, server: Server
) -> None:
    page = open_page(browser, server.url + "/clusters/demo?sel=node%3Anode-1")
    errors = watch_errors(page)
    expect(page.locator("#panel")).to_have_class("panel open")
    page.evaluate("() => { window.notReloaded = true; }")
    created = httpx.post(f"{server.url}{SERVICES}", json=_service("live"))
    assert created.status_code == 201
    node_port = created.json()["spec"]["ports"][0]["nodePort"]
    marker = page.locator(f'#topology [data-id="np:node-1:{node_port}"]')
    expect(marker).to_be_visible(timeout=REDRAW_MS)
    expect(page.locator("#service-select option[value='default/live']")).to_have_count(1)
    assert page.evaluate("() => window.notReloaded === true")  # redrawn, not reloaded
    expect(page.locator("#panel")).to_have_class("panel open")  # the selection stays
    assert "sel=node%3Anode-1" in page.url
    httpx.delete(f"{server.url}{SERVICES}/live")
    expect(marker).to_have_count(0, timeout=REDRAW_MS)
    assert errors == []
    page.close()


def test_the_open_services_table_shows_a_service_created_through_the_api(
    browser: Browser, server: Server
) -> None:
    page = open_page(browser, server.url + "/clusters/demo/services")
    errors = watch_errors(page)
    row = page.locator('#table tr[data-name="default/live"]')
    expect(row).to_have_count(0)
    httpx.post(f"{server.url}{SERVICES}", json=_service("live"))
    expect(row).to_have_count(1, timeout=REDRAW_MS)
    expect(row).to_contain_text("NodePort")
    assert errors == []
    page.close()
