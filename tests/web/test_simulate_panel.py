"""The topology page's Simulate panel: the form, its inline errors and the plotly figures."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from app.web import charts
from tests.web.test_topology_pages import writer

FORM = {"destination": "web.default:80", "requests": "3000", "seed": "7"}


def figures(html: str) -> list[dict[str, Any]]:
    return [json.loads(unescape(f)) for f in re.findall(r'data-figure="([^"]*)"', html)]


def test_the_topology_page_offers_the_simulate_panel(client: TestClient) -> None:
    html = client.get("/clusters/demo").text
    assert 'hx-post="/clusters/demo/simulate"' in html
    assert '<option value="web.default:80">' in html
    assert 'id="sim-progress"' in html
    assert "cdn" not in html.lower()


def test_a_run_answers_the_summary_and_its_charts(client: TestClient) -> None:
    form = {**FORM, "event": "node-down", "at": "1", "node": "node-2"}
    response = client.post("/clusters/demo/simulate", data=form, headers=writer(client))
    assert response.status_code == 200
    assert "3,000 requests to <code>web.default:80</code>" in response.text
    assert "t=1s node-down node-2" in response.text
    by_pod, over_time, per_node, per_pod, crossing = figures(response.text)
    assert [t["name"] for t in by_pod["data"]] == ["requests", "expected share"]
    assert sum(by_pod["data"][0]["y"]) == 3000
    assert [t["name"] for t in over_time["data"]] == [o for o, _ in charts.OUTCOMES]
    api = client.post(
        "/api/clusters/demo/simulate",
        json={"destination": "web.default:80", "requests": 3000, "seed": 7, "sample": 0,
              "events": [{"at": 1.0, "action": "node-down", "node": "node-2"}]},
    ).json()  # fmt: skip
    series = api["series"]
    rates = [round(p["delivered"] / p["seconds"], 3) for p in series]
    assert over_time["data"][0]["y"] == rates
    # Per node: node-2 carries traffic before the event and none after it.
    node2 = next(t for t in per_node["data"] if t["name"] == "node-2")
    after = [y for x, y in zip(node2["x"], node2["y"], strict=True) if x >= 1.05]
    before = [y for x, y in zip(node2["x"], node2["y"], strict=True) if x < 0.95]
    assert after and all(y == 0 for y in after) and any(y > 0 for y in before)
    assert sorted(t["name"] for t in per_node["data"]) == ["node-1", "node-2", "node-3"]
    assert all("/" in t["name"] for t in per_pod["data"])
    assert [t["name"] for t in crossing["data"]] == ["cross-node", "affinity hits"]


def test_source_clients_and_explanations_on_the_page(client: TestClient) -> None:
    headers = writer(client)
    outside = {**FORM, "destination": "backend.default:80"}
    response = client.post("/clusters/demo/simulate", data=outside, headers=headers)
    assert "unreachable 3,000" in response.text
    assert "a ClusterIP is reachable only from inside the cluster".lower() in response.text.lower()
    assert 'class="instead"' in response.text
    inside = {**outside, "source": "node:node-1", "same": "1"}
    response = client.post("/clusters/demo/simulate", data=inside, headers=headers)
    assert "delivered 3,000" in response.text and 'class="sim-why"' not in response.text
    bad = client.post("/clusters/demo/simulate", data={**inside, "source": "node:ghost"},
                      headers=headers)  # fmt: skip
    assert 'data-field="source"' in bad.text
    for clients in ("0", "x"):
        bad = client.post("/clusters/demo/simulate", data={**FORM, "clients": clients},
                          headers=headers)  # fmt: skip
        assert 'data-field="clients"' in bad.text


def test_the_page_downloads_the_same_files_as_the_api(client: TestClient) -> None:
    url = "/clusters/demo/simulate/export"
    page = client.get(url, params={**FORM, "format": "csv", "table": "series"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/csv")
    assert "attachment" in page.headers["content-disposition"]
    body = {"destination": "web.default:80", "requests": 3000, "seed": 7}
    api = client.post("/api/clusters/demo/simulate?format=csv&table=series", json=body)
    assert page.text == api.text
    as_json = client.get(url, params={**FORM, "format": "json"})
    assert json.loads(as_json.text)["total"] == 3000
    refused = client.get(url, params={**FORM, "requests": "0"})
    assert refused.status_code == 422 and "requests" in refused.text


def test_form_errors_are_shown_inline_never_as_a_500(client: TestClient) -> None:
    headers = writer(client)
    cases = [
        ({**FORM, "requests": "0"}, "requests"),
        ({**FORM, "requests": "lots"}, "requests"),
        ({**FORM, "seed": "-1"}, "seed"),
        ({**FORM, "destination": ""}, "destination"),
        ({**FORM, "event": "node-down", "at": "nan", "node": "node-1"}, "at"),
        ({**FORM, "event": "explode", "at": "1", "node": "node-1"}, "event"),
        ({**FORM, "event": "node-down", "at": "1", "node": "node-9"}, "event"),
    ]
    for form, field in cases:
        response = client.post("/clusters/demo/simulate", data=form, headers=headers)
        assert response.status_code == 200, (form, response.text)
        assert f'data-field="{field}"' in response.text, (form, response.text)
        assert "data-figure" not in response.text
    missing = client.post("/clusters/nope/simulate", data=FORM, headers=headers)
    assert missing.status_code == 200 and "not found" in missing.text


def test_the_requests_by_pod_chart_puts_the_expected_share_beside_each_pod() -> None:
    result = {
        "by_pod": {"a/x": 30, "a/y": 70},
        "expected_share": {"a/x": 0.5, "a/y": 0.5, "a/z": 0.0},
        "p_value": 0.01,
        "series": [],
    }
    figure = charts.requests_by_pod(result)
    observed, expected = figure.data
    assert list(observed.x) == ["a/x", "a/y", "a/z"] and list(observed.y) == [30, 70, 0]
    assert list(expected.y) == [50.0, 50.0, 0.0]
    assert "p = 0.010" in figure.layout.title.text
