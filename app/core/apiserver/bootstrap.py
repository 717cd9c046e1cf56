"""What `kubeadm init` plus joined workers leave in a new cluster, and the demo clusters.

Every cluster gets the system namespaces (each with its `default` ServiceAccount),
`default/kubernetes` (index 1 of the service range, 443 `https` → the control
plane's :6443) and `kube-system/kube-dns` (index 10, kubeadm's DefaultClusterDNSIP) backed by a
two-replica CoreDNS Deployment, so `kubectl get svc -A` looks as it does on a real cluster. All
objects go through the same write path as user requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core.apiserver import namespaces
from app.core.apiserver import writes as apiserver
from app.core.apiserver.allocation import indexed_ip
from app.core.model.workspace import Manifest, Workspace

ZONES = ("zone-a", "zone-b", "zone-c")


def worker_node(name: str, zone: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "topology.kubernetes.io/zone": zone,
                "topology.kubernetes.io/region": "region-1",
            },
        },
    }


def kubernetes_service(ws: Workspace) -> Manifest:
    ip = indexed_ip(ws.config.service_cidr, 1)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": ip,
            "clusterIPs": [ip],
            "ports": [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": 6443}],
            "sessionAffinity": "None",
        },
    }


def kube_dns_service(ws: Workspace) -> Manifest:
    ip = indexed_ip(ws.config.service_cidr, 10)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kube-dns",
            "namespace": "kube-system",
            "labels": {
                "k8s-app": "kube-dns",
                "kubernetes.io/cluster-service": "true",
                "kubernetes.io/name": "CoreDNS",
            },
            "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
        },
        "spec": {
            "clusterIP": ip,
            "clusterIPs": [ip],
            "selector": {"k8s-app": "kube-dns"},
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
            ],
        },
    }


def deployment(
    name: str,
    namespace: str,
    replicas: int,
    labels: dict[str, str],
    image: str,
    ports: list[dict[str, Any]],
) -> Manifest:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [{"name": name, "image": image, "ports": ports}]},
            },
        },
    }


def coredns_deployment() -> Manifest:
    return deployment(
        "coredns",
        "kube-system",
        2,
        {"k8s-app": "kube-dns"},
        "registry.k8s.io/coredns/coredns:v1.12.0",
        [
            {"name": "dns", "containerPort": 53, "protocol": "UDP"},
            {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 9153, "protocol": "TCP"},
        ],
    )


def bootstrap(ws: Workspace, nodes: int, progress: Callable[[int], None] | None = None) -> None:
    """Create the worker nodes and the kubeadm system Services in an empty cluster.

    `progress(n)` counts nodes, for a progress bar on a big cluster."""
    system_namespaces(ws)
    for i in range(nodes):
        apiserver.create(ws, "Node", worker_node(f"node-{i + 1}", ZONES[i % len(ZONES)]))
        if progress is not None:
            progress(1)
    apiserver.create(ws, "Service", kubernetes_service(ws), "default")
    apiserver.create(ws, "Deployment", coredns_deployment(), "kube-system")
    apiserver.create(ws, "Service", kube_dns_service(ws), "kube-system")


def system_namespaces(ws: Workspace) -> None:
    """default, kube-system, kube-public and kube-node-lease (kube-apiserver's system
    namespaces controller), each with its `default` ServiceAccount."""
    for name in namespaces.SYSTEM:
        if not ws.exists("Namespace", "", name):
            apiserver.create(ws, "Namespace", namespaces.namespace_manifest(name), "")


# --- the classic teaching case ----------------------------------------------------------
def demo_objects(*, with_backend: bool = True) -> list[Manifest]:
    """frontend (NodePort 30080) and web (LoadBalancer) in front of 3 pods; backend behind a
    ClusterIP. Ports: the frontend listens on 8080 (named `http`), the backend on 9090."""
    objects: list[Manifest] = [
        deployment(
            "frontend",
            "default",
            3,
            {"app": "frontend"},
            "nginx:1.27",
            [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        ),
        _service("frontend", "NodePort", {"app": "frontend"}, 80, 8080, node_port=30080),
        _service("web", "LoadBalancer", {"app": "frontend"}, 80, "http"),
    ]
    if with_backend:
        objects += [
            deployment(
                "backend",
                "default",
                4,
                {"app": "backend"},
                "ghcr.io/svcscope/echo:1.0",
                [{"name": "api", "containerPort": 9090, "protocol": "TCP"}],
            ),
            _service("backend", "ClusterIP", {"app": "backend"}, 80, 9090),
        ]
    return objects


def _service(
    name: str,
    kind: str,
    selector: dict[str, str],
    port: int,
    target: int | str,
    node_port: int | None = None,
) -> Manifest:
    spec_port: dict[str, Any] = {"name": "http", "port": port, "targetPort": target}
    if node_port:
        spec_port["nodePort"] = node_port
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
        "spec": {"type": kind, "selector": selector, "ports": [spec_port]},
    }


DEMO_CLUSTERS: dict[str, dict[str, Any]] = {
    "demo": {"provider": "cloud", "nodes": 3, "backend": True},
    "bare-metal": {"provider": "none", "nodes": 2, "backend": False},
}
