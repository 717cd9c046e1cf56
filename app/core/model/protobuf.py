"""Kubernetes' protobuf wire format, decoded into the JSON object the API server would hold.

kubectl's typed clients (`create service`, `create deployment`, …) send
`application/vnd.kubernetes.protobuf`: the 4-byte magic `k8s\\x00`, then a runtime.Unknown whose
typeMeta names the kind and whose `raw` is the object's message
(k8s.io/apimachinery pkg/runtime/serializer/protobuf/protobuf.go). The messages are k8s.io/api's
own generated.proto files (proto/, vendored with their source commit), compiled into a
descriptor set when the package is built (tools/protos.py) and read here with the protobuf
library; no generated code is committed.

The object is then exactly what the JSON path decodes, so defaults, validation and errors
cannot differ between the two formats. Two Go details shape the conversion:
- gogo-protobuf writes every non-pointer scalar, zero or not, while encoding/json omits a zero
  one (`omitempty`). A zero scalar is dropped unless the Go field is a pointer whose zero means
  something (POINTER_SCALARS, from k8s.io/api's types.go): `replicas: 0` stays.
- a few apimachinery types marshal to JSON as scalars (Time, Quantity, IntOrString, …).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"
DESCRIPTORS = "k8s.protoset"
"""The compiled descriptor set beside this module (built by tools/protos.py, not committed)."""

_META = "k8s.io.apimachinery.pkg.apis.meta.v1"

# Go pointer scalars (`*int32`, `*bool`, …) whose explicit zero differs from "not set", by
# message: k8s.io/api {core,apps,autoscaling,discovery,networking,storage}/v1 types.go.
POINTER_SCALARS: dict[str, frozenset[str]] = {
    f"{_META}.ObjectMeta": frozenset({"deletionGracePeriodSeconds"}),
    f"{_META}.OwnerReference": frozenset({"controller", "blockOwnerDeletion"}),
    "k8s.io.api.apps.v1.DeploymentSpec": frozenset(
        {"replicas", "revisionHistoryLimit", "progressDeadlineSeconds"}
    ),
    "k8s.io.api.apps.v1.ReplicaSetSpec": frozenset({"replicas"}),
    "k8s.io.api.apps.v1.StatefulSetSpec": frozenset({"replicas", "revisionHistoryLimit"}),
    "k8s.io.api.apps.v1.DaemonSetSpec": frozenset({"revisionHistoryLimit"}),
    "k8s.io.api.core.v1.ServiceSpec": frozenset({"allocateLoadBalancerNodePorts"}),
    "k8s.io.api.core.v1.ClientIPConfig": frozenset({"timeoutSeconds"}),
    "k8s.io.api.core.v1.PodSpec": frozenset(
        {
            "terminationGracePeriodSeconds",
            "activeDeadlineSeconds",
            "automountServiceAccountToken",
            "shareProcessNamespace",
            "enableServiceLinks",
            "hostUsers",
        }
    ),
    "k8s.io.api.core.v1.SecurityContext": frozenset(
        {
            "privileged",
            "runAsUser",
            "runAsGroup",
            "runAsNonRoot",
            "readOnlyRootFilesystem",
            "allowPrivilegeEscalation",
        }
    ),
    "k8s.io.api.core.v1.PodSecurityContext": frozenset(
        {"runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup"}
    ),
    "k8s.io.api.core.v1.ServiceAccount": frozenset({"automountServiceAccountToken"}),
    "k8s.io.api.core.v1.ConfigMap": frozenset({"immutable"}),
    "k8s.io.api.core.v1.Secret": frozenset({"immutable"}),
    "k8s.io.api.core.v1.ConfigMapVolumeSource": frozenset({"defaultMode"}),
    "k8s.io.api.core.v1.SecretVolumeSource": frozenset({"defaultMode"}),
    "k8s.io.api.discovery.v1.EndpointConditions": frozenset({"ready", "serving", "terminating"}),
    "k8s.io.api.discovery.v1.EndpointPort": frozenset({"port"}),
    "k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerSpec": frozenset({"minReplicas"}),
    "k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerSpec": frozenset({"minReplicas"}),
}


class ProtobufError(Exception):
    """A body that is not a Kubernetes protobuf message of a known kind (400 BadRequest).

    `kind` and `version` are the envelope's, once it decoded (the decoder's returned gvk)."""

    def __init__(self, detail: str, kind: str = "", version: str = "") -> None:
        super().__init__(detail)
        self.detail, self.kind, self.version = detail, kind, version

    def message(self, into: str, body: bytes) -> str:
        """k8s.io/apiserver pkg/endpoints/handlers/rest.go transformDecodeError's text, for a
        body meant to decode into the kind `into`."""
        if self.kind:
            return (
                f'{self.kind} in version "{self.version}" cannot be handled as a {into}: '
                f"{self.detail}"
            )
        return (
            f"the object provided is unrecognized (must be of type {into}): {self.detail} "
            f"({_summary(body)})"
        )


def _summary(body: bytes, limit: int = 30) -> str:
    """rest.go summarizeData: JSON-looking text as is, anything else in hex, cut at 30 bytes."""
    if not body:
        return "<empty>"
    more = " ..." if len(body) > limit else ""
    head = body[:limit]
    if head.startswith(b"{"):
        return head.decode("utf-8", "replace") + more
    return head.hex() + more


@cache
def _pool() -> descriptor_pool.DescriptorPool:
    source = resources.files(__package__).joinpath(DESCRIPTORS)
    if not source.is_file():
        raise ProtobufError(
            f"this build of svcscope has no protobuf descriptors ({DESCRIPTORS}): "
            "reinstall it (`make install`) or send application/json"
        )
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(source.read_bytes()).file:
        pool.Add(file)
    return pool


def _message_class(full_name: str) -> type[Message]:
    return message_factory.GetMessageClass(_pool().FindMessageTypeByName(full_name))


def message_name(api_version: str, kind: str) -> str:
    """The proto message of a kind: k8s.io/api names its packages after the group's first
    label (`networking.k8s.io/v1` → k8s.io.api.networking.v1; the core group is `core`)."""
    group, _, version = api_version.rpartition("/")
    return f"k8s.io.api.{group.split('.')[0] or 'core'}.{version}.{kind}"


def decode(raw: bytes) -> dict[str, Any]:
    """The object a protobuf body carries, as Kubernetes JSON (apiVersion and kind included).

    Errors carry upstream's decoder text (serializer/protobuf/protobuf.go Decode)."""
    if not raw:
        raise ProtobufError("empty data")
    if not raw.startswith(MAGIC):
        prefix = " ".join(str(b) for b in MAGIC)
        raise ProtobufError(
            f"provided data does not appear to be a protobuf message, expected prefix [{prefix}]"
        )
    if len(raw) == len(MAGIC):
        raise ProtobufError("empty body")
    unknown = _message_class("k8s.io.apimachinery.pkg.runtime.Unknown")()
    try:
        unknown.ParseFromString(raw[len(MAGIC) :])
    except DecodeError as exc:
        raise ProtobufError(f"proto: Unknown: {exc}") from None
    type_meta = unknown.typeMeta  # type: ignore[attr-defined]
    api_version, kind = type_meta.apiVersion, type_meta.kind
    if not kind:
        raise ProtobufError("Object 'Kind' is missing in the protobuf envelope")
    version = api_version.rpartition("/")[2]
    try:
        message = _message_class(message_name(api_version, kind))()
    except KeyError:
        # runtime/scheme.go notRegisteredErr
        raise ProtobufError(
            f'no kind "{kind}" is registered for version "{api_version}" in scheme '
            '"pkg/api/legacyscheme/scheme.go:30"',
            kind,
            version,
        ) from None
    try:
        message.ParseFromString(unknown.raw)  # type: ignore[attr-defined]
    except DecodeError as exc:
        raise ProtobufError(f"proto: {kind}: {exc}", kind, version) from None
    return {"apiVersion": api_version, "kind": kind, **_object(message)}


def _object(message: Message) -> Any:
    special = _SCALAR_TYPES.get(message.DESCRIPTOR.full_name)
    if special is not None:
        return special(message)
    pointers = POINTER_SCALARS.get(message.DESCRIPTOR.full_name, frozenset())
    out: dict[str, Any] = {}
    for field, value in message.ListFields():
        if field.is_repeated:
            converted = _repeated(field, value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            converted = _object(value)
        elif not value and field.name not in pointers:
            continue  # a non-pointer zero: encoding/json's omitempty leaves it out
        else:
            converted = _scalar(field, value)
        if converted is not None:
            out[field.name] = converted
    return out


def _repeated(field: FieldDescriptor, value: Any) -> Any:
    entry = field.message_type
    if entry is not None and entry.GetOptions().map_entry:
        value_field = entry.fields_by_name["value"]
        if value_field.type == FieldDescriptor.TYPE_MESSAGE:
            return {key: _object(item) for key, item in value.items()}
        return {key: _scalar(value_field, item) for key, item in value.items()}
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return [_object(item) for item in value]
    return [_scalar(field, item) for item in value]


def _scalar(field: FieldDescriptor, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode("ascii")  # []byte is base64 in JSON
    return value


def _time(message: Any, layout: str) -> str | None:
    """metav1.Time: an empty message is the zero time (JSON null); seconds are Unix time."""
    if not message.ListFields():
        return None
    moment = datetime.fromtimestamp(message.seconds, UTC).replace(microsecond=message.nanos // 1000)
    return moment.strftime(layout)


def _duration(message: Any) -> str:
    """metav1.Duration: nanoseconds, printed as Go's time.Duration.String() (`1h30m0s`)."""
    nanos = int(message.duration)
    sign, nanos = ("-", -nanos) if nanos < 0 else ("", nanos)
    if nanos == 0:
        return "0s"
    if nanos < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if nanos >= size or unit == "ns":
                return f"{sign}{nanos / size:g}{unit}"
    hours, rest = divmod(nanos, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    seconds = f"{rest / 1_000_000_000:.9f}".rstrip("0").rstrip(".")
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    return f"{sign}{minutes}m{seconds}s" if minutes else f"{sign}{seconds}s"


def _raw_json(message: Any) -> Any:
    """RawExtension (`raw`) and FieldsV1 (`Raw`) hold JSON bytes."""
    raw = message.Raw if message.DESCRIPTOR.name == "FieldsV1" else message.raw
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ProtobufError("embedded raw data is not JSON") from None


def _int_or_string(message: Any) -> int | str:
    return int(message.intVal) if message.type == 0 else str(message.strVal)


_SCALAR_TYPES: dict[str, Callable[[Any], Any]] = {
    f"{_META}.Time": lambda m: _time(m, "%Y-%m-%dT%H:%M:%SZ"),
    f"{_META}.MicroTime": lambda m: _time(m, "%Y-%m-%dT%H:%M:%S.%fZ"),
    f"{_META}.Duration": _duration,
    f"{_META}.FieldsV1": _raw_json,
    "k8s.io.apimachinery.pkg.runtime.RawExtension": _raw_json,
    "k8s.io.apimachinery.pkg.api.resource.Quantity": lambda m: str(m.string),
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": _int_or_string,
}
