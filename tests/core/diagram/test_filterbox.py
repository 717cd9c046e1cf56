"""The filter box's little language."""

from __future__ import annotations

from app.core.diagram.filterbox import parse
from app.core.model.objects import Node, Pod, Service, ServicePort

NODE = Node("node-1", "192.168.49.3", "10.244.1.0/24", True, {"topology.kubernetes.io/zone": "a"})
POD = Pod("shop", "web-1", {"app": "web"}, "node-1", "10.244.1.2", False)
SVC = Service("shop", "web", "NodePort", (ServicePort("", "TCP", 80, 8080, 30080),), {"app": "web"})


def test_words_are_anded_and_each_applies_to_its_kinds() -> None:
    flt = parse("app=web ns:shop")
    assert flt.pod(POD, NODE) and flt.service(SVC)
    assert not flt.touches("node")  # nodes hold every namespace: never dimmed by ns:
    assert not parse("app=web ns:prod").pod(POD, NODE)


def test_not_ready_type_node_and_zone() -> None:
    assert parse("not-ready").pod(POD, NODE)
    assert not parse("ready").pod(POD, NODE)
    assert parse("type:nodeport").service(SVC) and not parse("type:ClusterIP").service(SVC)
    assert parse("zone:a").pod(POD, NODE) and parse("node:node-1").node(NODE)
    assert not parse("zone:b").node(NODE)


def test_negation_and_plain_words() -> None:
    assert parse("app!=db").pod(POD, NODE)
    assert not parse("app!=web").service(SVC)
    assert parse("WEB").service(SVC) and not parse("db").pod(POD, NODE)
    assert not parse("").active and parse("x").active
