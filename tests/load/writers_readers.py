"""Writers and readers against one real server on loopback, for a bounded time.

`make load` runs 20 writers and 50 readers for 60 s; tests/reliability/test_concurrency.py runs a
shorter one inside `make test`. Writers create, replace and delete Services (ClusterIP, NodePort,
LoadBalancer, some with a requested nodePort), create, scale and delete Deployments; readers
list and read everything and load the pages. Checked:
- every answer is a documented one: 2xx, 409 (AlreadyExists / Conflict), 422 for a requested
  nodePort that another Service holds, 404 for a read racing a delete; nothing else;
- no snapshot a reader sees, and not the final state, holds a ClusterIP or nodePort twice;
- every acknowledged write is there afterwards: the last acknowledged version of each object
  reads back with its spec, and every acknowledged delete is gone.

    python -m tests.load.writers_readers --writers 20 --readers 50 --seconds 60
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.manifests import deployment
from tests.server import Server

CLUSTER = "demo"
SVC = f"/k8s/{CLUSTER}/api/v1/namespaces/{{ns}}/services"
NS = f"/k8s/{CLUSTER}/api/v1/namespaces"
DEP = f"/k8s/{CLUSTER}/apis/apps/v1/namespaces/{{ns}}/deployments"
READS = [
    f"/k8s/{CLUSTER}/api/v1/services",
    f"/k8s/{CLUSTER}/api/v1/pods",
    f"/k8s/{CLUSTER}/apis/apps/v1/deployments",
    f"/k8s/{CLUSTER}/apis/discovery.k8s.io/v1/endpointslices",
    f"/k8s/{CLUSTER}/api/v1/endpoints",
    "/api/clusters",
    "/",
]
LIVE_SERVICES = 8  # per writer; the oldest is deleted beyond this


@dataclass
class Report:
    statuses: Counter[str] = field(default_factory=Counter)
    write_latency: list[float] = field(default_factory=list)
    read_latency: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, status: int, seconds: float, *, write: bool) -> None:
        with self.lock:
            self.statuses[f"{what} {status}"] += 1
            (self.write_latency if write else self.read_latency).append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(message)

    def summary(self, seconds: float) -> str:
        def pct(values: list[float], q: float) -> str:
            if not values:
                return "-"
            return f"{sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000:.0f} ms"

        writes, reads = len(self.write_latency), len(self.read_latency)
        lines = [
            f"{writes} writes ({writes / seconds:.1f}/s), {reads} reads ({reads / seconds:.1f}/s)"
            f" in {seconds:.0f} s",
            f"write latency p50 {pct(self.write_latency, 0.5)}, p95 "
            f"{pct(self.write_latency, 0.95)}, max {pct(self.write_latency, 1.0)}",
            f"read latency  p50 {pct(self.read_latency, 0.5)}, p95 "
            f"{pct(self.read_latency, 0.95)}, max {pct(self.read_latency, 1.0)}",
            "answers: " + ", ".join(f"{k}×{v}" for k, v in sorted(self.statuses.items())),
        ]
        if self.read_latency:
            lines.append(f"mean read {statistics.fmean(self.read_latency) * 1000:.0f} ms")
        return "\n".join(lines)


@dataclass
class Writer:
    """One writer, in its own namespace, remembering what the server acknowledged."""

    index: int
    url: str
    report: Report
    rng: random.Random
    live: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → acknowledged spec
    deleted: set[str] = field(default_factory=set)
    deployment: dict[str, Any] | None = None
    counter: int = 0

    @property
    def namespace(self) -> str:
        return f"load-{self.index}"

    def run(self, until: float, pace: float = 0.0) -> None:
        with httpx.Client(base_url=self.url, timeout=120) as http:
            for _ in paced(until, pace, self.rng):
                self.step(http)

    def _send(self, http: httpx.Client, what: str, method: str, url: str, **kw: Any) -> Any:
        started = time.monotonic()
        try:
            response = http.request(method, url, **kw)
        except httpx.HTTPError as exc:
            self.report.error(f"{what}: {exc!r}")
            return None
        self.report.record(what, response.status_code, time.monotonic() - started, write=True)
        return response

    def step(self, http: httpx.Client) -> None:
        roll = self.rng.random()
        if roll < 0.45 or not self.live:
            self.create_service(http)
        elif roll < 0.65:
            self.replace_service(http)
        elif roll < 0.8:
            self.delete_service(http, self.rng.choice(sorted(self.live)))
        elif roll < 0.87:
            self.create_existing(http)
        else:
            self.deployment_step(http)
        while len(self.live) > LIVE_SERVICES:
            self.delete_service(http, min(self.live, key=lambda n: int(n.rsplit("-", 1)[1])))

    def create_service(self, http: httpx.Client) -> None:
        self.counter += 1
        name = f"w{self.index}-{self.counter}"
        kind = self.rng.choice(["ClusterIP", "NodePort", "NodePort", "LoadBalancer"])
        port: dict[str, Any] = {"port": 80, "targetPort": 8080}
        requested = kind != "ClusterIP" and self.rng.random() < 0.15
        if requested:
            port["nodePort"] = self.rng.randint(30000, 32767)
        body = {
            "metadata": {"name": name, "labels": {"writer": str(self.index)}},
            "spec": {"type": kind, "selector": {"app": "frontend"}, "ports": [port]},
        }
        response = self._send(http, "create", "POST", SVC.format(ns=self.namespace), json=body)
        if response is None:
            return
        if response.status_code == 201:
            self.live[name] = response.json()["spec"]
        elif not (requested and response.status_code == 422 and "allocated" in response.text):
            self.report.error(f"create {name}: {response.status_code} {response.text[:200]}")

    def create_existing(self, http: httpx.Client) -> None:
        name = self.rng.choice(sorted(self.live))
        body = {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}
        response = self._send(http, "dup", "POST", SVC.format(ns=self.namespace), json=body)
        if response is not None and response.status_code != 409:
            self.report.error(f"duplicate {name}: {response.status_code} {response.text[:200]}")

    def replace_service(self, http: httpx.Client) -> None:
        name = self.rng.choice(sorted(self.live))
        url = f"{SVC.format(ns=self.namespace)}/{name}"
        current = http.get(url)
        if current.status_code != 200:
            self.report.error(f"read own {name}: {current.status_code}")
            return
        obj = current.json()
        obj["spec"]["selector"] = {"app": self.rng.choice(["frontend", "backend"])}
        if self.rng.random() < 0.3:  # a stale resourceVersion must give 409 Conflict
            obj["metadata"]["resourceVersion"] = "1"
        response = self._send(http, "replace", "PUT", url, json=obj)
        if response is None:
            return
        if response.status_code == 200:
            self.live[name] = response.json()["spec"]
        elif not (response.status_code == 409 and obj["metadata"]["resourceVersion"] == "1"):
            self.report.error(f"replace {name}: {response.status_code} {response.text[:200]}")

    def delete_service(self, http: httpx.Client, name: str) -> None:
        url = f"{SVC.format(ns=self.namespace)}/{name}"
        response = self._send(http, "delete", "DELETE", url)
        if response is None:
            return
        if response.status_code == 200:
            self.live.pop(name)
            self.deleted.add(name)
        else:
            self.report.error(f"delete {name}: {response.status_code} {response.text[:200]}")

    def deployment_step(self, http: httpx.Client) -> None:
        url = DEP.format(ns=self.namespace)
        name = f"dep-{self.index}"
        if self.deployment is None:
            body = deployment(name, self.rng.randint(1, 3))
            response = self._send(http, "deploy", "POST", url, json=body)
            if response is not None and response.status_code == 201:
                self.deployment = response.json()
            elif response is not None:
                self.report.error(f"deploy: {response.status_code} {response.text[:200]}")
        elif self.rng.random() < 0.6:
            current = http.get(f"{url}/{name}").json()
            current["spec"]["replicas"] = self.rng.randint(0, 4)
            current.pop("status", None)
            response = self._send(http, "scale", "PUT", f"{url}/{name}", json=current)
            if response is not None and response.status_code == 200:
                self.deployment = response.json()
            elif response is not None:
                self.report.error(f"scale: {response.status_code} {response.text[:200]}")
        else:
            response = self._send(http, "undeploy", "DELETE", f"{url}/{name}")
            if response is not None and response.status_code == 200:
                self.deployment = None
            elif response is not None:
                self.report.error(f"undeploy: {response.status_code} {response.text[:200]}")


def duplicates(services: list[dict[str, Any]]) -> list[str]:
    """ClusterIPs and nodePorts that more than one Service holds."""
    owners: dict[str, set[str]] = {}
    for svc in services:
        who = f"{svc['metadata'].get('namespace')}/{svc['metadata']['name']}"
        for ip in svc["spec"].get("clusterIPs") or []:
            if ip != "None":
                owners.setdefault(f"clusterIP {ip}", set()).add(who)
        for port in svc["spec"].get("ports", []):
            if port.get("nodePort"):
                owners.setdefault(f"nodePort {port['nodePort']}", set()).add(who)
    return sorted(f"{value}: {sorted(names)}" for value, names in owners.items() if len(names) > 1)


def paced(until: float, pace: float, rng: random.Random) -> Iterator[None]:
    """Until `until`: at once again (a closed loop), or one step every `pace` seconds from a
    random phase, never two at once (a client that waits for its answer)."""
    due = time.monotonic() + (rng.uniform(0, pace) if pace else 0.0)
    while time.monotonic() < until:
        if pace:
            time.sleep(max(0.0, due - time.monotonic()))
            due += pace
            if time.monotonic() >= until:
                return
        yield


def reader(url: str, report: Report, rng: random.Random, until: float, pace: float = 0.0) -> None:
    with httpx.Client(base_url=url, timeout=120) as http:
        for _ in paced(until, pace, rng):
            path = rng.choice(READS)
            started = time.monotonic()
            try:
                response = http.get(path)
            except httpx.HTTPError as exc:
                report.error(f"read {path}: {exc!r}")
                continue
            report.record("read", response.status_code, time.monotonic() - started, write=False)
            if response.status_code != 200:
                report.error(f"read {path}: {response.status_code} {response.text[:200]}")
            elif path.endswith("/services"):
                for problem in duplicates(response.json()["items"]):
                    report.error(f"a reader saw a duplicate {problem}")


def verify(url: str, writers: list[Writer], report: Report) -> int:
    """Every acknowledged write is readable; every acknowledged delete is gone."""
    checked = 0
    with httpx.Client(base_url=url, timeout=120) as http:
        services = http.get(f"/k8s/{CLUSTER}/api/v1/services").json()["items"]
        for problem in duplicates(services):
            report.error(f"final state holds a duplicate {problem}")
        for writer in writers:
            base = SVC.format(ns=writer.namespace)
            for name, spec in writer.live.items():
                got = http.get(f"{base}/{name}")
                checked += 1
                if got.status_code != 200 or got.json()["spec"] != spec:
                    report.error(f"acknowledged {writer.namespace}/{name} is not as written")
            for name in writer.deleted - set(writer.live):
                checked += 1
                if http.get(f"{base}/{name}").status_code != 404:
                    report.error(f"deleted {writer.namespace}/{name} is still there")
            if writer.deployment is not None:
                name = writer.deployment["metadata"]["name"]
                got = http.get(f"{DEP.format(ns=writer.namespace)}/{name}").json()
                checked += 1
                if got["spec"]["replicas"] != writer.deployment["spec"]["replicas"]:
                    report.error(f"deployment {name} lost its last acknowledged scale")
    return checked


def run(
    url: str, *, writers: int, readers: int, seconds: float, seed: int = 1, pace: float = 0.0
) -> Report:
    """Drive the server at `url` (loopback only) and return what happened. `pace`: each
    client sends one request (a writer: one step) every `pace` seconds; 0, a closed loop."""
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"load only ever targets loopback, not {host}")
    report = Report()
    pool = [Writer(i, url, report, random.Random(seed * 1000 + i)) for i in range(writers)]
    with httpx.Client(base_url=url, timeout=120) as http:
        # Namespaces are objects: writes into a missing one are 404 (NamespaceLifecycle). They
        # are made before the clock starts, so the measured window holds only the load.
        for writer in pool:
            made = http.post(NS, json={"metadata": {"name": writer.namespace}})
            if made.status_code not in (201, 409):
                report.error(f"namespace {writer.namespace}: {made.status_code} {made.text}")
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=w.run, args=(until, pace)) for w in pool]
    threads += [
        threading.Thread(target=reader, args=(url, report, random.Random(-seed - i), until, pace))
        for i in range(readers)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 300)
    elapsed = time.monotonic() - started
    if any(thread.is_alive() for thread in threads):
        report.error("a client thread did not finish in time")
    checked = verify(url, pool, report)
    print(report.summary(elapsed))
    print(f"verified {checked} acknowledged writes and deletes afterwards")
    return report


@contextmanager
def serving(url: str | None) -> Iterator[tuple[str, list[str]]]:
    """(the URL to load, the server's log when it logged a traceback, filled on exit): the
    server at `url`, or one started here for the run."""
    tracebacks: list[str] = []
    if url:
        yield url, tracebacks
        return
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "load.db", log=Path(tmp) / "server.log").start()
        try:
            yield server.url, tracebacks
        finally:
            server.stop()
            log = server.stderr_text()
            if "Traceback" in log:
                tracebacks.append(log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="seconds between one client's requests (default: a closed loop)",
    )
    parser.add_argument("--url", help="an already running server on loopback (default: start one)")
    args = parser.parse_args(argv)
    with serving(args.url) as (url, tracebacks):
        report = run(url, writers=args.writers, readers=args.readers, seconds=args.seconds,
                     seed=args.seed, pace=args.pace)  # fmt: skip
    for log in tracebacks:
        report.error("the server logged a traceback:\n" + log[-3000:])
    for line in report.errors:
        print("ERROR", line, file=sys.stderr)
    return 1 if report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
