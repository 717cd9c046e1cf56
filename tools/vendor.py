"""The browser assets the app serves from /static/vendor, fetched at install and build time.

Nothing here is committed to git: `make install` runs this for a checkout, and setup.py's build
step runs it before a wheel is built, so an installed wheel serves every page offline. The npm
tarballs are pinned by version and by the registry's sha512 integrity, so a build gets the same
bytes or fails. plotly.js is copied from the plotly package itself (no second version).

    python tools/vendor.py [DESTINATION]   (default: app/static/vendor beside this file)
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import shutil
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESTINATION = ROOT / "app" / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class NpmPackage:
    name: str
    version: str
    integrity: str
    """The registry's `dist.integrity` (sha512, base64), as `npm view NAME@VERSION` prints it."""
    files: dict[str, str]
    """Path inside the tarball (under package/) -> file name in the destination."""
    offline: tuple[tuple[str, str, str], ...] = ()
    """(file name, text, replacement): a URL on another server that the page would load.
    Each must occur exactly once, so a new version that moves it fails here, not in a browser."""

    @property
    def tarball(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name}-{self.version}.tgz"


PACKAGES = (
    NpmPackage(
        "htmx.org",
        "2.0.11",
        "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        {"dist/htmx.min.js": "htmx.min.js", "LICENSE": "htmx.LICENSE"},
    ),
    NpmPackage(
        "swagger-ui-dist",
        "5.35.0",
        "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
        {
            "swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "swagger-ui.css": "swagger-ui.css",
            "LICENSE": "swagger-ui.LICENSE",
        },
    ),
    NpmPackage(
        # FastAPI's get_redoc_html is written for the redoc 2 standalone bundle.
        "redoc",
        "2.5.4",
        "sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==",
        {"bundles/redoc.standalone.js": "redoc.standalone.js", "LICENSE": "redoc.LICENSE"},
        # The sidebar's "API docs by Redocly" logo is an <img> on Redocly's CDN; with no src
        # the image fails at once without a request, its onError hides it, the link text stays.
        offline=(("redoc.standalone.js", '"https://cdn.redoc.ly/redoc/logo-mini.svg"', '""'),),
    ),
)
PLOTLY = "plotly.min.js"


def _checked_download(package: NpmPackage) -> bytes:
    with urllib.request.urlopen(package.tarball, timeout=120) as response:
        data: bytes = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != package.integrity:
        raise RuntimeError(f"{package.tarball}: integrity {digest} != pinned {package.integrity}")
    return data


def fetch_npm(package: NpmPackage, destination: Path) -> None:
    """Unpack the package's files into destination, unless all are there already."""
    if all((destination / name).is_file() for name in package.files.values()):
        return
    with tarfile.open(fileobj=io.BytesIO(_checked_download(package)), mode="r:gz") as archive:
        for inner, name in package.files.items():
            member = archive.extractfile(f"package/{inner}")
            if member is None:
                raise RuntimeError(f"{package.name}@{package.version} has no {inner}")
            (destination / name).write_bytes(_offline(package, name, member.read()))


def _offline(package: NpmPackage, name: str, content: bytes) -> bytes:
    for file_name, text, replacement in package.offline:
        if file_name != name:
            continue
        if (found := content.count(text.encode())) != 1:
            raise RuntimeError(f"{package.name}@{package.version}: {text} occurs {found} times")
        content = content.replace(text.encode(), replacement.encode())
    return content


def copy_plotly(destination: Path) -> None:
    """plotly.min.js exactly as the plotly package this build depends on ships it."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise RuntimeError("plotly is not installed: it ships the plotly.js the charts use")
    source = Path(spec.origin).parent / "package_data" / PLOTLY
    target = destination / PLOTLY
    if not target.is_file() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)


def vendor(destination: Path = DESTINATION) -> list[Path]:
    """Every vendored asset present in destination; returns their paths."""
    destination.mkdir(parents=True, exist_ok=True)
    for package in PACKAGES:
        fetch_npm(package, destination)
    copy_plotly(destination)
    names = [name for package in PACKAGES for name in package.files.values()] + [PLOTLY]
    return [destination / name for name in names]


if __name__ == "__main__":
    for path in vendor(Path(sys.argv[1]) if len(sys.argv) > 1 else DESTINATION):
        print(path)
