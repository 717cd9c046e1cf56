"""Hostile input: every body below gets a clear 4xx within a second, and nothing is stored.

Alias bombs, deep nesting, binary data, wrong types in every field of every kind, markup in
names and label values, unknown fields, values JSON cannot hold. (The 100 MB upload, which needs
a real socket, is in tests/reliability/test_large_uploads.py.)
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.model import decoding
from app.core.model.schema import (
    BOOL,
    INT32_T,
    INT64_T,
    INTSTR,
    STRING,
    TIME,
    ListOf,
    MapOf,
    Struct,
)

URLS = {
    "Service": "/k8s/demo/api/v1/namespaces/default/services",
    "Pod": "/k8s/demo/api/v1/namespaces/default/pods",
    "Node": "/k8s/demo/api/v1/nodes",
    "Deployment": "/k8s/demo/apis/apps/v1/namespaces/default/deployments",
    "EndpointSlice": "/k8s/demo/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
}
READS = [
    "/api/clusters",
    "/k8s/demo/api/v1/services",
    "/k8s/demo/api/v1/pods",
    "/k8s/demo/api/v1/nodes",
    "/k8s/demo/apis/apps/v1/deployments",
    "/k8s/demo/apis/discovery.k8s.io/v1/endpointslices",
]
YAML = {"Content-Type": "application/yaml"}
SECOND = 1.0


def valid(kind: str, name: str = "hostile") -> dict[str, Any]:
    """The smallest object of each kind the API accepts."""
    labels = {"app": name}
    pod_spec = {"containers": [{"name": "c", "image": "nginx"}]}
    objects: dict[str, dict[str, Any]] = {
        "Service": {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}},
        "Pod": {"metadata": {"name": name}, "spec": pod_spec},
        "Node": {"metadata": {"name": name}},
        "Deployment": {
            "metadata": {"name": name},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": pod_spec},
            },
        },
        "EndpointSlice": {
            "metadata": {"name": name, "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4",
            "endpoints": [],
            "ports": [],
        },
    }
    return objects[kind]


def snapshot(client: TestClient) -> list[Any]:
    return [client.get(url).json() for url in READS]


@pytest.fixture
def guarded_state(client: TestClient) -> Iterator[TestClient]:
    """The seeded app; the test fails if anything it sent was stored."""
    before = snapshot(client)
    yield client
    assert snapshot(client) == before


def refused(client: TestClient, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """Send, and check the answer is a quick 4xx Status.

    "Quick" is measured in CPU seconds of this process (client and in-process server): the
    suite shares two cores with other work, and wall time then says more about the neighbours.
    The wall-clock bound only catches a hang.
    """
    cpu, wall = time.process_time(), time.monotonic()
    response = client.request(method, url, **kwargs)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert 400 <= response.status_code < 500, (url, response.status_code, response.text[:300])
    assert cpu < SECOND and wall < 10 * SECOND, (url, cpu, wall)
    body: dict[str, Any] = response.json()
    assert body["kind"] == "Status" and body["code"] == response.status_code
    return body


# --- YAML alias bombs and deep nesting ---------------------------------------------------
def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "metadata: {name: bomb}\nspec: {ports: [{port: 80}]}\n" + "\n".join(lines) + "\n"


def quadratic_blowup() -> str:
    """One long string, aliased a thousand times: few nodes, gigabytes once written out."""
    refs = ", ".join(["*s"] * 999)
    head = "metadata: {name: quadratic}\nspec: {ports: [{port: 80}]}\n"
    return head + f"s: &s {'x' * 500_000}\nt: [{refs}]\n"


@pytest.mark.parametrize(
    "bomb", [billion_laughs(), quadratic_blowup()], ids=["laughs", "quadratic"]
)
def test_yaml_alias_bombs_are_refused(guarded_state: TestClient, bomb: str) -> None:
    body = refused(guarded_state, "POST", URLS["Service"], content=bomb, headers=YAML)
    assert body["reason"] == "BadRequest"
    refused(guarded_state, "POST", "/api/clusters", content=bomb, headers=YAML)
    manifests = "/api/clusters/demo/manifests"
    refused(guarded_state, "POST", manifests, content=bomb, headers=YAML)


@pytest.mark.parametrize("depth", [65, 900, 100_000])
def test_deeply_nested_documents_are_refused(guarded_state: TestClient, depth: int) -> None:
    nested_json = '{"metadata":{"name":"deep"},"spec":{"ports":[{"port":80}]},"x":'
    nested_json += "[" * depth + "]" * depth + "}"
    body = refused(guarded_state, "POST", URLS["Service"], content=nested_json)
    assert "nested" in body["message"] or "recursion" in body["message"]
    nested_yaml = "metadata: {name: deep}\nx: " + "[" * depth + "]" * depth + "\n"
    refused(guarded_state, "POST", URLS["Service"], content=nested_yaml, headers=YAML)
    refused(guarded_state, "POST", "/api/clusters/demo/manifests", content=nested_yaml)


# --- bytes that are not a document -------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/yaml", "", "application/vnd.kubernetes.protobuf"],
)
def test_binary_bodies_are_refused(guarded_state: TestClient, content_type: str) -> None:
    noise = os.urandom(64 * 1024)
    headers = {"Content-Type": content_type} if content_type else {}
    for kind, url in URLS.items():
        body = refused(guarded_state, "POST", url, content=noise, headers=headers)
        # Protobuf without the k8s envelope, or JSON/YAML that is not a document: 400.
        assert body["code"] == 400, (kind, body)
    refused(guarded_state, "POST", "/api/clusters", content=noise, headers=headers)
    refused(guarded_state, "POST", "/api/clusters/demo/manifests", content=noise, headers=headers)


@pytest.mark.parametrize(
    "text",
    [
        '{"metadata":{"name":"nan"},"spec":{"ports":[{"port":80}]},"x":NaN}',
        '{"metadata":{"name":"inf"},"spec":{"ports":[{"port":80}]},"x":1e999}',
        "metadata: {name: yinf}\nspec: {ports: [{port: 80}]}\nx: .inf\n",
        "metadata: {name: bin}\nspec: {ports: [{port: 80}]}\nx: !!binary aGVsbG8=\n",
        "metadata: {name: set}\nspec: {ports: [{port: 80}]}\nx: !!set {a, b}\n",
        "metadata: {name: obj}\nx: !!python/object/apply:os.system [true]\n",
        "metadata: {name: ctl}\nx: \x00\n",
    ],
    ids=["nan", "huge-number", "yaml-inf", "yaml-binary", "yaml-set", "python-tag", "nul"],
)
def test_values_json_cannot_hold_are_refused(guarded_state: TestClient, text: str) -> None:
    headers = {} if text.startswith("{") else YAML
    body = refused(guarded_state, "POST", URLS["Service"], content=text, headers=headers)
    assert body["code"] == 400


def test_a_lone_surrogate_and_a_nul_are_stored_as_go_would_decode_them(client: TestClient) -> None:
    raw = b'{"metadata":{"name":"surrogate","annotations":{"x":"\\ud800","nul":"a\\u0000b"}},'
    raw += b'"spec":{"ports":[{"port":80}]}}'
    created = client.post(URLS["Service"], content=raw)
    assert created.status_code == 201, created.text
    read = client.get(URLS["Service"] + "/surrogate").json()
    assert read["metadata"]["annotations"] == {"x": "\ufffd", "nul": "a\x00b"}


# --- wrong types in every field of every kind ---------------------------------------------
def wrong_types(schema: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[Any, Any]]:
    """(path, a value of the wrong JSON type) for every field the decoder knows."""
    if isinstance(schema, Struct):
        if path:
            yield path, "not an object"
        for key, sub in schema.fields.items():
            yield from wrong_types(sub, (*path, key))
    elif isinstance(schema, ListOf):
        yield path, {"not": "a list"}
        yield from wrong_types(schema.item, (*path, 0))
    elif isinstance(schema, MapOf):
        yield path, ["not", "a", "map"]
        yield from wrong_types(schema.value, (*path, "key"))
    elif schema in (STRING, TIME):
        yield path, 12345
    elif schema in (INT32_T, INT64_T):
        yield path, "12345"
    elif schema == BOOL:
        yield path, "true"
    elif schema == INTSTR:
        yield path, True


def with_value(obj: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    here: Any = obj
    for step, following in zip(path, [*path[1:], None], strict=True):
        if following is None:
            break
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(here, list):
            if not here:
                here.append(empty)
            here = here[0]
        else:
            if not isinstance(here.get(step), type(empty)):
                here[step] = empty
            here = here[step]
    if isinstance(here, list):
        here[:] = [value]
    else:
        here[path[-1]] = value
    return obj


@pytest.mark.parametrize("kind", sorted(URLS))
def test_a_wrong_type_in_any_field_is_a_400(guarded_state: TestClient, kind: str) -> None:
    cases = list(wrong_types(decoding.SCHEMAS[kind]))
    assert len(cases) > 10
    for path, value in cases:
        body = with_value(valid(kind), path, value)
        answer = refused(guarded_state, "POST", URLS[kind], json=body)
        assert answer["code"] == 400, (path, answer)
        assert "cannot unmarshal" in answer["message"], (path, answer)


def test_a_wrong_type_in_any_cluster_setting_is_a_422(guarded_state: TestClient) -> None:
    for key in ("name", "provider", "proxyMode", "serviceCIDR", "nodePortRange", "nodes"):
        for value in (12345, ["x"], {"x": 1}, True):
            body: dict[str, Any] = {"name": "wrong", key: value}
            answer = refused(guarded_state, "POST", "/api/clusters", json=body)
            assert answer["code"] == 422, (key, value, answer)
            refused(guarded_state, "PATCH", "/api/clusters/demo", json={key: value})


# --- markup in names, labels and unknown fields -------------------------------------------
MARKUP = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "a<b>c", "x'y"]


@pytest.mark.parametrize("kind", sorted(URLS))
def test_names_and_label_values_with_markup_are_invalid(
    guarded_state: TestClient, kind: str
) -> None:
    for text in MARKUP:
        named = valid(kind, name="x")
        named["metadata"]["name"] = text
        assert refused(guarded_state, "POST", URLS[kind], json=named)["code"] == 422
        labelled = valid(kind, name="labelled")
        labelled["metadata"].setdefault("labels", {})["app"] = text
        assert refused(guarded_state, "POST", URLS[kind], json=labelled)["code"] == 422
        keyed = valid(kind, name="keyed")
        keyed["metadata"].setdefault("labels", {})[text] = "v"
        assert refused(guarded_state, "POST", URLS[kind], json=keyed)["code"] == 422
    for text in MARKUP:
        url = URLS[kind].replace("namespaces/default", f"namespaces/{text}")
        if url != URLS[kind]:
            refused(guarded_state, "POST", url, json=valid(kind))
        refused(guarded_state, "POST", "/api/clusters", json={"name": text})


def test_unknown_cluster_settings_are_invalid(guarded_state: TestClient) -> None:
    answer = refused(guarded_state, "POST", "/api/clusters", json={"name": "u", "<x>": "y"})
    assert answer["code"] == 422 and "unknown field" in answer["message"]
    patch = refused(guarded_state, "PATCH", "/api/clusters/demo", json={"nodes": 9})
    assert patch["code"] == 422


def test_unknown_fields_and_annotations_are_stored_exactly_as_written(client: TestClient) -> None:
    """svcscope keeps both by design (app/core/model/decoding.py); the pages escape them.

    (kube-apiserver keeps annotations, but drops unknown fields with a Warning under its
    default fieldValidation=Warn.)
    """
    body = valid("Service", name="verbatim")
    body["metadata"]["annotations"] = {"note": MARKUP[0]}
    body["spec"]["x-unknown"] = {"markup": MARKUP[1]}
    created = client.post(URLS["Service"], json=body)
    assert created.status_code == 201, created.text
    read = client.get(URLS["Service"] + "/verbatim")
    assert read.headers["content-type"] == "application/json"
    assert read.json()["metadata"]["annotations"] == {"note": MARKUP[0]}
    assert read.json()["spec"]["x-unknown"] == {"markup": MARKUP[1]}


def test_more_nodes_than_the_node_network_holds_is_invalid(guarded_state: TestClient) -> None:
    answer = refused(guarded_state, "POST", "/api/clusters", json={"name": "big", "nodes": 300})
    assert answer["code"] == 422 and "nodes" in answer["message"]
    tiny = {"name": "tiny", "nodeCIDR": "10.0.0.0/29", "nodes": 6}
    assert refused(guarded_state, "POST", "/api/clusters", json=tiny)["code"] == 422


def test_more_pods_than_kubernetes_scales_to_is_forbidden_at_once(client: TestClient) -> None:
    """A million replicas is refused before any pod is made (150,000 is the documented limit)."""
    small = valid("Deployment", name="small")
    assert client.post(URLS["Deployment"], json=small).status_code == 201
    before = snapshot(client)
    huge = valid("Deployment", name="huge")
    huge["spec"]["replicas"] = 1_000_000
    answer = refused(client, "POST", URLS["Deployment"], json=huge)
    assert answer["code"] == 403 and "limited: pods=150000" in answer["message"]
    scaled = client.get(f"{URLS['Deployment']}/small").json()
    scaled["spec"]["replicas"] = 150_001
    scaled.pop("status")
    assert refused(client, "PUT", f"{URLS['Deployment']}/small", json=scaled)["code"] == 403
    assert snapshot(client) == before
