"""A simulation's files: CSV tables a spreadsheet opens safely, names safe in a header."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.services import exports


def _result() -> dict[str, Any]:
    return {
        "destination": "web.default:80", "seed": 7,
        "series": [{"t": 0.0, "seconds": 0.5, "delivered": 3, "dropped": 1, "rejected": 0,
                    "unreachable": 0, "cross_node": 2, "affinity_hits": 0,
                    "by_node": {"node-1": 3}, "by_pod": {"default/a": 3}}],
        "by_pod": {"default/a": 3}, "expected_share": {"default/a": 0.5, "default/b": 0.5},
        "pod_nodes": {"default/a": "node-1"},
        "sample": [{"request": 0, "t": 0.0, "client": "198.18.0.1", "outcome": "dropped",
                    "pod": None, "affinity_hit": False, "reason": "=HYPERLINK(1)",
                    "instead": "Send to a node that runs an endpoint",
                    "hops": [{"kind": "client", "name": "external client"},
                             {"kind": "node", "name": "node-3"}]}],
        "explanations": [{"outcome": "dropped", "requests": 1, "reason": "why", "instead": None}],
    }  # fmt: skip


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_series_has_a_column_per_node_and_pod_and_the_row_length() -> None:
    header, row = rows(exports.to_csv(_result(), "series"))
    assert header[:2] == ["t", "seconds"] and header[-2:] == ["node:node-1", "pod:default/a"]
    assert row[1] == "0.5" and row[-2:] == ["3", "3"]


def test_pods_put_observed_beside_expected_share() -> None:
    _, a, b = rows(exports.to_csv(_result(), "pods"))
    assert a == ["default/a", "node-1", "3", "1.0", "0.5"]
    assert b == ["default/b", "", "0", "0.0", "0.5"]


def test_a_cell_that_would_be_a_formula_is_quoted_as_text() -> None:
    _, row = rows(exports.to_csv(_result(), "sample"))
    assert row[7] == "client:external client > node:node-3"
    assert row[8].startswith("'=HYPERLINK")
    assert row[9] == "Send to a node that runs an endpoint"
    _, why = rows(exports.to_csv(_result(), "explanations"))
    assert why == ["dropped", "1", "why", ""]


def test_file_names_are_safe_in_a_header() -> None:
    name = exports.file_name('x";evil', _result(), "series", "csv")
    assert name == "x_evil-web.default_80-seed7-series.csv"
    assert (
        exports.file_name("demo", _result(), "series", "json") == "demo-web.default_80-seed7.json"
    )
