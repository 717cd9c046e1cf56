"""A 200-node, 282-Service cluster through the pages and the Kubernetes face (no browser):
the home page summarises, tables page with limit/continue, the Service picker searches all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from tests import bigcluster
from tests.conftest import app_client, fresh_database
from tests.web.test_topology_pages import HX

PODS = bigcluster.SERVICES * 2 + 2
"""Two replicas per app, and CoreDNS's two (kubeadm's system pods)."""
SERVICES = bigcluster.SERVICES + 2
"""With default/kubernetes and kube-system/kube-dns."""


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One big cluster for the module (the tests only read it)."""
    with fresh_database(tmp_path_factory.mktemp("big")), app_client(seed=False) as client:
        bigcluster.create(client)
        yield client


def names(html: str) -> list[str]:
    table = html.split('<table class="kubectl">')[1].split("</table>")[0]
    return re.findall(r'<tr data-name="([^"]+)"', table)


def link(html: str, rel: str) -> str:
    found = re.search(rf'<a class="\w+" rel="{rel}" href="\?([^"]*)"', html)
    assert found, f"no {rel} link"
    return unescape(found.group(1))


def count(html: str) -> str:
    found = re.search(r'<span class="count">([^<]+)</span>', html)
    assert found
    return unescape(found.group(1))


def test_the_home_page_summarises_instead_of_listing_services(big: TestClient) -> None:
    html = big.get("/").text
    section = html.split('id="cluster-big"')[1]
    assert 'data-service="' not in html
    assert f">{SERVICES}<" in section
    assert 'data-type="LoadBalancer">LoadBalancer 60<' in section
    assert 'data-type="NodePort">NodePort 40<' in section
    assert ">200<" in section and f">{PODS:,}<" in section
    assert len(html) < 20_000


def test_the_pods_table_pages_forward_and_back(big: TestClient) -> None:
    first = big.get("/clusters/big/pods").text
    assert len(names(first)) == 50 and count(first) == f"1–50 of {PODS:,}"
    assert 'rel="prev"' not in first
    second = big.get(f"/clusters/big/pods?{link(first, 'next')}").text
    third = big.get(f"/clusters/big/pods?{link(second, 'next')}").text
    assert count(third) == f"101–150 of {PODS:,}"
    assert not set(names(first)) & set(names(second)) and names(second) < names(third)
    back = big.get(f"/clusters/big/pods?{link(third, 'prev')}").text
    assert names(back) == names(second)
    again = big.get(f"/clusters/big/pods?{link(back, 'prev')}").text
    assert names(again) == names(first)


def test_selectors_and_the_page_size_survive_paging(big: TestClient) -> None:
    query = "limit=7&fieldSelector=metadata.namespace%3Dteam-3"
    first = big.get(f"/clusters/big/services?{query}").text
    rows = names(first)
    assert len(rows) == 7 and all(r.startswith("team-3/") for r in rows)
    total = bigcluster.SERVICES // 10 + (bigcluster.SERVICES % 10 > 3)
    assert count(first) == f"1–7 of {total}"
    follow = link(first, "next")
    assert "limit=7" in follow and "fieldSelector=metadata.namespace%3Dteam-3" in follow
    second = big.get(f"/clusters/big/services?{follow}", headers=HX).text
    assert second.lstrip().startswith('<section id="table"')
    assert len(names(second)) == 7 and all(r.startswith("team-3/") for r in names(second))
    assert count(second) == f"8–14 of {total}"
    labelled = big.get("/clusters/big/pods?labelSelector=app%3Dapp-007").text
    assert len(names(labelled)) == 2 and count(labelled) == "1–2 of 2"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("continue=bm90LWpzb24", "invalid continue token: continue key is not valid"),
        ("continue=%25%25", "invalid continue token"),
        ("limit=abc", "limit must be a whole number from 1 to 500"),
        ("limit=0", "limit must be a whole number"),
        ("limit=100000", "limit must be a whole number"),
        ("labelSelector=app%3D%3D%3Dx%20y", "unable to parse requirement"),
        ("fieldSelector=spec.bogus%3D1", "field label not supported: spec.bogus"),
    ],
)
def test_a_bad_paging_query_is_an_inline_message(big: TestClient, query: str, message: str) -> None:
    for headers in ({}, HX):
        response = big.get(f"/clusters/big/pods?{query}", headers=headers)
        assert response.status_code == 200
        alert = re.search(r'role="alert">([^<]*)<', response.text)
        assert alert and message in unescape(alert.group(1))
        assert names(response.text) == []


def test_the_kubernetes_face_lists_in_chunks(big: TestClient) -> None:
    whole = big.get("/k8s/big/api/v1/pods").json()
    seen: list[str] = []
    token = ""
    while True:
        params = {"limit": "100", **({"continue": token} if token else {})}
        chunk = big.get("/k8s/big/api/v1/pods", params=params).json()
        seen += [i["metadata"]["name"] for i in chunk["items"]]
        token = chunk["metadata"].get("continue", "")
        if not token:
            assert "remainingItemCount" not in chunk["metadata"]
            break
        assert chunk["metadata"]["remainingItemCount"] == len(whole["items"]) - len(seen)
    assert seen == [i["metadata"]["name"] for i in whole["items"]]
    refused = big.get("/k8s/big/api/v1/pods", params={"continue": "x!"})
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("invalid continue token: continue key is not")
    both = big.get(
        "/k8s/big/api/v1/pods", params={"continue": token or "x", "resourceVersion": "5"}
    )
    assert both.status_code == 400


def test_the_service_picker_searches_every_service(big: TestClient) -> None:
    html = big.get("/clusters/big/services/search", params={"q": "svc-28"}, headers=HX).text
    values = re.findall(r'<option value="([^"]+)"', html)
    assert values == ["team-0/svc-280", "team-1/svc-281"]
    many = big.get("/clusters/big/services/search", params={"q": "loadbalancer"}).text
    assert len(re.findall(r'<option value="[^"]+"', many)) == 50
    assert "… 10 more" in unescape(many)
    kept = big.get(
        "/clusters/big/services/search",
        params={"q": "nothing-like-it", "service": "team-5/svc-005"},
    ).text
    assert 'value="team-5/svc-005" selected' in kept and "no Service matches" in unescape(kept)
    drawn = big.get("/clusters/big", params={"service": "team-1/svc-281"}).text
    assert 'data-id="svc:team-1/svc-281"' in drawn
