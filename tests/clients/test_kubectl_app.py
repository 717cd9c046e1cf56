"""An application of our own (tests/clients/shop-app.yaml: 31 objects, every kind issue 14
lists) driven by the real kubectl the way a user would: a plain `kubectl apply -f` with
client-side validation on, `get` and `describe`, routes through it (a StatefulSet pod's own
DNS name included), a re-apply that changes nothing, and a clean delete."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.clients.test_kubectl import Kubectl
from tests.clients.test_kubectl_kept import wait_until_gone
from tests.server import Server

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed"),
]
APP = Path(__file__).with_name("shop-app.yaml")


def _route(server: Server, source: dict[str, str], destination: str) -> dict[str, Any]:
    body = {"source": source, "destination": destination}
    response = httpx.post(f"{server.url}/api/clusters/demo/route", json=body, timeout=30)
    assert response.status_code == 200, response.text
    path: dict[str, Any] = response.json()
    return path


def test_a_thirty_object_application_applies_routes_and_deletes(tmp_path: Path) -> None:
    documents = list(yaml.safe_load_all(APP.read_text()))
    kinds = {d["kind"] for d in documents}
    assert len(documents) >= 30
    assert kinds >= {
        "Namespace", "ServiceAccount", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
        "ConfigMap", "Secret", "Ingress", "HorizontalPodAutoscaler", "PersistentVolumeClaim",
        "StorageClass", "NetworkPolicy", "Service",
    }  # fmt: skip
    server = Server(tmp_path / "svcscope.db").start()
    try:
        kubectl = Kubectl(server, tmp_path / "kube")
        applied = kubectl("apply", "-f", str(APP)).stdout.splitlines()
        assert len(applied) == len(documents), applied
        assert all(line.endswith(" created") for line in applied), applied
        again = kubectl("apply", "-f", str(APP)).stdout.splitlines()
        # A Secret written with stringData re-applies as "configured" on a real cluster too:
        # the server folds stringData into data, so kubectl's three-way patch always adds it
        # back (kubernetes/kubernetes#87736). Everything else is unchanged.
        assert "secret/db-credentials configured" in again
        others = [line for line in again if not line.startswith("secret/db-credentials ")]
        assert all(line.endswith(" unchanged") for line in others), again

        workloads = kubectl("get", "deploy,rs,sts,ds", "-n", "shop").stdout
        for name in ("deployment.apps/frontend", "replicaset.apps/legacy-search",
                     "statefulset.apps/db", "daemonset.apps/log-agent"):  # fmt: skip
            assert name in workloads, workloads
        pods = kubectl("get", "pods", "-n", "shop", "-o", "name").stdout.split()
        assert {"pod/db-0", "pod/db-1", "pod/db-2"} <= set(pods)
        assert sum(p.startswith("pod/log-agent-") for p in pods) == 3  # one per node
        assert len(pods) == 3 + 2 + 2 + 3 + 3 + 2
        described = kubectl("describe", "statefulset", "db", "-n", "shop").stdout
        assert "Replicas:" in described and "3 desired" in described, described
        kept = kubectl("get", "cm,secret,pvc,ing,hpa,netpol,pdb,sa", "-n", "shop").stdout
        for name in ("configmap/frontend-config", "secret/shop-tls",
                     "persistentvolumeclaim/uploads", "ingress.networking.k8s.io/shop",
                     "horizontalpodautoscaler.autoscaling/frontend",
                     "networkpolicy.networking.k8s.io/db-from-cart",
                     "poddisruptionbudget.policy/frontend",
                     "serviceaccount/storefront"):  # fmt: skip
            assert name in kept, kept

        cart = next(p.removeprefix("pod/") for p in pods if p.startswith("pod/cart-"))
        from_cart = {"kind": "pod", "namespace": "shop", "name": cart}
        db0 = _route(server, from_cart, "db-0.db.shop:5432")
        assert db0["outcome"] == "delivered", db0
        assert (db0["pod"]["namespace"], db0["pod"]["name"]) == ("shop", "db-0")
        to_cart = _route(server, {"kind": "pod", "namespace": "shop", "name": "db-1"},
                         "cart.shop:8080")  # fmt: skip
        assert to_cart["outcome"] == "delivered" and to_cart["pod"]["name"].startswith("cart-")
        lb = kubectl("get", "svc", "frontend", "-n", "shop", "-o",
                     "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout  # fmt: skip
        outside = _route(server, {"kind": "external"}, f"{lb}:80")
        assert outside["outcome"] == "delivered", outside
        assert outside["pod"]["name"].startswith("frontend-")

        # The file in its natural order, Namespaces first: as upstream, deleting a namespace
        # only marks it Terminating, so the objects after it are still there to delete.
        deleted = kubectl("delete", "-f", str(APP)).stdout.splitlines()
        assert len(deleted) == len(documents), deleted
        assert all(line.endswith(" deleted") for line in deleted), deleted
        wait_until_gone(kubectl, "shop")
        wait_until_gone(kubectl, "shop-ops")
        namespaces = kubectl("get", "ns", "-o", "name").stdout.split()
        assert "namespace/shop" not in namespaces and "namespace/shop-ops" not in namespaces
        assert "shop-standard" not in kubectl("get", "sc").stdout
        leftover = kubectl("get", "pods", "-A", "-o", "name").stdout
        assert "db-0" not in leftover and "log-agent" not in leftover
    finally:
        server.stop()
