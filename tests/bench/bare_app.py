"""A bare FastAPI endpoint returning a constant: the yardstick GET of one object is compared to.

Served by the same uvicorn as svcscope (`python -m uvicorn tests.bench.bare_app:app`), on the
same machine, so the ratio says what svcscope adds to a request, not what the machine costs.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

app = FastAPI()
CONSTANT = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "constant"}}


@app.get("/constant")
def constant() -> dict[str, Any]:
    return CONSTANT
