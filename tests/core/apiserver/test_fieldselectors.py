"""Field selectors per resource, with upstream's texts for unsupported labels."""

from __future__ import annotations

import pytest

from app.core.apiserver import fieldselectors
from app.core.model.selectors import SelectorError

POD = {
    "kind": "Pod",
    "metadata": {"name": "web-1", "namespace": "shop"},
    "spec": {"nodeName": "node-1"},
    "status": {"phase": "Running", "podIP": "10.244.1.5"},
}


def test_pods_select_on_node_phase_ip_and_defaulted_fields() -> None:
    assert fieldselectors.matches("pods", POD, "spec.nodeName=node-1,status.phase=Running")
    assert not fieldselectors.matches("pods", POD, "spec.nodeName=node-2")
    assert fieldselectors.matches("pods", POD, "spec.nodeName!=node-2")
    assert fieldselectors.matches("pods", POD, "status.podIP==10.244.1.5")
    assert fieldselectors.matches("pods", POD, "spec.restartPolicy=Always")
    assert fieldselectors.matches("pods", POD, "spec.schedulerName=default-scheduler")


def test_nodes_select_on_unschedulable() -> None:
    node = {"metadata": {"name": "node-1"}, "spec": {"unschedulable": True}}
    assert fieldselectors.matches("nodes", node, "spec.unschedulable=true")
    assert fieldselectors.matches("nodes", {"metadata": {}}, "spec.unschedulable=false")


def test_an_unsupported_label_is_refused_with_upstreams_text() -> None:
    with pytest.raises(SelectorError, match=r"^field label not supported: spec\.foo$"):
        fieldselectors.check("pods", "spec.foo=x")
    with pytest.raises(SelectorError, match=r"^field label not supported: metadata\.namespace$"):
        fieldselectors.check("nodes", "metadata.namespace=x")
    message = (
        '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )
    with pytest.raises(SelectorError) as refused:
        fieldselectors.check("deployments", "spec.replicas=3")
    assert str(refused.value) == message


def test_events_select_on_the_involved_object() -> None:
    event = {
        "metadata": {"name": "e", "namespace": "default"},
        "involvedObject": {"kind": "Service", "name": "web"},
    }
    fieldselectors.check("events", "involvedObject.kind=Service,involvedObject.name=web")
    assert fieldselectors.matches(
        "events", event, "involvedObject.kind=Service,involvedObject.name=web"
    )
    assert not fieldselectors.matches("events", event, "involvedObject.name=api")


def test_a_term_without_an_operator_does_not_parse() -> None:
    with pytest.raises(SelectorError, match=r"can't understand 'spec\.nodeName'"):
        fieldselectors.parse("spec.nodeName")
