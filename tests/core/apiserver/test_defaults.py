"""API-server defaulting: one test per default (pkg/apis/core/v1/defaults.go, apps/v1
defaults.go) and the registry's IP family initialisation (registry/core/service/storage/
alloc.go initIPFamilyFields), plus a property: defaulting a valid Service twice changes
nothing, and the result passes validation.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.apiserver.defaults import (
    default_deployment,
    default_endpoint_slice,
    default_node,
    default_pod,
    default_service,
    init_ip_family_fields,
    normalize_cluster_ips,
)
from app.core.apiserver.validation.services import validate_service
from app.core.model.fielderrors import ValidationFailed

Manifest = dict[str, Any]


def svc(**spec: Any) -> Manifest:
    return {
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], **spec},
    }


# --- SetDefaults_Service -------------------------------------------------------------------


def test_session_affinity_defaults_to_none() -> None:
    assert default_service(svc())["spec"]["sessionAffinity"] == "None"


def test_affinity_config_is_dropped_silently_when_affinity_is_none() -> None:
    out = default_service(svc(sessionAffinityConfig={"clientIP": {"timeoutSeconds": 90}}))
    assert "sessionAffinityConfig" not in out["spec"]


def test_client_ip_affinity_gets_a_three_hour_timeout() -> None:
    out = default_service(svc(sessionAffinity="ClientIP"))
    assert out["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_client_ip_affinity_with_an_empty_client_ip_block_gets_the_timeout() -> None:
    out = default_service(svc(sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {}}))
    assert out["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_an_explicit_client_ip_timeout_is_kept() -> None:
    config = {"clientIP": {"timeoutSeconds": 60}}
    out = default_service(svc(sessionAffinity="ClientIP", sessionAffinityConfig=config))
    assert out["spec"]["sessionAffinityConfig"] == config


def test_type_defaults_to_cluster_ip() -> None:
    assert default_service(svc())["spec"]["type"] == "ClusterIP"


def test_port_protocol_defaults_to_tcp() -> None:
    assert default_service(svc())["spec"]["ports"][0]["protocol"] == "TCP"


@pytest.mark.parametrize("target", [None, 0, ""])
def test_an_unset_target_port_becomes_the_port(target: int | str | None) -> None:
    port: Manifest = {"port": 8080}
    if target is not None:
        port["targetPort"] = target
    out = default_service(svc(ports=[port]))
    assert out["spec"]["ports"][0]["targetPort"] == 8080


def test_a_named_target_port_is_kept() -> None:
    out = default_service(svc(ports=[{"port": 80, "targetPort": "http"}]))
    assert out["spec"]["ports"][0]["targetPort"] == "http"


@pytest.mark.parametrize("kind", ["NodePort", "LoadBalancer"])
def test_external_traffic_policy_defaults_to_cluster_for_node_ports(kind: str) -> None:
    assert default_service(svc(type=kind))["spec"]["externalTrafficPolicy"] == "Cluster"


def test_external_traffic_policy_defaults_for_a_cluster_ip_with_external_ips() -> None:
    out = default_service(svc(externalIPs=["203.0.113.7"]))
    assert out["spec"]["externalTrafficPolicy"] == "Cluster"


def test_an_internal_only_service_gets_no_external_traffic_policy() -> None:
    assert "externalTrafficPolicy" not in default_service(svc())["spec"]


@pytest.mark.parametrize("kind", ["ClusterIP", "NodePort", "LoadBalancer"])
def test_internal_traffic_policy_defaults_to_cluster(kind: str) -> None:
    assert default_service(svc(type=kind))["spec"]["internalTrafficPolicy"] == "Cluster"


def test_external_name_services_get_no_internal_traffic_policy() -> None:
    out = default_service(svc(type="ExternalName", externalName="db.example.com"))
    assert "internalTrafficPolicy" not in out["spec"]


def test_load_balancers_allocate_node_ports_by_default() -> None:
    assert default_service(svc(type="LoadBalancer"))["spec"]["allocateLoadBalancerNodePorts"]


def test_an_explicit_false_allocate_load_balancer_node_ports_is_kept() -> None:
    out = default_service(svc(type="LoadBalancer", allocateLoadBalancerNodePorts=False))
    assert out["spec"]["allocateLoadBalancerNodePorts"] is False


def test_node_port_services_get_no_allocate_load_balancer_node_ports() -> None:
    assert "allocateLoadBalancerNodePorts" not in default_service(svc(type="NodePort"))["spec"]


def test_load_balancer_ingress_with_an_ip_gets_ip_mode_vip() -> None:
    service = svc(type="LoadBalancer")
    service["status"] = {
        "loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}]}
    }
    ingress = default_service(service)["status"]["loadBalancer"]["ingress"]
    assert ingress == [{"ip": "203.0.113.9", "ipMode": "VIP"}, {"hostname": "lb.example.com"}]


def test_defaulting_leaves_its_argument_untouched() -> None:
    service = svc(type="LoadBalancer", sessionAffinity="ClientIP")
    before = copy.deepcopy(service)
    default_service(service)
    assert service == before


# --- NormalizeClusterIPs and initIPFamilyFields --------------------------------------------


def test_a_lone_cluster_ip_is_copied_into_cluster_ips() -> None:
    out = init_ip_family_fields(default_service(svc(clusterIP="10.96.0.50")))
    assert out["spec"]["clusterIPs"] == ["10.96.0.50"]


def test_a_plain_service_is_single_stack_ipv4() -> None:
    out = init_ip_family_fields(default_service(svc()))
    assert (out["spec"]["ipFamilyPolicy"], out["spec"]["ipFamilies"]) == ("SingleStack", ["IPv4"])


def test_a_headless_service_with_a_selector_is_single_stack() -> None:
    out = init_ip_family_fields(default_service(svc(clusterIP="None")))
    assert (out["spec"]["ipFamilyPolicy"], out["spec"]["ipFamilies"]) == ("SingleStack", ["IPv4"])


def test_a_headless_selectorless_service_requires_dual_stack_even_on_a_single_stack_cluster() -> (
    None
):
    service = svc(clusterIP="None")
    del service["spec"]["selector"]
    out = init_ip_family_fields(default_service(service))
    assert out["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert out["spec"]["ipFamilies"] == ["IPv4", "IPv6"]


def test_a_headless_selectorless_single_stack_service_keeps_one_family() -> None:
    service = svc(clusterIP="None", ipFamilyPolicy="SingleStack")
    del service["spec"]["selector"]
    assert init_ip_family_fields(default_service(service))["spec"]["ipFamilies"] == ["IPv4"]


def test_external_name_services_get_no_ip_family_fields() -> None:
    out = init_ip_family_fields(default_service(svc(type="ExternalName", externalName="a.b")))
    assert "ipFamilyPolicy" not in out["spec"]
    assert "ipFamilies" not in out["spec"]


def test_an_update_without_policy_keeps_the_stored_policy() -> None:
    old = init_ip_family_fields(default_service(svc(ipFamilyPolicy="PreferDualStack")))
    out = init_ip_family_fields(default_service(svc()), old=old)
    assert out["spec"]["ipFamilyPolicy"] == "PreferDualStack"


def test_require_dual_stack_is_refused_on_a_single_stack_cluster() -> None:
    with pytest.raises(ValidationFailed) as caught:
        init_ip_family_fields(default_service(svc(ipFamilyPolicy="RequireDualStack")))
    assert str(caught.value) == (
        'Service "web" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": '
        "this cluster is not configured for dual-stack services"
    )


def test_an_ipv6_family_is_refused_on_an_ipv4_cluster() -> None:
    with pytest.raises(ValidationFailed) as caught:
        init_ip_family_fields(default_service(svc(ipFamilies=["IPv6"])))
    assert str(caught.value) == (
        'Service "web" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured '
        "on this cluster"
    )


def test_an_ipv6_cluster_ip_is_refused_on_an_ipv4_cluster() -> None:
    with pytest.raises(ValidationFailed) as caught:
        init_ip_family_fields(default_service(svc(clusterIP="fd00::10")))
    assert str(caught.value) == (
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"fd00::10"}: '
        "IPv6 is not configured on this cluster"
    )


def test_two_families_with_single_stack_are_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        init_ip_family_fields(
            default_service(svc(ipFamilyPolicy="SingleStack", ipFamilies=["IPv4", "IPv6"]))
        )
    assert str(caught.value) == (
        'Service "web" is invalid: spec.ipFamilyPolicy: Invalid value: "SingleStack": must be '
        "'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"
    )


def test_a_malformed_cluster_ip_is_refused_by_the_registry_before_validation() -> None:
    with pytest.raises(ValidationFailed) as caught:
        init_ip_family_fields(default_service(svc(clusterIP="10.96.0.300")))
    assert str(caught.value) == (
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a '
        "valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
    )


def test_an_update_that_changes_cluster_ip_rewrites_cluster_ips_to_match() -> None:
    old = {"spec": {"clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5"]}}
    new: Manifest = {"spec": {"clusterIP": "10.96.0.6", "clusterIPs": ["10.96.0.5"]}}
    normalize_cluster_ips(new, old)
    assert new["spec"]["clusterIPs"] == ["10.96.0.6"]


def test_an_update_that_clears_cluster_ip_clears_cluster_ips() -> None:
    old = {"spec": {"clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5"]}}
    new: Manifest = {"spec": {"clusterIPs": ["10.96.0.5"]}}
    normalize_cluster_ips(new, old)
    assert "clusterIPs" not in new["spec"]


def test_an_update_that_omits_cluster_ips_keeps_the_stored_ones() -> None:
    old = {"spec": {"clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5"]}}
    new: Manifest = {"spec": {"clusterIP": "10.96.0.5"}}
    normalize_cluster_ips(new, old)
    assert new["spec"]["clusterIPs"] == ["10.96.0.5"]


# --- Pods, Deployments, Nodes, EndpointSlices ----------------------------------------------


def pod(*containers: Manifest, **spec: Any) -> Manifest:
    return {"metadata": {"name": "p"}, "spec": {"containers": list(containers), **spec}}


def test_pod_spec_defaults_are_the_visible_ones() -> None:
    spec = default_pod(pod({"name": "c", "image": "nginx:1.27"}))["spec"]
    assert {k: v for k, v in spec.items() if k != "containers"} == {
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
        "schedulerName": "default-scheduler",
        "enableServiceLinks": True,
    }


def test_container_defaults_fill_termination_message_and_resources() -> None:
    container = default_pod(pod({"name": "c", "image": "nginx:1.27"}))["spec"]["containers"][0]
    assert container == {
        "name": "c",
        "image": "nginx:1.27",
        "imagePullPolicy": "IfNotPresent",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "resources": {},
    }


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("registry.local:5000/nginx", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
    ],
)
def test_image_pull_policy_is_always_only_for_latest_or_untagged_images(
    image: str, policy: str
) -> None:
    container = default_pod(pod({"name": "c", "image": image}))["spec"]["containers"][0]
    assert container["imagePullPolicy"] == policy


def test_container_port_protocol_defaults_to_tcp() -> None:
    spec = default_pod(pod({"name": "c", "image": "x:1", "ports": [{"containerPort": 80}]}))
    assert spec["spec"]["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


def test_host_network_pods_get_host_ports_equal_to_container_ports() -> None:
    spec = default_pod(
        pod({"name": "c", "image": "x:1", "ports": [{"containerPort": 80}]}, hostNetwork=True)
    )
    assert spec["spec"]["containers"][0]["ports"][0]["hostPort"] == 80


def test_requests_default_to_limits() -> None:
    container = {"name": "c", "image": "x:1", "resources": {"limits": {"cpu": "500m"}}}
    out = default_pod(pod(container))["spec"]["containers"][0]
    assert out["resources"] == {"limits": {"cpu": "500m"}, "requests": {"cpu": "500m"}}


def test_probe_defaults_fill_periods_thresholds_and_http_path() -> None:
    probe = {"httpGet": {"port": 80}}
    out = default_pod(pod({"name": "c", "image": "x:1", "readinessProbe": probe}))
    assert out["spec"]["containers"][0]["readinessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def test_pod_ip_and_pod_ips_are_kept_in_step() -> None:
    out = default_pod({**pod(), "status": {"podIP": "10.244.1.5"}})
    assert out["status"]["podIPs"] == [{"ip": "10.244.1.5"}]


def test_deployment_defaults_are_the_apps_v1_ones() -> None:
    out = default_deployment({"metadata": {"name": "web"}, "spec": {"template": {"spec": {}}}})
    spec = out["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)


def test_a_recreate_deployment_gets_no_rolling_update_block() -> None:
    out = default_deployment({"spec": {"strategy": {"type": "Recreate"}}})
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_deployment_templates_get_pod_spec_defaults_but_not_pod_only_ones() -> None:
    template = {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    spec = default_deployment({"spec": {"template": template}})["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["containers"][0]["imagePullPolicy"] == "Always"
    assert "enableServiceLinks" not in spec


def test_node_allocatable_defaults_to_capacity() -> None:
    out = default_node({"metadata": {"name": "n"}, "status": {"capacity": {"pods": "110"}}})
    assert out["status"]["allocatable"] == {"pods": "110"}


def test_node_pod_cidr_and_pod_cidrs_are_kept_in_step() -> None:
    out = default_node({"metadata": {"name": "n"}, "spec": {"podCIDR": "10.244.1.0/24"}})
    assert out["spec"]["podCIDRs"] == ["10.244.1.0/24"]


def test_endpoint_ports_default_to_an_empty_name_and_tcp() -> None:
    out = default_endpoint_slice({"ports": [{"port": 80}]})
    assert out["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]


# --- Property: defaulting is idempotent and yields valid Services ---------------------------

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_dns_labels = st.builds(
    lambda head, body: head + body.strip("-"),
    st.sampled_from(_LOWER),
    st.text(_LOWER + _DIGITS + "-", max_size=10),
)
_label_values = st.one_of(
    st.just(""),
    st.builds(
        lambda head, body, tail: head + body + tail,
        st.sampled_from(_LOWER + _DIGITS.upper()),
        st.text(_LOWER + _DIGITS + "-_.", max_size=8),
        st.sampled_from(_LOWER.upper() + _DIGITS),
    ),
)
_port_names = st.builds(
    lambda word, suffix: f"{word}-{suffix}" if suffix else word,
    st.text(_LOWER, min_size=1, max_size=6),
    st.text(_LOWER + _DIGITS, max_size=6),
)


@st.composite
def valid_services(draw: st.DrawFn) -> Manifest:
    """Services a user could send that the API server accepts, before defaulting."""
    kind = draw(st.sampled_from(["", "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]))
    spec: Manifest = {}
    if kind:
        spec["type"] = kind
    if draw(st.booleans()):
        spec["selector"] = draw(st.dictionaries(_dns_labels, _label_values, max_size=3))
    numbers = draw(st.lists(st.integers(1, 65535), min_size=1, max_size=4, unique=True))
    names = draw(st.lists(_port_names, min_size=len(numbers), max_size=len(numbers), unique=True))
    ports: list[Manifest] = []
    node_ports = draw(
        st.lists(
            st.integers(30000, 32767), min_size=len(numbers), max_size=len(numbers), unique=True
        )
    )
    for number, name, node_port in zip(numbers, names, node_ports, strict=True):
        port: Manifest = {"port": number}
        if len(numbers) > 1 or draw(st.booleans()):
            port["name"] = name
        if draw(st.booleans()):
            port["protocol"] = draw(st.sampled_from(["TCP", "UDP", "SCTP"]))
        target = draw(st.one_of(st.none(), st.integers(1, 65535), _port_names))
        if target is not None:
            port["targetPort"] = target
        if kind in ("NodePort", "LoadBalancer") and draw(st.booleans()):
            port["nodePort"] = node_port
        ports.append(port)
    if kind != "ExternalName" or draw(st.booleans()):
        spec["ports"] = ports
    if kind == "ExternalName":
        spec["externalName"] = draw(_dns_labels) + ".example.com"
    elif kind in ("", "ClusterIP") and draw(st.booleans()):
        spec.update(clusterIP="None", clusterIPs=["None"])  # headless, as a new client sends it
    affinity = draw(st.sampled_from([None, "None", "ClientIP"]))
    if affinity is not None:
        spec["sessionAffinity"] = affinity
        if affinity == "ClientIP" and draw(st.booleans()):
            timeout = draw(st.integers(1, 86400))
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": timeout}}
    if kind in ("NodePort", "LoadBalancer"):
        policy = draw(st.sampled_from([None, "Cluster", "Local"]))
        if policy is not None:
            spec["externalTrafficPolicy"] = policy
        if kind == "LoadBalancer" and policy == "Local":
            spec["healthCheckNodePort"] = draw(st.integers(30000, 32767))
    if kind != "ExternalName" and draw(st.booleans()):
        spec["internalTrafficPolicy"] = draw(st.sampled_from(["Cluster", "Local"]))
    return {"metadata": {"name": draw(_dns_labels), "namespace": "default"}, "spec": spec}


@given(valid_services())
def test_defaulting_a_valid_service_twice_changes_nothing(service: Manifest) -> None:
    once = default_service(service)
    assert default_service(once) == once


@given(valid_services())
def test_a_defaulted_valid_service_passes_validation(service: Manifest) -> None:
    assert validate_service(default_service(service)) == []


@given(valid_services())
def test_a_valid_service_with_its_ip_families_passes_validation(service: Manifest) -> None:
    assert validate_service(init_ip_family_fields(default_service(service))) == []
