"""Guided scenarios: a URL per step, the cluster brought to it, the presenter strip."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app.core.network.routing import route
from app.db import repo, snapshots
from app.db.session import open_write_session
from app.services import scenarios
from app.web.scenarios import resolve_send
from app.web.simulate import parse_source
from tests.web.test_topology_pages import writer


def open_step(client: TestClient, name: str, step: int) -> str:
    page = client.get(f"/scenarios/{name}?step={step}")
    assert page.status_code == 200 and "data-autosubmit" in page.text
    headers = writer(client)
    token = headers.get("X-CSRF-Token", "")
    opened = client.post(f"/scenarios/{name}/open", data={"step": str(step), "csrf_token": token},
                         follow_redirects=False)  # fmt: skip
    assert opened.status_code == 303, opened.text
    location = opened.headers["location"]
    assert location.startswith(f"/clusters/lesson-{name}?present=1&scenario={name}&step={step}")
    return location


def test_every_step_of_every_scenario_opens_and_sends_its_request(client: TestClient) -> None:
    for scenario in scenarios.SCENARIOS.values():
        for number, step in enumerate(scenario.steps):
            html = client.get(open_step(client, scenario.name, number)).text
            assert str(escape(step.caption)) in html
            source = re.search(r'data-source="([^"]*)"', html)
            destination = re.search(r'data-destination="([^"]*)"', html)
            assert source and destination, (scenario.name, number)
            trace = client.get(f"/clusters/lesson-{scenario.name}/trace",
                               params={"source": source[1], "destination": destination[1],
                                       "seed": "1"})  # fmt: skip
            assert trace.status_code == 200 and "badge" in trace.text, trace.text


def test_a_step_url_brings_the_cluster_to_that_step_in_any_order(client: TestClient) -> None:
    open_step(client, "traffic-policy", 1)
    outcome = _outcome("traffic-policy", "{pod-free-node:app=frontend}:30080")
    assert outcome == "dropped"  # Local, and that node has no frontend pod
    open_step(client, "traffic-policy", 0)
    assert _outcome("traffic-policy", "{pod-free-node:app=frontend}:30080") == "delivered"
    open_step(client, "loadbalancer", 0)
    assert _outcome("loadbalancer", "web.default:80") == "unreachable"
    open_step(client, "loadbalancer", 2)
    assert _outcome("loadbalancer", "web.default:80") == "delivered"


def _outcome(name: str, destination: str) -> str:
    with open_write_session() as session:
        row = repo.get_cluster(session, f"lesson-{name}")
        state = snapshots.snapshot(session, row)[1]
    source, dest = resolve_send(state, scenarios.Send(destination))
    parsed = parse_source(source)
    assert parsed is not None
    return route(state, parsed, dest, 0).outcome


@pytest.mark.parametrize("url", ["/scenarios/nope?step=0", "/scenarios/clusterip?step=9",
                                 "/scenarios/clusterip?step=x"])  # fmt: skip
def test_bad_scenario_urls_are_answered_inline(client: TestClient, url: str) -> None:
    page = client.get(url)
    assert page.status_code in (200, 404)
    assert 'class="error"' in page.text and "data-autosubmit" not in page.text
    bad = client.post("/scenarios/clusterip/open", data={"step": "99"}, headers=writer(client))
    assert bad.status_code == 422


def test_the_topology_page_offers_presenter_mode(client: TestClient) -> None:
    html = client.get("/clusters/demo").text
    assert 'id="presenter"' in html and "data-present-toggle" in html
    assert 'data-present=""' in html
    assert 'data-present="1"' in client.get("/clusters/demo?present=1").text
    assert client.get("/scenarios").status_code == 200
