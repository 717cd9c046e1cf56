"""Protobuf bodies decode into the JSON object the same request would carry as JSON."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.model import protobuf


def new_message(name: str) -> Any:
    return protobuf._message_class(name)()


def envelope(api_version: str, kind: str, message: Any) -> bytes:
    """What client-go's protobuf serializer writes: the magic, then a runtime.Unknown."""
    unknown = new_message("k8s.io.apimachinery.pkg.runtime.Unknown")
    unknown.typeMeta.apiVersion = api_version
    unknown.typeMeta.kind = kind
    unknown.raw = message.SerializeToString()
    serialized: bytes = unknown.SerializeToString()
    return protobuf.MAGIC + serialized


def _node_port_service() -> Any:
    """As gogo-protobuf writes `kubectl create service nodeport web --tcp=80:8080`: every
    non-pointer scalar present, zero or not."""
    svc = new_message("k8s.io.api.core.v1.Service")
    svc.metadata.name = "web"
    svc.metadata.generateName = ""
    svc.metadata.labels["app"] = "web"
    svc.metadata.creationTimestamp.SetInParent()  # the zero metav1.Time: an empty message
    port = svc.spec.ports.add()
    port.name, port.protocol, port.port, port.nodePort = "80-8080", "TCP", 80, 0
    port.targetPort.type, port.targetPort.intVal, port.targetPort.strVal = 0, 8080, ""
    svc.spec.selector["app"] = "web"
    svc.spec.type, svc.spec.clusterIP, svc.spec.publishNotReadyAddresses = "NodePort", "", False
    svc.status.loadBalancer.SetInParent()
    return svc


def test_a_service_decodes_as_its_json_with_go_zero_values_left_out() -> None:
    body = envelope("v1", "Service", _node_port_service())
    assert protobuf.decode(body) == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "web"},
            "type": "NodePort",
        },
        "status": {"loadBalancer": {}},
    }


def test_a_pointer_zero_is_kept_and_apimachinery_types_print_as_json_scalars() -> None:
    deploy = new_message("k8s.io.api.apps.v1.Deployment")
    deploy.metadata.name = "d"
    deploy.metadata.creationTimestamp.seconds = 1_700_000_000
    deploy.spec.replicas = 0  # *int32: zero means zero
    deploy.spec.minReadySeconds = 0  # int32 with omitempty: left out
    deploy.spec.strategy.rollingUpdate.maxSurge.type = 1
    deploy.spec.strategy.rollingUpdate.maxSurge.strVal = "25%"
    container = deploy.spec.template.spec.containers.add()
    container.name, container.image = "app", "nginx"
    container.resources.limits["cpu"].string = "500m"
    got = protobuf.decode(envelope("apps/v1", "Deployment", deploy))
    assert got["metadata"] == {"name": "d", "creationTimestamp": "2023-11-14T22:13:20Z"}
    assert got["spec"]["replicas"] == 0 and "minReadySeconds" not in got["spec"]
    assert got["spec"]["strategy"] == {"rollingUpdate": {"maxSurge": "25%"}}
    assert got["spec"]["template"]["spec"]["containers"] == [
        {"name": "app", "image": "nginx", "resources": {"limits": {"cpu": "500m"}}}
    ]


def test_bytes_are_base64_and_managed_fields_are_json() -> None:
    secret = new_message("k8s.io.api.core.v1.Secret")
    secret.metadata.name = "s"
    secret.data["key"] = b"\x00hi"
    entry = secret.metadata.managedFields.add()
    entry.manager, entry.operation = "kubectl", "Update"
    entry.fieldsV1.Raw = b'{"f:data":{}}'
    got = protobuf.decode(envelope("v1", "Secret", secret))
    assert got["data"] == {"key": "AGhp"}
    assert got["metadata"]["managedFields"] == [
        {"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:data": {}}}
    ]


def test_the_message_of_each_group_is_found_by_its_package() -> None:
    assert protobuf.message_name("v1", "Service") == "k8s.io.api.core.v1.Service"
    assert (
        protobuf.message_name("networking.k8s.io/v1", "Ingress")
        == "k8s.io.api.networking.v1.Ingress"
    )
    ingress = new_message("k8s.io.api.networking.v1.Ingress")
    ingress.metadata.name = "i"
    assert protobuf.decode(envelope("networking.k8s.io/v1", "Ingress", ingress))["kind"] == (
        "Ingress"
    )


NO_MAGIC = "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"", "empty data"),
        (b'{"kind":"Service"}', NO_MAGIC),
        (protobuf.MAGIC, "empty body"),
        (protobuf.MAGIC + b"\x0a\xff", "proto: Unknown: "),
    ],
)
def test_bodies_without_a_valid_envelope_name_what_is_wrong(body: bytes, detail: str) -> None:
    with pytest.raises(protobuf.ProtobufError) as raised:
        protobuf.decode(body)
    assert raised.value.detail.startswith(detail)
    assert raised.value.message("Service", body).startswith(
        f"the object provided is unrecognized (must be of type Service): {detail}"
    )


def test_upstreams_summary_of_a_bad_body_is_hex_or_the_json_text() -> None:
    error = protobuf.ProtobufError("x")
    assert error.message("Pod", b"\x01\x02") == (
        "the object provided is unrecognized (must be of type Pod): x (0102)"
    )
    long_json = b'{"kind":"Pod","metadata":{"name":"abcdefgh"}}'
    assert error.message("Pod", long_json).endswith('({"kind":"Pod","metadata":{"nam ...)')


def test_a_bad_message_inside_a_good_envelope_names_its_kind() -> None:
    unknown = new_message("k8s.io.apimachinery.pkg.runtime.Unknown")
    unknown.typeMeta.apiVersion, unknown.typeMeta.kind = "v1", "Service"
    unknown.raw = b"\x0a\x05ab"  # metadata: length 5, 2 bytes follow
    body = protobuf.MAGIC + unknown.SerializeToString()
    with pytest.raises(protobuf.ProtobufError) as raised:
        protobuf.decode(body)
    assert raised.value.message("Service", body).startswith(
        'Service in version "v1" cannot be handled as a Service: proto: Service: '
    )
    unknown.typeMeta.kind = "Gizmo"
    with pytest.raises(protobuf.ProtobufError, match='no kind "Gizmo" is registered'):
        protobuf.decode(protobuf.MAGIC + unknown.SerializeToString())


@pytest.mark.parametrize(
    ("nanos", "printed"),
    [(0, "0s"), (1_500_000, "1.5ms"), (1_500_000_000, "1.5s"), (90 * 10**9, "1m30s"),
     (3600 * 10**9, "1h0m0s"), (-2 * 10**9, "-2s")],
)  # fmt: skip
def test_durations_print_as_go_time_duration(nanos: int, printed: str) -> None:
    duration = new_message("k8s.io.apimachinery.pkg.apis.meta.v1.Duration")
    duration.duration = nanos
    assert protobuf._duration(duration) == printed
