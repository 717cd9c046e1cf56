"""The issue's big cluster: 200 nodes and 282 Services (60 LoadBalancer, 40 NodePort) in ten
namespaces, each Service backed by a Deployment of two pods, created through the write path
(POST /api/clusters, then one manifest import) so pages and the browser see what a user would.
"""

from __future__ import annotations

from typing import Any

import httpx

NAME = "big"
NODES = 200
SERVICES = 282
LOAD_BALANCERS = 60
NODE_PORTS = 40
NAMESPACES = tuple(f"team-{i}" for i in range(10))


def service_type(i: int) -> str:
    if i < LOAD_BALANCERS:
        return "LoadBalancer"
    return "NodePort" if i < LOAD_BALANCERS + NODE_PORTS else "ClusterIP"


def documents() -> list[dict[str, Any]]:
    """A Deployment and a Service per app, spread over the namespaces."""
    docs: list[dict[str, Any]] = []
    for i in range(SERVICES):
        namespace, app = NAMESPACES[i % len(NAMESPACES)], f"app-{i:03d}"
        labels = {"app": app}
        docs.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": app, "namespace": namespace},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "containers": [
                                {"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}
                            ]
                        },
                    },
                },
            }
        )
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": f"svc-{i:03d}", "namespace": namespace},
                "spec": {
                    "type": service_type(i),
                    "selector": labels,
                    "ports": [{"port": 80, "targetPort": 80}],
                },
            }
        )
    return docs


def create(client: httpx.Client | Any, headers: dict[str, str] | None = None) -> None:
    """Create the cluster with any client that speaks httpx's API (a TestClient too; an
    httpx.Client needs a timeout of a few seconds)."""
    made = client.post("/api/clusters", json={"name": NAME, "nodes": NODES}, headers=headers or {})
    assert made.status_code == 201, made.text
    body = {"apiVersion": "v1", "kind": "List", "items": documents()}
    imported = client.post(f"/api/clusters/{NAME}/manifests", json=body, headers=headers or {})
    assert imported.status_code == 200, imported.text[:2000]
