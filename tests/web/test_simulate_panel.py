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


def test_a_run_answers_the_summary_and_two_charts(client: TestClient) -> None:
    form = {**FORM, "event": "node-down", "at": "1", "node": "node-2"}
    response = client.post("/clusters/demo/simulate", data=form, headers=writer(client))
    assert response.status_code == 200
    assert "3,000 requests to <code>web.default:80</code>" in response.text
    assert "t=1s node-down node-2" in response.text
    by_pod, over_time = figures(response.text)
    assert [t["name"] for t in by_pod["data"]] == ["requests", "expected share"]
    assert sum(by_pod["data"][0]["y"]) == 3000
    assert [t["name"] for t in over_time["data"]] == [o for o, _ in charts.OUTCOMES]
    api = client.post(
        "/api/clusters/demo/simulate",
        json={"destination": "web.default:80", "requests": 3000, "seed": 7, "sample": 0,
              "events": [{"at": 1.0, "action": "node-down", "node": "node-2"}]},
    ).json()  # fmt: skip
    assert over_time["data"][0]["y"] == [p["delivered"] for p in api["series"]]


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
