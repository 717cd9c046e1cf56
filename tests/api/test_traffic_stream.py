"""GET /api/clusters/{c}/traffic: requests as server-sent events, paced, replayable, and
routed against the cluster of each request's moment."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from app.db.limits import held_simulation_slots
from tests.server import Server

URL = "/api/clusters/demo/traffic"
WEB: dict[str, Any] = {"destination": "web.default:80", "seed": 7, "rate": 1000}


def events(lines: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event name, data) per server-sent event; comments are skipped."""
    name = ""
    for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            yield name, orjson.loads(line[6:])


def run(client: TestClient, **params: Any) -> list[tuple[str, dict[str, Any]]]:
    response = client.get(URL, params={**WEB, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return list(events(response.text.splitlines()))


def test_one_request_event_per_request_then_done_with_the_totals(client: TestClient) -> None:
    got = run(client, requests=12, clients=3)
    assert [name for name, _ in got] == ["request"] * 12 + ["done"]
    paths = [data for _, data in got[:-1]]
    assert [p["request"] for p in paths] == list(range(12))
    for p in paths:
        assert p["outcome"] == "delivered" and p["reason"]
        assert p["hops"][0]["kind"] == "client" and p["hops"][-1]["kind"] == "pod"
        assert set(p["hops"][0]) >= {"kind", "name", "node", "address", "src", "dst", "rule"}
        assert p["client"] in (0, 1, 2) and p["clientIP"].startswith("198.18.")
    done = got[-1][1]
    assert done["requests"] == 12 and done["outcomes"] == {"delivered": 12}
    by_pod: dict[str, int] = {}
    for p in paths:
        key = f"{p['pod']['namespace']}/{p['pod']['name']}"
        by_pod[key] = by_pod.get(key, 0) + 1
    assert done["by_pod"] == by_pod
    assert held_simulation_slots(now=time.time()) == 0


def test_the_same_seed_replays_the_same_paths_and_start_resumes_a_run(client: TestClient) -> None:
    first = run(client, requests=30, clients=4)
    assert run(client, requests=30, clients=4) == first
    assert run(client, requests=30, clients=4, start=20)[:-1] == first[20:-1]
    assert run(client, requests=1, clients=4)[:-1] == first[:1]  # a run sent in pieces
    other = run(client, requests=30, clients=4, seed=8)
    assert [d["pod"] for _, d in other[:-1]] != [d["pod"] for _, d in first[:-1]]


def test_the_stream_is_paced_by_the_rate(client: TestClient) -> None:
    began = time.monotonic()
    got = run(client, requests=6, rate=4)
    assert len(got) == 7
    assert time.monotonic() - began >= got[-2][1]["t"] * 0.9 > 0.3


@pytest.mark.parametrize(
    ("params", "code", "text"),
    [
        ({"requests": 0}, 422, "query.requests: Input should be greater than or equal to 1"),
        ({"rate": 5000}, 422, "query.rate: Input should be less than or equal to 1000"),
        ({"clients": 0}, 422, "query.clients"),
        ({"requests": 10_001}, 422, "requests: Invalid value: 10001: must be at most 10000"),
        ({"requests": 10, "start": 10}, 422, "start: Invalid value: 10: must be less than"),
        ({"requests": 10_000, "rate": 1}, 422, "rate: Invalid value: 1: must send the 10000"),
        ({"source": "pod:nope"}, 422, 'source: Invalid value: "pod:nope": must be external'),
        ({"source": "node:node-9"}, 422, "no node named 'node-9'"),
        ({"destination": "10.0.0.1"}, 422, "destination: Invalid value"),
    ],
)
def test_bad_parameters_get_a_status(
    client: TestClient, params: dict[str, Any], code: int, text: str
) -> None:
    response = client.get(URL, params={**WEB, **params})
    assert response.status_code == code, response.text
    body = response.json()
    assert body["kind"] == "Status" and body["code"] == code and text in body["message"]
    assert held_simulation_slots(now=time.time()) == 0


def test_an_unknown_cluster_is_not_found(client: TestClient) -> None:
    response = client.get("/api/clusters/nope/traffic", params=WEB)
    assert response.status_code == 404 and response.json()["reason"] == "NotFound"


def test_affinity_keeps_a_client_on_its_pod_and_names_the_rule(client: TestClient) -> None:
    svc = client.get("/k8s/demo/api/v1/namespaces/default/services/web").json()
    svc["spec"]["sessionAffinity"] = "ClientIP"
    assert client.put("/k8s/demo/api/v1/namespaces/default/services/web", json=svc).is_success
    got = run(client, requests=20, source="node:node-1", destination="web.default:80")
    paths = [d for name, d in got if name == "request"]
    assert {p["pod"]["name"] for p in paths} == {paths[0]["pod"]["name"]}
    assert paths[0]["affinityRule"] is None
    assert all("--rcheck" in p["affinityRule"] for p in paths[1:])
    assert got[-1][1]["affinity_hits"] == 19


def test_the_ladder_lists_the_chains_rules_with_their_chances(client: TestClient) -> None:
    path = run(client, requests=1)[0][1]
    hop = next(h for h in path["hops"] if h["kind"] == "service")
    response = client.get(f"/api/clusters/demo/nodes/{hop['node']}/ladder",
                          params={"chain": hop["rule"]})  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "iptables" and body["chain"] == hop["rule"].split()[0]
    assert [r["probability"] for r in body["rungs"]] == [0.3333333333, 0.5, 1.0]
    missing = client.get("/api/clusters/demo/nodes/node-9/ladder", params={"chain": "X"})
    assert missing.status_code == 404 and missing.json()["reason"] == "NotFound"


def test_a_fault_mid_run_changes_the_following_requests(tmp_path: Path) -> None:
    server = Server(tmp_path / "svcscope.db").start()
    try:
        seen: list[dict[str, Any]] = []
        params = {**WEB, "requests": 60, "rate": 20, "clients": 5}
        with httpx.Client(base_url=server.url, timeout=30) as http:
            with http.stream("GET", URL, params=params) as response:
                for name, data in events(response.iter_lines()):
                    if name != "request":
                        break
                    seen.append(data)
                    if len(seen) == 1:
                        began = time.monotonic()
                    if len(seen) == 15:
                        http.get("/")
                        token = http.cookies.get("svcscope_csrf") or ""
                        headers = {"HX-Request": "true", "X-CSRF-Token": token}
                        flipped = http.post("/clusters/demo/nodes/node-2/ready",
                                            data={"ready": "false"}, headers=headers)  # fmt: skip
                        assert flipped.is_success, flipped.text
                        written = time.monotonic() - began
    finally:
        server.stop()
    assert len(seen) == 60
    assert any(p["pod"]["node"] == "node-2" for p in seen[:15])
    # Requests routed before the write returned may still be read after it; the ones that
    # arrive later (`t`, seconds after the first) obey it.
    after = [p for p in seen if p["t"] > written + 0.1]
    assert after and all(p["pod"] is None or p["pod"]["node"] != "node-2" for p in after)
