"""Every control of every page, used twice in a row, in Chromium at the sizes a class meets.

The first use of a control must leave the page able to do it again: a swap that removes its
own target, or a panel stuck after Save, shows on the second try. The page watch of
tests/web/conftest.py fails any test that meets an htmx error or a console error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

from tests.server import Server
from tests.web.conftest import ARTIFACTS, after_change, fill_service_form

pytestmark = pytest.mark.browser
SIZES = {"1024x768": (1024, 768), "1280x720": (1280, 720), "1920x1080": (1920, 1080)}


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    width, height = SIZES[request.param]
    return width, height


@pytest.fixture
def page(browser: Browser, server: Server, size: tuple[int, int]) -> Iterator[Page]:
    opened = browser.new_page(viewport={"width": size[0], "height": size[1]})
    opened.on("dialog", lambda dialog: dialog.accept())  # hx-confirm: the user says yes
    yield opened
    opened.close()


def shot(page: Page, name: str) -> None:
    size = page.viewport_size or {"width": 0, "height": 0}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"))


def open_topology(page: Page, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/clusters/demo{query}")
    page.wait_for_function("() => typeof window.htmx === 'object'")


def in_viewport(page: Page, locator: Locator) -> None:
    """The element is visible inside the window, where the eye is, without scrolling."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    assert 0 <= box["y"] and box["y"] + box["height"] <= size["height"], box
    assert 0 <= box["x"] and box["x"] + box["width"] <= size["width"], box


def feedback(page: Page, text: str | re.Pattern[str]) -> None:
    toast = page.locator("#flash .flash").filter(has_text=text)
    in_viewport(page, toast)


def click_and_refresh(page: Page, control: Locator) -> None:
    after_change(page, control.click)


def select(page: Page, sel: str) -> Locator:
    page.locator(f'#topology [data-id="{sel}"]').click()
    content = page.locator(f'#panel .panel-content[data-sel="{sel}"]')
    expect(content).to_be_visible()
    return content


def test_service_edit_save_twice_then_delete(page: Page, server: Server) -> None:
    open_topology(page, server)
    select(page, "svc:default/backend")
    for port in ("81", "82"):
        with page.expect_response(re.compile(r"/edit$")):
            page.locator("#panel").get_by_role("button", name="Edit").click()
        form = page.locator("#panel .service-form")
        expect(form).to_be_visible()
        form.locator('input[name="ports-0-port"]').fill(port)
        click_and_refresh(page, form.get_by_role("button", name=re.compile("Save")))
        expect(page.locator("#panel .flash.ok")).to_contain_text("service/backend updated")
        in_viewport(page, page.locator("#panel .flash.ok"))
        expect(page.locator("#panel .service-form-wrap")).to_be_visible()
        ports = httpx.get(f"{server.url}/k8s/demo/api/v1/namespaces/default/services/backend")
        assert ports.json()["spec"]["ports"][0]["port"] == int(port)
        select(page, "svc:default/backend")
    page.locator("#panel").get_by_role("button", name="Delete").click()
    feedback(page, 'service "backend" deleted')
    expect(page.locator('#topology [data-id="svc:default/backend"]')).to_have_count(0)


def test_trace_and_rules_twice(page: Page, server: Server) -> None:
    open_topology(page, server)
    panel = select(page, "svc:default/web")
    for seed in ("7", "8"):
        panel = page.locator("#panel .panel-content")
        panel.locator('.trace-form input[name="seed"]').fill(seed)
        panel.locator(".trace-form").get_by_role("button", name="Trace").click()
        expect(panel.locator(".trace-result .trace")).to_contain_text(f"seed {seed}")
        expect(page.locator("#topology.tracing")).to_have_count(1)
    also = panel.locator(".hint button.link")
    for _ in range(2):
        if also.count():
            also.first.click()
            expect(panel.locator(".trace-result .trace")).to_be_visible()
    rules = panel.locator(".rules select[name=node]")
    for node in ("node-2", "node-3"):
        with page.expect_response(re.compile(r"/rules\?")):
            rules.select_option(node)
        expect(panel.locator(".rules-text pre")).to_contain_text("KUBE-")
        expect(rules).to_have_value(node)


def test_pod_ready_twice_and_scale_down_twice(page: Page, server: Server) -> None:
    open_topology(page, server)
    backend = {"labelSelector": "app=backend"}
    pods = httpx.get(f"{server.url}/k8s/demo/api/v1/namespaces/default/pods", params=backend)
    name = sorted(p["metadata"]["name"] for p in pods.json()["items"])[-1]
    sel = f"pod:default/{name}"
    select(page, sel)
    for label, message in (("Make not ready", "not Ready"), ("Make ready", "is now Ready")):
        click_and_refresh(page, page.locator("#panel").get_by_role("button", name=label))
        feedback(page, message)
        expect(page.locator("#panel .panel-content")).to_contain_text(
            "not Ready" if "not" in label else "Ready"
        )
    for replicas in ("3", "0"):
        scale = page.locator("#panel form.scale")
        scale.locator('input[name="replicas"]').fill(replicas)
        click_and_refresh(page, scale.get_by_role("button", name="Scale"))
        feedback(page, f"scaled to {replicas}")
    # The scale-down to 0 removed the selected pod: the panel shows its Deployment instead.
    content = page.locator('#panel .panel-content[data-sel="deploy:default/backend"]')
    expect(content.locator("h2")).to_have_text("Deployment default/backend")
    expect(content.locator(".note")).to_contain_text(f"default/{name} is gone")
    expect(content.locator(".error")).to_have_count(0)
    scale = content.locator("form.scale")  # and it can be scaled back from there
    scale.locator('input[name="replicas"]').fill("2")
    click_and_refresh(page, scale.get_by_role("button", name="Scale"))
    feedback(page, "scaled to 2")
    expect(page.locator("#panel .panel-content").locator("ul.plain li button")).to_have_count(2)


def test_node_ready_twice_and_remove(page: Page, server: Server) -> None:
    open_topology(page, server)
    select(page, "node:node-2")
    for label, message in (("Mark NotReady", "NotReady"), ("Mark Ready", "is now Ready")):
        click_and_refresh(page, page.locator("#panel").get_by_role("button", name=label))
        feedback(page, message)
    page.locator("#panel").get_by_role("button", name="Remove node").click()
    feedback(page, 'node "node-2" deleted')
    expect(page.locator('#topology [data-id="node:node-2"]')).to_have_count(0)


def test_view_controls_twice(page: Page, server: Server) -> None:
    open_topology(page, server)
    for service in ("default/frontend", "default/backend"):
        page.select_option("#service-select", service)
        page.wait_for_url(re.compile(re.escape("service=" + service.replace("/", "%2F"))))
        expect(page.locator("#service-select")).to_have_value(service)
    page.select_option("#service-select", "")
    for text in ("app=frontend", "app=backend"):
        with page.expect_response(re.compile(r"filter=")):
            page.locator("#filter").fill(text)
        expect(page.locator("#filter")).to_have_value(text)
    for group in ("zone", "node"):
        with page.expect_response(re.compile(f"group={group}")):
            page.locator('#view select[name="group"]').select_option(group)
    for _ in range(2):
        with page.expect_response(re.compile(r"/clusters/demo\?")):
            page.locator("#view .layer-np input").click()
    for _ in range(2):
        before = page.evaluate("document.documentElement.dataset.theme")
        page.locator("#theme-toggle").click()
        expect(page.locator("html")).not_to_have_attribute("data-theme", before or "")
    for _ in range(2):
        page.locator("#view").get_by_role("button", name="+ Service").click()
        expect(page.locator("#panel.open .service-form")).to_be_visible()
        page.locator("#panel [data-close-panel]").click()
        expect(page.locator("#panel.open")).to_have_count(0)


def test_create_two_services_in_a_row(page: Page, server: Server) -> None:
    open_topology(page, server)
    page.locator("#view").get_by_role("button", name="+ Service").click()
    for name, node_port in (("shop", "30123"), ("shop2", "30124")):
        form = page.locator("#panel .service-form")
        fill_service_form(form, name, node_port)
        click_and_refresh(page, form.get_by_role("button", name="Create"))
        saved = page.locator("#panel .flash.ok")
        expect(saved).to_contain_text(f"service/{name} created")
        in_viewport(page, saved)
        expect(page.locator(f'#topology [data-id="svc:default/{name}"]')).to_have_count(1)


def test_simulate_twice(page: Page, server: Server) -> None:
    open_topology(page, server)
    form = page.locator("#simulate .sim-form")
    for seed in ("7", "8"):
        form.locator('input[name="requests"]').fill("500")
        form.locator('input[name="seed"]').fill(seed)
        with page.expect_response(re.compile(r"/simulate$")):
            form.get_by_role("button", name="Run").click()
        expect(page.locator("#sim-result .sim-summary")).to_contain_text(f"seed {seed}")
        # plotly.js (4.8 MB) loads on the first chart; a loaded machine needs a while.
        drawn = page.locator("#sim-result .chart svg.main-svg")
        expect(drawn.first).to_be_visible(timeout=30_000)
        charts = page.locator("#sim-result .chart")
        expect(charts).not_to_have_count(0)
        expect(page.locator("#sim-result .chart:not([data-drawn])")).to_have_count(0)
    # The charts follow the theme, both ways: the page's background colour on the plot area.
    for _ in range(2):
        page.locator("#theme-toggle").click()
        dark = page.evaluate("document.documentElement.dataset.theme") == "dark"
        page.wait_for_function(
            """(bg) => [...document.querySelectorAll('#sim-result .chart')]
                 .every((c) => c._fullLayout && c._fullLayout.plot_bgcolor === bg)""",
            arg="#161a22" if dark else "#fbfbfd",
        )
        page.locator("#sim-result").scroll_into_view_if_needed()
        shot(page, f"simulate-charts-{'dark' if dark else 'light'}")


def drag(page: Page, element_id: str, dx: float, dy: float) -> None:
    box = page.locator(f'#topology [data-id="{element_id}"] > rect').first.bounding_box()
    assert box is not None
    x, y = box["x"] + 30, box["y"] + 12  # the box's title, not a pod in it
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=6)
    page.mouse.up()


def test_two_drags_in_a_row_keep_both_positions_and_reset_twice(page: Page, server: Server) -> None:
    open_topology(page, server)
    layout = f"{server.url}/api/clusters/demo/layout"
    held: list[Route] = []

    def hold_first_put(route: Route) -> None:
        if route.request.method == "PUT" and not held:
            held.append(route)  # answered after the second drop
        else:
            route.continue_()

    page.route("**/api/clusters/demo/layout", hold_first_put)
    with page.expect_request(lambda r: r.method == "PUT"):
        drag(page, "node:node-3", -40, 140)
    drag(page, "node:node-1", 40, 140)  # the first save has not landed
    assert len(held) == 1
    second = "node:node-1"
    with page.expect_response(lambda r: second in (r.request.post_data or "")) as saved:
        held[0].continue_()
    assert saved.value.status == 200
    expect(page.locator("#panel.open")).to_have_count(0)  # a drop is not a click
    assert set(httpx.get(layout).json()["positions"]) == {"node:node-1", "node:node-3"}
    for _ in range(2):
        with page.expect_response(lambda r: r.request.method == "DELETE" and "/layout" in r.url):
            page.get_by_role("button", name="Reset layout").click()
        assert httpx.get(layout).json() == {"positions": {}}
    for kind in ("SVG", "PNG", "SVG", "PNG"):
        with page.expect_download() as download:
            page.locator("#diagram .export").get_by_role("button", name=kind).click()
        assert download.value.suggested_filename == f"demo-topology.{kind.lower()}"


def test_table_pages_controls_twice(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/clusters/demo/nodes")
    for _ in range(2):
        click_and_refresh(page, page.get_by_role("button", name="+ Node"))
        feedback(page, "joined the cluster")
    expect(page.locator("#table tbody tr")).to_have_count(5)
    row = page.locator('#table tr[data-name="node-2"]')
    for label, message in (("mark NotReady", "NotReady"), ("mark Ready", "is now Ready")):
        click_and_refresh(page, row.get_by_role("button", name=label))
        feedback(page, message)
    for name in ("node-4", "node-5"):
        remove = page.locator(f'#table tr[data-name="{name}"]').get_by_text("remove")
        click_and_refresh(page, remove)
        feedback(page, f'node "{name}" deleted')
    page.goto(f"{server.url}/clusters/demo/pods")
    pod = page.locator("#table tr:has(button.link)").last.get_attribute("data-name")
    row = page.locator(f'#table tr[data-name="{pod}"]')
    for label, ready in (("make not ready", "0/1"), ("make ready", "1/1")):
        click_and_refresh(page, row.get_by_role("button", name=label))
        feedback(page, "pod/")
        expect(row.locator("td").nth(2)).to_have_text(ready)
    in_viewport(page, page.locator("#table tbody tr").first.locator(".row-actions button"))
    deployment = page.locator('#table tr[data-name="default/frontend"]')
    for replicas in ("2", "4"):
        deployment.locator('input[name="replicas"]').fill(replicas)
        click_and_refresh(page, deployment.get_by_role("button", name="scale"))
        feedback(page, f"scaled to {replicas}")
        expect(deployment.locator("td").nth(2)).to_have_text(f"{replicas}/{replicas}")
    page.goto(f"{server.url}/clusters/demo/services")
    for port in ("81", "82"):
        with page.expect_response(re.compile(r"/edit$")):  # the form is the fresh one
            page.locator('#table tr[data-name="default/backend"]').get_by_text("edit").click()
        form = page.locator("#panel .service-form")
        expect(form).to_be_visible()
        form.locator('input[name="ports-0-port"]').fill(port)
        click_and_refresh(page, form.get_by_role("button", name=re.compile("Save")))
        expect(page.locator("#panel .flash.ok")).to_contain_text("service/backend updated")
        expect(page.locator('#table tr[data-name="default/backend"]')).to_contain_text(f"{port}/")
    for name in ("backend", "frontend"):
        row = page.locator(f'#table tr[data-name="default/{name}"]')
        click_and_refresh(page, row.get_by_text("delete"))
        feedback(page, f'service "{name}" deleted')
        expect(row).to_have_count(0)


def test_yaml_import_twice(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/clusters/demo/manifests")
    form = page.locator("form.import-form")
    for name in ("one", "two"):
        manifest = (
            f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\n"
            "spec: {selector: {app: frontend}, ports: [{port: 80}]}\n"
        )
        form.locator("textarea").fill(manifest)
        for button in ("Dry run", "Apply"):
            with page.expect_response(re.compile(r"/manifests$")):
                form.get_by_role("button", name=button).click()
            expect(page.locator("#import-result")).to_contain_text(name)
    services = httpx.get(f"{server.url}/k8s/demo/api/v1/namespaces/default/services").json()
    assert {"one", "two"} <= {s["metadata"]["name"] for s in services["items"]}


def test_clusters_page_create_twice_and_delete(page: Page, server: Server) -> None:
    for name in ("class-a", "class-b"):
        page.goto(f"{server.url}/")
        page.wait_for_function("() => typeof window.htmx === 'object'")
        form = page.locator("#cluster-form")
        form.locator('input[name="name"]').fill(name)
        form.get_by_role("button", name=re.compile("Create")).click()
        page.wait_for_url(f"**/clusters/{name}")
    page.goto(f"{server.url}/")
    page.wait_for_function("() => typeof window.htmx === 'object'")
    for name in ("class-a", "class-b"):
        page.locator(f"#cluster-{name}").get_by_role("button", name="delete").click()
        expect(page.locator(f"#cluster-{name}")).to_have_count(0)  # after the redirect to /
        page.wait_for_function("() => typeof window.htmx === 'object'")


def test_a_trace_on_bare_metal_does_not_run_through_the_pending_load_balancer(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/clusters/bare-metal")
    page.wait_for_function("() => typeof window.htmx === 'object'")
    panel = select(page, "svc:default/web")
    expect(panel.locator('.trace-form input[name="destination"]')).to_have_value(
        re.compile(r"^192\.168\.\d+\.\d+:3\d{4}$")  # a node's IP and the nodePort
    )
    panel.locator(".trace-form").get_by_role("button", name="Trace").click()
    expect(panel.locator(".trace-result .trace")).to_be_visible()
    links = page.locator("#topology .trace-link")
    expect(links.first).to_be_attached()
    crossing = page.evaluate(
        """() => {
          const lb = document.querySelector('#topology [data-id="lb:default/web"]').getBBox();
          const inside = ([x, y]) =>
            x > lb.x && x < lb.x + lb.width && y > lb.y && y < lb.y + lb.height;
          const crossed = [];
          document.querySelectorAll('#topology .trace-link').forEach((line) => {
            const numbers = line.getAttribute('points').trim().split(/[\\s,]+/).map(Number);
            const points = [];
            for (let i = 0; i + 1 < numbers.length; i += 2) points.push(numbers.slice(i, i + 2));
            for (let i = 1; i < points.length; i++) {
              for (let t = 0; t <= 1; t += 0.01) {
                const p = [points[i-1][0] + (points[i][0] - points[i-1][0]) * t,
                           points[i-1][1] + (points[i][1] - points[i-1][1]) * t];
                if (inside(p)) { crossed.push(p); break; }
              }
            }
          });
          return crossed;
        }"""
    )
    assert crossing == []
    expect(page.locator('#topology [data-id="lb:default/web"].on-path')).to_have_count(0)
    shot(page, "trace-bare-metal")
