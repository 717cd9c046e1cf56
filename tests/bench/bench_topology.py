"""How long the server takes to draw the topology of a big cluster, and how big the page gets.

Clusters of 3, 100, 1,000 and 5,000 nodes are generated with 30 pods per node and two Services
per node — at 5,000 nodes that is Kubernetes' published scalability limit (150,000 pods,
10,000 Services). Each is laid out (app/core/layout.py) and its diagram rendered by the page's
own template; the issue's budget is 2 s of server time at the largest size.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

from jinja2_fragments import render_block

from app.core.diagram.layout import LayoutOptions, layout
from app.core.model.objects import (
    ClusterConfig,
    ClusterState,
    ContainerPort,
    Node,
    Pod,
    Service,
    ServicePort,
)
from app.web.views import LAYER_NAMES, View, templates

SIZES = (3, 100, 200, 1_000, 5_000)
"""200: the issue's big classroom cluster (200 nodes, ~280 Services drawn 30 at a time)."""
PODS_PER_NODE = 30
SERVICES_PER_NODE = 2
PODS_PER_APP = 15
ZONES = ("zone-a", "zone-b", "zone-c")
BUDGET_SECONDS = 2.0
T = TypeVar("T")


def generated_cluster(nodes: int) -> ClusterState:
    """Nodes in three zones; apps of 15 pods spread round-robin; every Service selects one app."""
    node_list = tuple(
        Node(
            name=f"node-{i + 1}",
            internal_ip=f"10.{(i + 1) // 65536}.{(i + 1) // 256 % 256}.{(i + 1) % 256}",
            pod_cidr=f"100.{i // 256}.{i % 256}.0/24",
            ready=True,
            labels={"topology.kubernetes.io/zone": ZONES[i % 3]},
        )
        for i in range(nodes)
    )
    pods = []
    total = nodes * PODS_PER_NODE
    for i in range(total):
        app = i // PODS_PER_APP
        node = i % nodes
        pods.append(
            Pod(
                namespace=f"team-{app % 50}",
                name=f"app-{app}-{i % PODS_PER_APP}",
                labels={"app": f"app-{app}"},
                node_name=node_list[node].name,
                pod_ip=f"100.{node // 256}.{node % 256}.{i // nodes + 2}",
                ready=i % 97 != 0,
                container_ports=(ContainerPort("http", 8080, "TCP"),),
            )
        )
    services = []
    for i in range(nodes * SERVICES_PER_NODE):
        app = i % (total // PODS_PER_APP)
        kind = "LoadBalancer" if i % 10 == 0 else "NodePort" if i % 10 < 3 else "ClusterIP"
        node_port = 30000 + i if kind != "ClusterIP" and i < 2768 else None
        services.append(
            Service(
                namespace=f"team-{app % 50}",
                name=f"svc-{i}",
                type=kind if node_port or kind == "ClusterIP" else "ClusterIP",
                ports=(ServicePort("http", "TCP", 80, "http", node_port),),
                selector={"app": f"app-{app}"},
                cluster_ip=f"10.{96 + i // 65536}.{i // 256 % 256}.{i % 256 + 1}",
                external_traffic_policy="Cluster" if node_port else "",
                load_balancer_ingress=(f"198.51.{i // 256 % 256}.{i % 256}",)
                if kind == "LoadBalancer" and node_port
                else (),
            )
        )
    return ClusterState(
        config=ClusterConfig(name=f"bench-{nodes}"),
        nodes=node_list,
        pods=tuple(pods),
        services=tuple(services),
    )


def timed(run: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def render(state: ClusterState) -> tuple[str, float, float]:
    view = View()
    drawn, layout_s = timed(lambda: layout(state, LayoutOptions()))
    context: dict[str, Any] = {
        "cluster": {"name": state.config.name},
        "view": view,
        "layout": drawn,
        "layer_names": LAYER_NAMES,
    }
    html, render_s = timed(
        lambda: render_block(templates.env, "pages/topology.html", "diagram", context)
    )
    return html, layout_s, render_s


def main() -> None:
    """Measure in a fresh interpreter: a benchmark run before this one may still hold a
    150,000-pod cluster, and the garbage collector scanning it would be timed as ours."""
    subprocess.run([sys.executable, "-m", "tests.bench.bench_topology"], check=True)


def run() -> None:
    print("topology: server time to lay out and render the diagram (budget 2 s)")
    columns = ("nodes", "pods", "Services", "layout", "render", "total", "HTML")
    print(f"{columns[0]:>7} " + " ".join(f"{c:>9}" for c in columns[1:]))
    for nodes in SIZES:
        state = generated_cluster(nodes)
        html, layout_s, render_s = render(state)
        total = layout_s + render_s
        flag = "" if total <= BUDGET_SECONDS else "  OVER BUDGET"
        print(
            f"{nodes:>7,} {len(state.pods):>9,} {len(state.services):>9,} "
            f"{layout_s * 1000:>7.0f}ms {render_s * 1000:>7.0f}ms {total * 1000:>7.0f}ms "
            f"{len(html.encode()) / 1024:>7.0f}KB{flag}"
        )


if __name__ == "__main__":
    run()
