"""The wheel is the product: built from the tracked files alone, installed into a fresh virtualenv
outside the checkout, it serves every page and every asset those pages load, and /docs and
/redoc draw in Chromium with no request leaving the machine."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from playwright.sync_api import Request, Route, sync_playwright

from tests.server import Server

# One build per run: with `-n 2 --dist loadgroup` both tests land on the worker that built it.
pytestmark = [pytest.mark.wheel, pytest.mark.server, pytest.mark.xdist_group("wheel")]
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
NOT_PAGES = ("/api/", "/k8s/", "/static/", "/openapi.json", "/logout")
MAX_PAGES = 80
STATIC_PATH = re.compile(r"[\"'](/static/[\w./-]+)[\"']")


def _run(*command: str | Path, cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"


def _tracked_copy(destination: Path) -> Path:
    """The files a commit would hold, as a fresh clone has them: no vendored assets, no .venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`svcscope serve` from a virtualenv holding only the wheel and its runtime dependencies."""
    work = tmp_path_factory.mktemp("wheel")
    source = _tracked_copy(work / "source")
    assert not (source / "app" / "static" / "vendor").exists()
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", work / "dist", source)
    (wheel,) = (work / "dist").glob("svcscope-*.whl")
    house = work / "wheelhouse"
    _run(sys.executable, "-m", "pip", "download", "--quiet", "--dest", house, wheel)
    _run(sys.executable, "-m", "venv", work / "venv")
    python = work / "venv" / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", house, wheel)
    run_dir = work / "run"
    run_dir.mkdir()
    located = subprocess.run(
        [python, "-c", "import app; print(app.__file__)"],
        cwd=run_dir, capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert Path(located.stdout.strip()).is_relative_to(work / "venv"), located.stdout
    server = Server(
        run_dir / "svcscope.db",
        command=(str(work / "venv" / "bin" / "svcscope"),),
        cwd=run_dir,
        env={"PYTHONPATH": ""},
        log=work / "server.log",
    ).start()
    yield server
    server.stop()


class _Links(HTMLParser):
    """The pages an HTML document links to and the assets it loads."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.pages.append(found["href"] or "")
        elif tag in ("script", "img", "source") and found.get("src"):
            self.assets.append(found["src"] or "")
        elif tag == "link" and found.get("href"):
            self.assets.append(found["href"] or "")


def _same_server(base: str, link: str) -> str | None:
    url = urljoin(base, link)
    return url.split("#")[0] if urlsplit(url).netloc == urlsplit(base).netloc else None


def test_the_installed_wheel_serves_every_page_and_every_asset_it_loads(installed: Server) -> None:
    seen_paths: set[str] = set()
    queue = [f"{installed.url}/", f"{installed.url}/docs", f"{installed.url}/redoc"]
    assets: set[str] = set()
    with httpx.Client(timeout=30) as client:
        while queue and len(seen_paths) < MAX_PAGES:
            url = queue.pop(0)
            path = urlsplit(url).path
            if path in seen_paths or path.startswith(NOT_PAGES):
                continue
            seen_paths.add(path)
            page = client.get(url)
            assert page.status_code == 200, url
            links = _Links()
            links.feed(page.text)
            queue += [u for u in (_same_server(url, h) for h in links.pages) if u]
            for asset in links.assets:
                found = _same_server(url, asset)
                assert found, f"{url} loads {asset} from another server"
                assets.add(found)
        fetched: set[str] = set()
        while pending := sorted(assets - fetched):
            for asset in pending:
                fetched.add(asset)
                answer = client.get(asset)
                assert answer.status_code == 200 and answer.content, asset
                if "/static/vendor/" not in asset:  # our scripts load more (charts.js: plotly)
                    assets |= {urljoin(asset, p) for p in STATIC_PATH.findall(answer.text)}
    # The home page, a cluster's pages (topology, Services, pods, nodes, manifests), the docs.
    assert len(seen_paths) >= 10, seen_paths
    expected = {"htmx.min.js", "plotly.min.js", "swagger-ui-bundle.js", "redoc.standalone.js"}
    assert expected <= {urlsplit(a).path.rsplit("/", 1)[-1] for a in assets}


@pytest.mark.browser
@pytest.mark.parametrize(("path", "drawn"), [("/docs", ".swagger-ui .info .title"),
                                             ("/redoc", ".api-info h1")])  # fmt: skip
def test_the_api_reference_renders_with_no_request_leaving_the_machine(
    installed: Server, path: str, drawn: str
) -> None:
    outside: list[str] = []

    def only_loopback(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname in LOOPBACK or request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page()
        page.route("**/*", only_loopback)
        page.goto(f"{installed.url}{path}")
        title = page.locator(drawn).first
        title.wait_for(state="visible", timeout=30_000)
        assert "svcscope" in title.inner_text()
        browser.close()
    assert outside == []
