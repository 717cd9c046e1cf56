"""Where the files shipped inside the app package are: templates, static files, migrations.

They are package data (pyproject.toml), so a wheel installed anywhere finds them as a checkout
does: through importlib.resources, never through a path relative to a working directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(name: str) -> Path:
    """A file or directory inside the installed app package, as a filesystem path.

    Jinja2, Starlette's StaticFiles and Alembic read real files, so a package that is not
    on disk (imported from a zip) is refused here, with a reason, rather than later.
    """
    resource = files("app") / name
    if not isinstance(resource, Path):
        raise RuntimeError(f"svcscope must be installed as files on disk to serve {name}")
    return resource


TEMPLATES = package_path("templates")
STATIC = package_path("static")
MIGRATIONS = package_path("migrations")
ALEMBIC_INI = package_path("alembic.ini")
