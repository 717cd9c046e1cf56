"""Issue 10's "Done when", measured in one run through a real server on 127.0.0.1.

Everything goes through the API a user takes: the 150,000-pod cluster is built by creating
Deployments of 10,000 replicas on 1,400 nodes (kubelet's 110 pods each), the big cluster and
the big import are single requests, and each figure is printed beside its target:
- create-Service p50 at 150,000 pods vs at 50 pods (≤ 1.5× and < 20 ms);
- GET of one object vs a bare FastAPI endpoint returning a constant (≤ 2×);
- a 5,000-node cluster and a 10,000-object import (< 10 s each), with the slowest write to
  another cluster meanwhile (< 1 s);
- write p50/p99 under 20 writers + 50 readers (BENCH_LOAD_SECONDS, 60 by default), in a
  closed loop (each client sends again as soon as it is answered), beside the same 20 + 50
  against bare_app (a durable one-row SQLite commit per write, a constant per read): by
  Little's law a closed loop's latency is clients ÷ throughput, so the yardstick says what
  the machine and its disk allow before svcscope does anything; then the same clients
  paced, each sending once a second (20 writes and 50 reads a second offered);
- the watch event lag p99 (bench_watch.py's measurement).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.bench import bench_watch, closed_loop
from tests.load import writers_readers
from tests.manifests import deployment
from tests.server import Server, free_port

SAMPLES = 200
PODS_PER_DEPLOYMENT = 10_000
BIG_PODS = 150_000


def p(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def create(client: httpx.Client, url: str, body: Any, **kwargs: Any) -> float:
    began = time.perf_counter()
    answer = client.post(url, json=body, **kwargs)
    took = time.perf_counter() - began
    if answer.status_code != 201:
        raise RuntimeError(f"{url}: {answer.status_code} {answer.text[:300]}")
    return took


def service_creates(client: httpx.Client, cluster: str) -> list[float]:
    url = f"/k8s/{cluster}/api/v1/namespaces/default/services"
    return [
        create(client, url, {"metadata": {"name": f"s{i}"}, "spec": {"ports": [{"port": 80}]}})
        for i in range(SAMPLES)
    ]


def routes_after_writes(client: httpx.Client, cluster: str) -> tuple[float, float]:
    """(p50 ms of a route right after a write, p50 ms of the same route again): the first
    route over a new snapshot is where indexes over every pod would be rebuilt."""
    services = f"/k8s/{cluster}/api/v1/namespaces/default/services"
    front = {"metadata": {"name": "front"},
             "spec": {"selector": {"app": "web-3"}, "ports": [{"port": 80}]}}  # fmt: skip
    create(client, services, front)
    body = {"destination": "front.default:80"}
    first: list[float] = []
    again: list[float] = []
    for i in range(20):
        create(client, services, {"metadata": {"name": f"r{i}"}, "spec": {"ports": [{"port": 80}]}})
        for into in (first, again):
            began = time.perf_counter()
            client.post(f"/api/clusters/{cluster}/route", json=body).raise_for_status()
            into.append(time.perf_counter() - began)
    return p(first, 0.5), p(again, 0.5)


def new_cluster(client: httpx.Client, name: str, nodes: int) -> float:
    body = {
        "name": name,
        "nodes": nodes,
        "nodeCIDR": "10.0.0.0/16",
        "podCIDR": "10.128.0.0/9",
        "controlPlaneAddress": "10.0.0.2",
    }
    return create(client, "/api/clusters", body, timeout=600)


def build_big(client: httpx.Client) -> tuple[float, int]:
    """1,400 nodes, then Deployments of 10,000 pods until 150,000 pods (2 are CoreDNS)."""
    began = time.perf_counter()
    new_cluster(client, "big", 1400)
    left, index = BIG_PODS - 2, 0
    url = "/k8s/big/apis/apps/v1/namespaces/default/deployments"
    while left > 0:
        replicas = min(PODS_PER_DEPLOYMENT, left)
        create(client, url, deployment(f"web-{index}", replicas), timeout=600)
        left, index = left - replicas, index + 1
    pods = client.get("/k8s/big/api/v1/pods", timeout=600).json()["items"]
    return time.perf_counter() - began, len(pods)


class Bystander(threading.Thread):
    """Small writes to another cluster while a big one runs: the slowest is what it waited."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.stop = url, threading.Event()
        self.latencies: list[float] = []

    def run(self) -> None:
        services = "/k8s/small/api/v1/namespaces/default/services"
        with httpx.Client(base_url=self.url, timeout=120) as client:
            index = 0
            while not self.stop.is_set():
                name = f"by{index}"
                body = {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}
                self.latencies.append(create(client, services, body))
                client.delete(f"{services}/{name}")
                index += 1
                time.sleep(0.05)


def beside(url: str, work: Callable[[], float]) -> tuple[float, float]:
    """(seconds `work` took, the slowest write to another cluster meanwhile)."""
    bystander = Bystander(url)
    bystander.start()
    time.sleep(0.3)
    try:
        took = work()
    finally:
        bystander.stop.set()
        bystander.join()
    return took, max(bystander.latencies)


def beside_text(waited: float) -> str:
    return f"slowest write to another cluster meanwhile {waited * 1000:.0f} ms (target < 1 s)"


def import_body(count: int) -> str:
    return "".join(
        f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: imp-{i}\n"
        f"spec:\n  ports:\n  - port: 80\n"
        for i in range(count)
    )


@contextmanager
def bare_server(folder: Path) -> Iterator[str]:
    """bare_app served by uvicorn on a free port: its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.bench.bare_app:app", "--port", str(port),
         "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "BARE_DB": str(folder / "bare.db")},
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{url}/constant")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def gets(url: str, path: str, count: int = 2000) -> list[float]:
    out = []
    with httpx.Client(base_url=url) as client:
        for _ in range(count):
            began = time.perf_counter()
            client.get(path).raise_for_status()
            out.append(time.perf_counter() - began)
    return out


def ratio(label: str, value: float, base: float, target: str) -> None:
    print(f"{label}: {value:.2f} ms vs {base:.2f} ms = {value / base:.2f}x  (target {target})")


def main() -> None:
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "store.db", log=Path(tmp) / "server.log").start()
        try:
            run(server, seconds)
        finally:
            server.stop()


def run(server: Server, seconds: float) -> None:
    with httpx.Client(base_url=server.url, timeout=120) as client:
        new_cluster(client, "small", 3)
        create(
            client, "/k8s/small/apis/apps/v1/namespaces/default/deployments", deployment("web", 48)
        )  # fmt: skip  (+2 CoreDNS: 50 pods)
        small = p(service_creates(client, "small"), 0.5)
        built, pods = build_big(client)
        print(f"built the big cluster through the API: {pods:,} pods in {built:.0f} s")
        big = p(service_creates(client, "big"), 0.5)
        ratio(f"create Service p50 at {pods:,} pods vs 50", big, small, "<= 1.5x, < 20 ms")
        after, again = routes_after_writes(client, "big")
        ratio(f"route p50 at {pods:,} pods right after a write vs again", after, again, "-")
        one = p(gets(server.url, "/k8s/big/api/v1/namespaces/default/services/s7"), 0.5)
        with bare_server(server.db.parent) as bare:
            constant = p(gets(bare, "/constant"), 0.5)
        ratio("GET one Service vs a bare FastAPI constant", one, constant, "<= 2x")
        took, waited = beside(server.url, lambda: new_cluster(client, "nodes5k", 5000))
        print(f"5,000-node cluster: {took:.1f} s (target < 10 s); {beside_text(waited)}")
        body = import_body(10_000)
        assert client.post("/api/clusters", json={"name": "imports"}).status_code == 201

        def imported() -> float:
            began = time.perf_counter()
            answer = client.post(
                "/api/clusters/imports/manifests", content=body,
                headers={"content-type": "application/yaml"}, timeout=600,
            )  # fmt: skip
            answer.raise_for_status()
            return time.perf_counter() - began

        took, waited = beside(server.url, imported)
        print(f"10,000-object import: {took:.1f} s (target < 10 s); {beside_text(waited)}")
    upper, lower = bench_watch.measure(server)
    bench_watch.report("watch lag", upper, lower)
    report = writers_readers.run(server.url, writers=20, readers=50, seconds=seconds)
    writes = report.write_latency
    print(f"20 writers + 50 readers, {seconds:.0f} s, closed loop: write p50 {p(writes, 0.5):.0f}"
          f" ms (< 50), p99 {p(writes, 0.99):.0f} ms (< 500), {len(writes) / seconds:.1f} writes/s;"
          f" {len(report.errors)} errors")  # fmt: skip
    statistics.fmean(writes)  # (a run without writes fails loudly here)
    with bare_server(server.db.parent) as bare:
        floor = closed_loop.run(
            bare, writers=20, readers=50, seconds=seconds, write="/write", read="/constant"
        )
    print(f"  the same 20 + 50 against bare FastAPI (one durable SQLite commit a write, a"
          f" constant a read): write p50 {p(floor.writes, 0.5):.0f} ms, p99"
          f" {p(floor.writes, 0.99):.0f} ms, {len(floor.writes) / seconds:.1f} writes/s;"
          f" svcscope's write p50 is {p(writes, 0.5) / p(floor.writes, 0.5):.1f}x it")  # fmt: skip
    paced_run(seconds)


def paced_run(seconds: float) -> None:
    """The same clients, each once a second, on a server of its own (the one above holds the
    names the closed loop's writers used, and the 150,000-pod cluster)."""
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "paced.db", log=Path(tmp) / "server.log").start()
        try:
            paced = writers_readers.run(
                server.url, writers=20, readers=50, seconds=seconds, pace=1.0
            )
        finally:
            server.stop()
    writes, reads = paced.write_latency, paced.read_latency
    print(f"20 writers + 50 readers, {seconds:.0f} s, each client once a second (fresh server):"
          f" write p50 {p(writes, 0.5):.0f} ms (< 50), p99 {p(writes, 0.99):.0f} ms (< 500);"
          f" read p50 {p(reads, 0.5):.0f} ms; {len(writes) / seconds:.1f} writes/s,"
          f" {len(reads) / seconds:.1f} reads/s; {len(paced.errors)} errors")  # fmt: skip


if __name__ == "__main__":
    main()
