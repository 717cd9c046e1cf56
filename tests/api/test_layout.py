"""Saved diagram positions: PUT, GET and DELETE /api/clusters/{c}/layout."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


def node_box(client: TestClient, node: str) -> dict[str, Any]:
    drawn = client.get("/api/clusters/demo/topology").json()
    box: dict[str, Any] = next(n for n in drawn["nodes"] if n["id"] == f"node:{node}")
    return box


def test_positions_round_trip_and_move_the_drawn_node(client: TestClient) -> None:
    assert client.get("/api/clusters/demo/layout").json() == {"positions": {}}
    body = {
        "positions": {"node:node-1": {"x": 120.4, "y": 300}, "lb:default/web": {"x": 5, "y": 60}}
    }
    saved = client.put("/api/clusters/demo/layout", json=body)
    assert saved.status_code == 200, saved.text
    expected = {
        "positions": {"lb:default/web": {"x": 5, "y": 60}, "node:node-1": {"x": 120, "y": 300}}
    }
    assert saved.json() == expected
    assert client.get("/api/clusters/demo/layout").json() == expected
    box = node_box(client, "node-1")
    assert (box["x"], box["y"]) == (120, 300)
    page = client.get("/clusters/demo")
    assert 'x="120" y="300"' in page.text
    assert client.get("/api/clusters/bare-metal/layout").json() == {"positions": {}}


def test_delete_resets_to_the_computed_layout(client: TestClient) -> None:
    before = node_box(client, "node-2")
    client.put("/api/clusters/demo/layout", json={"positions": {"node:node-2": {"x": 9, "y": 900}}})
    assert node_box(client, "node-2")["y"] == 900
    reset = client.delete("/api/clusters/demo/layout")
    assert reset.status_code == 200
    assert reset.json() == {"positions": {}}
    assert node_box(client, "node-2") == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "positions"),
        ({"positions": []}, "positions"),
        ({"positions": {"<script>": {"x": 1, "y": 2}}}, "positions[<script>]"),
        ({"positions": {"pod:default/x": {"x": 1, "y": 2}}}, "positions[pod:default/x]"),
        ({"positions": {"node:node-1": [1, 2]}}, "positions[node:node-1]"),
        ({"positions": {"node:node-1": {"x": "1", "y": 2}}}, "positions[node:node-1].x"),
        ({"positions": {"node:node-1": {"x": 1, "y": True}}}, "positions[node:node-1].y"),
        ({"positions": {"node:node-1": {"x": 1e300, "y": 2}}}, "positions[node:node-1].x"),
        ({"positions": {"node:node-1": {"x": 1}}}, "positions[node:node-1].y"),
        ({"positions": {f"node:n{i}": {"x": 1, "y": 1} for i in range(5001)}}, "positions"),
    ],
)
def test_invalid_positions_are_a_422_status(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.put("/api/clusters/demo/layout", json=body)
    assert response.status_code == 422, response.text
    status = response.json()
    assert status["kind"] == "Status" and status["reason"] == "Invalid"
    assert field in [c["field"] for c in status["details"]["causes"]]
    assert client.get("/api/clusters/demo/layout").json() == {"positions": {}}


def test_non_finite_numbers_and_unknown_clusters_are_refused(client: TestClient) -> None:
    raw = '{"positions": {"node:node-1": {"x": NaN, "y": 1}}}'
    response = client.put(
        "/api/clusters/demo/layout", content=raw, headers={"content-type": "application/json"}
    )
    # NaN is not JSON: a 400 with Go's encoding/json scanner text, as for any other body.
    assert response.status_code == 400, response.text
    assert response.json()["kind"] == "Status"
    assert "invalid character 'N' looking for beginning of value" in response.json()["message"]
    missing = client.put("/api/clusters/nope/layout", json={"positions": {}})
    assert missing.status_code == 404
    assert missing.json()["reason"] == "NotFound"
    assert client.get("/api/clusters/nope/layout").status_code == 404
    assert client.delete("/api/clusters/nope/layout").status_code == 404
