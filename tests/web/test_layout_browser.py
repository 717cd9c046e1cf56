"""Dragging the diagram in Chromium: a dropped node stays where it was dropped after a reload,
and "Reset layout" puts it back. Failed requests fail the test through the page watch of
tests/web/conftest.py, which does not count the requests the reload itself cancels."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.server import Server
from tests.web.test_topology_browser import open_page, shot

pytestmark = pytest.mark.browser


def corner(page: Page, element_id: str) -> tuple[float, float]:
    rect = page.locator(f'#topology [data-id="{element_id}"] > rect').first
    return float(rect.get_attribute("x") or 0), float(rect.get_attribute("y") or 0)


def test_a_dragged_node_is_where_it_was_dropped_after_a_reload(
    browser: Browser, server: Server
) -> None:
    page = open_page(browser, server.url + "/clusters/demo")
    node_x, node_y = corner(page, "node:node-3")
    pod = page.locator('#topology g.pod[data-column="node:node-3"]').first
    pod_id = pod.get_attribute("data-id") or ""
    pod_x, pod_y = corner(page, pod_id)
    box = page.locator('#topology [data-id="node:node-3"] > rect').bounding_box()
    assert box is not None
    start_x, start_y = box["x"] + 30, box["y"] + 12  # the node's title, not a pod
    page.mouse.move(start_x, start_y)
    page.mouse.down()
    with page.expect_response(lambda r: r.request.method == "PUT" and "/layout" in r.url) as put:
        page.mouse.move(start_x - 60, start_y + 120, steps=8)
        page.mouse.up()
    assert put.value.status == 200
    expect_panel_closed = page.locator("#panel.open")
    assert expect_panel_closed.count() == 0  # the drop is not a click
    saved = httpx.get(server.url + "/api/clusters/demo/layout").json()["positions"]
    x, y = saved["node:node-3"]["x"], saved["node:node-3"]["y"]
    assert x < node_x and y > node_y + 60

    page.reload()
    page.wait_for_function("() => typeof window.htmx === 'object'")
    assert corner(page, "node:node-3") == (x, y)
    assert corner(page, pod_id) == (pod_x + x - node_x, pod_y + y - node_y)
    assert corner(page, "node:node-1") != (x, y)
    shot(page, "topology-dragged-node")

    with page.expect_response(lambda r: r.request.method == "DELETE" and "/layout" in r.url):
        page.get_by_role("button", name="Reset layout").click()
    page.wait_for_function(
        "([x, y]) => { const r = document.querySelector("
        "'#topology [data-id=\"node:node-3\"] > rect');"
        " return r && +r.getAttribute('x') === x && +r.getAttribute('y') === y; }",
        arg=[node_x, node_y],
    )
    assert httpx.get(server.url + "/api/clusters/demo/layout").json() == {"positions": {}}
    page.close()
