"""Presenter mode, guided scenarios, downloads and the replay, in Chromium, keyboard first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.server import Server
from tests.web.test_topology_browser import shot

pytestmark = pytest.mark.browser

SMALLEST_TEXT = """() => {
  const svg = document.getElementById("topology");
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  let smallest = Infinity;
  svg.querySelectorAll("text").forEach((t) => {
    if (!t.getClientRects().length) return;
    smallest = Math.min(smallest, parseFloat(getComputedStyle(t).fontSize) * scale);
  });
  return smallest;
}"""


def at_size(browser: Browser, url: str, width: int, height: int) -> Page:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.add_init_script("localStorage.setItem('svcscope-theme', 'light')")
    page.goto(url)
    page.wait_for_function("() => typeof window.htmx === 'object'")
    return page


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1920, 1080)])
def test_presenter_mode_is_large_and_never_covers_the_diagram(
    browser: Browser, server: Server, width: int, height: int
) -> None:
    page = at_size(browser, server.url + "/scenarios/nodeport?step=1", width, height)
    page.wait_for_url(re.compile(r"/clusters/lesson-nodeport\?present=1"))
    expect(page.locator("body.present")).to_be_visible()
    expect(page.locator("#view")).to_be_hidden()
    expect(page.locator(".legend")).to_be_hidden()
    expect(page.locator(".present-caption")).to_contain_text("step 1 of 2")
    assert page.evaluate(SMALLEST_TEXT) >= 16
    canvas = page.locator("#diagram .canvas").bounding_box()
    strip = page.locator("#presenter").bounding_box()
    assert canvas and strip and canvas["y"] + canvas["height"] <= strip["y"] + 1
    assert strip["y"] + strip["height"] <= height + 1
    subject = page.locator('#topology .el.subject[data-id="svc:default/frontend"]')
    expect(subject).to_have_count(1)
    box = subject.bounding_box()
    assert box and canvas["y"] <= box["y"] and box["y"] + box["height"] <= strip["y"]
    page.keyboard.press("Space")
    expect(page.locator("#present-result .trace")).to_be_visible()
    shot(page, f"presenter-{width}x{height}")
    page.close()


def test_a_scenario_end_to_end_with_the_keyboard_only(browser: Browser, server: Server) -> None:
    page = at_size(browser, server.url + "/scenarios/clusterip?step=0", 1280, 800)
    page.wait_for_url(re.compile(r"scenario=clusterip&step=0"))
    status = page.locator(".present-status")
    for n in (1, 2):  # twice in a row
        page.keyboard.press("Space")
        expect(status).to_contain_text(f"Request {n}: delivered")
    expect(page.locator("#present-result .badge").first).to_have_text("delivered")
    # The path lights up the client pod and the backend pod the server routed it to.
    reached = page.locator('#topology .el.pod.on-path[data-id^="pod:default/backend"]')
    expect(reached).to_have_count(1)
    name = (reached.get_attribute("data-id") or "").split("/")[-1]
    expect(page.locator("#present-result .trace > p").first).to_contain_text(name)
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"scenario=clusterip&step=1"))
    page.keyboard.press("Space")
    expect(status).to_contain_text("First the room guesses")
    page.locator('#topology .el.pod[data-id^="pod:default/backend"]').first.focus()
    page.keyboard.press("Enter")
    expect(status).to_contain_text("The room guesses backend-")
    expect(page.locator("#topology .el.guess")).to_have_count(1)
    page.keyboard.press("Space")
    expect(status).to_contain_text(re.compile(r"Right: it went to|The room guessed"))
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"scenario=clusterip&step=2"))
    page.keyboard.press("Space")
    expect(page.locator("#present-result .badge").first).to_have_text("unreachable")
    expect(page.locator("#present-result .instead")).to_contain_text(
        "reachable only from inside the cluster"
    )
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"scenario=clusterip&step=3"))
    page.keyboard.press("ArrowRight")
    expect(status).to_have_text("This is the last step.")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"scenario=clusterip&step=2"))
    page.close()


def test_help_step_mode_and_presenter_toggle_work_twice(browser: Browser, server: Server) -> None:
    page = at_size(browser, server.url + "/clusters/demo?present=1", 1280, 800)
    expect(page.locator("body.present")).to_be_visible()
    help_box = page.locator("#present-help")
    for _ in range(2):
        page.keyboard.press("?")
        expect(help_box).to_be_visible()
        expect(page.locator("[data-help-close]")).to_be_focused()
        page.keyboard.press("Escape")
        expect(help_box).to_be_hidden()
    # s steps the animation (motion.js) one hop at a time: one press, one hop, never two.
    caption = page.locator("#motion-caption")
    page.keyboard.press("s")
    expect(caption).to_contain_text("hop 1/")
    page.keyboard.press("s")
    expect(caption).to_contain_text("hop 2/")
    for _ in range(2):
        page.keyboard.press("P")
        expect(page.locator("body.present")).to_have_count(0)
        expect(page.locator("#view")).to_be_visible()
        assert "present=1" not in page.url
        page.keyboard.press("P")
        expect(page.locator("body.present")).to_be_visible()
        assert "present=1" in page.url
    page.close()


def test_the_fault_key_takes_the_node_down_and_up(browser: Browser, server: Server) -> None:
    page = at_size(browser, server.url + "/scenarios/node-failure?step=0", 1280, 800)
    page.wait_for_url(re.compile(r"scenario=node-failure&step=0"))
    node = page.locator('#topology .el.node[data-id="node:node-2"]')
    expect(node).not_to_have_class(re.compile(r"\bnot-ready\b"))
    page.keyboard.press("f")
    expect(page.locator(".present-status")).to_contain_text("node-2 is NotReady")
    expect(node).to_have_class(re.compile(r"\bnot-ready\b"), timeout=15_000)
    page.keyboard.press("f")
    expect(page.locator(".present-status")).to_contain_text("node-2 is Ready again")
    expect(node).not_to_have_class(re.compile(r"\bnot-ready\b"), timeout=15_000)
    page.close()


def test_downloads_and_the_replay(browser: Browser, server: Server) -> None:
    page = at_size(browser, server.url + "/clusters/demo", 1280, 900)
    panel = page.locator("#simulate")
    panel.locator('input[name="requests"]').fill("5000")
    panel.get_by_role("button", name="Run").click()
    expect(page.locator("#sim-result .chart.js-plotly-plot")).to_have_count(5, timeout=30_000)
    for _ in range(2):
        with page.expect_download() as got:
            page.get_by_role("link", name="series CSV").click()
        download = got.value
        assert download.suggested_filename.endswith("-series.csv")
        text = Path(download.path()).read_text(encoding="utf-8")
        assert text.startswith("t,seconds,delivered")
    with page.expect_download() as got:
        page.get_by_role("link", name="result JSON").click()
    assert got.value.suggested_filename.endswith(".json")
    for _ in range(2):
        with page.expect_download() as got:
            page.get_by_role("button", name="charts PNG").click()
        png = got.value
        assert png.suggested_filename.endswith(".png")
        assert Path(png.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    scrub = page.locator(".replay-scrub")
    now = page.locator(".replay-now")
    expect(now).to_contain_text("#0 at t=0")
    scrub.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(now).not_to_contain_text("#0 at t=0")
    expect(page.locator("#topology .el.pod.replay-at")).to_have_count(1)
    page.close()
