"""The vectorised engine: a segment's requests decided with numpy, from the segment's plan.

Per request it takes the same two 32-bit variates as the scalar engine and maps them with the
same `pick`, so on any run both engines make identical decisions; only the bookkeeping
differs. ClientIP affinity is resolved per (entry node, client) session: a request sticks to
the endpoint its session started on unless `timeoutSeconds` of idle time passed, exactly the
`recent --rcheck --seconds … --reap` semantics, and that memory is carried across segments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from app.core.simulation.plan import OUTCOME_CODES, SegmentPlan

IntArray = NDArray[np.int64]


CLIENT_BITS = 32
"""A session key is entry node id << CLIENT_BITS | client index."""


@dataclass
class Sessions:
    """The live ClientIP affinity entries of every node's kernel, as flat numpy arrays.

    One row per (node, client, endpoint address) whose entry is younger than the timeout:
    20 bytes a row, sorted by (key, address). The kernel refreshes only the entry of the
    endpoint a new connection went to, and an expired entry is only ever reset by such a new
    connection, so rows older than the timeout at the latest time seen are dropped without
    changing a decision: a (node, client) pair holds one live row (two only while an endpoint
    removed by an event still remembers it), and the whole is bounded by nodes x clients
    whatever the number of requests (a dict per pair cost some 400 bytes and kept every
    endpoint a client ever had, however stale).
    """

    keys: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    addresses: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    last: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    node_ids: dict[str, int] = field(default_factory=dict)
    address_ids: dict[str, int] = field(default_factory=dict)

    def node_id(self, node: str) -> int:
        return self.node_ids.setdefault(node, len(self.node_ids))

    def address_id(self, address: str) -> int:
        return self.address_ids.setdefault(address, len(self.address_ids))

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.addresses.nbytes + self.last.nbytes)

    def remembered(
        self,
        keys: IntArray,
        now: NDArray[np.float64],
        timeout: float,
        position: Callable[[IntArray, NDArray[np.int32]], IntArray],
    ) -> IntArray:
        """Per query: the first position (in its entry's endpoint order) of an endpoint whose
        entry remembers the client within the timeout, -1 for none. `position(query indexes,
        address ids)` is the address's position in that query's endpoint list, -1 if absent."""
        found = np.full(keys.shape[0], -1, dtype=np.int64)
        lo = np.searchsorted(self.keys, keys, side="left")
        hi = np.searchsorted(self.keys, keys, side="right")
        counts = hi - lo
        if not counts.any():
            return found
        query = np.repeat(np.arange(keys.shape[0]), counts)
        row = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        row += lo[query]
        pos = position(query, self.addresses[row])
        live = (pos >= 0) & (now[query] - self.last[row] < timeout)
        best = np.full(keys.shape[0], np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, query[live], pos[live])
        has = best != np.iinfo(np.int64).max
        found[has] = best[has]
        return found

    def update(
        self,
        keys: IntArray,
        addresses: NDArray[np.int32],
        last: NDArray[np.float64],
        one_per_key: bool,
        timeout: float,
    ) -> None:
        """Set (key, address) → last for the given rows; with `one_per_key` (an IPVS
        persistence template) the key's other rows go. Then drop what expired by the
        latest time given."""
        old = np.ones(self.keys.shape[0], dtype=np.bool_)
        if one_per_key:
            old = ~np.isin(self.keys, keys)
        all_keys = np.concatenate((self.keys[old], keys))
        all_addresses = np.concatenate((self.addresses[old], addresses))
        all_last = np.concatenate((self.last[old], last))
        order = np.lexsort((all_addresses, all_keys))  # stable: a new row after an old one
        all_keys, all_addresses = all_keys[order], all_addresses[order]
        all_last = all_last[order]
        newest = np.ones(order.shape[0], dtype=np.bool_)
        newest[:-1] = (all_keys[1:] != all_keys[:-1]) | (all_addresses[1:] != all_addresses[:-1])
        horizon = float(last.max()) - timeout if last.size else -np.inf
        keep = newest & (all_last > horizon)
        self.keys, self.addresses, self.last = all_keys[keep], all_addresses[keep], all_last[keep]


@dataclass
class Memory:
    """What the nodes' kernels remember between segments."""

    affinity: Sessions = field(default_factory=Sessions)
    """(node, client) → endpoint address → last new connection time, while it lives."""
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
    sessions = memory.affinity
    lists = _EndpointLists(plan, sessions)
    firsts = np.flatnonzero(group_start)
    continued = np.zeros(order.size, dtype=np.int64) - 1
    continued[firsts] = sessions.remembered(
        lists.session_keys(j[order[firsts]], clients[order[firsts]]),
        stime[firsts],
        timeout,
        lambda query, addresses: lists.position(j[order[firsts]][query], addresses),
    )
    session_start[continued >= 0] = False
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
    ends = np.flatnonzero(last_pos)
    end_j = j[order[ends]]
    # IPVS keeps one persistence template per client, not one entry per endpoint.
    sessions.update(
        lists.session_keys(end_j, clients[order[ends]]),
        lists.address(end_j, chosen[ends]),
        stime[ends],
        one_per_key=round_robin,
        timeout=timeout,
    )
    return k, hit


class _EndpointLists:
    """The plan's endpoint lists as ids the session memory uses (entries often share one)."""

    def __init__(self, plan: SegmentPlan, sessions: Sessions) -> None:
        ids: dict[tuple[str, ...], int] = {}
        self.list_of = np.array([ids.setdefault(e.endpoints, len(ids)) for e in plan.entries])
        self.node_of = np.array([sessions.node_id(e.node) for e in plan.entries], dtype=np.int64)
        ordered = sorted(ids, key=ids.__getitem__)
        sizes = np.array([len(eps) for eps in ordered], dtype=np.int64)
        self.offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        flat = np.array([sessions.address_id(a) for eps in ordered for a in eps], dtype=np.int32)
        self.flat = flat if flat.size else np.full(1, -1, dtype=np.int32)
        # (list id, address id) → the address's position in that list, sorted for searchsorted.
        lists = np.repeat(np.arange(len(ordered), dtype=np.int64), sizes)
        combined = (lists << CLIENT_BITS) | flat.astype(np.int64)
        order = np.argsort(combined, kind="stable")
        positions = np.arange(flat.size, dtype=np.int64) - np.repeat(self.offsets, sizes)
        none = np.full(1, -1, dtype=np.int64)
        self.table = combined[order] if flat.size else none
        self.index = positions[order] if flat.size else none

    def session_keys(self, j: IntArray, clients: IntArray) -> IntArray:
        keys: IntArray = (self.node_of[j] << CLIENT_BITS) | clients
        return keys

    def address(self, j: IntArray, k: IntArray) -> NDArray[np.int32]:
        picked: NDArray[np.int32] = self.flat[self.offsets[self.list_of[j]] + k]
        return picked

    def position(self, j: IntArray, addresses: NDArray[np.int32]) -> IntArray:
        """Position of each address in entry j's endpoint list (-1: not in it)."""
        wanted = (self.list_of[j] << CLIENT_BITS) | addresses.astype(np.int64)
        at = np.minimum(np.searchsorted(self.table, wanted), self.table.shape[0] - 1)
        found: IntArray = np.where(self.table[at] == wanted, self.index[at], -1)
        return found
