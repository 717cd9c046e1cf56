"""The selector and pod template rules every apps/v1 workload shares, tested directly.

Upstream: pkg/apis/apps/validation/validation.go (ValidatePodTemplateSpecForReplicaSet and the
selector checks of ValidateDeploymentSpec, ValidateReplicaSetSpec, ValidateStatefulSetSpec and
ValidateDaemonSetSpec).
"""

from __future__ import annotations

from typing import Any

from app.core.apiserver.defaults import default_pod_template
from app.core.apiserver.validation.workloads import (
    validate_replica_set_pod_template,
    validate_selector_and_template,
)

Manifest = dict[str, Any]
WEB = {"matchLabels": {"app": "web"}}
MISMATCH = "`selector` does not match template `labels`"


def spec(selector: Manifest | None, **pod_spec: Any) -> Manifest:
    """A defaulted workload spec whose template is labelled app=web."""
    body: Manifest = {
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}], **pod_spec},
        }
    }
    if selector is not None:
        body["selector"] = selector
    default_pod_template(body)
    return body


def errors_of(body: Manifest, what: str) -> list[str]:
    return [str(e) for e in validate_selector_and_template(body, what)]


def test_a_matching_selector_and_template_have_no_errors() -> None:
    assert errors_of(spec(WEB), "daemonset") == []


def test_the_empty_selector_message_names_the_kind_it_is_given() -> None:
    (error,) = errors_of(spec({}), "daemonset")
    assert error.endswith(": empty selector is invalid for daemonset")
    (error,) = errors_of(spec({}), "deployment")
    assert error.endswith(": empty selector is invalid for deployment")


def test_an_unparsable_selector_has_no_detail_only_for_a_statefulset() -> None:
    selector = {"matchExpressions": [{"key": "app", "operator": "Maybe", "values": ["web"]}]}
    statefulset = errors_of(spec(selector, restartPolicy="Never"), "statefulset")
    daemonset = errors_of(spec(selector, restartPolicy="Never"), "daemonset")
    # The template (restartPolicy Never) is not validated once the selector fails to parse.
    assert statefulset[-1].endswith("}}}")  # no ": detail" after the value
    assert daemonset[-1].endswith("}: invalid label selector")
    assert not any("restartPolicy" in e for e in statefulset + daemonset)


def test_the_template_is_checked_at_the_path_given() -> None:
    template = spec({"matchLabels": {"app": "api"}}, restartPolicy="Never")["template"]
    errors = [str(e) for e in validate_replica_set_pod_template(template, WEB, "spec.x")]
    assert errors == [
        'spec.x.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'
    ]
    errors = [
        str(e)
        for e in validate_replica_set_pod_template(template, {"matchLabels": {"app": "api"}}, "t")
    ]
    assert (
        errors[0]
        == f't.metadata.labels: Invalid value: map[string]string{{"app":"web"}}: {MISMATCH}'
    )


def test_a_nil_selector_matches_no_template() -> None:
    template = spec(None)["template"]
    (error,) = [str(e) for e in validate_replica_set_pod_template(template, None, "t")]
    assert error.endswith(MISMATCH)
