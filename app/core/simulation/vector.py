"""The vectorised engine: a segment's requests decided with numpy, from the segment's plan.

Per request it takes the same two 32-bit variates as the scalar engine and maps them with the
same `pick`, so on any run both engines make identical decisions; only the bookkeeping
differs. ClientIP affinity is resolved per (entry node, client) session: a request sticks to
the endpoint its session started on unless `timeoutSeconds` of idle time passed, exactly the
`recent --rcheck --seconds … --reap` semantics, and that memory is carried across segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from app.core.simulation.plan import OUTCOME_CODES, SegmentPlan

IntArray = NDArray[np.int64]


@dataclass
class Memory:
    """What the nodes' kernels remember between segments."""

    affinity: dict[tuple[str, int], dict[str, float]] = field(default_factory=dict)
    """(node, client index) → endpoint address → last new connection time."""
    rr_last: dict[str, int] = field(default_factory=dict)
    """node → IPVS round-robin position for the destination's virtual server."""


@dataclass
class Decisions:
    """Per request: outcome code, entry node id, pod id (-1 none), affinity hit."""

    outcome: NDArray[np.int8]
    entry: IntArray
    pod: IntArray
    hit: NDArray[np.bool_]
    lb: NDArray[np.bool_]
    j: IntArray
    """Index of the load-balancer choice (entry) per request."""
    k: IntArray
    """Index of the endpoint within the entry's list per request."""


def _pick(n: IntArray | int, u: NDArray[np.uint64]) -> IntArray:
    picked: IntArray = ((u * np.asarray(n, dtype=np.uint64)) >> np.uint64(32)).astype(np.int64)
    return picked


def decide(
    plan: SegmentPlan,
    times: NDArray[np.float64],
    clients: IntArray,
    u_lb: NDArray[np.uint64],
    u_ep: NDArray[np.uint64],
    node_ids: dict[str, int],
    pod_ids: dict[str, int],
    memory: Memory,
    round_robin: bool,
) -> Decisions:
    size = times.shape[0]
    entries = plan.entries
    n_lb = len(entries)
    j = _pick(n_lb, u_lb) if n_lb > 1 else np.zeros(size, dtype=np.int64)
    # Per entry: fixed outcome code (-1 = choose an endpoint), endpoint list id.
    fixed = np.array([OUTCOME_CODES.get(e.outcome, -1) if e.outcome else -1 for e in entries])
    lists: dict[tuple[str, ...], int] = {}
    list_of = np.array([lists.setdefault(e.endpoints, len(lists)) for e in entries])
    ordered = sorted(lists, key=lists.__getitem__)
    sizes = np.array([len(eps) for eps in ordered], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    flat = [addr for eps in ordered for addr in eps]
    target_pod = np.array(
        [pod_ids.get(plan.pods_by_address.get(a, (a, ""))[0], -1) for a in flat] or [-1],
        dtype=np.int64,
    )
    entry_node = np.array([node_ids.get(e.node, -1) for e in entries], dtype=np.int64)
    fixed_pod = np.array([pod_ids.get(e.pod, -1) if e.pod else -1 for e in entries])

    outcome = np.where(fixed[j] >= 0, fixed[j], 0).astype(np.int8)
    pod = fixed_pod[j].astype(np.int64)
    hit = np.zeros(size, dtype=np.bool_)
    choose = fixed[j] < 0
    list_id = list_of[j]
    n_ep = sizes[list_id]
    k = np.zeros(size, dtype=np.int64)
    timeout = plan.affinity_timeout
    if choose.any():
        if timeout is not None:
            k, hit = _with_affinity(
                plan, j, clients, times, u_ep, choose, n_ep, memory, timeout, round_robin
            )
        elif round_robin:
            k = _round_robin(plan, j, choose, n_ep, memory, np.ones(size, dtype=np.bool_))
        else:
            k = np.where(choose, _pick(np.maximum(n_ep, 1), u_ep), 0)
        flat_index = offsets[list_id] + k
        pod = np.where(choose, target_pod[np.minimum(flat_index, len(target_pod) - 1)], pod)
    lb = np.full(size, entries[0].lb)
    return Decisions(outcome, entry_node[j], pod, hit, lb, j, k)


def _round_robin(
    plan: SegmentPlan,
    j: IntArray,
    choose: NDArray[np.bool_],
    n_ep: IntArray,
    memory: Memory,
    scheduled: NDArray[np.bool_],
) -> IntArray:
    """ip_vs_rr: per node, each scheduled connection takes the next position (wrapping)."""
    k = np.zeros(j.shape[0], dtype=np.int64)
    active = choose & scheduled
    for entry_index in np.unique(j[active]):
        node = plan.entries[int(entry_index)].node
        mask = active & (j == entry_index)
        count = int(mask.sum())
        n = int(n_ep[np.argmax(mask)])
        start = memory.rr_last.get(node, -1) + 1
        k[mask] = (start + np.arange(count)) % n
        memory.rr_last[node] = int((start + count - 1) % n)
    return k


def _with_affinity(
    plan: SegmentPlan,
    j: IntArray,
    clients: IntArray,
    times: NDArray[np.float64],
    u_ep: NDArray[np.uint64],
    choose: NDArray[np.bool_],
    n_ep: IntArray,
    memory: Memory,
    timeout: float,
    round_robin: bool,
) -> tuple[IntArray, NDArray[np.bool_]]:
    size = j.shape[0]
    n_clients = int(clients.max()) + 1 if size else 1
    key = j * n_clients + clients
    order = np.argsort(np.where(choose, key, -1), kind="stable")
    order = order[choose[order]]
    k = np.zeros(size, dtype=np.int64)
    hit = np.zeros(size, dtype=np.bool_)
    if order.size == 0:
        return k, hit
    skey, stime = key[order], times[order]
    group_start = np.ones(order.size, dtype=np.bool_)
    group_start[1:] = skey[1:] != skey[:-1]
    gap = np.empty(order.size)
    gap[0] = np.inf
    gap[1:] = stime[1:] - stime[:-1]
    session_start = group_start | (gap >= timeout)
    # The first request of each (node, client) group may continue a session from before.
    continued = np.zeros(order.size, dtype=np.int64) - 1
    for pos in np.flatnonzero(group_start):
        entry = plan.entries[int(j[order[pos]])]
        remembered = memory.affinity.get((entry.node, int(clients[order[pos]])), {})
        now = float(stime[pos])
        for index, address in enumerate(entry.endpoints):
            last = remembered.get(address)
            if last is not None and now - last < timeout:
                continued[pos] = index
                session_start[pos] = False
                break
    fresh = session_start.copy()
    picks = np.zeros(order.size, dtype=np.int64)
    if round_robin:
        scheduled = np.zeros(size, dtype=np.bool_)
        scheduled[order[fresh]] = True
        rr = _round_robin(plan, j, choose, n_ep, memory, scheduled)
        picks[fresh] = rr[order[fresh]]
    else:
        picks[fresh] = _pick(n_ep[order[fresh]], u_ep[order[fresh]])
    picks[continued >= 0] = continued[continued >= 0]
    # Each session's decision holds for every later request of the session.
    starts = session_start | (continued >= 0)
    session_id = np.cumsum(starts) - 1
    chosen = picks[np.flatnonzero(starts)][session_id]
    k[order] = chosen
    hit[order] = ~fresh
    # Remember, per (node, client), the endpoint of its last session and when it was used.
    last_pos = np.ones(order.size, dtype=np.bool_)
    last_pos[:-1] = skey[1:] != skey[:-1]
    for pos in np.flatnonzero(last_pos):
        entry = plan.entries[int(j[order[pos]])]
        slot = memory.affinity.setdefault((entry.node, int(clients[order[pos]])), {})
        if round_robin:
            slot.clear()  # IPVS keeps one persistence template per client, not one per endpoint
        slot[entry.endpoints[int(chosen[pos])]] = float(stime[pos])
    return k, hit
