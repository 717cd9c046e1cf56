"""The pages at the sizes a class meets — a 1024×768 projector, 1280×720, 1920×1080, and 150 %
browser zoom (a 1280×720 window seen as 853×480 CSS pixels at 1.5 device pixels each) — in the
light and the dark theme: diagram text stays readable and grows with zoom, the side panel never
covers the selected element, table actions stay in view. Screenshots of each page at each size
and theme go to artifacts/screenshots/sizes/ for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.server import Server
from tests.web.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
SIZES: dict[str, dict[str, Any]] = {
    "1024x768": {"viewport": {"width": 1024, "height": 768}},
    "1280x720": {"viewport": {"width": 1280, "height": 720}},
    "1920x1080": {"viewport": {"width": 1920, "height": 1080}},
    "zoom150": {"viewport": {"width": 853, "height": 480}, "device_scale_factor": 1.5},
}
ZOOM = {"device_scale_factor": 1.5}
PAGES = ("", "/services", "/pods", "/nodes", "/manifests")
# The smallest diagram text in device pixels: its font size times the svg's scale times the
# device pixel ratio (150 % zoom makes every CSS pixel 1.5 device pixels).
SMALLEST_TEXT = """() => {
  const svg = document.getElementById("topology");
  const scale = svg.getScreenCTM().a * window.devicePixelRatio;
  const sizes = [...svg.querySelectorAll("text")]
    .filter((t) => t.getBBox().width > 0)
    .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
  return Math.min(...sizes);
}"""


def open_at(browser: Browser, size: str, theme: str) -> Page:
    page = browser.new_page(**SIZES[size])
    page.add_init_script(f"localStorage.setItem('svcscope-theme', '{theme}')")
    return page


@pytest.fixture(params=["light", "dark"])
def theme(request: pytest.FixtureRequest) -> str:
    chosen: str = request.param
    return chosen


@pytest.fixture(params=list(SIZES))
def page(request: pytest.FixtureRequest, browser: Browser, theme: str) -> Iterator[Page]:
    opened = open_at(browser, request.param, theme)
    opened.size_name = request.param  # type: ignore[attr-defined]
    yield opened
    opened.close()


def shot(page: Page, name: str) -> None:
    folder = ARTIFACTS / "sizes"
    folder.mkdir(parents=True, exist_ok=True)
    theme = page.evaluate("document.documentElement.dataset.theme")
    page.screenshot(path=str(folder / f"{name}-{page.size_name}-{theme}.png"))  # type: ignore[attr-defined]


def test_each_page_at_each_size_and_theme(page: Page, server: Server) -> None:
    for path in PAGES:
        page.goto(f"{server.url}/clusters/demo{path}")
        page.wait_for_function("() => typeof window.htmx === 'object'")
        shot(page, "page-" + (path.strip("/") or "topology"))
    page.goto(f"{server.url}/")
    shot(page, "page-clusters")


def test_diagram_text_is_at_least_12_px_and_the_panel_never_covers_the_selection(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/clusters/demo")
    page.wait_for_function("() => typeof window.htmx === 'object'")
    assert page.evaluate(SMALLEST_TEXT) >= 12
    pod = page.locator('#topology g.pod[data-column="node:node-3"]').last
    sel = pod.get_attribute("data-id")
    pod.click()
    expect(page.locator(f'#panel .panel-content[data-sel="{sel}"]')).to_be_visible()
    expect(page.locator("#panel.open")).to_have_css("transform", "none")  # slid in
    selected = page.locator(f'#topology [data-id="{sel}"] > rect').first.bounding_box()
    panel = page.locator("#panel").bounding_box()
    size = page.viewport_size
    assert selected is not None and panel is not None and size is not None
    assert selected["x"] + selected["width"] <= panel["x"], (selected, panel)
    assert 0 <= selected["y"] and selected["y"] + selected["height"] <= size["height"] + 1
    shot(page, "topology-selected")


# 150 % zoom of a projector's 1024×768 window: 683×512 CSS pixels of 1.5 device pixels each.
TABLE_SIZES = {**SIZES, "zoom150-1024": {"viewport": {"width": 683, "height": 512}, **ZOOM}}
# Per table: its action controls (links, buttons and inputs of the last cell of each row) that
# are not inside both the window and the table's own scrolling box, as the page first shows it
# (no sideways scrolling: the actions column sticks to the box's right edge), and the page's
# own sideways overflow (a table must scroll inside its box, never widen the page).
HIDDEN_ACTIONS = """() => {
  const hidden = [];
  document.querySelectorAll("main table").forEach((table, n) => {
    let box = table.parentElement;
    while (box && !["auto", "scroll", "hidden"].includes(getComputedStyle(box).overflowX)) {
      box = box.parentElement;
    }
    const edge = box ? box.getBoundingClientRect() : {left: 0, right: innerWidth};
    const [left, right] = [Math.max(edge.left, 0), Math.min(edge.right, innerWidth)];
    if (!box && table.getBoundingClientRect().right > innerWidth + 0.5) hidden.push(`table ${n}`);
    table.querySelectorAll("tbody tr > td:last-child").forEach((cell) => {
      cell.querySelectorAll("a, button, input").forEach((control) => {
        const r = control.getBoundingClientRect();
        if (r.left < left - 0.5 || r.right > right + 0.5) {
          hidden.push(`table ${n}: ${control.textContent || control.name} at ${r.left}–${r.right}`);
        }
      });
    });
  });
  return {hidden, overflow: document.documentElement.scrollWidth - innerWidth};
}"""


@pytest.mark.parametrize("size", list(TABLE_SIZES))
def test_every_table_fits_or_scrolls_in_its_box_with_its_actions_in_view(
    browser: Browser, server: Server, size: str
) -> None:
    page = browser.new_page(**TABLE_SIZES[size])
    for what in ("pods", "nodes", "objects", "services"):  # pods lists Deployments too
        page.goto(f"{server.url}/clusters/demo/{what}")
        expect(page.locator("main table").first).to_be_visible()
        assert page.evaluate(HIDDEN_ACTIONS) == {"hidden": [], "overflow": 0}, (what, size)
    # With the side panel open (editing a Service) the rows' actions stay left of it, on a
    # window wide enough for the panel to take its own column (app.css: 700 px and up).
    edit = page.locator("#table .row-actions button", has_text="edit").first
    for _ in range(2):
        edit.click()
        expect(page.locator("#panel.open .service-form")).to_be_visible()
        expect(page.locator("#panel.open")).to_have_css("transform", "none")
        panel = page.locator("#panel").bounding_box()
        actions = page.locator("#table .row-actions").first.bounding_box()
        assert panel is not None and actions is not None
        if TABLE_SIZES[size]["viewport"]["width"] >= 700:
            assert actions["x"] + actions["width"] <= panel["x"] + 0.5, (actions, panel)
        page.locator("#panel [data-close-panel]").click()
        expect(page.locator("#panel.open")).to_have_count(0)
    page.close()


def test_diagram_text_grows_with_zoom(browser: Browser, server: Server) -> None:
    sizes = []
    for size in ("1280x720", "zoom150"):
        page = open_at(browser, size, "light")
        page.goto(f"{server.url}/clusters/demo")
        sizes.append(page.evaluate(SMALLEST_TEXT))
        page.close()
    assert sizes[1] > sizes[0] * 1.2, sizes
