"""What every browser test needs: Debian's Chromium driven by Playwright, and a real server.

Every page any browser test opens is watched (`_watch_pages`): an htmx error event
(targetError, swapError, responseError, sendError, …), a console error, an uncaught exception
or a failed request fails the test at its end. A request the test itself cancelled — its page
navigated or reloaded, or was closed, while the request was in flight — is not a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Request,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from tests.server import Server

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HTMX_ERRORS = (
    "htmx:targetError", "htmx:swapError", "htmx:responseError", "htmx:sendError",
    "htmx:sendAbort", "htmx:oobErrorNoTarget", "htmx:onLoadError", "htmx:timeout",
)  # fmt: skip
# Reports each htmx error event with what it concerned; registered before any page script.
REPORT_HTMX_ERRORS = """
(() => {
  const names = %s;
  const describe = (el) => el && el.tagName
    ? el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.getAttribute("hx-target") ? "[hx-target=" + el.getAttribute("hx-target") + "]" : "")
    : String(el);
  names.forEach((name) => document.addEventListener(name, (event) => {
    const d = event.detail || {};
    const where = d.requestConfig ? d.requestConfig.verb + " " + d.requestConfig.path : "";
    window.__svcscopeHtmxError(name + " on " + describe(d.elt || event.target) + " " + where +
      (d.target ? " target " + describe(d.target) : ""));
  }, true));
  // Widgets that refresh themselves after a change (hx-trigger="service-changed from:body"):
  // how many refreshes have landed, so a test waits for them before its next action.
  window.__svcscopeRefreshes = 0;
  document.addEventListener("htmx:afterSettle", (event) => {
    const elt = event.detail && event.detail.elt;
    if (elt && (elt.getAttribute("hx-trigger") || "").includes("service-changed")) {
      window.__svcscopeRefreshes += 1;
    }
  }, true);
})();
""" % list(HTMX_ERRORS)  # noqa: UP031


class PageWatch:
    """The problems seen on one test's pages, and the requests its own navigations cancelled."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.cancelled: list[str] = []
        self.allowed: list[Callable[[str], bool]] = []
        self.aborted: list[Callable[[], str]] = []
        """Aborts judged at the end: a navigation aborts its page's requests (an open
        EventSource among them) before Chromium reports that the frame navigated."""

    def allow(self, matches: Callable[[str], bool]) -> None:
        """A test that provokes an error on purpose names it; any other still fails."""
        self.allowed.append(matches)

    def report(self, problem: str) -> None:
        self.problems.append(problem)

    def unexpected(self) -> list[str]:
        settled = [check() for check in self.aborted]
        late = [problem for problem in settled if problem]
        return [p for p in self.problems + late if not any(allow(p) for allow in self.allowed)]

    def watch(self, page: Page) -> None:
        navigations = [0]
        started: dict[Request, int] = {}
        closed = [False]

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.report(f"console error on {page.url}: {message.text}")

        def on_navigated(frame: Any) -> None:
            if frame == page.main_frame:
                navigations[0] += 1

        def on_finished(request: Request) -> None:
            started.pop(request, None)

        def on_failed(request: Request) -> None:
            failure = request.failure or ""
            started_at = started.pop(request, navigations[0])
            navigated = started_at != navigations[0]
            if failure == "net::ERR_ABORTED" and (navigated or closed[0]):
                self.cancelled.append(request.url)
            elif failure == "net::ERR_ABORTED":
                began, text = (
                    started_at,
                    f"request failed: {request.method} {request.url}: {failure}",
                )

                def later() -> str:
                    cancelled = navigations[0] != began or closed[0]
                    return "" if cancelled else text

                self.aborted.append(later)
            else:
                self.report(f"request failed: {request.method} {request.url}: {failure}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.report(f"uncaught on {page.url}: {error}"))
        page.on("request", lambda request: started.__setitem__(request, navigations[0]))
        page.on("requestfinished", on_finished)
        page.on("requestfailed", on_failed)
        page.on("framenavigated", on_navigated)
        page.on("close", lambda _: closed.__setitem__(0, True))
        page.expose_binding("__svcscopeHtmxError", lambda _source, text: self.report(text))
        page.add_init_script(REPORT_HTMX_ERRORS)


def after_change(page: Page, act: Callable[[], None]) -> None:
    """Do a change that succeeds, then wait until every widget that refreshes after a change
    has redrawn: what the test does next acts on the new page, not on a form being replaced."""
    before = page.evaluate("window.__svcscopeRefreshes")
    listening = page.locator('[hx-trigger*="service-changed"]').count()
    act()
    page.wait_for_function(f"() => window.__svcscopeRefreshes >= {before + listening}")


def fill_service_form(form: Locator, name: str, node_port: str) -> None:
    """Fill the + Service form, once it shows, for a NodePort Service `name` that selects
    app=frontend, port 80 to 8080 on `node_port` (the test submits it)."""
    expect(form).to_be_visible()
    form.locator('input[name="name"]').fill(name)
    form.locator('select[name="type"]').select_option("NodePort")
    form.locator('input[name="selector"]').fill("app=frontend")
    form.locator('input[name="ports-0-port"]').fill("80")
    form.locator('input[name="ports-0-targetPort"]').fill("8080")
    form.locator('input[name="ports-0-nodePort"]').fill(node_port)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_watch() -> PageWatch:
    return PageWatch()


@pytest.fixture(autouse=True)
def _watch_pages(
    request: pytest.FixtureRequest, page_watch: PageWatch, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every page a browser test opens (browser.new_page or a context's) is watched."""
    if "browser" not in request.fixturenames:
        yield
        return
    chromium: Browser = request.getfixturevalue("browser")
    new_page, new_context = chromium.new_page, chromium.new_context

    def watched_page(*args: Any, **kwargs: Any) -> Page:
        page = new_page(*args, **kwargs)
        page_watch.watch(page)
        return page

    def watched_context(*args: Any, **kwargs: Any) -> BrowserContext:
        context = new_context(*args, **kwargs)
        context.on("page", page_watch.watch)
        return context

    monkeypatch.setattr(chromium, "new_page", watched_page)
    monkeypatch.setattr(chromium, "new_context", watched_context)
    yield
    for context in chromium.contexts:  # pages a failed test left open: their events are in
        for page in context.pages:
            try:
                page.close()
            except PlaywrightError:
                pass
    assert page_watch.unexpected() == []


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A seeded svcscope on a free loopback port, its own database per test."""
    running = Server(tmp_path / "svcscope.db").start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def no_csp_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every page a browser test opens must run without a Content-Security-Policy violation
    (Chromium reports each one as a console error naming the policy)."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser: Browser = request.getfixturevalue("browser")
    violations: list[str] = []
    original = browser.new_page

    def new_page(*args: Any, **kwargs: Any) -> Page:
        page = original(*args, **kwargs)
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        return page

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(browser, "new_page", new_page)
        yield
    assert violations == []
