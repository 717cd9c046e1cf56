"""Clusters at Kubernetes' scalability thresholds, built directly as settled objects.

Going through the write path would schedule 150,000 pods one by one; the benchmarks measure
reading, routing and simulating, so the generator writes what the controllers would have
left: nodes with InternalIPs and podCIDRs, running pods with IPs, Services with ClusterIPs and
nodePorts (k8s/community sig-scalability thresholds: 5,000 nodes, 150,000 pods, 10,000
Services, 250 endpoints per Service).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from app.core.model.objects import ClusterConfig
from app.core.model.workspace import Key, Manifest

CONFIG = ClusterConfig(
    name="scale",
    provider="cloud",
    service_cidr="10.96.0.0/12",
    pod_cidr="10.128.0.0/9",
    node_cidr="172.16.0.0/16",
    control_plane_address="172.16.0.2",
)
STAMP = "2026-01-01T00:00:00Z"


def _ready(kind: str) -> list[dict[str, str]]:
    return [{"type": kind, "status": "True", "lastTransitionTime": STAMP}]


def node(i: int) -> Manifest:
    name = f"node-{i:05d}"
    ip = ipaddress.ip_address("172.16.0.3") + i
    cidr = ipaddress.ip_network("10.128.0.0/9").network_address + (i + 1) * 256
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "uid": f"node-{i}", "creationTimestamp": STAMP,
                     "labels": {"topology.kubernetes.io/zone": f"zone-{'abc'[i % 3]}",
                                "kubernetes.io/hostname": name}},
        "spec": {"podCIDR": f"{cidr}/24", "podCIDRs": [f"{cidr}/24"]},
        "status": {"addresses": [{"type": "InternalIP", "address": str(ip)}],
                   "conditions": _ready("Ready")},
    }  # fmt: skip


def pod(i: int, nodes: int, group: str) -> Manifest:
    node_index = i % nodes
    slot = i // nodes + 2
    base = ipaddress.ip_network("10.128.0.0/9").network_address + (node_index + 1) * 256
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"pod-{i:06d}", "namespace": "default", "uid": f"pod-{i}",
                     "creationTimestamp": STAMP, "labels": {"app": group}},
        "spec": {"nodeName": f"node-{node_index:05d}",
                 "containers": [{"name": "c", "image": "nginx",
                                 "ports": [{"name": "http", "containerPort": 8080}]}]},
        "status": {"phase": "Running", "podIP": str(base + slot),
                   "conditions": _ready("Ready")},
    }  # fmt: skip


def service(i: int, group: str, kind: str = "ClusterIP", node_port: int = 0) -> Manifest:
    ip = ipaddress.ip_address("10.96.16.0") + i
    port: dict[str, Any] = {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}
    spec: dict[str, Any] = {
        "type": kind,
        "selector": {"app": group},
        "ports": [port],
        "clusterIP": str(ip),
        "clusterIPs": [str(ip)],
        "sessionAffinity": "None",
        "internalTrafficPolicy": "Cluster",
    }
    status: dict[str, Any] = {"loadBalancer": {}}
    if kind != "ClusterIP":
        port["nodePort"] = node_port
        spec["externalTrafficPolicy"] = "Cluster"
    if kind == "LoadBalancer":
        spec["allocateLoadBalancerNodePorts"] = True
        status = {"loadBalancer": {"ingress": [{"ip": "198.51.100.10", "ipMode": "VIP"}]}}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"svc-{i:05d}" if i else "web", "namespace": "default",
                     "uid": f"svc-{i}", "creationTimestamp": STAMP},
        "spec": spec,
        "status": status,
    }  # fmt: skip


def generate(
    nodes: int = 5000,
    pods: int = 150_000,
    services: int = 10_000,
    per_service: int = 250,
    stress: int = 5000,
) -> dict[str, dict[Key, Manifest]]:
    """`services` Services over groups of `per_service` pods, Service 0 (`web`) a
    LoadBalancer; plus a `stress` Service backed by `stress` pods of one group."""
    objects: dict[str, dict[Key, Manifest]] = {"Node": {}, "Pod": {}, "Service": {}}
    for i in range(nodes):
        n = node(i)
        objects["Node"][("", n["metadata"]["name"])] = n
    groups = max((pods - stress) // per_service, 1)
    for i in range(pods):
        group = "stress" if i >= pods - stress else f"group-{i % groups}"
        p = pod(i, nodes, group)
        objects["Pod"][("default", p["metadata"]["name"])] = p
    for i in range(services):
        kind, node_port = ("LoadBalancer", 30100) if i == 0 else ("ClusterIP", 0)
        s = service(i, f"group-{i % groups}", kind, node_port)
        objects["Service"][("default", s["metadata"]["name"])] = s
    stress_svc = service(services, "stress")
    stress_svc["metadata"]["name"] = "stress"
    objects["Service"][("default", "stress")] = stress_svc
    return objects
