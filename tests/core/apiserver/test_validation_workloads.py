"""Pod, Node, Deployment and EndpointSlice validation, message by message.

Upstream: pkg/apis/core/validation/validation.go, pkg/apis/apps/validation/validation.go,
pkg/apis/discovery/validation/validation.go. Objects are defaulted first, as the API server
does before it validates.
"""

from __future__ import annotations

from typing import Any

from app.core.apiserver.defaults import default_deployment, default_node, default_pod
from app.core.apiserver.validation.services import (
    validate_deployment,
    validate_endpoint_slice,
    validate_node,
    validate_pod,
)

Manifest = dict[str, Any]

# apimachinery util/validation/validation.go: IsValidPortNum -> InclusiveRangeError(1, 65535).
PORT_RANGE = "must be between 1 and 65535, inclusive"
# apimachinery util/validation/validation.go: dns1123SubdomainErrorMsg + RegexError
# (IsDNS1123Subdomain).
SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
# pkg/apis/apps/validation/validation.go ValidateDeploymentSpec (template labels vs selector).
LABELS = 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}'
MISMATCH = "`selector` does not match template `labels`"


def pod(*containers: Manifest, **spec: Any) -> Manifest:
    containers = containers or ({"name": "web", "image": "nginx:1.27"},)
    return default_pod(
        {
            "metadata": {"name": "web-1", "namespace": "default", "labels": {"app": "web"}},
            "spec": {"containers": list(containers), **spec},
        }
    )


def pod_errors(p: Manifest) -> list[str]:
    return [str(e) for e in validate_pod(p)]


def test_a_defaulted_pod_is_valid() -> None:
    assert pod_errors(pod()) == []


def test_a_pod_needs_a_namespace() -> None:
    p = pod()
    del p["metadata"]["namespace"]
    assert pod_errors(p) == ["metadata.namespace: Required value"]


def test_a_pod_name_must_be_a_dns_subdomain() -> None:
    p = pod()
    p["metadata"]["name"] = "Web_1"
    assert pod_errors(p) == [f'metadata.name: Invalid value: "Web_1": {SUBDOMAIN}']


def test_a_pod_needs_containers() -> None:
    assert pod_errors(default_pod({"metadata": {"name": "p", "namespace": "d"}})) == [
        "spec.containers: Required value"
    ]


def test_a_container_needs_a_name_and_an_image() -> None:
    assert pod_errors(pod({})) == [
        "spec.containers[0].name: Required value",
        "spec.containers[0].image: Required value",
    ]


def test_container_names_are_unique() -> None:
    same = {"name": "c", "image": "x:1"}
    assert pod_errors(pod(same, dict(same))) == ['spec.containers[1].name: Duplicate value: "c"']


def test_a_container_port_is_required_and_in_range() -> None:
    c = {"name": "c", "image": "x:1", "ports": [{"name": "a"}, {"containerPort": 70000}]}
    assert pod_errors(pod(c)) == [
        "spec.containers[0].ports[0].containerPort: Required value",
        f"spec.containers[0].ports[1].containerPort: Invalid value: 70000: {PORT_RANGE}",
    ]


def test_container_port_names_are_iana_service_names() -> None:
    ports = [
        {"name": "HTTP", "containerPort": 80},
        {"name": "a-very-long-name1", "containerPort": 81},
    ]
    assert pod_errors(pod({"name": "c", "image": "x:1", "ports": ports})) == [
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only '
        "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain at least one '
        "letter (a-z)",
        'spec.containers[0].ports[1].name: Invalid value: "a-very-long-name1": must be no more '
        "than 15 characters",
    ]


def test_container_port_names_are_unique_within_a_container() -> None:
    ports = [{"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 81}]
    assert pod_errors(pod({"name": "c", "image": "x:1", "ports": ports})) == [
        'spec.containers[0].ports[1].name: Duplicate value: "http"'
    ]


def test_an_unknown_container_port_protocol_is_unsupported() -> None:
    ports = [{"containerPort": 80, "protocol": "HTTP"}]
    assert pod_errors(pod({"name": "c", "image": "x:1", "ports": ports})) == [
        'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: '
        '"SCTP", "TCP", "UDP"'
    ]


def test_one_host_port_cannot_be_taken_twice() -> None:
    first = {"name": "a", "image": "x:1", "ports": [{"containerPort": 80, "hostPort": 8080}]}
    second = {"name": "b", "image": "x:1", "ports": [{"containerPort": 81, "hostPort": 8080}]}
    assert pod_errors(pod(first, second)) == [
        'spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'
    ]


def test_host_network_pods_must_use_host_port_equal_to_container_port() -> None:
    c = {"name": "c", "image": "x:1", "ports": [{"containerPort": 80, "hostPort": 8080}]}
    assert pod_errors(pod(c, hostNetwork=True)) == [
        "spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` "
        "when `hostNetwork` is true"
    ]


def test_restart_policy_values_are_listed_in_upstream_order() -> None:
    assert pod_errors(pod(restartPolicy="Sometimes")) == [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
        '"OnFailure", "Never"'
    ]


def test_dns_policy_values_are_listed_in_upstream_order() -> None:
    assert pod_errors(pod(dnsPolicy="Nearest")) == [
        'spec.dnsPolicy: Unsupported value: "Nearest": supported values: '
        '"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'
    ]


def test_dns_policy_none_needs_a_dns_config() -> None:
    assert pod_errors(pod(dnsPolicy="None")) == [
        "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"
    ]


def test_node_name_must_be_a_dns_subdomain() -> None:
    assert pod_errors(pod(nodeName="Node_1")) == [
        f'spec.nodeName: Invalid value: "Node_1": {SUBDOMAIN}'
    ]


def test_hostname_and_subdomain_are_dns_labels() -> None:
    assert pod_errors(pod(hostname="a.b")) == [
        'spec.hostname: Invalid value: "a.b": must not contain dots'
    ]


def test_a_pod_image_may_not_have_surrounding_whitespace() -> None:
    assert pod_errors(pod({"name": "c", "image": "nginx "})) == [
        'spec.containers[0].image: Invalid value: "nginx ": must not have leading or trailing '
        "whitespace"
    ]


def test_init_containers_may_not_reuse_a_container_name() -> None:
    p = pod(initContainers=[{"name": "web", "image": "busybox:1"}])
    assert pod_errors(p) == ['spec.initContainers[0].name: Duplicate value: "web"']


def test_pod_ips_must_be_ips() -> None:
    p = pod()
    p["status"] = {"podIP": "10.244.1.300"}
    assert pod_errors(default_pod(p)) == [
        'status.podIPs[0]: Invalid value: "10.244.1.300": must be a valid IP address, (e.g. '
        "10.9.8.7 or 2001:db8::ffff)"
    ]


def test_pod_labels_use_label_syntax() -> None:
    p = pod()
    p["metadata"]["labels"] = {"app": "web!"}
    assert pod_errors(p) == [
        'metadata.labels: Invalid value: "web!": a valid label must be an empty string or '
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
        "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    ]


# --- Nodes ---------------------------------------------------------------------------------


def node(**spec: Any) -> Manifest:
    return default_node({"metadata": {"name": "node-1"}, "spec": spec})


def node_errors(n: Manifest) -> list[str]:
    return [str(e) for e in validate_node(n)]


def test_a_node_is_valid_without_a_spec() -> None:
    assert node_errors(node()) == []


def test_a_node_may_not_have_a_namespace() -> None:
    n = node()
    n["metadata"]["namespace"] = "default"
    assert node_errors(n) == ["metadata.namespace: Forbidden: not allowed on this type"]


def test_taint_effects_are_required_and_listed_in_upstream_order() -> None:
    n = node(taints=[{"key": "a"}, {"key": "b", "effect": "Sometimes"}])
    assert node_errors(n) == [
        "metadata.taints[0].effect: Required value",
        'metadata.taints[1].effect: Unsupported value: "Sometimes": supported values: '
        '"NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]


def test_a_repeated_taint_is_a_duplicate_with_a_detail() -> None:
    taint = {"key": "k", "value": "v", "effect": "NoSchedule"}
    assert node_errors(node(taints=[taint, dict(taint)])) == [
        'metadata.taints[1]: Duplicate value: core.Taint{Key:"k", Value:"v", Effect:"NoSchedule", '
        "TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair"
    ]


def test_pod_cidrs_must_be_cidrs() -> None:
    assert node_errors(node(podCIDR="10.244.1.0/33")) == [
        'spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": must be a valid CIDR value, (e.g. '
        "10.9.8.0/24 or 2001:db8::/64)"
    ]


def test_two_pod_cidrs_of_one_family_are_refused() -> None:
    assert node_errors(node(podCIDRs=["10.244.1.0/24", "10.244.2.0/24"])) == [
        'spec.podCIDRs: Invalid value: []string{"10.244.1.0/24", "10.244.2.0/24"}: '
        "may specify no more than one CIDR for each IP family"
    ]


# --- Deployments ---------------------------------------------------------------------------


def deployment(selector: Manifest | None = None, labels: Any = None, **spec: Any) -> Manifest:
    body: Manifest = {
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "web"} if labels is None else labels},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
            **spec,
        },
    }
    if selector is not None:
        body["spec"]["selector"] = selector
    if labels is False:
        del body["spec"]["template"]["metadata"]["labels"]
    return default_deployment(body)


def deployment_errors(d: Manifest) -> list[str]:
    return [str(e) for e in validate_deployment(d)]


WEB = {"matchLabels": {"app": "web"}}


def test_a_defaulted_deployment_is_valid() -> None:
    assert deployment_errors(deployment(WEB)) == []


def test_negative_replicas_are_refused() -> None:
    assert deployment_errors(deployment(WEB, replicas=-1)) == [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    ]


def test_a_missing_selector_matches_no_template() -> None:
    assert deployment_errors(deployment()) == [
        "spec.selector: Required value",
        f"{LABELS}: {MISMATCH}",
    ]


def test_a_selector_must_match_the_template_labels() -> None:
    assert deployment_errors(deployment({"matchLabels": {"app": "api"}})) == [
        f"{LABELS}: {MISMATCH}"
    ]


def test_a_template_without_labels_is_printed_as_null() -> None:
    assert deployment_errors(deployment(WEB, labels=False)) == [
        f"spec.template.metadata.labels: Invalid value: map[string]string(nil): {MISMATCH}"
    ]


def test_match_expressions_count_when_matching_the_template() -> None:
    selector = {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}
    assert deployment_errors(deployment(selector)) == []
    selector = {"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}
    assert deployment_errors(deployment(selector)) == [f"{LABELS}: {MISMATCH}"]


def test_an_empty_selector_is_invalid_for_a_deployment() -> None:
    assert deployment_errors(deployment({})) == [
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
        "deployment"
    ]


def test_an_unparsable_selector_skips_the_template_checks() -> None:
    selector = {"matchExpressions": [{"key": "app", "operator": "Maybe", "values": ["web"]}]}
    d = deployment(selector)
    d["spec"]["template"]["spec"]["containers"] = []
    assert deployment_errors(d) == [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Maybe": not a valid '
        "selector operator",
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        "MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"
        '"app", Operator:"Maybe", Values:[]string{"web"}}}}: invalid label selector',
    ]


def test_in_selectors_need_values() -> None:
    selector = {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "t", "operator": "In"}]}
    assert deployment_errors(deployment(selector))[0] == (
        "spec.selector.matchExpressions[0].values: Required value: must be specified when "
        "`operator` is 'In' or 'NotIn'"
    )


def test_a_deployment_template_must_restart_always() -> None:
    d = deployment(WEB)
    d["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert deployment_errors(d) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'
    ]


def test_template_containers_are_validated_under_the_template_path() -> None:
    d = deployment(WEB)
    del d["spec"]["template"]["spec"]["containers"][0]["image"]
    assert deployment_errors(d) == ["spec.template.spec.containers[0].image: Required value"]


def test_template_labels_are_reported_without_metadata_in_the_path() -> None:
    selector = {"matchLabels": {"app": "web"}}
    errors = deployment_errors(deployment(selector, labels={"app": "web", "bad key": "x"}))
    assert errors == [
        'spec.template.labels: Invalid value: "bad key": name part must consist of '
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    ]


def test_max_surge_and_max_unavailable_may_not_both_be_zero() -> None:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}
    assert deployment_errors(deployment(WEB, strategy=strategy)) == [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when '
        "`maxSurge` is 0"
    ]


def test_max_unavailable_may_not_exceed_a_hundred_percent() -> None:
    strategy = {"rollingUpdate": {"maxUnavailable": "150%"}}
    assert deployment_errors(deployment(WEB, strategy=strategy)) == [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be '
        "greater than 100%"
    ]


def test_max_surge_must_be_a_number_or_a_percentage() -> None:
    strategy = {"rollingUpdate": {"maxSurge": "abc"}}
    assert deployment_errors(deployment(WEB, strategy=strategy)) == [
        'spec.strategy.rollingUpdate.maxSurge: Invalid value: "abc": a valid percent string '
        "must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used "
        "for validation is '[0-9]+%')"
    ]


def test_recreate_deployments_may_not_carry_rolling_update_settings() -> None:
    strategy = {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}
    assert deployment_errors(deployment(WEB, strategy=strategy)) == [
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is "
        "'Recreate'"
    ]


def test_progress_deadline_must_exceed_min_ready_seconds() -> None:
    d = deployment(WEB, minReadySeconds=10, progressDeadlineSeconds=10)
    assert deployment_errors(d) == [
        "spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds"
    ]


# --- EndpointSlices ------------------------------------------------------------------------


def endpoint_slice(*addresses: str, address_type: str = "IPv4", **fields: Any) -> Manifest:
    return {
        "metadata": {"name": "web-abc12", "namespace": "default"},
        "addressType": address_type,
        "endpoints": [{"addresses": list(addresses)}] if addresses else [],
        **fields,
    }


def slice_errors(s: Manifest) -> list[str]:
    return [str(e) for e in validate_endpoint_slice(s)]


def test_a_plain_endpoint_slice_is_valid() -> None:
    s = endpoint_slice("10.244.1.5", ports=[{"name": "http", "port": 80}])
    assert slice_errors(s) == []


def test_an_endpoint_slice_needs_an_address_type() -> None:
    assert slice_errors(endpoint_slice(address_type="")) == ["addressType: Required value"]


def test_the_deprecated_ip_address_type_is_not_accepted_on_create() -> None:
    assert slice_errors(endpoint_slice(address_type="IP")) == [
        'addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"'
    ]


def test_an_endpoint_needs_an_address() -> None:
    s = endpoint_slice()
    s["endpoints"] = [{"addresses": []}]
    assert slice_errors(s) == [
        "endpoints[0].addresses: Required value: must contain at least 1 address"
    ]


def test_an_ipv6_address_in_an_ipv4_slice_is_invalid() -> None:
    assert slice_errors(endpoint_slice("fd00::1")) == [
        'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'
    ]


def test_a_garbage_address_fails_both_address_checks() -> None:
    assert slice_errors(endpoint_slice("pod-a")) == [
        'endpoints[0].addresses[0]: Invalid value: "pod-a": must be a valid IPv4 address',
        'endpoints[0].addresses[0]: Invalid value: "pod-a": must be a valid IP address',
    ]


def test_a_loopback_endpoint_is_refused() -> None:
    assert slice_errors(endpoint_slice("127.0.0.1")) == [
        'endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback '
        "range (127.0.0.0/8, ::1/128)"
    ]


def test_fqdn_endpoints_need_two_labels() -> None:
    assert slice_errors(endpoint_slice("single", address_type="FQDN")) == [
        'endpoints[0].addresses[0]: Invalid value: "single": should be a domain with at least '
        "two segments separated by dots"
    ]


def test_two_unnamed_endpoint_ports_are_duplicates() -> None:
    s = endpoint_slice("10.244.1.5", ports=[{"port": 80}, {"port": 81}])
    assert slice_errors(s) == ['ports[1].name: Duplicate value: ""']


def test_an_unknown_endpoint_port_protocol_is_unsupported() -> None:
    s = endpoint_slice("10.244.1.5", ports=[{"port": 80, "protocol": "HTTP"}])
    assert slice_errors(s) == [
        'ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'
    ]


def test_an_endpoint_hostname_is_a_dns_label() -> None:
    s = endpoint_slice()
    s["endpoints"] = [{"addresses": ["10.244.1.5"], "hostname": "web.0"}]
    assert slice_errors(s) == [
        'endpoints[0].hostname: Invalid value: "web.0": must not contain dots'
    ]
