"""The issue's big cluster (200 nodes, 282 Services) in Chromium at a projector's 1024×768 and
at 1920×1080: no visible text overlaps (bounding boxes measured in the page), the tables page
forward and back, the Service picker searches every Service, and two drags in a row keep both
positions — each control used twice, with the htmx-error fixture of tests/web/conftest.py on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests import bigcluster
from tests.server import Server
from tests.web.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
SIZES = [(1024, 768), (1920, 1080)]
OVERLAPS = """() => {
  const texts = [...document.querySelectorAll('#topology text')]
    .map((t) => [t, t.getBoundingClientRect()])
    .filter(([t, r]) => r.width > 0 && r.height > 0 && getComputedStyle(t).visibility !== 'hidden');
  const found = [];
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const a = texts[i][1], b = texts[j][1];
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
        a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) {
      found.push(texts[i][0].textContent + ' | ' + texts[j][0].textContent);
    }
  }
  return {count: texts.length, overlaps: found};
}"""


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server with the big cluster for the module; tests that write use their own ids."""
    running = Server(Path(tmp_path_factory.mktemp("big")) / "svcscope.db", seed=False).start()
    with httpx.Client(base_url=running.url, timeout=120) as client:
        bigcluster.create(client)
    yield running
    running.stop()


def open_big(browser: Browser, url: str, size: tuple[int, int]) -> Page:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(url)
    page.wait_for_function("() => typeof window.htmx === 'object'")
    return page


def shot(page: Page, name: str, size: tuple[int, int]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"big-{name}-{size[0]}x{size[1]}.png"))


@pytest.mark.parametrize("size", SIZES)
def test_no_visible_text_overlaps_in_any_view(
    browser: Browser, big_server: Server, size: tuple[int, int]
) -> None:
    page = open_big(browser, big_server.url + "/clusters/big", size)
    views = {
        "topology": "",
        "lb-filter": "?filter=type%3ALoadBalancer",
        "by-namespace": "?group=namespace",
        "zoomed": "?focus=zone%3Azone-a",
        "zoomed-block": "?focus=zone%3Azone-a%2Fblock%3A0",
    }
    for name, query in views.items():
        page.goto(big_server.url + "/clusters/big" + query)
        expect(page.locator("#topology text").first).to_be_visible()
        measured = page.evaluate(OVERLAPS)
        assert measured["count"] > 50, name
        assert measured["overlaps"] == [], name
        shot(page, name, size)
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_pods_table_pages_next_twice_and_back_twice(
    browser: Browser, big_server: Server, size: tuple[int, int]
) -> None:
    page = open_big(browser, big_server.url + "/clusters/big/pods", size)
    count = page.locator("#table .pager .count").first
    expect(count).to_have_text("1–50 of 566")
    for expected in ("51–100 of 566", "101–150 of 566"):
        page.locator("#table .pager a.next").first.click()
        expect(count).to_have_text(expected)
    assert "continue=" in page.url
    shot(page, "pods-page-3", size)
    for expected in ("51–100 of 566", "1–50 of 566"):
        page.locator("#table .pager a.prev").first.click()
        expect(count).to_have_text(expected)
    expect(page.locator("#table .pager a.prev")).to_have_count(0)
    page.fill('#table-filter input[name="labelSelector"]', "app=app-007")
    page.locator("#table-filter button").click()
    expect(count).to_have_text("1–2 of 2")
    page.fill('#table-filter input[name="labelSelector"]', "")
    page.fill('#table-filter input[name="limit"]', "200")
    page.locator("#table-filter button").click()
    expect(count).to_have_text("1–200 of 566")
    page.locator("#table .pager a.next").first.click()
    expect(count).to_have_text("201–400 of 566")
    page.go_back()
    expect(count).to_have_text("1–200 of 566")
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_service_picker_searches_every_service_twice(
    browser: Browser, big_server: Server, size: tuple[int, int]
) -> None:
    page = open_big(browser, big_server.url + "/clusters/big", size)
    options = page.locator("#service-select option")
    expect(options).to_have_count(31)  # all Services + the 30 drawn
    for words, wanted in (("svc-28", "team-1/svc-281"), ("team-9 svc-27", "team-9/svc-279")):
        page.fill("#service-search", words)
        expect(page.locator(f'#service-select option[value="{wanted}"]')).to_have_count(1)
        page.select_option("#service-select", wanted)
        selected = page.locator(f'#topology [data-id="svc:{wanted}"].selected')
        expect(selected).to_have_count(1)
        assert f"service={wanted.replace('/', '%2F')}" in page.url
    shot(page, "picked-service", size)
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_two_drags_in_a_row_keep_both_positions_and_take_bars_and_tabs(
    browser: Browser, big_server: Server, size: tuple[int, int]
) -> None:
    httpx.delete(big_server.url + "/api/clusters/big/layout")
    page = open_big(browser, big_server.url + "/clusters/big", size)
    ids = ["group:zone:zone-a", "group:zone:zone-c"]
    for group in ids:
        frame = page.locator(f'#topology [data-id="{group}"] > rect')
        seg = page.locator(f'#topology rect.seg[data-column="{group}"]').first
        tab = page.locator(f'#topology .np[data-column="{group}"] > rect').first
        before = [float(e.get_attribute("y") or 0) for e in (frame, seg, tab)]
        box = frame.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + 20, box["y"] + 10)
        page.mouse.down()
        with page.expect_response(lambda r: r.request.method == "PUT" and "/layout" in r.url):
            page.mouse.move(box["x"] + 20, box["y"] + 130, steps=6)
            page.mouse.up()
        moved = page.locator(f'#topology [data-id="{group}"] > rect')
        page.wait_for_function(
            "([id, y]) => { const r = document.querySelector("
            "`#topology [data-id=\"${id}\"] > rect`); return r && +r.getAttribute('y') > y; }",
            arg=[group, before[0] + 40],
        )
        after = [
            float(e.get_attribute("y") or 0)
            for e in (
                moved,
                page.locator(f'#topology rect.seg[data-column="{group}"]').first,
                page.locator(f'#topology .np[data-column="{group}"] > rect').first,
            )
        ]
        shift = after[0] - before[0]
        assert shift > 40 and all(
            abs((a - b) - shift) < 1 for a, b in zip(after, before, strict=True)
        )
    saved = httpx.get(big_server.url + "/api/clusters/big/layout").json()["positions"]
    assert set(saved) == set(ids)
    assert page.evaluate(OVERLAPS)["overlaps"] == []
    shot(page, "dragged-twice", size)
    page.close()
    httpx.delete(big_server.url + "/api/clusters/big/layout")


# The bundled routes (bundling.py): load-balancer edges with more than two points.
BUNDLED = """() => [...document.querySelectorAll(
    '#topology .edge.k-client-lb, #topology .edge.k-lb-np, #topology .edge.k-lb-node')]
  .map((e) => [e, e.getAttribute('points').trim().split(/\\s+/)
    .map((s) => s.split(',').map(Number))])
  .filter(([e, p]) => p.length > 2)"""
# Each segment of a bundled route that is neither horizontal nor vertical, as "edge #segment".
BENT = (
    "() => ("
    + BUNDLED
    + """)().flatMap(([e, p]) => p.slice(1).flatMap((q, i) =>
  Math.abs(q[0] - p[i][0]) > 0.01 && Math.abs(q[1] - p[i][1]) > 0.01
    ? [e.dataset.id + ' #' + i] : []))"""
)
# Where the ends of the bundled routes at one box are, and where bundling.py puts them: the
# bottom centre of a load balancer they leave, the top centre of each nodePort tab (or node)
# they point at, the middle of a load balancer's left side for the clients' routes.
ENDS = (
    "(id) => ("
    + BUNDLED
    + """)().flatMap(([e, p]) => {
    const [source, target] = e.dataset.id.split('>');
    const at = (box, where) => {
      const r = document.querySelector(`#topology [data-id="${box}"] > rect`);
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((a) => +r.getAttribute(a));
      return where === 'left' ? [x, y + Math.floor(h / 2)]
        : [x + Math.floor(w / 2), where === 'bottom' ? y + h : y];
    };
    const found = [];
    if (source === id) found.push([p[0], at(source, 'bottom')]);
    const column = document.querySelector(`#topology [data-id="${target}"]`);
    if (target === id || (column && column.dataset.column === id)) {
      const side = e.classList.contains('k-client-lb') ? 'left' : 'top';
      found.push([p[p.length - 1], at(target, side)]);
    }
    return found;
  })"""
)


def _drag_and_check(page: Page, box_id: str, by: tuple[int, int]) -> None:
    """Drag a box by `by` screen pixels: while it moves and once the server has redrawn,
    every bundled route stays orthogonal and ends at the box's tabs (or the box)."""
    rect = page.locator(f'#topology [data-id="{box_id}"] > rect')
    before = (float(rect.get_attribute("x") or 0), float(rect.get_attribute("y") or 0))
    rect.scroll_into_view_if_needed()
    rect.evaluate("(r) => window.scrollBy(0, r.getBoundingClientRect().top - innerHeight / 3)")
    box = rect.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 20 + by[0], box["y"] + 10 + by[1], steps=6)
    assert page.evaluate(BENT) == [], f"while dragging {box_id}"
    with page.expect_response(lambda r: r.request.method == "PUT" and "/layout" in r.url):
        page.mouse.up()
    page.wait_for_function(
        "([id, x, y]) => { const r = document.querySelector("
        '`#topology [data-id="${id}"] > rect`);'
        " return r && !r.closest('.dragged') && +r.getAttribute('x') !== x"
        " && +r.getAttribute('y') !== y; }",
        arg=[box_id, *before],
    )
    assert page.evaluate(BENT) == [], f"after {box_id} was dropped"
    ends = page.evaluate(ENDS, box_id)
    assert ends and all(abs(a[0] - b[0]) < 1 and abs(a[1] - b[1]) < 1 for a, b in ends), ends


@pytest.mark.parametrize("size", SIZES)
def test_bundled_routes_stay_orthogonal_through_two_drags_in_a_row(
    browser: Browser, big_server: Server, size: tuple[int, int]
) -> None:
    httpx.delete(big_server.url + "/api/clusters/big/layout")
    page = open_big(browser, big_server.url + "/clusters/big?filter=type%3ALoadBalancer", size)
    assert page.evaluate(f"() => ({BUNDLED})().length") >= 12
    assert page.evaluate(BENT) == []
    group = page.locator("#topology .el.node").nth(1).get_attribute("data-id") or ""
    lb = page.locator("#topology .el.lb").nth(2).get_attribute("data-id") or ""
    _drag_and_check(page, group, (37, 90))
    _drag_and_check(page, lb, (-23, 41))
    _drag_and_check(page, group, (-19, 33))
    saved = httpx.get(big_server.url + "/api/clusters/big/layout").json()["positions"]
    assert set(saved) == {group, lb}
    shot(page, "bundled-dragged", size)
    page.close()
    httpx.delete(big_server.url + "/api/clusters/big/layout")
