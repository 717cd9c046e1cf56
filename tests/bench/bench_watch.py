"""Watch event lag through a real server: a write's commit to the event reaching a watcher.

The commit happens inside the write request, so each lag is measured from the moment the
client sent the write (an upper bound: it includes the write itself) and from the moment the
client got its 201 (a lower bound: the event may even arrive first, counted as 0). One server,
one worker, SQLite (the follower polls every 50 ms); PostgreSQL (NOTIFY) as well when
SVCSCOPE_TEST_POSTGRES holds an admin URL.
"""

from __future__ import annotations

import json
import os
import queue
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine

from tests.server import Server

SERVICES = "/k8s/demo/api/v1/namespaces/default/services"
WRITES = 300


def _follow(url: str, start: str, arrivals: queue.Queue[tuple[str, float]]) -> None:
    params = {"watch": "1", "resourceVersion": start, "timeoutSeconds": "600"}
    with httpx.Client(timeout=None) as client, client.stream("GET", url, params=params) as resp:
        for line in resp.iter_lines():
            event = json.loads(line)
            arrivals.put(
                (f"{event['type']} {event['object']['metadata']['name']}", time.perf_counter())
            )
            if event["object"]["metadata"]["name"] == "stop":
                return


def measure(server: Server) -> tuple[list[float], list[float]]:
    url = f"{server.url}{SERVICES}"
    start = httpx.get(url).json()["metadata"]["resourceVersion"]
    arrivals: queue.Queue[tuple[str, float]] = queue.Queue()
    thread = threading.Thread(target=_follow, args=(url, start, arrivals), daemon=True)
    thread.start()
    sent: dict[str, tuple[float, float]] = {}
    with httpx.Client() as client:
        for index in range(WRITES // 2):
            name = f"lag-{index}"
            body = {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}
            began = time.perf_counter()
            client.post(url, json=body).raise_for_status()
            sent[f"ADDED {name}"] = (began, time.perf_counter())
            began = time.perf_counter()
            client.delete(f"{url}/{name}").raise_for_status()
            sent[f"DELETED {name}"] = (began, time.perf_counter())
        client.post(url, json={"metadata": {"name": "stop"}, "spec": {"ports": [{"port": 80}]}})
    thread.join(timeout=60)
    upper, lower = [], []
    while not arrivals.empty():
        key, at = arrivals.get()
        if key in sent:
            began, answered = sent[key]
            upper.append(at - began)
            lower.append(max(0.0, at - answered))
    assert len(upper) == len(sent), f"{len(upper)} of {len(sent)} events arrived"
    return upper, lower


def report(label: str, upper: list[float], lower: list[float]) -> None:
    def pct(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] * 1000

    print(
        f"{label}: {len(upper)} writes; lag from the write's request p50 {pct(upper, 50):.1f} ms, "
        f"p99 {pct(upper, 99):.1f} ms; from its response p50 {pct(lower, 50):.1f} ms, "
        f"p99 {pct(lower, 99):.1f} ms"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "lag.db").start()
        try:
            report("sqlite", *measure(server))
        finally:
            server.stop()
    admin = os.environ.get("SVCSCOPE_TEST_POSTGRES")
    if admin:
        name = f"svcscope_bench_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        try:
            url = admin.rsplit("/", 1)[0] + f"/{name}"
            logs = tempfile.mkdtemp()  # the server's log goes beside its (unused) SQLite path
            server = Server(Path(logs) / "unused.db", database_url=url).start()
            try:
                report("postgresql", *measure(server))
            finally:
                server.stop()
        finally:
            with engine.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
            engine.dispose()


if __name__ == "__main__":
    main()
