"""Random Kubernetes objects through decode → defaults → validation → storage → read-back.

Objects are drawn from the core's own decoding schemas (every field the API server types),
over a valid minimal object so that a fair share is accepted. Whatever comes in:
- the answer is 201 or a 4xx Status, never 5xx;
- a 201 object reads back exactly as returned, and its ClusterIP and nodePorts are unique;
- a 4xx leaves the cluster untouched (no object, same resourceVersion).

Every example runs on its own freshly seeded database, so no example's stored object (a taken
name, nodePort or ClusterIP) can decide another example's answer, and a failure replays alone.
"""

from __future__ import annotations

import copy
import os
import string
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from tests.api.test_hostile_input import URLS, valid
from tests.conftest import app_client, fresh_database

EXAMPLES = int(os.environ.get("SVCSCOPE_FUZZ_EXAMPLES", "30"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WORDS = [
    "", "default", "app", "web", "TCP", "UDP", "SCTP", "ClusterIP", "NodePort", "LoadBalancer",
    "ExternalName", "None", "ClientIP", "Cluster", "Local", "IPv4", "SingleStack", "http",
    "10.96.0.50", "10.96.0.1", "192.168.49.2", "10.244.1.7", "node-1", "frontend", "Ready",
    "True", "Running", "RollingUpdate", "25%", "<script>x</script>", "Ω≈ç√", "a.b/c",
]  # fmt: skip
TEXT = st.one_of(st.sampled_from(WORDS), st.text(max_size=12))
NAMES = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)


def from_schema(schema: Any) -> st.SearchStrategy[Any]:
    """A strategy for JSON that decodes as `schema` (types right; values anything)."""
    if isinstance(schema, Struct):
        optional = {key: from_schema(sub) for key, sub in schema.fields.items()}
        return st.fixed_dictionaries({}, optional=optional)
    if isinstance(schema, ListOf):
        return st.lists(from_schema(schema.item), max_size=3)
    if isinstance(schema, MapOf):
        return st.dictionaries(TEXT, from_schema(schema.value), max_size=3)
    if schema in (STRING, TIME):
        return TEXT
    if schema in (INT32_T, INT64_T):
        return st.one_of(st.integers(-2, 70000), st.sampled_from([80, 443, 8080, 30080, 32767]))
    if schema == BOOL:
        return st.booleans()
    if schema == INTSTR:
        return st.one_of(st.integers(0, 70000), TEXT)
    return st.recursive(
        st.none() | st.booleans() | st.integers() | TEXT,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
        max_leaves=6,
    )


def overlay(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = overlay(out[key], value)
        else:
            out[key] = value
    return out


@st.composite
def objects(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A random object of `kind`: the minimal valid one, overlaid with random fields."""
    name = f"h{draw(NAMES)}"
    extra = draw(from_schema(decoding.SCHEMAS[kind]))
    extra.pop("apiVersion", None), extra.pop("kind", None)
    extra.get("metadata", {}).pop("namespace", None)
    obj = overlay(valid(kind, name=name), extra)
    if kind == "Deployment" and isinstance(obj["spec"].get("replicas"), int):
        obj["spec"]["replicas"] = draw(st.integers(-1, 4))  # the crash test scales to hundreds
    if draw(st.integers(0, 3)):  # mostly keep a usable name; sometimes let the draw decide
        obj["metadata"]["name"] = name
    return obj


def _cluster_version(client: TestClient) -> str:
    version: str = client.get("/api/clusters/demo").json()["resourceVersion"]
    return version


@contextmanager
def seeded_demo(directory: Path) -> Iterator[TestClient]:
    """A new database with the demo clusters, for one hypothesis example."""
    with (
        fresh_database(directory, f"example-{uuid.uuid4().hex}.db"),
        app_client(seed=True) as client,
    ):
        yield client


def check_write(client: TestClient, kind: str, obj: dict[str, Any]) -> None:
    name = obj["metadata"].get("name")
    url = f"{URLS[kind]}/{name}" if isinstance(name, str) and name.isalnum() else None
    existed = url is not None and client.get(url).status_code == 200
    before = _cluster_version(client)
    response = client.post(URLS[kind], json=obj)
    assert response.status_code < 500, response.text
    if response.status_code == 201:
        created = response.json()
        read = client.get(f"{URLS[kind]}/{created['metadata']['name']}")
        assert read.status_code == 200
        if kind != "Deployment":  # a Deployment's status is computed on read
            assert read.json() == created
        return
    assert response.json()["kind"] == "Status"
    assert _cluster_version(client) == before
    if url is not None and not existed:
        assert client.get(url).status_code == 404


def check_unique_allocations(client: TestClient) -> None:
    owners: dict[tuple[str, str], set[str]] = {}
    for svc in client.get("/k8s/demo/api/v1/services").json()["items"]:
        spec, name = svc["spec"], svc["metadata"]["name"]
        for ip in spec.get("clusterIPs") or []:
            if ip != "None":
                owners.setdefault(("clusterIP", ip), set()).add(name)
        for port in spec.get("ports", []):
            if port.get("nodePort"):
                owners.setdefault(("nodePort", str(port["nodePort"])), set()).add(name)
    shared = {value: names for value, names in owners.items() if len(names) > 1}
    assert not shared


@SETTINGS
@given(obj=objects("Service"))
def test_random_services(tmp_path: Path, obj: dict[str, Any]) -> None:
    with seeded_demo(tmp_path) as client:
        check_write(client, "Service", obj)
        check_unique_allocations(client)


@SETTINGS
@given(obj=objects("Pod"))
def test_random_pods(tmp_path: Path, obj: dict[str, Any]) -> None:
    with seeded_demo(tmp_path) as client:
        check_write(client, "Pod", obj)


@SETTINGS
@given(obj=objects("Deployment"))
def test_random_deployments(tmp_path: Path, obj: dict[str, Any]) -> None:
    with seeded_demo(tmp_path) as client:
        check_write(client, "Deployment", obj)


@SETTINGS
@given(obj=objects("Node"))
def test_random_nodes(tmp_path: Path, obj: dict[str, Any]) -> None:
    with seeded_demo(tmp_path) as client:
        check_write(client, "Node", obj)


@SETTINGS
@given(obj=objects("EndpointSlice"))
def test_random_endpoint_slices(tmp_path: Path, obj: dict[str, Any]) -> None:
    with seeded_demo(tmp_path) as client:
        check_write(client, "EndpointSlice", obj)
