"""A simulation's result as files: CSV tables for a spreadsheet, JSON for a program.

The API (`POST /api/clusters/{c}/simulate?format=csv&table=…`) and the page's download links
both call these, so a file saved from the page equals the one the API answers for the same
seed. Tables: `series` (one row per time bucket, with its length, and a column per node and
pod), `pods` (observed against expected share), `sample` (the sampled requests' paths, hops
joined in order) and `explanations` (why requests failed, what would work instead).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

TABLES = ("series", "pods", "sample", "explanations")
OUTCOMES = ("delivered", "dropped", "rejected", "unreachable")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        # A cell starting with = + - @ (or a tab or CR before one) would be a formula in a
        # spreadsheet (OWASP "CSV injection"): it is written as text.
        writer.writerow([f"'{v}" if isinstance(v, str) and v.startswith(FORMULA) else v
                         for v in row])  # fmt: skip
    return out.getvalue()


def series_csv(result: dict[str, Any]) -> str:
    series: list[dict[str, Any]] = result["series"]
    nodes = sorted({n for row in series for n in row.get("by_node", {})})
    pods = sorted({p for row in series for p in row.get("by_pod") or {}})
    header = ["t", "seconds", *OUTCOMES, "cross_node", "affinity_hits"]
    header += [f"node:{n}" for n in nodes] + [f"pod:{p}" for p in pods]
    rows = (
        [row["t"], row["seconds"], *(row[o] for o in OUTCOMES), row["cross_node"],
         row["affinity_hits"], *(row["by_node"].get(n, 0) for n in nodes),
         *((row.get("by_pod") or {}).get(p, 0) for p in pods)]
        for row in series
    )  # fmt: skip
    return _csv(header, rows)


def pods_csv(result: dict[str, Any]) -> str:
    by_pod: dict[str, int] = result["by_pod"]
    expected: dict[str, float] = result["expected_share"]
    delivered = sum(by_pod.values())
    rows = (
        [pod, result["pod_nodes"].get(pod, ""), by_pod.get(pod, 0),
         round(by_pod.get(pod, 0) / delivered, 6) if delivered else 0.0,
         expected.get(pod, 0.0)]
        for pod in sorted(set(by_pod) | set(expected))
    )  # fmt: skip
    return _csv(["pod", "node", "requests", "observed_share", "expected_share"], rows)


def sample_csv(result: dict[str, Any]) -> str:
    header = ["request", "t", "client", "outcome", "pod", "node", "affinity_hit", "hops",
              "reason", "instead"]  # fmt: skip
    rows = []
    for s in result["sample"]:
        pod = s.get("pod") or {}
        hops = " > ".join(f"{h['kind']}:{h['name']}" for h in s["hops"])
        rows.append([s["request"], s["t"], s["client"], s["outcome"],
                     f"{pod['namespace']}/{pod['name']}" if pod else "", pod.get("node", ""),
                     s["affinity_hit"], hops, s["reason"], s.get("instead") or ""])  # fmt: skip
    return _csv(header, rows)


def explanations_csv(result: dict[str, Any]) -> str:
    rows = (
        [e["outcome"], e["requests"], e["reason"], e["instead"] or ""]
        for e in result.get("explanations", [])
    )
    return _csv(["outcome", "requests", "reason", "instead"], rows)


CSV_TABLES = {
    "series": series_csv,
    "pods": pods_csv,
    "sample": sample_csv,
    "explanations": explanations_csv,
}


def to_csv(result: dict[str, Any], table: str) -> str:
    return CSV_TABLES[table](result)


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=1)


def file_name(cluster: str, result: dict[str, Any], table: str, extension: str) -> str:
    """`<cluster>-<destination>-seed<N>[-<table>].<ext>`, safe in a Content-Disposition."""
    what = f"-{table}" if extension == "csv" else ""
    stem = f"{cluster}-{result['destination']}-seed{result['seed']}{what}"
    return _UNSAFE.sub("_", stem)[:150] + f".{extension}"
