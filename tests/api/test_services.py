"""Services through the Kubernetes face: defaults, allocation and validation as upstream."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from tests.conftest import AsciiResponseHeaders

SVC = "/k8s/demo/api/v1/namespaces/default/services"

# What `kubectl create service nodeport web --tcp=80:8080 --dry-run=client -o json` prints
# (kubectl v1.32); the test below prefers the real binary when the machine has one.
KUBECTL_DRY_RUN = {
    "kind": "Service",
    "apiVersion": "v1",
    "metadata": {"name": "web", "creationTimestamp": None, "labels": {"app": "web"}},
    "spec": {
        "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
        "selector": {"app": "web"},
        "type": "NodePort",
    },
    "status": {"loadBalancer": {}},
}


def service(name: str, **spec: Any) -> dict[str, Any]:
    spec.setdefault("ports", [{"port": 80}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def kubectl_dry_run() -> dict[str, Any]:
    kubectl = shutil.which("kubectl")
    if kubectl:
        done = subprocess.run(
            [kubectl, "create", "service", "nodeport", "web", "--tcp=80:8080",
             "--dry-run=client", "-o", "json"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if done.returncode == 0:
            parsed: dict[str, Any] = json.loads(done.stdout)
            return parsed
    return KUBECTL_DRY_RUN


def test_kubectl_dry_run_output_creates_a_node_port_service(client: TestClient) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab"}}
    assert client.post("/k8s/demo/api/v1/namespaces", json=namespace).status_code == 201
    response = client.post(SVC.replace("/default/", "/lab/"), json=kubectl_dry_run())
    assert response.status_code == 201, response.text
    spec = response.json()["spec"]
    assert spec["type"] == "NodePort"
    assert 30000 <= spec["ports"][0]["nodePort"] <= 32767
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert spec["clusterIP"] == spec["clusterIPs"][0]


def test_a_minimal_service_gets_every_api_server_default(client: TestClient) -> None:
    created = client.post(SVC, json=service("api", selector={"app": "api"})).json()
    spec = created["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert "externalTrafficPolicy" not in spec
    assert created["metadata"]["uid"]
    assert created["metadata"]["resourceVersion"]
    assert created["metadata"]["namespace"] == "default"


def test_a_node_port_outside_the_range_gets_the_upstream_message(client: TestClient) -> None:
    body = service("np", type="NodePort", ports=[{"port": 80, "nodePort": 80}])
    response = client.post(SVC, json=body)
    assert response.status_code == 422
    status = response.json()
    assert status["message"] == (
        'Service "np" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is '
        "not in the valid range. The range of valid ports is 30000-32767"
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: 80: provided port is not in the valid range. "
            "The range of valid ports is 30000-32767",
            "field": "spec.ports[0].nodePort",
        }
    ]
    assert client.get(f"{SVC}/np").status_code == 404


def test_a_node_port_in_use_is_refused_with_the_allocator_message(client: TestClient) -> None:
    body = service("again", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
    response = client.post(SVC, json=body)
    assert response.status_code == 422
    assert response.json()["message"] == (
        'Service "again" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
        "provided port is already allocated"
    )


def test_a_node_port_on_a_cluster_ip_service_is_forbidden(client: TestClient) -> None:
    body = service("cip", ports=[{"port": 80, "nodePort": 30500}])
    response = client.post(SVC, json=body)
    assert response.status_code == 422
    assert response.json()["message"] == (
        'Service "cip" is invalid: spec.ports[0].nodePort: Forbidden: '
        "may not be used when `type` is 'ClusterIP'"
    )


def test_several_errors_are_listed_together(client: TestClient) -> None:
    body = service("Bad_Name", ports=[{"port": 80}, {"port": 81}])
    response = client.post(SVC, json=body)
    assert response.status_code == 422
    message = response.json()["message"]
    assert message.startswith('Service "Bad_Name" is invalid: [metadata.name: Invalid value: ')
    assert "spec.ports[0].name: Required value" in message
    assert "spec.ports[1].name: Required value" in message


def test_wrong_types_are_a_400_with_go_json_text(client: TestClient) -> None:
    response = client.post(SVC, json=service("x", ports=[{"port": "eighty"}]))
    assert response.status_code == 400
    assert response.json()["message"] == (
        'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string '
        "into Go struct field ServicePort.spec.ports.port of type int32"
    )


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b"\xff\xfe", b'"text"'])
def test_bodies_that_are_not_objects_are_a_400(client: TestClient, raw: bytes) -> None:
    response = client.post(SVC, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["kind"] == "Status"


def test_creating_an_existing_service_is_409_already_exists(client: TestClient) -> None:
    response = client.post(SVC, json=service("backend", selector={"app": "backend"}))
    assert response.status_code == 409
    assert response.json()["message"] == 'services "backend" already exists'
    assert response.json()["details"] == {"name": "backend", "kind": "services"}


def test_a_missing_service_is_404_not_found(client: TestClient) -> None:
    response = client.get(f"{SVC}/nope")
    assert response.status_code == 404
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'services "nope" not found',
        "reason": "NotFound",
        "details": {"name": "nope", "kind": "services"},
        "code": 404,
    }


def test_a_put_without_allocated_values_keeps_them(client: TestClient) -> None:
    before = client.get(f"{SVC}/frontend").json()
    body = service(
        "frontend", type="NodePort", selector={"app": "frontend"},
        ports=[{"name": "http", "port": 80, "targetPort": 8080}],
    )  # fmt: skip
    response = client.put(f"{SVC}/frontend", json=body)
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["spec"]["clusterIP"] == before["spec"]["clusterIP"]
    assert after["spec"]["ports"][0]["nodePort"] == 30080
    assert int(after["metadata"]["resourceVersion"]) > int(before["metadata"]["resourceVersion"])


def test_a_stale_resource_version_is_a_409_conflict(client: TestClient) -> None:
    current = client.get(f"{SVC}/backend").json()
    current["metadata"]["resourceVersion"] = "1"
    response = client.put(f"{SVC}/backend", json=current)
    assert response.status_code == 409
    assert response.json()["reason"] == "Conflict"


def test_switching_to_cluster_ip_releases_the_node_port(client: TestClient) -> None:
    frontend = client.get(f"{SVC}/frontend").json()
    frontend["spec"]["type"] = "ClusterIP"
    frontend["spec"].pop("externalTrafficPolicy")
    response = client.put(f"{SVC}/frontend", json=frontend)
    assert response.status_code == 200, response.text
    assert "nodePort" not in response.json()["spec"]["ports"][0]
    reuse = service("reuse", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
    assert client.post(SVC, json=reuse).status_code == 201


def test_deleting_a_service_frees_its_cluster_ip(client: TestClient) -> None:
    ip = client.get(f"{SVC}/backend").json()["spec"]["clusterIP"]
    deleted = client.delete(f"{SVC}/backend")
    assert deleted.status_code == 200
    assert deleted.json()["metadata"]["name"] == "backend"
    again = client.post(SVC, json=service("other", clusterIP=ip))
    assert again.status_code == 201, again.text
    assert again.json()["spec"]["clusterIPs"] == [ip]


def test_a_requested_cluster_ip_in_use_is_refused(client: TestClient) -> None:
    response = client.post(SVC, json=service("dup", clusterIP="10.96.0.10"))
    assert response.status_code == 422
    assert response.json()["message"] == (
        'Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: '
        "failed to allocate IP 10.96.0.10: provided IP is already allocated"
    )


def test_headless_and_external_name_services_get_no_cluster_ip(client: TestClient) -> None:
    headless = client.post(SVC, json=service("db", clusterIP="None", selector={"app": "db"}))
    assert headless.status_code == 201, headless.text
    assert headless.json()["spec"]["clusterIPs"] == ["None"]
    alias = service("ext", type="ExternalName", externalName="example.com")
    created = client.post(SVC, json=alias)
    assert created.status_code == 201, created.text
    assert "clusterIP" not in created.json()["spec"]


def test_load_balancer_local_policy_gets_a_health_check_node_port(client: TestClient) -> None:
    body = service(
        "lb", type="LoadBalancer", externalTrafficPolicy="Local", selector={"app": "frontend"}
    )
    spec = client.post(SVC, json=body).json()["spec"]
    assert 30000 <= spec["healthCheckNodePort"] <= 32767
    assert spec["allocateLoadBalancerNodePorts"] is True
    assert spec["healthCheckNodePort"] != spec["ports"][0]["nodePort"]


def test_ports_with_the_same_number_share_one_node_port(client: TestClient) -> None:
    body = service(
        "dns", type="NodePort",
        ports=[{"name": "udp", "port": 53, "protocol": "UDP"},
               {"name": "tcp", "port": 53, "protocol": "TCP"}],
    )  # fmt: skip
    ports = client.post(SVC, json=body).json()["spec"]["ports"]
    assert ports[0]["nodePort"] == ports[1]["nodePort"]


def test_label_selectors_filter_lists(client: TestClient) -> None:
    listed = client.get(f"{SVC}?labelSelector=app=web").json()
    assert [s["metadata"]["name"] for s in listed["items"]] == ["web"]
    assert listed["kind"] == "ServiceList"
    assert listed["metadata"]["resourceVersion"]
    none_match = client.get(f"{SVC}?labelSelector=app in (nothing)").json()
    assert none_match["items"] == []
    bad = client.get(f"{SVC}?labelSelector=app in (")
    assert bad.status_code == 400


def test_annotations_and_unknown_fields_are_stored_as_written(client: TestClient) -> None:
    body = service("kept", selector={"app": "x"})
    body["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": "{}\n"}
    body["spec"]["ports"][0]["appProtocol"] = "http"  # a known field, typed by the decoder
    # Fields no v1.33 Service has, at the top, in spec and inside a port: svcscope keeps them
    # as written by design (app/core/model/decoding.py). kube-apiserver differs here: with
    # its default fieldValidation=Warn it drops unknown fields and answers with a Warning.
    body["futureTopLevel"] = {"a": [1, "two"]}
    body["spec"]["trafficShaping"] = {"burst": 5}
    body["spec"]["ports"][0]["x-note"] = "kept"
    created = client.post(SVC, json=body)
    assert created.status_code == 201, created.text
    stored = client.get(f"{SVC}/kept").json()
    assert stored["metadata"]["annotations"] == body["metadata"]["annotations"]
    assert stored["spec"]["ports"][0]["appProtocol"] == "http"
    assert stored["futureTopLevel"] == {"a": [1, "two"]}
    assert stored["spec"]["trafficShaping"] == {"burst": 5}
    assert stored["spec"]["ports"][0]["x-note"] == "kept"


def test_unknown_fields_in_any_script_are_warned_in_utf8_one_header_each(
    client: TestClient,
) -> None:
    """kube-apiserver writes each warning as its own Warning line, in UTF-8, and drops a text
    with a control character (filters/warning.go, util/net/http.go NewWarningHeader). A field
    named in Greek was a 500: Starlette's header setter takes Latin-1 only."""
    body = service("greek", selector={"app": "x"})
    body["spec"]["ΩΩ"] = 1
    body["spec"]["line\nbreak"] = 2
    body["spec"]["zz"] = 3
    status, headers = raw_post(client, SVC, body)
    assert status == 201
    warnings = [value.decode() for name, value in headers if name == b"warning"]
    assert warnings == [
        '299 - "unknown field \\"spec.ΩΩ\\""',
        '299 - "unknown field \\"spec.zz\\""',
    ]


def test_a_body_of_another_version_or_kind_is_a_400(client: TestClient) -> None:
    wrong_version = {**service("v"), "apiVersion": "v2"}
    response = client.post(SVC, json=wrong_version)
    assert response.status_code == 400
    assert response.json()["message"] == (
        "the API version in the data (v2) does not match the expected API version (v1)"
    )
    wrong_kind = {**service("k"), "kind": "Pod"}
    response = client.post(SVC, json=wrong_kind)
    assert response.status_code == 400
    assert (
        "the kind in the data (Pod) does not match the expected kind (Service)"
        in (response.json()["message"])
    )
    assert client.get(f"{SVC}/v").status_code == 404


def raw_post(client: TestClient, path: str, body: Any) -> tuple[int, list[tuple[bytes, bytes]]]:
    """POST through the app on the test client's loop, answering the raw status and headers:
    the test client's headers are ASCII (tests/conftest.py AsciiResponseHeaders)."""
    sent: list[Message] = []
    data = json.dumps(body).encode()
    scope = {
        "type": "http", "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode())],
        "client": ("127.0.0.1", 1), "server": ("testserver", 80),
    }  # fmt: skip
    messages = [{"type": "http.request", "body": data, "more_body": False}]

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    assert client.portal is not None and isinstance(client.app, AsciiResponseHeaders)
    client.portal.call(client.app.app, scope, receive, send)
    start = sent[0]
    return start["status"], list(start["headers"])
