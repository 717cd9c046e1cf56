"""Turning per-request decisions into the numbers an instructor shows.

Counts by outcome, pod, node and load-balancer target; the share of requests that crossed
nodes; affinity hits; the same per time bucket; and, beside the observed split, the split
the rules promise (each node's choice is uniform among its endpoints) with a chi-square
statistic and its approximate p-value (Wilson–Hilferty), so a learner can tell chance from bias.

A time series is only honest if every row says how long it covers: the run ends at its last
arrival, rarely on a bucket boundary, so the last bucket is short. Each row carries `seconds`
(the time it covers); a last bucket shorter than half a width is folded into the one before
it, so no row rests on a sliver of time, and a chart divides by `seconds` to plot rates.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.core.simulation.plan import SegmentPlan

OUTCOMES = ("delivered", "dropped", "rejected", "unreachable")
NICE_WIDTHS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60,
               120, 300, 600, 1800, 3600)  # fmt: skip
MAX_SERIES_KEYS = 50
MAX_EXPLANATIONS = 20


def bucket_width(duration: float, buckets: int = 60) -> float:
    raw = max(duration, 1e-9) / buckets
    nice = next((w for w in NICE_WIDTHS if w >= raw), None)
    # Beyond an hour per bucket, whole hours: the series never has more than `buckets` rows.
    return float(nice if nice is not None else math.ceil(raw / 3600) * 3600)


def expected_shares(plans: Sequence[tuple[SegmentPlan, int]]) -> dict[str, float]:
    """The share of delivered requests each pod should get, weighted by segment size."""
    weights: dict[str, float] = {}
    for plan, count in plans:
        if count == 0 or not plan.entries:
            continue
        per_entry = count / len(plan.entries)
        # Thousands of nodes usually share a handful of endpoint lists: count lists first.
        lists = Counter((e.outcome, e.pod, e.endpoints) for e in plan.entries)
        for (outcome, pod, endpoints), entries in lists.items():
            if outcome == "delivered" and pod:
                weights[pod] = weights.get(pod, 0.0) + per_entry * entries
            elif not outcome and endpoints:
                share = per_entry * entries / len(endpoints)
                for address in endpoints:
                    key = plan.pods_by_address.get(address, (address, ""))[0]
                    weights[key] = weights.get(key, 0.0) + share
    total = sum(weights.values())
    return {k: v / total for k, v in sorted(weights.items())} if total else {}


def chi_square(observed: dict[str, int], expected: dict[str, float]) -> tuple[float, int, float]:
    """(statistic, degrees of freedom, approximate p-value) of observed vs expected shares."""
    delivered = sum(observed.get(k, 0) for k in expected)
    keys = [k for k, share in expected.items() if share > 0]
    if delivered == 0 or len(keys) < 2:
        return 0.0, 0, 1.0
    stat = 0.0
    for key in keys:
        want = expected[key] * delivered
        stat += (observed.get(key, 0) - want) ** 2 / want
    dof = len(keys) - 1
    z = ((stat / dof) ** (1 / 3) - (1 - 2 / (9 * dof))) / math.sqrt(2 / (9 * dof))
    return stat, dof, 0.5 * math.erfc(z / math.sqrt(2))


def _grid(bucket: NDArray[np.int32], key: NDArray[np.int32], n_buckets: int, n_keys: int,
          ) -> NDArray[np.int64]:  # fmt: skip
    """Counts per (bucket, key) in one bincount; key -1 (nothing) lands in column 0, dropped."""
    flat = np.bincount(bucket * (n_keys + 1) + (key + 1), minlength=n_buckets * (n_keys + 1))
    grid: NDArray[np.int64] = flat.reshape(n_buckets, n_keys + 1)[:, 1:]
    return grid


def _nonzero(counts: NDArray[np.int64], names: Sequence[str]) -> dict[str, int]:
    return {names[int(i)]: int(counts[i]) for i in np.flatnonzero(counts)}


def _widen(total: NDArray[np.int64], part: NDArray[np.int64]) -> NDArray[np.int64]:
    """total + part along the last axis, widening total when new keys (pods, nodes) appeared."""
    missing = part.shape[-1] - total.shape[-1]
    if missing > 0:
        total = np.pad(total, [(0, 0)] * (total.ndim - 1) + [(0, missing)])
    total[..., : part.shape[-1]] += part
    return total


class Tally:
    """The run's figures, added chunk by chunk: memory follows buckets × (pods + nodes), never
    the number of requests. Every count comes from a few bincounts per chunk."""

    def __init__(self, duration: float) -> None:
        self.duration = duration
        self.width = bucket_width(duration)
        self.n_buckets = int(duration // self.width) + 1
        shape = (self.n_buckets, 0)
        self.total = 0
        self.outcomes = np.zeros((self.n_buckets, len(OUTCOMES)), dtype=np.int64)
        self.nodes = np.zeros(shape, dtype=np.int64)
        self.pods: NDArray[np.int64] | None = np.zeros(shape, dtype=np.int64)
        """Per bucket and pod while there are few pods; beyond MAX_SERIES_KEYS, totals only."""
        self.pod_totals = np.zeros(0, dtype=np.int64)
        self.crossings = np.zeros(self.n_buckets, dtype=np.int64)
        self.hits = np.zeros(self.n_buckets, dtype=np.int64)
        self.lb_nodes = np.zeros(0, dtype=np.int64)
        self.why = np.zeros(0, dtype=np.int64)
        """Requests per failure reason id (see `result`'s `reasons`)."""

    def add(
        self,
        *,
        times: NDArray[np.float64],
        outcome: NDArray[np.int8],
        entry: NDArray[np.int64],
        pod: NDArray[np.int64],
        hit: NDArray[np.bool_],
        lb: NDArray[np.bool_],
        pod_nodes: NDArray[np.int64],
        n_nodes: int,
        why: NDArray[np.int64] | None = None,
    ) -> None:
        """One chunk's requests; `pod_nodes` maps every pod id known so far to its node id."""
        if not times.shape[0]:
            return
        self.total += int(times.shape[0])
        n_pods = len(pod_nodes)
        n_buckets = self.n_buckets
        served = np.where(outcome == 0, pod, -1).astype(np.int32)
        # Index -1 (no pod) picks the appended -1: the pod's node without a branch.
        pod_node = np.append(pod_nodes, -1).astype(np.int32)[served]
        crossed = (pod_node >= 0) & (entry >= 0) & (pod_node != entry)
        bucket = (times // self.width).astype(np.int32)
        self.outcomes += _grid(bucket, outcome.astype(np.int32), n_buckets, len(OUTCOMES))
        self.nodes = _widen(self.nodes, _grid(bucket, pod_node, n_buckets, max(n_nodes, 1)))
        if self.pods is not None and n_pods <= MAX_SERIES_KEYS:
            self.pods = _widen(self.pods, _grid(bucket, served, n_buckets, max(n_pods, 1)))
        else:
            if self.pods is not None:
                self.pod_totals, self.pods = _widen(self.pod_totals, self.pods.sum(axis=0)), None
            per_pod = np.bincount(served + 1, minlength=n_pods + 1)[1:]
            self.pod_totals = _widen(self.pod_totals, per_pod)
        self.crossings += np.bincount(bucket[crossed], minlength=n_buckets)
        self.hits += np.bincount(bucket[hit], minlength=n_buckets)
        lb_entry = np.where(lb, entry, -1).astype(np.int32)
        self.lb_nodes = _widen(self.lb_nodes, np.bincount(lb_entry + 1)[1:])
        if why is not None:
            self.why = _widen(self.why, np.bincount(why + 1)[1:])

    def spans(self) -> list[tuple[int, int, float]]:
        """(first bucket, end bucket, seconds covered) per series row: whole buckets, except
        the last, which keeps its own length or, under half a width, joins the row before."""
        n, width = self.n_buckets, self.width
        rows = [(b, b + 1, width) for b in range(n)]
        last = self.duration - (n - 1) * width
        if self.duration <= 0:
            return rows  # one request, at t=0: a single row of nominal width
        if n > 1 and last < width / 2:
            rows[-2:] = [(n - 2, n, width + last)]
        else:
            rows[-1] = (n - 1, n, last)
        return rows

    def series(self, pod_names: Sequence[str], node_names: Sequence[str]) -> list[dict[str, Any]]:
        """One row per span: counts by outcome, crossings, affinity hits, per pod and node."""
        rows: list[dict[str, Any]] = []
        for lo, hi, seconds in self.spans() if self.total else []:
            row: dict[str, Any] = {"t": round(lo * self.width, 6), "seconds": round(seconds, 6)}
            outcomes = self.outcomes[lo:hi].sum(axis=0)
            row.update({name: int(outcomes[i]) for i, name in enumerate(OUTCOMES)})
            row["cross_node"] = int(self.crossings[lo:hi].sum())
            row["affinity_hits"] = int(self.hits[lo:hi].sum())
            if self.pods is not None:
                row["by_pod"] = _nonzero(self.pods[lo:hi].sum(axis=0), pod_names)
            row["by_node"] = _nonzero(self.nodes[lo:hi].sum(axis=0), node_names)
            rows.append(row)
        return rows

    def result(
        self,
        pod_names: Sequence[str],
        node_names: Sequence[str],
        plans: Sequence[tuple[SegmentPlan, int]],
        *,
        reasons: Sequence[tuple[str, str, str]] = (),
    ) -> dict[str, Any]:
        """The figures; `reasons` names each failure reason id (outcome, reason, instead)."""
        series = self.series(pod_names, node_names)
        pod_totals = self.pods.sum(axis=0) if self.pods is not None else self.pod_totals
        by_pod = _nonzero(pod_totals, pod_names)
        expected = expected_shares(plans)
        stat, dof, p_value = chi_square(by_pod, expected)
        totals = self.outcomes.sum(axis=0)
        return {
            "total": self.total,
            "outcomes": {name: int(totals[i]) for i, name in enumerate(OUTCOMES)},
            "by_pod": by_pod,
            "by_node": _nonzero(self.nodes.sum(axis=0), node_names),
            "by_lb_node": _nonzero(self.lb_nodes, node_names),
            "cross_node": int(self.crossings.sum()),
            "affinity_hits": int(self.hits.sum()),
            "expected_share": {k: round(v, 6) for k, v in expected.items()},
            "chi_square": round(stat, 4),
            "degrees_of_freedom": dof,
            "p_value": round(p_value, 6),
            "bucket_seconds": self.width,
            "series": series,
            "explanations": self.explanations(reasons),
        }

    def explanations(self, reasons: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
        """Why requests failed and what would work instead, the most frequent first: a run
        that answers "unreachable 10,000" also says why, in route()'s own words."""
        found = [
            {"outcome": o, "reason": r, "instead": i or None, "requests": int(self.why[n])}
            for n, (o, r, i) in enumerate(reasons)
            if n < self.why.shape[0] and self.why[n]
        ]
        found.sort(key=lambda e: (-int(e["requests"] or 0), str(e["reason"])))
        return found[:MAX_EXPLANATIONS]
