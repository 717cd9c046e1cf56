"""setuptools reads pyproject.toml; this file only adds the build step that makes the files
that are never committed.

Before the package is built (a wheel, or an editable install), tools/vendor.py puts htmx,
plotly.js, Swagger UI and ReDoc into app/static/vendor, and tools/protos.py compiles k8s.io/api's
.proto files (proto/) into app/core/model/k8s.protoset, so the package data carries them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))

from protos import compile_protos
from vendor import vendor


class BuildWithVendoredAssets(build_py):
    def run(self) -> None:
        vendor()
        compile_protos()
        # The package data list may have been computed before the files existed.
        self.__dict__.pop("data_files", None)
        super().run()


cmdclass: dict[str, Any] = {"build_py": BuildWithVendoredAssets}
setup(cmdclass=cmdclass)
