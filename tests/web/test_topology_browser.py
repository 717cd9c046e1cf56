"""The topology page in Debian's Chromium against a real server, at 1280×720.

Each test saves a screenshot of what it checked to artifacts/screenshots/, so a person can
judge the picture, not only the DOM.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.server import Server
from tests.web.conftest import ARTIFACTS, fill_service_form

pytestmark = pytest.mark.browser
DIM = re.compile(r"\bdim\b")
NOT_READY = re.compile(r"\bnot-ready\b")
NODE_PORT_80 = (
    "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. "
    "The range of valid ports is 30000-32767"
)


def open_page(browser: Browser, url: str, theme: str = "light") -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.add_init_script(f"localStorage.setItem('svcscope-theme', '{theme}')")
    page.goto(url)
    page.wait_for_function("() => typeof window.htmx === 'object'")
    return page


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_the_demo_shows_three_nodes_with_the_node_port_on_each(
    browser: Browser, server: Server
) -> None:
    page = open_page(browser, server.url + "/clusters/demo")
    nodes = page.locator('#topology g.node[data-id^="node:"]')
    expect(nodes).to_have_count(3)
    for i in (1, 2, 3):
        marker = page.locator(f'#topology [data-id="np:node-{i}:30080"]')
        expect(marker).to_be_visible()
        expect(marker.locator("text")).to_have_text("30080")
    expect(page.locator('#topology [data-id="lb:default/web"]')).to_contain_text("198.51.100.1")
    # The page fits 1280×720; a diagram wider than its canvas scrolls inside it.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    canvas = page.locator("#diagram .canvas").bounding_box()
    assert canvas is not None and canvas["x"] + canvas["width"] <= 1280
    shot(page, "topology-demo")
    page.close()
    dark = open_page(browser, server.url + "/clusters/demo", theme="dark")
    assert dark.evaluate("document.documentElement.dataset.theme") == "dark"
    shot(dark, "topology-demo-dark")
    dark.close()


def test_the_bare_metal_load_balancer_is_pending(browser: Browser, server: Server) -> None:
    page = open_page(browser, server.url + "/clusters/bare-metal")
    lb = page.locator('#topology [data-id="lb:default/web"]')
    expect(lb).to_have_class(re.compile(r"\bpending\b"))
    expect(lb).to_contain_text("<pending>")
    expect(lb).to_contain_text("use a nodePort")
    assert page.locator("#topology .k-lb-np").count() == 0
    expect(page.locator('#topology .k-np-svc[data-service="default/web"]')).to_have_count(2)
    shot(page, "topology-bare-metal")
    page.close()


def test_selecting_a_service_shows_only_its_paths(browser: Browser, server: Server) -> None:
    page = open_page(browser, server.url + "/clusters/demo")
    page.select_option("#service-select", "default/frontend")
    page.wait_for_url("**service=default%2Ffrontend**")
    page.wait_for_function(
        """() => {
          const edges = [...document.querySelectorAll('#topology .edge')];
          return edges.length > 0 && edges.every(e => e.dataset.service === 'default/frontend');
        }"""
    )
    assert page.locator("#topology .k-svc-pod").count() == 3
    expect(page.locator('#topology [data-id="svc:default/backend"]')).to_have_class(DIM)
    shot(page, "topology-one-service")
    # The URL restores the view.
    again = open_page(browser, page.url)
    expect(again.locator("#service-select")).to_have_value("default/frontend")
    assert again.locator("#topology .edge").count() == page.locator("#topology .edge").count()
    again.close()
    page.close()


def fill_service(page: Page, name: str, node_port: str) -> None:
    page.click("text=+ Service")
    form = page.locator("#panel .service-form")
    fill_service_form(form, name, node_port)
    form.locator('button:has-text("Create")').click()


def test_the_service_form_shows_the_api_servers_message_and_creates(
    browser: Browser, server: Server
) -> None:
    page = open_page(browser, server.url + "/clusters/demo")
    fill_service(page, "shop", "80")
    error = page.locator("#err-ports-0-nodePort")
    expect(error).to_have_text(NODE_PORT_80)
    expect(page.locator('input[name="ports-0-nodePort"]')).to_have_attribute("aria-invalid", "true")
    shot(page, "service-form-nodeport-80")

    nodeport = page.locator('#panel input[name="ports-0-nodePort"]')
    nodeport.fill("30123")
    page.locator('#panel button:has-text("Create")').click()
    expect(page.locator("#panel .flash.ok")).to_contain_text("service/shop created")
    bar = page.locator('#topology [data-id="svc:default/shop"]')
    expect(bar).to_be_visible()  # the diagram refreshed itself on service-changed
    for i in (1, 2, 3):
        expect(page.locator(f'#topology [data-id="np:node-{i}:30123"]')).to_be_visible()
    page.click("[data-close-panel]")
    shot(page, "service-created")
    api = httpx.get(server.url + "/k8s/demo/api/v1/namespaces/default/services/shop").json()
    assert api["spec"]["ports"][0]["nodePort"] == 30123
    page.close()


def test_a_pod_made_not_ready_loses_its_edge(browser: Browser, server: Server) -> None:
    page = open_page(browser, server.url + "/clusters/demo")
    pod = page.locator('#topology g.pod[data-id^="pod:default/frontend-"]').first
    pod_id = pod.get_attribute("data-id")
    assert pod_id is not None
    edge = page.locator(f'#topology .edge[data-id="svc:default/frontend>{pod_id}"]')
    expect(edge).to_have_count(1)
    pod.click()
    expect(page.locator("#panel .panel-content h2")).to_contain_text(pod_id.removeprefix("pod:"))
    page.locator('#panel button:has-text("Make not ready")').click()
    expect(edge).to_have_count(0)
    expect(page.locator(f'#topology g.pod[data-id="{pod_id}"]')).to_have_class(NOT_READY)
    expect(page.locator("#panel")).to_contain_text("Make ready")  # the panel refreshed too
    shot(page, "pod-not-ready")
    page.close()


def test_a_trace_lights_up_its_path(browser: Browser, server: Server) -> None:
    page = open_page(browser, server.url + "/clusters/demo?sel=np%3Anode-1%3A30080")
    expect(page.locator("#panel.open")).to_be_visible()
    page.locator("#panel .trace-form button").click()
    expect(page.locator("#panel .trace .badge")).to_have_text("delivered")
    expect(page.locator('#topology [data-id="np:node-1:30080"].on-path')).to_have_count(1)
    assert page.locator("#topology .edge.on-path").count() >= 2  # nodePort → Service → pod
    shot(page, "trace")
    page.close()


def test_a_big_cluster_is_grouped_and_zoomable(browser: Browser, server: Server) -> None:
    created = httpx.post(
        server.url + "/api/clusters", json={"name": "big", "nodes": 36}, timeout=60
    )
    assert created.status_code == 201
    page = open_page(browser, server.url + "/clusters/big")
    expect(page.locator("#topology g.node")).to_have_count(3)
    expect(page.locator(".diagram-bar")).to_contain_text("36 nodes in 3 groups")
    shot(page, "topology-grouped")
    page.locator("#topology a.zoom").first.click()
    page.wait_for_url("**focus=zone**")
    expect(page.locator('#topology g.node[data-id^="node:"]')).to_have_count(12)
    page.close()


def test_the_diagram_exports_as_svg_and_png(browser: Browser, server: Server) -> None:
    page = open_page(browser, server.url + "/clusters/demo", theme="dark")
    width = int(page.locator("#topology").get_attribute("width") or 0)
    with page.expect_download() as svg_download:
        page.click('[data-export="svg"]')
    assert svg_download.value.suggested_filename == "demo-topology.svg"
    text = Path(svg_download.value.path()).read_text()
    assert text.startswith("<svg") and 'data-id="np:node-3:30080"' in text
    assert "--lb:" in text and "svg.topo .np rect" in text  # colours and rules travel along
    with page.expect_download() as png_download:
        page.click('[data-export="png"]')
    png = Path(png_download.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 2 * width  # the whole graph, at 2×
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "export-demo-dark.png").write_bytes(png)
    page.close()


def test_a_cluster_created_from_the_clusters_page(browser: Browser, server: Server) -> None:
    page = open_page(browser, server.url + "/")
    form = page.locator("#cluster-form")
    form.locator('input[name="name"]').fill("lab")
    form.locator('select[name="template"]').select_option("bare-metal")
    form.locator('input[name="nodes"]').fill("2")
    shot(page, "clusters-new-cluster")
    form.locator("button").click()
    page.wait_for_url("**/clusters/lab")
    expect(page.locator('#topology g.node[data-id^="node:"]')).to_have_count(2)
    expect(page.locator('#topology [data-id="lb:default/web"]')).to_contain_text("<pending>")
    page.click("text=YAML")
    expect(page.locator("pre.export-yaml")).to_contain_text("name: frontend")
    shot(page, "yaml")
    page.close()


def test_filter_layers_keyboard_and_theme(browser: Browser, server: Server) -> None:
    page = open_page(browser, server.url + "/clusters/demo")
    page.fill("#filter", "app=backend")
    page.wait_for_url("**filter=app%3Dbackend**")
    expect(page.locator('#topology [data-id="svc:default/frontend"]')).to_have_class(DIM)
    backend_pods = page.locator('#topology g.pod[data-id^="pod:default/backend-"]')
    expect(backend_pods).to_have_count(4)
    assert all(
        "dim" not in (c or "")
        for c in backend_pods.evaluate_all("e => e.map(x => x.className.baseVal)")
    )
    page.uncheck('input[name="layer"][value="lb"]')
    expect(page.locator('#topology [data-id="lb:default/web"]')).to_be_hidden()
    expect(page.locator('#topology [data-id="np:node-1:30080"]')).to_be_visible()
    page.locator('#topology [data-id="node:node-2"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#panel .panel-content h2")).to_contain_text("node-2")
    assert "sel=node%3Anode-2" in page.url
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).not_to_have_class(re.compile(r"\bopen\b"))
    before = page.evaluate("document.documentElement.dataset.theme")
    page.click("#theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") != before
    shot(page, "topology-filtered-no-lb")
    page.close()
