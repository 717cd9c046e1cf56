"""Bare FastAPI endpoints: the yardsticks svcscope's requests are compared to.

Served by the same uvicorn as svcscope (`python -m uvicorn tests.bench.bare_app:app`), on the
same machine, so a ratio says what svcscope adds to a request, not what the machine costs:
- GET /constant returns a constant (the yardstick of a GET of one object);
- POST /write commits one row to an SQLite file as svcscope commits a write (WAL,
  synchronous=FULL, BEGIN IMMEDIATE, one writer at a time in the process): the yardstick of
  a write under load, the cost of a durable commit on this disk with nothing else around it.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI

app = FastAPI()
CONSTANT = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "constant"}}
_DB = Path(os.environ.get("BARE_DB") or Path(tempfile.mkdtemp()) / "bare.db")
_writer = threading.Lock()
_local = threading.local()


def _connection() -> sqlite3.Connection:
    found: sqlite3.Connection | None = getattr(_local, "connection", None)
    if found is None:
        found = sqlite3.connect(_DB, isolation_level=None, check_same_thread=False)
        found.execute("PRAGMA journal_mode=WAL")
        found.execute("PRAGMA synchronous=FULL")
        found.execute("CREATE TABLE IF NOT EXISTS written (id INTEGER PRIMARY KEY, body TEXT)")
        _local.connection = found
    return found


@app.get("/constant")
def constant() -> dict[str, Any]:
    return CONSTANT


@app.post("/write", status_code=201)
def write() -> dict[str, Any]:
    connection = _connection()
    with _writer:
        connection.execute("BEGIN IMMEDIATE")
        cursor = connection.execute("INSERT INTO written (body) VALUES (?)", ('{"kind":"x"}',))
        connection.execute("COMMIT")
    return {**CONSTANT, "id": cursor.lastrowid}
