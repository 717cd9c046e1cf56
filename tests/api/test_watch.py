"""watch=true on /k8s lists: replay after a resourceVersion, selectors, Tables, 410 Expired.

These watches replay history and end at timeoutSeconds, so the in-process client can read them
whole; following live writes across processes is tested against real servers (tests/clients).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.settings import get_settings

SERVICES = "/k8s/demo/api/v1/namespaces/default/services"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def service(name: str, app: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"selector": {"app": app}, "ports": [{"port": 80}]},
    }


def watch(client: TestClient, url: str, **headers: str) -> list[dict[str, Any]]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    return [json.loads(line) for line in response.text.splitlines()]


def version(client: TestClient, url: str = SERVICES) -> int:
    return int(client.get(url).json()["metadata"]["resourceVersion"])


def test_a_watch_replays_each_change_after_the_resource_version_in_order(
    client: TestClient,
) -> None:
    start = version(client)
    created = client.post(SERVICES, json=service("shop", "shop")).json()
    changed = {**created, "spec": {**created["spec"], "type": "NodePort"}}
    assert client.put(f"{SERVICES}/shop", json=changed).status_code == 200
    client.delete(f"{SERVICES}/shop")
    events = watch(client, f"{SERVICES}?watch=true&resourceVersion={start}&timeoutSeconds=1")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "shop"),
        ("MODIFIED", "shop"),
        ("DELETED", "shop"),
    ]
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert start < versions[0] < versions[1] < versions[2] == version(client)
    assert events[1]["object"]["spec"]["type"] == "NodePort"
    assert events[0]["object"]["kind"] == "Service"


def test_a_watch_from_zero_starts_with_the_current_objects_as_added(client: TestClient) -> None:
    listed = {s["metadata"]["name"] for s in client.get(SERVICES).json()["items"]}
    events = watch(client, f"{SERVICES}?watch=1&resourceVersion=0&timeoutSeconds=1")
    assert {e["object"]["metadata"]["name"] for e in events} == listed
    assert {e["type"] for e in events} == {"ADDED"}


def test_an_object_leaving_the_label_selector_is_deleted_for_the_watcher(
    client: TestClient,
) -> None:
    created = client.post(SERVICES, json=service("shop", "shop")).json()
    start = version(client)
    relabelled = {**created, "metadata": {**created["metadata"], "labels": {"app": "other"}}}
    moved = client.put(f"{SERVICES}/shop", json=relabelled).json()
    back = {**moved, "metadata": {**moved["metadata"], "labels": {"app": "shop"}}}
    assert client.put(f"{SERVICES}/shop", json=back).status_code == 200
    url = f"{SERVICES}?watch=true&resourceVersion={start}&timeoutSeconds=1"
    url += "&labelSelector=app%3Dshop"
    events = watch(client, url)
    assert [e["type"] for e in events] == ["DELETED", "ADDED"]
    assert events[0]["object"]["metadata"]["labels"] == {"app": "shop"}


def test_a_field_selector_watch_sees_only_that_name(client: TestClient) -> None:
    start = version(client)
    client.post(SERVICES, json=service("one", "one"))
    client.post(SERVICES, json=service("two", "two"))
    url = f"{SERVICES}?watch=1&resourceVersion={start}&timeoutSeconds=1"
    events = watch(client, url + "&fieldSelector=metadata.name%3Dtwo")
    assert [e["object"]["metadata"]["name"] for e in events] == ["two"]


def test_a_table_watch_streams_one_row_tables(client: TestClient) -> None:
    start = version(client)
    client.post(SERVICES, json=service("shop", "shop"))
    url = f"{SERVICES}?watch=true&resourceVersion={start}&timeoutSeconds=1"
    (event,) = watch(client, url, accept=TABLE)
    table = event["object"]
    assert table["kind"] == "Table"
    assert table["rows"][0]["cells"][:2] == ["shop", "ClusterIP"]
    assert table["rows"][0]["object"]["metadata"]["name"] == "shop"


def test_a_deployment_watch_sees_status_move_when_its_pods_change(client: TestClient) -> None:
    apps = "/k8s/demo/apis/apps/v1/namespaces/default/deployments"
    start = version(client, apps)
    pods = client.get("/k8s/demo/api/v1/namespaces/default/pods?labelSelector=app%3Dbackend")
    victim = pods.json()["items"][0]["metadata"]["name"]
    client.delete(f"/k8s/demo/api/v1/namespaces/default/pods/{victim}")
    events = watch(client, f"{apps}?watch=1&resourceVersion={start}&timeoutSeconds=1")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("MODIFIED", "backend")
    ]
    status = events[0]["object"]["status"]
    assert status["readyReplicas"] == status["updatedReplicas"] == 4
    got = client.get(f"{apps}/backend").json()
    assert got["metadata"]["resourceVersion"] == events[0]["object"]["metadata"]["resourceVersion"]


def test_endpoints_watch_streams_the_controllers_changes(client: TestClient) -> None:
    url = "/k8s/demo/api/v1/namespaces/default/endpoints"
    listed = version(client, url)
    events = watch(client, f"{url}?watch=1&resourceVersion={listed}&timeoutSeconds=1")
    assert events == []
    assert {e["type"] for e in watch(client, f"{url}?watch=1&timeoutSeconds=1")} == {"ADDED"}


def test_a_compacted_resource_version_is_a_410_expired_error_event(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCSCOPE_FEED_EVENTS", "5")
    get_settings.cache_clear()
    start = version(client)
    for index in range(12):
        client.post(SERVICES, json=service(f"s{index}", "s"))
    events = watch(client, f"{SERVICES}?watch=true&resourceVersion={start}&timeoutSeconds=1")
    assert [e["type"] for e in events] == ["ERROR"]
    status = events[0]["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"].startswith(f"too old resource version: {start} (")
    recent = version(client) - 1
    events = watch(client, f"{SERVICES}?watch=true&resourceVersion={recent}&timeoutSeconds=1")
    assert [e["type"] for e in events] == ["ADDED"]


def test_bookmarks_carry_only_the_resource_version(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVCSCOPE_BOOKMARK_SECONDS", "0.2")
    get_settings.cache_clear()
    start = version(client)
    url = f"{SERVICES}?watch=1&resourceVersion={start}&timeoutSeconds=1&allowWatchBookmarks=true"
    events = watch(client, url)
    assert events and {e["type"] for e in events} == {"BOOKMARK"}
    assert events[0]["object"] == {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": str(start)},
    }


def test_a_resource_version_that_is_not_a_number_is_a_400(client: TestClient) -> None:
    response = client.get(f"{SERVICES}?watch=true&resourceVersion=abc")
    assert response.status_code == 400
    assert response.json()["kind"] == "Status"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fieldSelector=0", "invalid selector: '0'; can't understand '0'"),
        ("labelSelector=a%3D%3D%3Db", "unable to parse requirement"),
    ],
)
def test_a_watch_with_a_selector_that_does_not_parse_is_refused_before_streaming(
    client: TestClient, query: str, message: str
) -> None:
    """Found by schemathesis: the error came after the stream began, cutting it mid-response."""
    response = client.get(f"{SERVICES}?watch=true&timeoutSeconds=1&{query}")
    assert response.status_code == 400
    body = response.json()
    assert (body["kind"], body["reason"]) == ("Status", "BadRequest")
    assert message in body["message"]


def test_a_repeated_parameter_counts_once_its_first_value_as_in_kube_apiserver(
    client: TestClient,
) -> None:
    """url.Values → ListOptions reads (*in)[0] (apimachinery runtime/conversion.go): a repeated
    watch or limit is decided by its first value, not FastAPI's last."""
    listed = client.get(f"{SERVICES}?watch=false&watch=true&timeoutSeconds=1")
    assert listed.json()["kind"] == "ServiceList"
    events = watch(client, f"{SERVICES}?watch=true&watch=false&timeoutSeconds=1&resourceVersion=0")
    assert events and {e["type"] for e in events} == {"ADDED"}
    limited = client.get(f"{SERVICES}?limit=1&limit=500").json()
    assert len(limited["items"]) == 1 and limited["metadata"]["continue"]
