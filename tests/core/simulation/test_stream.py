"""The traffic stream: the scalar engine's requests one at a time, each against the cluster of
its moment, with the kernels' memory kept for the whole run."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.core.controllers.snapshot import cluster_state
from app.core.kubeproxy.ladder import ladder
from app.core.simulation.events import apply_event, parse_events
from app.core.simulation.simulate import Spec, simulate
from app.core.simulation.stream import RUN_LENGTH, TrafficStream
from tests.core.simulation.test_simulate import demo, set_affinity

SPEC = Spec(destination="web:80", requests=60, clients=4, rate=20.0, seed=7)


def run(spec: Spec, states: Any, start: int = 0) -> list[dict[str, Any]]:
    """Every request of the run; `states(i)` is the cluster request i meets."""
    stream = TrafficStream(spec)
    stream.skip_to(start, states(0))
    out = []
    while not stream.done:
        out.append(stream.next(states(stream.position))[1])
    return out


def test_the_same_seed_replays_the_same_paths_in_the_same_order() -> None:
    state = cluster_state(demo())
    first = run(SPEC, lambda _: state)
    assert first == run(SPEC, lambda _: state)
    assert [p["request"] for p in first] == list(range(60))
    assert run(replace(SPEC, seed=8), lambda _: state) != first


def test_a_run_sent_in_pieces_is_the_run_sent_at_once() -> None:
    ws = demo()
    set_affinity(ws)
    state = cluster_state(ws)
    whole = run(SPEC, lambda _: state)
    assert run(replace(SPEC, requests=1), lambda _: state) == whole[:1]
    assert run(replace(SPEC, requests=11), lambda _: state, start=1) == whole[1:11]


def test_a_stream_decides_as_the_scalar_simulation_of_the_same_run() -> None:
    """Both take request i's decisions from the same variates with the same chooser."""
    ws = demo()
    set_affinity(ws)
    state = cluster_state(ws)
    spec = replace(SPEC, requests=RUN_LENGTH)
    stream = TrafficStream(spec)
    paths = [stream.next(state)[1] for _ in range(40)]
    result = simulate(ws, replace(spec, engine="vector", sample=RUN_LENGTH))
    assert [p["pod"] for p in paths] == [s["pod"] for s in result["sample"][:40]]
    assert [bool(p["affinityRule"]) for p in paths] == [
        s["affinity_hit"] for s in result["sample"][:40]
    ]


def test_a_run_resumed_at_a_request_continues_as_if_it_had_not_stopped() -> None:
    ws = demo()
    set_affinity(ws)
    state = cluster_state(ws)
    whole = run(SPEC, lambda _: state)
    assert run(SPEC, lambda _: state, start=25) == whole[25:]


def test_a_node_going_down_mid_run_changes_the_following_requests_at_once() -> None:
    ws = demo()
    before = cluster_state(ws)
    apply_event(ws, parse_events([{"at": 0, "action": "node-down", "node": "node-2"}])[0])
    after = cluster_state(ws)
    paths = run(SPEC, lambda i: before if i < 30 else after)
    assert any(p["pod"]["node"] == "node-2" for p in paths[:30])
    assert all(p["pod"] is None or p["pod"]["node"] != "node-2" for p in paths[30:])


def test_affinity_keeps_each_client_on_one_pod_and_names_the_rule_that_caught_it() -> None:
    ws = demo()
    set_affinity(ws)
    state = cluster_state(ws)
    paths = run(SPEC, lambda _: state)
    # Each node's kernel keeps its own `recent` lists: a client sticks per node it enters by.
    first: dict[tuple[int, str], dict[str, Any]] = {}
    for p in paths:
        key = (p["client"], next(h["name"] for h in p["hops"] if h["kind"] == "node"))
        if key in first:
            assert p["pod"] == first[key]["pod"]
            assert p["affinityRule"] and "--rcheck" in p["affinityRule"]
        else:
            assert p["affinityRule"] is None
            first[key] = p
    assert len(first) < len(paths) / 2


def test_the_totals_count_every_request_shown() -> None:
    state = cluster_state(demo())
    stream = TrafficStream(SPEC)
    paths = [stream.next(state)[1] for _ in range(SPEC.requests)]
    totals = stream.summary()
    assert totals["requests"] == 60 and sum(totals["by_pod"].values()) == 60
    for key, count in totals["by_pod"].items():
        assert count == sum(
            1 for p in paths if f"{p['pod']['namespace']}/{p['pod']['name']}" == key
        )
    assert totals["cross_node"] == sum(p["crossNode"] for p in paths)


def test_the_ladder_is_the_cascade_kube_proxy_writes_in_each_mode() -> None:
    state = cluster_state(demo())
    path = run(replace(SPEC, requests=1), lambda _: state)[0]
    service_hop = next(h for h in path["hops"] if h["kind"] == "service")
    rungs = ladder(state, service_hop["node"], service_hop["rule"])["rungs"]
    assert [r["probability"] for r in rungs] == [0.3333333333, 0.5, 1.0]
    assert service_hop["dst"] in [r["endpoint"] for r in rungs]
    assert all(r["rule"].startswith("-A KUBE-SVC-") for r in rungs)
    nft = cluster_state(demo(proxy_mode="nftables"))
    hop = next(h for h in run(replace(SPEC, requests=1), lambda _: nft)[0]["hops"]
               if h["kind"] == "service")  # fmt: skip
    rungs = ladder(nft, hop["node"], hop["rule"])["rungs"]
    assert len(rungs) == 3 and all("numgen random mod 3" in r["rule"] for r in rungs)
    ipvs = cluster_state(demo(proxy_mode="ipvs"))
    hop = next(h for h in run(replace(SPEC, requests=1), lambda _: ipvs)[0]["hops"]
               if h["kind"] == "service")  # fmt: skip
    rungs = ladder(ipvs, hop["node"], hop["rule"])["rungs"]
    assert len(rungs) == 3 and hop["dst"] in [r["endpoint"] for r in rungs]
