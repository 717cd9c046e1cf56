"""The simulator playing kubelet, the scheduler, node IPAM and the Deployment controller.

Each runs instantly inside the same write as the request that triggers it, so every stored
state is one a real cluster settles into: nodes get an InternalIP and a podCIDR slice, pods
get a node (spread evenly over Ready nodes, as the scheduler's PodTopologySpread/balanced
allocation tend to) and an IP from that node's podCIDR, and Deployments own exactly
`replicas` pods. An object written with its own status keeps it.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import uuid
from collections import Counter
from typing import Any

from app.core.model.workspace import Manifest, Workspace

KUBELET_VERSION = "v1.33.1"
# k8s.io/apimachinery/pkg/util/rand: the alphabet of generated names and pod-template-hash.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
NODE_MASK = 24  # kube-controller-manager's default --node-cidr-mask-size for IPv4


def random_suffix(ws: Workspace, length: int = 5) -> str:
    return "".join(ws.rng.choice(SAFE_ALPHABET) for _ in range(length))


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each character mapped into the vowel-free alphabet."""
    return "".join(SAFE_ALPHABET[ord(c) % len(SAFE_ALPHABET)] for c in text)


def template_hash(template: Manifest) -> str:
    """pod-template-hash: FNV-32a of the template, encoded as upstream's ComputeHash does.

    Upstream hashes the Go struct dump; we hash canonical JSON, so the value differs from a
    real cluster's but has the same shape and the same property: same template, same hash.
    """
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    value = 0x811C9DC5
    for byte in data:
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(value))


def _condition(kind: str, status: bool, now: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True" if status else "False",
        "lastProbeTime": None,
        "lastTransitionTime": now,
    }


# --- nodes ----------------------------------------------------------------------------------
def _used_node_ips(ws: Workspace) -> set[str]:
    used = {ws.config.control_plane_address}
    for node in ws.items("Node"):
        for address in node.get("status", {}).get("addresses", []):
            used.add(address.get("address", ""))
    return used


class NoAddressLeft(ValueError):
    """The node network has no address left for another node."""


def next_node_ip(ws: Workspace) -> str:
    network = ipaddress.ip_network(ws.config.node_cidr, strict=False)
    used = _used_node_ips(ws)
    hosts = network.hosts()
    next(hosts, None)  # the first host is the network's gateway
    for host in hosts:
        if str(host) not in used:
            return str(host)
    raise NoAddressLeft(f"no free address left in the node network {network}")


def next_pod_cidr(ws: Workspace) -> str:
    """The node IPAM controller hands out /24 slices of the cluster CIDR in order.

    Slice 0 is the control plane's (kubeadm registers it as a node of its own).
    """
    network = ipaddress.ip_network(ws.config.pod_cidr, strict=False)
    used = {n.get("spec", {}).get("podCIDR") for n in ws.items("Node")}
    mask = max(NODE_MASK, network.prefixlen)
    subnets = network.subnets(new_prefix=mask)
    if mask > network.prefixlen:
        next(subnets, None)
    for subnet in subnets:
        if str(subnet) not in used:
            return str(subnet)
    return ""


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
    for pod in list(ws.items("Pod")):
        if pod.get("spec", {}).get("nodeName") == node["metadata"]["name"]:
            set_pod_ready(ws, pod, ready)


# --- pods -----------------------------------------------------------------------------------
def pod_ready(pod: Manifest) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in pod.get("status", {}).get("conditions", [])
    )


def set_pod_ready(ws: Workspace, pod: Manifest, ready: bool) -> None:
    now = ws.timestamp()
    conditions = pod.setdefault("status", {}).setdefault("conditions", [])
    for kind in ("Ready", "ContainersReady"):
        cond = next((c for c in conditions if c.get("type") == kind), None)
        if cond is None:
            conditions.append(_condition(kind, ready, now))
        elif (cond.get("status") == "True") != ready:
            cond["status"] = "True" if ready else "False"
            cond["lastTransitionTime"] = now
    ws.put("Pod", pod)


def pick_node(ws: Workspace, extra: Counter[str] | None = None) -> Manifest | None:
    """A Ready node with the fewest pods (ties broken by name): an even spread."""
    ready = [n for n in ws.items("Node") if node_ready(n)]
    if not ready:
        return None
    load: Counter[str] = Counter(p.get("spec", {}).get("nodeName", "") for p in ws.items("Pod"))
    if extra:
        load.update(extra)
    return min(ready, key=lambda n: (load[n["metadata"]["name"]], n["metadata"]["name"]))


def next_pod_ip(ws: Workspace, node: Manifest) -> str:
    """host-local IPAM: the lowest free address of the node's podCIDR after the bridge's .1."""
    cidr = node.get("spec", {}).get("podCIDR")
    if not cidr:
        return ""
    name = node["metadata"]["name"]
    used = {
        p.get("status", {}).get("podIP")
        for p in ws.items("Pod")
        if p.get("spec", {}).get("nodeName") == name
    }
    hosts = ipaddress.ip_network(cidr, strict=False).hosts()
    next(hosts, None)
    for host in hosts:
        if str(host) not in used:
            return str(host)
    return ""


def complete_pod(ws: Workspace, pod: Manifest) -> Manifest:
    """Schedule a pod without nodeName; give a pod written without status a running one."""
    spec = pod.setdefault("spec", {})
    now = ws.timestamp()
    if not spec.get("nodeName") and "status" not in pod:
        node = pick_node(ws)
        if node is None:
            pod["status"] = {
                "phase": "Pending",
                "conditions": [
                    {
                        **_condition("PodScheduled", False, now),
                        "reason": "Unschedulable",
                        "message": "0/0 nodes are available: no Ready node to schedule on.",
                    }
                ],
                "qosClass": "BestEffort",
            }
            return pod
        spec["nodeName"] = node["metadata"]["name"]
    if "status" in pod:
        return pod
    node = ws.get("Node", "", spec["nodeName"])
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
            _condition("PodReadyToStartContainers", bool(pod_ip), now),
            _condition("Initialized", True, now),
            _condition("Ready", running, now),
            _condition("ContainersReady", running, now),
            _condition("PodScheduled", True, now),
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


# --- deployments ----------------------------------------------------------------------------
def owned_pods(ws: Workspace, deployment: Manifest) -> list[Manifest]:
    """Pods whose ReplicaSet is one of this Deployment's (named `<deployment>-<hash>`)."""
    name = deployment["metadata"]["name"]
    namespace = deployment["metadata"].get("namespace", "default")
    owned = []
    for pod in ws.items("Pod", namespace):
        pod_hash = pod["metadata"].get("labels", {}).get("pod-template-hash")
        refs = pod["metadata"].get("ownerReferences", [])
        if pod_hash and any(
            r.get("kind") == "ReplicaSet" and r.get("name") == f"{name}-{pod_hash}" for r in refs
        ):
            owned.append(pod)
    return owned


def _hash_of(pod: Manifest) -> str:
    return str(pod["metadata"].get("labels", {}).get("pod-template-hash", ""))


def _deletion_rank(pod: Manifest, colocated: Counter[str]) -> tuple[int, int, int, str]:
    """controller.ActivePods ordering: unscheduled, not ready, crowded node, newest first."""
    node = pod.get("spec", {}).get("nodeName", "")
    return (
        1 if node else 0,
        1 if pod_ready(pod) else 0,
        -colocated[node],
        "~" + pod["metadata"].get("creationTimestamp", ""),
    )


def reconcile_deployment(ws: Workspace, deployment: Manifest) -> None:
    """The Deployment and ReplicaSet controllers settled: `replicas` pods of the current template.

    A template change rolls every pod at once (the end state of a RollingUpdate).
    """
    meta = deployment["metadata"]
    namespace = meta.get("namespace", "default")
    template = deployment["spec"].get("template", {})
    pod_hash = template_hash(template)
    rs_name = f"{meta['name']}-{pod_hash}"
    replicas = deployment["spec"].get("replicas", 1)
    pods = owned_pods(ws, deployment)
    for pod in pods:
        if _hash_of(pod) != pod_hash:
            ws.delete("Pod", namespace, pod["metadata"]["name"])
    current = [
        p for p in pods if p["metadata"].get("labels", {}).get("pod-template-hash") == pod_hash
    ]
    if len(current) > replicas:
        colocated: Counter[str] = Counter(p.get("spec", {}).get("nodeName", "") for p in current)
        victims = sorted(current, key=lambda p: _deletion_rank(p, colocated))
        for pod in victims[: len(current) - replicas]:
            ws.delete("Pod", namespace, pod["metadata"]["name"])
    for _ in range(replicas - len(current)):
        pod = _pod_from_template(ws, deployment, template, rs_name, pod_hash)
        complete_pod(ws, pod)
        ws.put("Pod", pod)


def _pod_from_template(
    ws: Workspace, deployment: Manifest, template: Manifest, rs_name: str, pod_hash: str
) -> Manifest:
    meta = deployment["metadata"]
    namespace = meta.get("namespace", "default")
    while True:
        name = f"{rs_name}-{random_suffix(ws)}"
        if ws.get("Pod", namespace, name) is None:
            break
    pod_meta = copy.deepcopy(template.get("metadata", {}))
    pod_meta.pop("creationTimestamp", None)
    labels = pod_meta.setdefault("labels", {})
    labels["pod-template-hash"] = pod_hash
    pod_meta.update(
        {
            "name": name,
            "generateName": f"{rs_name}-",
            "namespace": namespace,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": rs_name,
                    "uid": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{meta['uid']}/{pod_hash}")),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        }
    )
    pod: Manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": copy.deepcopy(template.get("spec", {})),
    }
    ws.stamp_new(pod)
    return pod


def deployment_status(deployment: Manifest, pods: list[Manifest]) -> dict[str, Any]:
    """What the Deployment controller would report for the pods it owns."""
    pod_hash = template_hash(deployment.get("spec", {}).get("template", {}))
    updated = [
        p for p in pods if p["metadata"].get("labels", {}).get("pod-template-hash") == pod_hash
    ]
    ready = sum(1 for p in pods if pod_ready(p))
    replicas = deployment.get("spec", {}).get("replicas", 1)
    status: dict[str, Any] = {
        "observedGeneration": deployment["metadata"].get("generation", 1),
        "replicas": len(pods),
        "updatedReplicas": len(updated),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "conditions": [
            {
                "type": "Available",
                "status": "True" if ready >= replicas else "False",
                "reason": "MinimumReplicasAvailable"
                if ready >= replicas
                else "MinimumReplicasUnavailable",
                "message": "Deployment has minimum availability."
                if ready >= replicas
                else "Deployment does not have minimum availability.",
            }
        ],
    }
    if len(pods) - ready:
        status["unavailableReplicas"] = len(pods) - ready
    return {k: v for k, v in status.items() if v != 0 or k == "replicas"}
