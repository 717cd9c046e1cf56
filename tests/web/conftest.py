"""What every browser test needs: Debian's Chromium driven by Playwright, and a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.server import Server

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


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
