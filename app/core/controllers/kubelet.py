"""kubelet: what a node and its pods report once they run.

Node registration (labels, addresses, the Ready condition, capacity, nodeInfo - with the
InternalIP and podCIDR node IPAM hands out, nodeipam.py), pods started on their node with an IP
from its podCIDR, and the Ready conditions of both as they change. Each runs instantly inside
the write that triggers it, so every stored state is one a real cluster settles into; an
object written with its own status keeps it.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from app.core.controllers.nodeipam import next_node_ip, next_pod_cidr
from app.core.model.workspace import Manifest, Workspace

KUBELET_VERSION = "v1.33.1"


def condition(kind: str, status: bool, now: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True" if status else "False",
        "lastProbeTime": None,
        "lastTransitionTime": now,
    }


# --- nodes ----------------------------------------------------------------------------------
def complete_node(ws: Workspace, node: Manifest) -> Manifest:
    """kubelet registration and node IPAM for a Node written without them."""
    meta = node.setdefault("metadata", {})
    labels = meta.setdefault("labels", {})
    name = meta["name"]
    labels.setdefault("kubernetes.io/hostname", name)
    labels.setdefault("kubernetes.io/os", "linux")
    labels.setdefault("kubernetes.io/arch", "amd64")
    labels.setdefault("beta.kubernetes.io/os", "linux")
    labels.setdefault("beta.kubernetes.io/arch", "amd64")
    spec = node.setdefault("spec", {})
    if "podCIDR" not in spec:
        cidr = next_pod_cidr(ws)
        if cidr:
            spec["podCIDR"] = cidr
            spec["podCIDRs"] = [cidr]
    if "status" not in node:
        now = ws.timestamp()
        uid = meta.get("uid") or ws.new_uid()
        node["status"] = {
            "addresses": [
                {"type": "InternalIP", "address": next_node_ip(ws)},
                {"type": "Hostname", "address": name},
            ],
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "lastHeartbeatTime": now,
                    "lastTransitionTime": now,
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                }
            ],
            "capacity": {"cpu": "4", "memory": "16365128Ki", "pods": "110"},
            "allocatable": {"cpu": "4", "memory": "16262728Ki", "pods": "110"},
            "nodeInfo": {
                "machineID": uid.replace("-", ""),
                "systemUUID": uid,
                "bootID": str(uuid.uuid5(uuid.NAMESPACE_OID, uid)),
                "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": "",
                "containerRuntimeVersion": "containerd://2.0.5",
                "kernelVersion": "6.8.0-60-generic",
                "osImage": "Ubuntu 24.04.2 LTS",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        }
    return node


def node_ready(node: Manifest) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in node.get("status", {}).get("conditions", [])
    )


def set_node_ready(ws: Workspace, node: Manifest, ready: bool) -> None:
    """Flip a node's Ready condition and follow with what the cluster does to its pods.

    NotReady: the node lifecycle controller marks every pod on it not ready (MarkPodsNotReady
    in pkg/controller/nodelifecycle), so EndpointSlices drop them. Ready again: kubelet
    reports its running pods ready once more.
    """
    now = ws.timestamp()
    conditions = node.setdefault("status", {}).setdefault("conditions", [])
    ready_cond = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready_cond is None:
        ready_cond = {"type": "Ready"}
        conditions.append(ready_cond)
    ready_cond.update(
        {
            "status": "True" if ready else "Unknown",
            "lastTransitionTime": now,
            "reason": "KubeletReady" if ready else "NodeStatusUnknown",
            "message": "kubelet is posting ready status"
            if ready
            else "Kubelet stopped posting node status.",
        }
    )
    for key in sorted(ws.indexed("Pod", ("node", node["metadata"]["name"]))):
        pod = ws.get("Pod", *key)
        if pod is not None:
            set_pod_ready(ws, pod, ready)


# --- pods -----------------------------------------------------------------------------------
def pod_ready(pod: Manifest) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in pod.get("status", {}).get("conditions", [])
    )


def set_pod_ready(ws: Workspace, pod: Manifest, ready: bool) -> None:
    """A readiness probe's verdict: the prober sets each containerStatuses[].ready, and the
    ContainersReady and Ready conditions follow from them (pkg/kubelet/status/generate.go),
    so `kubectl get pods` READY (counted from containerStatuses) agrees with the conditions."""
    now = ws.timestamp()
    for status in pod.setdefault("status", {}).get("containerStatuses", []):
        status["ready"] = ready
    conditions = pod["status"].setdefault("conditions", [])
    for kind in ("Ready", "ContainersReady"):
        cond = next((c for c in conditions if c.get("type") == kind), None)
        if cond is None:
            conditions.append(condition(kind, ready, now))
        elif (cond.get("status") == "True") != ready:
            cond["status"] = "True" if ready else "False"
            cond["lastTransitionTime"] = now
    ws.put("Pod", pod)


def next_pod_ip(ws: Workspace, node: Manifest) -> str:
    """host-local IPAM: the lowest free address of the node's podCIDR after the bridge's .1.

    The scan resumes where this write's last scan on the node stopped (ws.scratch, dropped as
    soon as a pod leaves a node), so settling thousands of pods costs one step each.
    """
    hint = f"pod-ip/{node['metadata']['name']}"
    if hint not in ws.scratch:
        cidr = node.get("spec", {}).get("podCIDR")
        if not cidr:
            return ""
        network = ipaddress.ip_network(cidr, strict=False)
        last = int(network.broadcast_address) - (1 if network.version == 4 else 0)
        ws.scratch[hint] = (int(network.network_address) + 2, last)
    first, last = ws.scratch[hint]
    for value in range(first, last + 1):
        ip = str(ipaddress.ip_address(value))
        if not ws.indexed_count("Pod", ("podIP", ip)):
            ws.scratch[hint] = (value, last)
            return ip
    return ""


def start_pod(ws: Workspace, pod: Manifest, now: str) -> Manifest:
    """kubelet runs a bound pod: an IP from the node's podCIDR (host-local IPAM) and a Running
    status, Ready when the node is."""
    spec = pod["spec"]
    node = ws.peek("Node", ("", spec["nodeName"]))
    host_ip = ""
    if node is not None:
        host_ip = next(
            (
                a["address"]
                for a in node.get("status", {}).get("addresses", [])
                if a.get("type") == "InternalIP"
            ),
            "",
        )
    pod_ip = next_pod_ip(ws, node) if node is not None else ""
    running = bool(pod_ip) and node is not None and node_ready(node)
    status: dict[str, Any] = {
        "phase": "Running" if pod_ip else "Pending",
        "conditions": [
            condition("PodReadyToStartContainers", bool(pod_ip), now),
            condition("Initialized", True, now),
            condition("Ready", running, now),
            condition("ContainersReady", running, now),
            condition("PodScheduled", True, now),
        ],
        "qosClass": "BestEffort",
        "startTime": now,
    }
    if host_ip:
        status["hostIP"] = host_ip
        status["hostIPs"] = [{"ip": host_ip}]
    if pod_ip:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    status["containerStatuses"] = [
        {
            "name": c.get("name", ""),
            "image": c.get("image", ""),
            "imageID": "",
            "ready": running,
            "restartCount": 0,
            "started": bool(pod_ip),
            "state": {"running": {"startedAt": now}}
            if pod_ip
            else {"waiting": {"reason": "ContainerCreating"}},
        }
        for c in spec.get("containers", [])
    ]
    pod["status"] = status
    return pod
