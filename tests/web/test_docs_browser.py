"""/docs and /redoc follow the theme a user picked on the app's pages: Swagger UI through its
own html.dark-mode, ReDoc through the theme option static/js/docs-theme.js hands it. In the dark
theme no text on either page is hard to read (a WCAG contrast ratio under 3 counts as unreadable,
the level WCAG sets for large text), and neither page asks anything of another machine."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.server import Server
from tests.web.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
DRAWN = {"/docs": ".swagger-ui .info .title", "/redoc": ".api-info h1"}
# Every element with its own visible text whose colour, over the first opaque background behind
# it (the canvas is white), has a contrast ratio under 3.
LOW_CONTRAST = """() => {
  const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
  const linear = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  const luminance = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  const behind = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0.5) return c;
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const element of document.querySelectorAll("body *")) {
    const text = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (!text || !box.width || !box.height || style.visibility === "hidden") continue;
    const fg = rgb(style.color), bg = behind(element), alpha = fg.length > 3 ? fg[3] : 1;
    const seen = [0, 1, 2].map((i) => fg[i] * alpha + bg[i] * (1 - alpha));
    const [light, dark] = [luminance(seen), luminance(bg)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    if (ratio < 3) found.push(`${element.textContent.trim().slice(0, 30)}: ${ratio.toFixed(2)}`);
  }
  return found;
}"""
BACKGROUND_LUMINANCE = """(selector) => {
  const [r, g, b, a] = getComputedStyle(document.querySelector(selector))
    .backgroundColor.match(/[\\d.]+/g).map(Number);
  return a === 0 ? 1 : (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;  // clear: the white canvas
}"""


def open_reference(page: Page, server: Server, path: str) -> None:
    page.goto(server.url + path)
    page.wait_for_selector(DRAWN[path])
    if path == "/docs":  # open every operation of the first tag: more text to read
        for summary in page.locator(".opblock-tag-section").first.locator(".opblock-summary").all():
            summary.click()
        page.wait_for_selector(".opblock-body")
    else:  # and every response of the first operation
        for button in page.get_by_role("button", name="Successful Response").all()[:3]:
            button.click()
        page.wait_for_selector(".api-content h5")


def shade(page: Page, path: str) -> float:
    """How light the viewer's main surface is, 0 (black) to 1 (white)."""
    surface = "html" if path == "/docs" else ".menu-content"
    luminance: float = page.evaluate(BACKGROUND_LUMINANCE, surface)
    return luminance


def test_the_theme_toggle_carries_to_both_api_references(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720}, color_scheme="light")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    folder = ARTIFACTS / "docs"
    folder.mkdir(parents=True, exist_ok=True)
    for theme in ("dark", "light"):  # the toggle twice: light → dark, then dark → light
        page.goto(server.url + "/")
        page.locator("#theme-toggle").click()
        page.wait_for_function(f"document.documentElement.dataset.theme === '{theme}'")
        for path in DRAWN:
            open_reference(page, server, path)
            page.screenshot(path=str(folder / f"{path.strip('/')}-{theme}.png"))
            dark_mode = page.evaluate("document.documentElement.classList.contains('dark-mode')")
            assert dark_mode == (theme == "dark")
            if theme == "dark":
                assert shade(page, path) < 0.2, path
                assert page.evaluate(LOW_CONTRAST) == [], path
            else:
                assert shade(page, path) > 0.8, path
    page.close()
    # data: and blob: URLs (Swagger UI's icons, ReDoc's search worker) never leave the page.
    elsewhere = [u for u in requested if not u.startswith((server.url + "/", "data:", "blob:"))]
    assert requested and elsewhere == []


def test_the_system_dark_preference_reaches_redoc_with_nothing_saved(
    browser: Browser, server: Server
) -> None:
    page = browser.new_page(color_scheme="dark")
    open_reference(page, server, "/redoc")
    assert shade(page, "/redoc") < 0.2
    assert page.evaluate(LOW_CONTRAST) == []
    page.close()
