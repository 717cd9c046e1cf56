"""A screenshot sweep for a person to look at: every page at a projector's 1024×768, 1280×720,
1920×1080 and 150 % zoom of a 1024 px window, in the light and the dark theme.

    .venv/bin/python -m tests.web.sweep [--url http://127.0.0.1:8000] [--out /tmp/sweep]

Without --url it starts a seeded server of this checkout on a free port. Next to the PNGs it
prints what a glance misses: the smallest diagram text in device pixels (issue 12 wants at
least 12) and how far a page overflows its window sideways (0 when it fits).
Not a test: the tests that assert these live in tests/web/test_sizes_browser.py.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from tests.server import Server
from tests.web.conftest import CHROMIUM, FLAGS
from tests.web.test_sizes_browser import SMALLEST_TEXT

SIZES: dict[str, dict[str, Any]] = {
    "1024x768": {"viewport": {"width": 1024, "height": 768}},
    "1280x720": {"viewport": {"width": 1280, "height": 720}},
    "1920x1080": {"viewport": {"width": 1920, "height": 1080}},
    "zoom150": {"viewport": {"width": 683, "height": 512}, "device_scale_factor": 1.5},
}
PAGES = {
    "home": "/",
    "topology": "/clusters/demo",
    "services": "/clusters/demo/services",
    "pods": "/clusters/demo/pods",
    "nodes": "/clusters/demo/nodes",
    "objects": "/clusters/demo/objects",
    "manifests": "/clusters/demo/manifests",
    "scenarios": "/scenarios",
    "presenter": "/scenarios/nodeport?step=1",
    "docs": "/docs",
    "redoc": "/redoc",
    "login": "/login",
}


def measure(page: Page) -> str:
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    notes = [f"overflow {overflow}px"]
    if page.locator("#topology text").count():
        notes.append(f"smallest diagram text {page.evaluate(SMALLEST_TEXT):.1f}px")
    return ", ".join(notes)


def sweep(url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for size, options in SIZES.items():
            for theme in ("light", "dark"):
                page = browser.new_page(**options)
                page.add_init_script(f"localStorage.setItem('svcscope-theme', '{theme}')")
                for name, path in PAGES.items():
                    page.goto(url + path, wait_until="networkidle")
                    file = out / f"{name}-{size}-{theme}.png"
                    page.screenshot(path=str(file), full_page=True)
                    print(f"{file.name}: {measure(page)}")
                page.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running svcscope (default: start a seeded one)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/sweep"))
    args = parser.parse_args()
    if args.url:
        sweep(args.url.rstrip("/"), args.out)
        return
    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder) / "sweep.db").start()
        try:
            sweep(server.url, args.out)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
