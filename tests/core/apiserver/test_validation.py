"""Service validation, checked message by message against upstream.

The create and update cases follow TestValidateServiceCreate / TestValidateServiceUpdate in
pkg/apis/core/validation/validation_test.go (reference section 12.5): same base object, same
tweaks, same error counts, and here the full printed message of each error too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from app.core.apiserver.validation.services import validate_service
from app.core.model.fielderrors import ValidationFailed

Svc = dict[str, Any]

# apimachinery util/validation/validation.go: dns1035LabelErrMsg + RegexError (IsDNS1035Label).
DNS1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
# apimachinery util/validation/validation.go: dns1123LabelErrMsg + RegexError (IsDNS1123Label).
RFC1123_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
# apimachinery util/validation/validation.go: dns1123SubdomainErrorMsg + RegexError
# (IsDNS1123Subdomain).
RFC1123_SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
# apimachinery util/validation/validation.go: IsQualifiedName, "name part " +
# qualifiedNameErrMsg + RegexError.
NAME_PART = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
# apimachinery util/validation/validation.go: IsValidPortNum -> InclusiveRangeError(1, 65535).
PORT_RANGE = "must be between 1 and 65535, inclusive"
# apimachinery util/validation/ip.go IsValidIP (v1.33).
BAD_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
# apimachinery util/validation/ip.go IsValidCIDR (v1.33).
BAD_CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
# pkg/apis/core/validation/validation.go ValidateService: field.Forbidden on
# loadBalancerSourceRanges / loadBalancerClass / allocateLoadBalancerNodePorts off LoadBalancer.
LB_ONLY = "may only be used when `type` is 'LoadBalancer'"
# v1.AnnotationLoadBalancerSourceRangesKey (k8s.io/api/core/v1/annotation_key_constants.go).
SOURCE_RANGES_KEY = "service.beta.kubernetes.io/load-balancer-source-ranges"


def make_valid_service() -> Svc:
    """makeValidService: what every upstream case starts from."""
    return {
        "metadata": {"name": "valid", "namespace": "valid"},
        "spec": {
            "selector": {"key": "val"},
            "sessionAffinity": "None",
            "type": "ClusterIP",
            "ports": [{"name": "p", "protocol": "TCP", "port": 8675, "targetPort": 8675}],
            "internalTrafficPolicy": "Cluster",
        },
    }


def messages(svc: Svc, old: Svc | None = None) -> list[str]:
    return [str(e) for e in validate_service(svc, old=old)]


def _tweak(**spec: Any) -> Callable[[Svc], None]:
    def apply(svc: Svc) -> None:
        svc["spec"].update(spec)

    return apply


def _headless(svc: Svc) -> None:
    svc["spec"].update(clusterIP="None", clusterIPs=["None"])


def _load_balancer(svc: Svc) -> None:
    svc["spec"].update(
        type="LoadBalancer", externalTrafficPolicy="Cluster", allocateLoadBalancerNodePorts=True
    )


def _both(*tweaks: Callable[[Svc], None]) -> Callable[[Svc], None]:
    def apply(svc: Svc) -> None:
        for tweak in tweaks:
            tweak(svc)

    return apply


def _port(**fields: Any) -> dict[str, Any]:
    """A port as defaulting leaves it: protocol TCP, targetPort equal to port."""
    return {"protocol": "TCP", "targetPort": fields.get("port", 0), **fields}


def _meta(**fields: Any) -> Callable[[Svc], None]:
    def apply(svc: Svc) -> None:
        svc["metadata"].update(fields)

    return apply


def _drop(key: str) -> Callable[[Svc], None]:
    def apply(svc: Svc) -> None:
        svc["spec"].pop(key)

    return apply


CREATE_CASES: list[tuple[str, Callable[[Svc], None], list[str]]] = [
    ("missing namespace", _meta(namespace=""), ["metadata.namespace: Required value"]),
    (
        "name starting with a dash",
        _meta(name="-123"),
        [f'metadata.name: Invalid value: "-123": {DNS1035}'],
    ),
    (
        "name of 64 characters",
        _meta(name="a" * 64),
        [f'metadata.name: Invalid value: "{"a" * 64}": must be no more than 63 characters'],
    ),
    (
        "selector key with an equals sign",
        _tweak(selector={"NoSpecialCharsLike=Equals": "bar"}),
        [f'spec.selector: Invalid value: "NoSpecialCharsLike=Equals": {NAME_PART}'],
    ),
    ("no selector at all", _drop("selector"), []),
    ("empty sessionAffinity", _tweak(sessionAffinity=""), ["spec.sessionAffinity: Required value"]),
    ("empty type", _tweak(type=""), ["spec.type: Required value"]),
    ("no ports", _drop("ports"), ["spec.ports: Required value"]),
    ("no ports on a headless service", _both(_drop("ports"), _headless), []),
    (
        "a second port without a name",
        _tweak(ports=[_port(name="p", port=8675, targetPort=8675), _port(port=12345)]),
        ["spec.ports[1].name: Required value"],
    ),
    (
        "an upper case port name",
        _tweak(ports=[_port(name="INVALID", port=8675, targetPort=8675)]),
        [f'spec.ports[0].name: Invalid value: "INVALID": {RFC1123_LABEL}'],
    ),
    (
        "an empty protocol",
        _tweak(ports=[_port(name="p", port=8675, targetPort=8675, protocol="")]),
        ["spec.ports[0].protocol: Required value"],
    ),
    (
        "an unknown protocol",
        _tweak(ports=[_port(name="p", port=8675, targetPort=8675, protocol="INVALID")]),
        [
            'spec.ports[0].protocol: Unsupported value: "INVALID": supported values: "SCTP", '
            '"TCP", "UDP"'
        ],
    ),
    (
        "a clusterIP that is not an IP",
        _tweak(clusterIP="invalid", clusterIPs=["invalid"]),
        [f'spec.clusterIPs[0]: Invalid value: "invalid": {BAD_IP}'],
    ),
    (
        "port 0",
        _tweak(ports=[_port(name="p", port=0, targetPort=8675)]),
        [f"spec.ports[0].port: Invalid value: 0: {PORT_RANGE}"],
    ),
    (
        "port 65536",
        _tweak(ports=[_port(name="p", port=65536, targetPort=8675)]),
        [f"spec.ports[0].port: Invalid value: 65536: {PORT_RANGE}"],
    ),
    (
        "targetPort 65536",
        _tweak(ports=[_port(name="p", port=8675, targetPort=65536)]),
        [f"spec.ports[0].targetPort: Invalid value: 65536: {PORT_RANGE}"],
    ),
    (
        "a headless service whose targetPort differs from port",
        _both(_headless, _tweak(ports=[_port(name="p", port=8675, targetPort=9999)])),
        [],
    ),
    (
        "a headless service with a named targetPort",
        _both(_headless, _tweak(ports=[_port(name="p", port=8675, targetPort="http")])),
        [],
    ),
    (
        "a loopback externalIP",
        _tweak(externalIPs=["127.0.0.1"], externalTrafficPolicy="Cluster"),
        [
            'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range '
            "(127.0.0.0/8, ::1/128)"
        ],
    ),
    (
        "an unspecified externalIP",
        _tweak(externalIPs=["0.0.0.0"], externalTrafficPolicy="Cluster"),
        ['spec.externalIPs[0]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)'],
    ),
    (
        "a host name as externalIP",
        _tweak(externalIPs=["myhost.mydomain"], externalTrafficPolicy="Cluster"),
        [f'spec.externalIPs[0]: Invalid value: "myhost.mydomain": {BAD_IP}'],
    ),
    (
        "two ports with the same name",
        _tweak(ports=[_port(name="p", port=1, targetPort=1), _port(name="p", port=2)]),
        ['spec.ports[1].name: Duplicate value: "p"'],
    ),
    (
        "two ports with the same number and protocol",
        _tweak(ports=[_port(name="p", port=1), _port(name="q", port=1, targetPort=2)]),
        [
            'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", '
            "AppProtocol:(*string)(nil), Port:1, TargetPort:intstr.IntOrString{Type:0, IntVal:0, "
            'StrVal:""}, NodePort:0}'
        ],
    ),
    (
        "the same port number over TCP, UDP and SCTP",
        _tweak(
            ports=[
                _port(name="p", port=1),
                _port(name="q", port=1, protocol="UDP"),
                _port(name="r", port=1, protocol="SCTP"),
            ]
        ),
        [],
    ),
    (
        "two NodePort ports sharing a nodePort and protocol",
        _tweak(
            type="NodePort",
            externalTrafficPolicy="Cluster",
            ports=[_port(name="p", port=1, nodePort=1), _port(name="q", port=2, nodePort=1)],
        ),
        ["spec.ports[1].nodePort: Duplicate value: 1"],
    ),
    (
        "one nodePort over TCP, UDP and SCTP",
        _tweak(
            type="NodePort",
            externalTrafficPolicy="Cluster",
            ports=[
                _port(name="p", port=1, nodePort=1),
                _port(name="q", port=1, nodePort=1, protocol="UDP"),
                _port(name="r", port=1, nodePort=1, protocol="SCTP"),
            ],
        ),
        [],
    ),
    (
        "a nodePort on a ClusterIP service",
        _tweak(ports=[_port(name="p", port=8675, targetPort=8675, nodePort=12345)]),
        ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ),
    (
        "a LoadBalancer without allocateLoadBalancerNodePorts",
        _both(_load_balancer, _drop("allocateLoadBalancerNodePorts")),
        ["allocateLoadBalancerNodePorts: Required value"],
    ),
    (
        "source ranges on a ClusterIP service",
        _tweak(loadBalancerSourceRanges=["10.0.0.0/8"]),
        [f"spec.LoadBalancerSourceRanges: Forbidden: {LB_ONLY}"],
    ),
    (
        "the source-ranges annotation on a ClusterIP service",
        _meta(annotations={SOURCE_RANGES_KEY: "10.0.0.0/8"}),
        [f"metadata.annotations[{SOURCE_RANGES_KEY}]: Forbidden: {LB_ONLY}"],
    ),
    (
        "a /33 source range",
        _both(_load_balancer, _tweak(loadBalancerSourceRanges=["1.2.3.4/33"])),
        [f'spec.LoadBalancerSourceRanges[0]: Invalid value: "1.2.3.4/33": {BAD_CIDR}'],
    ),
    (
        "a host name as source range",
        _both(_load_balancer, _tweak(loadBalancerSourceRanges=["foo.bar"])),
        [f'spec.LoadBalancerSourceRanges[0]: Invalid value: "foo.bar": {BAD_CIDR}'],
    ),
    (
        "a blank source range",
        _both(_load_balancer, _tweak(loadBalancerSourceRanges=["   "])),
        [f'spec.LoadBalancerSourceRanges[0]: Invalid value: "": {BAD_CIDR}'],
    ),
    (
        "an ExternalName service with a clusterIP",
        _tweak(
            type="ExternalName",
            externalName="foo.bar.example.com",
            clusterIP="1.2.3.4",
            clusterIPs=["1.2.3.4"],
        ),
        ["spec.clusterIPs: Forbidden: may not be set for ExternalName services"],
    ),
    (
        "an ExternalName service with clusterIP None",
        _both(_headless, _tweak(type="ExternalName", externalName="foo.bar.example.com")),
        ["spec.clusterIPs: Forbidden: may not be set for ExternalName services"],
    ),
    (
        "an externalName starting with a dash",
        _tweak(type="ExternalName", externalName="-123"),
        [f'spec.externalName: Invalid value: "-123": {RFC1123_SUBDOMAIN}'],
    ),
    (
        "a headless LoadBalancer",
        _both(_load_balancer, _headless),
        [
            "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for "
            "LoadBalancer services"
        ],
    ),
    (
        "a headless NodePort service",
        _both(_tweak(type="NodePort", externalTrafficPolicy="Cluster"), _headless),
        [
            "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort "
            "services"
        ],
    ),
    (
        "an unknown externalTrafficPolicy",
        _tweak(type="NodePort", externalTrafficPolicy="invalid"),
        [
            'spec.externalTrafficPolicy: Unsupported value: "invalid": supported values: '
            '"Cluster", "Local"'
        ],
    ),
    (
        "no internalTrafficPolicy on a ClusterIP service",
        _drop("internalTrafficPolicy"),
        ["spec.internalTrafficPolicy: Required value"],
    ),
    (
        "no internalTrafficPolicy on an ExternalName service",
        _both(_drop("internalTrafficPolicy"), _tweak(type="ExternalName", externalName="a.b")),
        [],
    ),
    (
        "an internalTrafficPolicy on an ExternalName service",
        _tweak(type="ExternalName", externalName="a.b", internalTrafficPolicy="Local"),
        [],
    ),
    (
        "healthCheckNodePort -1 on a Local LoadBalancer",
        _both(_load_balancer, _tweak(externalTrafficPolicy="Local", healthCheckNodePort=-1)),
        [f"spec.healthCheckNodePort: Invalid value: -1: {PORT_RANGE}"],
    ),
    (
        "healthCheckNodePort 31100 on a Local LoadBalancer",
        _both(_load_balancer, _tweak(externalTrafficPolicy="Local", healthCheckNodePort=31100)),
        [],
    ),
    (
        "a ClientIP timeout of -1",
        _tweak(
            sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": -1}}
        ),
        [
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: -1: must be "
            "greater than 0 and less than 86400"
        ],
    ),
    (
        "an affinity config with affinity None",
        _tweak(sessionAffinityConfig={"clientIP": {"timeoutSeconds": 90}}),
        ["spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"],
    ),
    (
        "two garbage clusterIPs",
        _tweak(
            clusterIP="garbage-ip",
            clusterIPs=["garbage-ip", "garbage-second-ip"],
            ipFamilyPolicy="RequireDualStack",
        ),
        [
            f'spec.clusterIPs[0]: Invalid value: "garbage-ip": {BAD_IP}',
            f'spec.clusterIPs[1]: Invalid value: "garbage-second-ip": {BAD_IP}',
        ],
    ),
    (
        "two IPv4 clusterIPs for an IPv4 and IPv6 service",
        _tweak(
            clusterIP="10.0.0.1",
            clusterIPs=["10.0.0.1", "10.0.0.10"],
            ipFamilyPolicy="RequireDualStack",
            ipFamilies=["IPv4", "IPv6"],
        ),
        [
            'spec.clusterIPs: Invalid value: []string{"10.0.0.1", "10.0.0.10"}: '
            "may specify no more than one IP for each IP family",
            'spec.clusterIPs[1]: Invalid value: "10.0.0.10": expected an IPv6 value as '
            "indicated by `ipFamilies[1]`",
        ],
    ),
    (
        "three clusterIPs",
        _tweak(
            clusterIP="10.0.0.1",
            clusterIPs=["10.0.0.1", "2000::1", "10.0.0.2"],
            ipFamilyPolicy="RequireDualStack",
            ipFamilies=["IPv4", "IPv6"],
        ),
        [
            'spec.clusterIPs: Invalid value: []string{"10.0.0.1", "2000::1", "10.0.0.2"}: '
            "may only hold up to 2 values"
        ],
    ),
    (
        "a clusterIP that differs from clusterIPs[0]",
        _tweak(clusterIP="10.0.0.10", clusterIPs=["10.0.0.1"]),
        [
            'spec.clusterIPs: Invalid value: []string{"10.0.0.1"}: first value must match '
            "`clusterIP`"
        ],
    ),
    (
        "allocateLoadBalancerNodePorts on a ClusterIP service",
        _tweak(allocateLoadBalancerNodePorts=True),
        [f"spec.allocateLoadBalancerNodePorts: Forbidden: {LB_ONLY}"],
    ),
    (
        "an upper case loadBalancerClass prefix",
        _both(_load_balancer, _tweak(loadBalancerClass="Bad/LoadBalancerClass")),
        [
            'spec.loadBalancerClass: Invalid value: "Bad/LoadBalancerClass": prefix part '
            + RFC1123_SUBDOMAIN
        ],
    ),
    (
        "a loadBalancerClass on a ClusterIP service",
        _tweak(loadBalancerClass="test.com/test-load-balancer-class"),
        [f"spec.loadBalancerClass: Forbidden: {LB_ONLY}"],
    ),
    ("trafficDistribution PreferClose", _tweak(trafficDistribution="PreferClose"), []),
    (
        "trafficDistribution Random",
        _tweak(trafficDistribution="Random"),
        ['spec.trafficDistribution: Unsupported value: "Random": supported values: "PreferClose"'],
    ),
    (
        "port 10250 on a LoadBalancer, accepted since v1.33",
        _both(_load_balancer, _tweak(ports=[_port(name="p", port=10250, targetPort=10250)])),
        [],
    ),
]


@pytest.mark.parametrize(
    ("tweak", "expected"),
    [pytest.param(t, e, id=i) for i, t, e in CREATE_CASES],
)
def test_upstream_create_case_reports_exactly_the_expected_errors(
    tweak: Callable[[Svc], None], expected: list[str]
) -> None:
    svc = make_valid_service()
    tweak(svc)
    assert messages(svc) == expected


def test_the_base_service_is_valid() -> None:
    assert messages(make_valid_service()) == []


def _update(change: Callable[[Svc, Svc], None]) -> list[str]:
    old = make_valid_service()
    new = copy.deepcopy(old)
    change(old, new)
    return messages(new, old)


def test_changing_the_cluster_ip_is_reported_with_the_whole_new_list() -> None:
    def change(old: Svc, new: Svc) -> None:
        old["spec"].update(clusterIP="1.2.3.4", clusterIPs=["1.2.3.4"])
        new["spec"].update(clusterIP="8.6.7.5", clusterIPs=["8.6.7.5"])

    assert _update(change) == [
        'spec.clusterIPs[0]: Invalid value: []string{"8.6.7.5"}: may not change once set'
    ]


def test_removing_the_cluster_ip_is_refused_with_a_null_value() -> None:
    def change(old: Svc, new: Svc) -> None:
        old["spec"].update(clusterIP="1.2.3.4", clusterIPs=["1.2.3.4"])

    assert _update(change) == [
        "spec.clusterIPs[0]: Invalid value: []string(nil): primary clusterIP can not be unset"
    ]


def test_a_headless_service_cannot_take_a_cluster_ip_on_update() -> None:
    def change(old: Svc, new: Svc) -> None:
        _headless(old)
        new["spec"].update(clusterIP="1.2.3.5", clusterIPs=["1.2.3.5"])

    assert _update(change) == [
        'spec.clusterIPs[0]: Invalid value: []string{"1.2.3.5"}: may not change once set'
    ]


def test_switching_affinity_to_client_ip_is_an_allowed_update() -> None:
    def change(old: Svc, new: Svc) -> None:
        new["spec"].update(
            sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": 90}}
        )

    assert _update(change) == []


@pytest.mark.parametrize("kind", ["LoadBalancer", "NodePort"])
def test_changing_type_from_cluster_ip_is_an_allowed_update(kind: str) -> None:
    def change(old: Svc, new: Svc) -> None:
        _load_balancer(new)
        new["spec"]["type"] = kind
        if kind == "NodePort":
            del new["spec"]["allocateLoadBalancerNodePorts"]

    assert _update(change) == []


def test_removing_the_type_on_update_is_required_value() -> None:
    def change(old: Svc, new: Svc) -> None:
        new["spec"]["type"] = ""

    assert _update(change) == ["spec.type: Required value"]


def test_health_check_node_port_is_immutable_while_still_needed() -> None:
    def change(old: Svc, new: Svc) -> None:
        for svc, port in ((old, 31100), (new, 31200)):
            _load_balancer(svc)
            svc["spec"].update(externalTrafficPolicy="Local", healthCheckNodePort=port)

    assert _update(change) == ["spec.healthCheckNodePort: Forbidden: field is immutable"]


def test_the_primary_ip_family_may_not_change() -> None:
    def change(old: Svc, new: Svc) -> None:
        old["spec"]["ipFamilies"] = ["IPv4"]
        new["spec"]["ipFamilies"] = ["IPv6"]

    assert _update(change) == [
        'spec.ipFamilies[0]: Invalid value: []core.IPFamily{"IPv6"}: may not change once set'
    ]


def test_load_balancer_class_may_not_change_between_load_balancers() -> None:
    def change(old: Svc, new: Svc) -> None:
        for svc, lb_class in ((old, "a.example.com/lb"), (new, "b.example.com/lb")):
            _load_balancer(svc)
            svc["spec"]["loadBalancerClass"] = lb_class

    assert _update(change) == [
        'spec.loadBalancerClass: Invalid value: "b.example.com/lb": may not change once set'
    ]


@pytest.mark.parametrize("key", ["name", "namespace"])
def test_name_and_namespace_are_immutable(key: str) -> None:
    def change(old: Svc, new: Svc) -> None:
        new["metadata"][key] = "other"

    assert _update(change) == [f'metadata.{key}: Invalid value: "other": field is immutable']


def test_several_errors_aggregate_in_brackets_in_the_422_message() -> None:
    svc = make_valid_service()
    svc["metadata"]["name"] = "x"
    svc["spec"]["type"] = "Foo"
    svc["spec"]["ports"][0]["port"] = 65536
    failure = ValidationFailed("Service", "x", validate_service(svc))
    assert str(failure) == (
        'Service "x" is invalid: [spec.ports[0].port: Invalid value: 65536: must be between 1 '
        'and 65535, inclusive, spec.type: Unsupported value: "Foo": supported values: '
        '"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]'
    )


def test_a_single_error_is_printed_bare_in_the_422_message() -> None:
    svc = make_valid_service()
    svc["metadata"]["namespace"] = ""
    failure = ValidationFailed("Service", "valid", validate_service(svc))
    assert str(failure) == 'Service "valid" is invalid: metadata.namespace: Required value'


def test_errors_come_in_upstream_order_across_the_whole_object() -> None:
    svc = make_valid_service()
    svc["metadata"]["labels"] = {"a": "-bad-"}
    svc["spec"].update(
        type="LoadBalancer",
        sessionAffinity="Sticky",
        externalTrafficPolicy="Local",
        ports=[_port(name="p", port=80, targetPort="no--pe")],
    )
    failure = ValidationFailed("Service", "valid", validate_service(svc))
    assert str(failure) == (
        'Service "valid" is invalid: [metadata.labels: Invalid value: "-bad-": a valid label '
        "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
        "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  "
        "or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?'"
        '), spec.ports[0].targetPort: Invalid value: "no--pe": must not contain consecutive '
        'hyphens, spec.sessionAffinity: Unsupported value: "Sticky": supported values: '
        '"ClientIP", "None", allocateLoadBalancerNodePorts: Required value, '
        "spec.healthCheckNodePort: Required value]"
    )


def test_a_named_target_port_longer_than_fifteen_characters_is_invalid() -> None:
    svc = make_valid_service()
    svc["spec"]["ports"][0]["targetPort"] = "abcdefghijklmnop"
    assert messages(svc) == [
        'spec.ports[0].targetPort: Invalid value: "abcdefghijklmnop": must be no more than 15 '
        "characters"
    ]


def test_a_target_port_name_without_letters_is_invalid() -> None:
    svc = make_valid_service()
    svc["spec"]["ports"][0]["targetPort"] = "-80-"
    assert messages(svc) == [
        'spec.ports[0].targetPort: Invalid value: "-80-": must contain at least one letter (a-z)',
        'spec.ports[0].targetPort: Invalid value: "-80-": must not begin or end with a hyphen',
    ]


def test_client_ip_affinity_without_config_requires_it() -> None:
    svc = make_valid_service()
    svc["spec"]["sessionAffinity"] = "ClientIP"
    assert messages(svc) == [
        "spec.sessionAffinityConfig: Required value: when session affinity type is ClientIP"
    ]


def test_a_timeout_of_exactly_one_day_is_accepted_and_one_more_second_is_not() -> None:
    svc = make_valid_service()
    svc["spec"].update(
        sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": 86400}}
    )
    assert messages(svc) == []
    svc["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] = 86401
    assert messages(svc) == [
        "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be "
        "greater than 0 and less than 86400"
    ]


def test_external_traffic_policy_on_an_internal_service_is_invalid() -> None:
    svc = make_valid_service()
    svc["spec"]["externalTrafficPolicy"] = "Local"
    assert messages(svc) == [
        'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for '
        "externally-accessible services"
    ]


def test_a_node_port_service_requires_an_external_traffic_policy() -> None:
    svc = make_valid_service()
    svc["spec"]["type"] = "NodePort"
    assert messages(svc) == ["spec.externalTrafficPolicy: Required value"]


def test_health_check_node_port_on_a_cluster_policy_is_invalid() -> None:
    svc = make_valid_service()
    _load_balancer(svc)
    svc["spec"]["healthCheckNodePort"] = 31100
    assert messages(svc) == [
        "spec.healthCheckNodePort: Invalid value: 31100: may only be set when `type` is "
        "'LoadBalancer' and `externalTrafficPolicy` is 'Local'"
    ]


def test_an_unknown_internal_traffic_policy_is_unsupported() -> None:
    svc = make_valid_service()
    svc["spec"]["internalTrafficPolicy"] = "Nearby"
    assert messages(svc) == [
        'spec.internalTrafficPolicy: Unsupported value: "Nearby": supported values: "Cluster", '
        '"Local"'
    ]


def test_an_unknown_service_type_is_unsupported() -> None:
    svc = make_valid_service()
    svc["spec"]["type"] = "Ingress"
    assert messages(svc) == [
        'spec.type: Unsupported value: "Ingress": supported values: "ClusterIP", '
        '"ExternalName", "LoadBalancer", "NodePort"'
    ]


def test_an_external_name_requires_the_name() -> None:
    svc = make_valid_service()
    svc["spec"]["type"] = "ExternalName"
    assert messages(svc) == ["spec.externalName: Required value"]


def test_an_external_name_may_end_with_one_dot() -> None:
    svc = make_valid_service()
    svc["spec"].update(type="ExternalName", externalName="db.example.com.")
    assert messages(svc) == []


def test_external_name_services_may_not_carry_ip_families() -> None:
    svc = make_valid_service()
    svc["spec"].update(
        type="ExternalName",
        externalName="a.b",
        ipFamilies=["IPv4"],
        ipFamilyPolicy="SingleStack",
    )
    assert messages(svc) == [
        "spec.ipFamilies: Forbidden: may not be set for ExternalName services",
        "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services",
    ]


def test_an_invalid_app_protocol_is_reported_at_the_port() -> None:
    svc = make_valid_service()
    svc["spec"]["ports"][0]["appProtocol"] = "a/b/c"
    assert messages(svc) == [
        'spec.ports[0].appProtocol: Invalid value: "a/b/c": a qualified name must consist of '
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and "
        "'/' (e.g. 'example.com/MyName')"
    ]


def test_a_cluster_ip_list_without_cluster_ip_is_invalid() -> None:
    svc = make_valid_service()
    svc["spec"]["clusterIPs"] = ["10.0.0.1"]
    assert messages(svc) == [
        'spec.clusterIPs: Invalid value: []string{"10.0.0.1"}: must be empty when '
        "`clusterIP` is not specified"
    ]


def test_a_cluster_ip_without_the_list_requires_it() -> None:
    svc = make_valid_service()
    svc["spec"]["clusterIP"] = "10.0.0.1"
    assert messages(svc) == ["spec.clusterIPs: Required value"]


def test_none_must_be_the_only_cluster_ip() -> None:
    svc = make_valid_service()
    svc["spec"].update(clusterIP="None", clusterIPs=["None", "10.0.0.1"])
    assert messages(svc) == [
        'spec.clusterIPs: Invalid value: []string{"None", "10.0.0.1"}: '
        "'None' must be the first and only value"
    ]


def test_unknown_and_repeated_ip_families_are_reported_per_index() -> None:
    svc = make_valid_service()
    svc["spec"].update(ipFamilies=["IPv4", "IPv4", "IPv5"], ipFamilyPolicy="Maybe")
    assert messages(svc) == [
        'spec.ipFamilies[1]: Duplicate value: "IPv4"',
        'spec.ipFamilies[2]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"',
        'spec.ipFamilyPolicy: Unsupported value: "Maybe": supported values: "PreferDualStack", '
        '"RequireDualStack", "SingleStack"',
    ]


def test_an_ipv6_cluster_ip_under_an_ipv4_family_is_flagged() -> None:
    svc = make_valid_service()
    svc["spec"].update(clusterIP="2000::1", clusterIPs=["2000::1"], ipFamilies=["IPv4"])
    assert messages(svc) == [
        'spec.clusterIPs[0]: Invalid value: "2000::1": expected an IPv4 value as indicated by '
        "`ipFamilies[0]`"
    ]


def test_a_link_local_external_ip_is_refused() -> None:
    svc = make_valid_service()
    svc["spec"].update(externalIPs=["169.254.169.254"], externalTrafficPolicy="Cluster")
    assert messages(svc) == [
        'spec.externalIPs[0]: Invalid value: "169.254.169.254": may not be in the link-local '
        "range (169.254.0.0/16, fe80::/10)"
    ]


def test_source_ranges_in_the_annotation_are_checked_one_by_one() -> None:
    svc = make_valid_service()
    _load_balancer(svc)
    svc["metadata"]["annotations"] = {SOURCE_RANGES_KEY: " 10.0.0.0/8 , nope "}
    assert messages(svc) == [
        f'metadata.annotations[{SOURCE_RANGES_KEY}]: Invalid value: "nope": {BAD_CIDR}'
    ]


def test_padded_source_ranges_are_tolerated() -> None:
    svc = make_valid_service()
    _load_balancer(svc)
    svc["spec"]["loadBalancerSourceRanges"] = [" 10.0.0.0/8 ", "1.2.3.4/24"]
    assert messages(svc) == []


def test_topology_mode_must_match_the_deprecated_hints_annotation() -> None:
    svc = make_valid_service()
    svc["metadata"]["annotations"] = {
        "service.kubernetes.io/topology-mode": "Auto",
        "service.kubernetes.io/topology-aware-hints": "Disabled",
    }
    assert messages(svc) == [
        'metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: "Auto": must '
        "match annotations[service.kubernetes.io/topology-aware-hints] when both are specified"
    ]


def test_releasing_a_secondary_cluster_ip_requires_single_stack() -> None:
    def change(old: Svc, new: Svc) -> None:
        old["spec"].update(
            clusterIP="10.0.0.1",
            clusterIPs=["10.0.0.1", "2000::1"],
            ipFamilies=["IPv4", "IPv6"],
            ipFamilyPolicy="RequireDualStack",
        )
        new["spec"].update(
            clusterIP="10.0.0.1",
            clusterIPs=["10.0.0.1"],
            ipFamilies=["IPv4"],
            ipFamilyPolicy="RequireDualStack",
        )

    assert _update(change) == [
        "spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": must be set to 'SingleStack' "
        "when releasing the secondary clusterIP",
        "spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": must be set to 'SingleStack' "
        "when releasing the secondary ipFamily",
    ]


def test_moving_to_external_name_releases_the_cluster_ip_without_error() -> None:
    def change(old: Svc, new: Svc) -> None:
        old["spec"].update(clusterIP="10.0.0.1", clusterIPs=["10.0.0.1"])
        new["spec"].update(type="ExternalName", externalName="a.example.com")

    assert _update(change) == []
