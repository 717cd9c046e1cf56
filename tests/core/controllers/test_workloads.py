"""Deployments → ReplicaSets → pods, StatefulSets and DaemonSets, run through the write path."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.apiserver import bootstrap
from app.core.apiserver import writes as apiserver
from app.core.controllers import deployment, replicaset, workloads
from app.core.model.objects import ClusterConfig
from app.core.model.workspace import Manifest, Workspace


def cluster(nodes: int = 3) -> Workspace:
    ws = Workspace(ClusterConfig(name="t"), rng=random.Random(3))
    bootstrap.system_namespaces(ws)  # NamespaceLifecycle: objects go into namespaces that exist
    for i in range(1, nodes + 1):
        apiserver.create(ws, "Node", {"metadata": {"name": f"node-{i}"}})
    return ws


def template(app: str, image: str = "nginx:1.27") -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": app, "image": image}]},
    }


def workload(kind: str, name: str, replicas: int | None = 3, **spec: Any) -> Manifest:
    body: Manifest = {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": template(name), **spec},
    }
    if replicas is not None:
        body["spec"]["replicas"] = replicas
    return body


def pods(ws: Workspace) -> list[Manifest]:
    return sorted(ws.items("Pod", "default"), key=lambda p: p["metadata"]["name"])


def messages(ws: Workspace, reason: str) -> list[str]:
    found = [e for e in ws.items("Event") if e["reason"] == reason]
    return [e["message"] for e in sorted(found, key=lambda e: e["metadata"]["name"])]


def change_image(ws: Workspace, name: str, image: str) -> None:
    body = ws.get("Deployment", "default", name)
    assert body is not None
    body["spec"]["template"]["spec"]["containers"][0]["image"] = image
    apiserver.replace(ws, "Deployment", "default", name, body)


def test_a_deployment_owns_a_replica_set_named_by_its_template_hash_which_owns_the_pods() -> None:
    ws = cluster()
    dep = apiserver.create(ws, "Deployment", workload("Deployment", "web"))
    pod_hash = deployment.template_hash(dep["spec"]["template"])
    rs = ws.get("ReplicaSet", "default", f"web-{pod_hash}")
    assert rs is not None
    assert rs["metadata"]["ownerReferences"][0] | {"uid": ""} == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "uid": "",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    assert rs["metadata"]["ownerReferences"][0]["uid"] == dep["metadata"]["uid"]
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert len(pods(ws)) == 3
    for pod in pods(ws):
        assert pod["metadata"]["name"].startswith(f"web-{pod_hash}-")
        assert len(pod["metadata"]["name"]) == len(f"web-{pod_hash}-") + 5
        ref = pod["metadata"]["ownerReferences"][0]
        assert (ref["kind"], ref["name"], ref["uid"]) == (
            "ReplicaSet",
            rs["metadata"]["name"],
            rs["metadata"]["uid"],
        )
    status = workloads.status(ws, "ReplicaSet", rs)
    assert (status["replicas"], status["readyReplicas"], status["availableReplicas"]) == (3, 3, 3)
    assert messages(ws, "ScalingReplicaSet") == [
        f"Scaled up replica set web-{pod_hash} from 0 to 3"
    ]
    created = messages(ws, "SuccessfulCreate")
    assert sorted(created) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods(ws))


def test_a_template_change_makes_the_next_revision_and_scales_the_old_replica_set_to_zero() -> None:
    ws = cluster()
    apiserver.create(ws, "Deployment", workload("Deployment", "web"))
    first = next(iter(ws.items("ReplicaSet")))["metadata"]["name"]
    change_image(ws, "web", "nginx:1.28")
    sets = {rs["metadata"]["name"]: rs for rs in ws.items("ReplicaSet")}
    assert len(sets) == 2
    second = next(name for name in sets if name != first)
    assert sets[first]["spec"]["replicas"] == 0
    assert sets[second]["spec"]["replicas"] == 3
    assert sets[second]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert all(p["metadata"]["ownerReferences"][0]["name"] == second for p in pods(ws))
    assert messages(ws, "ScalingReplicaSet")[-2:] == [
        f"Scaled up replica set {second} from 0 to 3",
        f"Scaled down replica set {first} from 3 to 0",
    ]
    dep = ws.get("Deployment", "default", "web")
    assert dep is not None
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    # Back to the first template: its ReplicaSet comes back as revision 3 (a rollback).
    change_image(ws, "web", "nginx:1.27")
    back = ws.get("ReplicaSet", "default", first)
    assert back is not None and back["spec"]["replicas"] == 3
    annotations = back["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/revision"] == "3"
    assert annotations["deployment.kubernetes.io/revision-history"] == "1"


def test_old_replica_sets_beyond_the_revision_history_limit_are_deleted() -> None:
    ws = cluster()
    apiserver.create(ws, "Deployment", workload("Deployment", "web", revisionHistoryLimit=2))
    for version in range(5):
        change_image(ws, "web", f"nginx:2.{version}")
    revisions = sorted(deployment.revision(rs) for rs in ws.items("ReplicaSet"))
    assert revisions == [4, 5, 6]


def test_a_deleted_pod_is_replaced_by_its_replica_set_and_kubelet_kills_it() -> None:
    ws = cluster()
    apiserver.create(ws, "Deployment", workload("Deployment", "web", replicas=2))
    victim = pods(ws)[0]["metadata"]["name"]
    apiserver.remove(ws, "Pod", "default", victim)
    names = [p["metadata"]["name"] for p in pods(ws)]
    assert len(names) == 2 and victim not in names
    assert messages(ws, "Killing") == ["Stopping container web"]
    killing = next(e for e in ws.items("Event") if e["reason"] == "Killing")
    assert killing["involvedObject"]["fieldPath"] == "spec.containers{web}"
    assert killing["source"] == {"component": "kubelet", "host": killing["source"]["host"]}


def test_deleting_a_deployment_deletes_its_replica_sets_and_pods() -> None:
    ws = cluster()
    apiserver.create(ws, "Deployment", workload("Deployment", "web"))
    change_image(ws, "web", "nginx:1.28")
    apiserver.remove(ws, "Deployment", "default", "web")
    assert not list(ws.items("ReplicaSet")) and not pods(ws)


def test_pods_of_an_earlier_version_without_a_replica_set_object_are_adopted_not_replaced() -> None:
    """A cluster stored before ReplicaSets existed: pods name `<deploy>-<hash>` and its uid."""
    ws = cluster()
    apiserver.create(ws, "Deployment", workload("Deployment", "web"))
    rs = next(iter(ws.items("ReplicaSet")))
    ws.delete("ReplicaSet", "default", rs["metadata"]["name"])
    before = {p["metadata"]["name"]: p["status"]["podIP"] for p in pods(ws)}
    apiserver.scale(ws, "default", "web", 3)  # any write that reconciles the Deployment
    again = ws.get("ReplicaSet", "default", rs["metadata"]["name"])
    assert again is not None and again["metadata"]["uid"] == rs["metadata"]["uid"]
    assert {p["metadata"]["name"]: p["status"]["podIP"] for p in pods(ws)} == before


def test_a_standalone_replica_set_runs_and_scales_its_pods() -> None:
    ws = cluster()
    apiserver.create(ws, "ReplicaSet", workload("ReplicaSet", "cache", replicas=2))
    assert [p["metadata"]["name"][:6] for p in pods(ws)] == ["cache-", "cache-"]
    apiserver.scale(ws, "default", "cache", 4, kind="ReplicaSet")
    assert len(pods(ws)) == 4
    apiserver.scale(ws, "default", "cache", 1, kind="ReplicaSet")
    assert len(pods(ws)) == 1
    assert len(messages(ws, "SuccessfulDelete")) == 3


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 6), st.sampled_from(["a", "b", "c"])), max_size=8))
def test_after_any_scales_and_rollouts_the_newest_replica_set_holds_every_pod(
    steps: list[int | str],
) -> None:
    ws = cluster(2)
    apiserver.create(ws, "Deployment", workload("Deployment", "web", replicas=2))
    for step in steps:
        if isinstance(step, int):
            apiserver.scale(ws, "default", "web", step)
        else:
            change_image(ws, "web", f"nginx:{step}")
    dep = ws.get("Deployment", "default", "web")
    assert dep is not None
    sets = deployment.replica_sets(ws, dep)
    active = [rs for rs in sets if rs["spec"]["replicas"]]
    replicas = dep["spec"]["replicas"]
    assert sum(rs["spec"]["replicas"] for rs in sets) == replicas
    assert len(pods(ws)) == replicas
    newest = max(sets, key=deployment.revision)
    assert all(rs is newest for rs in active)
    assert (
        str(deployment.revision(newest))
        == dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
    )
    for pod in pods(ws):
        assert pod["metadata"]["ownerReferences"][0]["name"] == newest["metadata"]["name"]
    assert len(replicaset.pods_of(ws, "ReplicaSet", newest)) == replicas


def test_a_stateful_set_makes_ordinal_pods_with_their_dns_identity_and_scales_from_the_top() -> (
    None
):
    ws = cluster()
    apiserver.create(ws, "StatefulSet", workload("StatefulSet", "db", serviceName="db"))
    names = [p["metadata"]["name"] for p in pods(ws)]
    assert names == ["db-0", "db-1", "db-2"]
    for i, pod in enumerate(pods(ws)):
        assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == (f"db-{i}", "db")
        labels = pod["metadata"]["labels"]
        assert labels["statefulset.kubernetes.io/pod-name"] == f"db-{i}"
        assert labels["apps.kubernetes.io/pod-index"] == str(i)
    assert messages(ws, "SuccessfulCreate") == [
        f"create Pod db-{i} in StatefulSet db successful" for i in range(3)
    ]
    apiserver.scale(ws, "default", "db", 1, kind="StatefulSet")
    assert [p["metadata"]["name"] for p in pods(ws)] == ["db-0"]
    assert messages(ws, "SuccessfulDelete") == [
        "delete Pod db-2 in StatefulSet db successful",
        "delete Pod db-1 in StatefulSet db successful",
    ]
    sts = ws.get("StatefulSet", "default", "db")
    assert sts is not None
    status = workloads.status(ws, "StatefulSet", sts)
    assert (status["replicas"], status["readyReplicas"], status["updatedReplicas"]) == (1, 1, 1)


def test_ordered_ready_waits_for_each_pod_while_parallel_creates_them_all() -> None:
    ws = cluster(0)  # no node: every pod stays Pending, never Ready
    apiserver.create(ws, "StatefulSet", workload("StatefulSet", "db", serviceName="db"))
    assert [p["metadata"]["name"] for p in pods(ws)] == ["db-0"]
    apiserver.create(
        ws, "StatefulSet", workload("StatefulSet", "kv", podManagementPolicy="Parallel")
    )
    assert [p["metadata"]["name"] for p in pods(ws) if p["metadata"]["name"][:2] == "kv"] == [
        "kv-0",
        "kv-1",
        "kv-2",
    ]
    assert messages(ws, "FailedScheduling")[0] == "no nodes available to schedule pods"


def _daemon_nodes(ws: Workspace) -> list[str]:
    return sorted(p["spec"]["nodeName"] for p in pods(ws))


def test_a_daemon_set_runs_one_pod_per_ready_node_and_follows_nodes_that_join_and_go() -> None:
    ws = cluster()
    apiserver.create(ws, "DaemonSet", workload("DaemonSet", "agent", replicas=None))
    assert _daemon_nodes(ws) == ["node-1", "node-2", "node-3"]
    apiserver.create(ws, "Node", {"metadata": {"name": "node-4"}})
    assert _daemon_nodes(ws) == ["node-1", "node-2", "node-3", "node-4"]
    apiserver.remove(ws, "Node", "", "node-2")
    assert _daemon_nodes(ws) == ["node-1", "node-3", "node-4"]
    apiserver.set_ready(ws, "Node", "", "node-3", False)
    apiserver.create(ws, "Node", {"metadata": {"name": "node-5"}})
    assert _daemon_nodes(ws) == ["node-1", "node-3", "node-4", "node-5"]  # node-3 keeps its pod
    ds = ws.get("DaemonSet", "default", "agent")
    assert ds is not None
    status = workloads.status(ws, "DaemonSet", ds)
    assert status["desiredNumberScheduled"] == 3  # node-3 is not Ready: no new pod belongs there
    assert status["numberMisscheduled"] == 1


def test_a_daemon_set_respects_its_node_selector_and_untolerated_taints() -> None:
    ws = cluster()
    node = ws.get("Node", "", "node-2")
    assert node is not None
    node["metadata"]["labels"]["disk"] = "ssd"
    apiserver.replace(ws, "Node", "", "node-2", node)
    tainted = ws.get("Node", "", "node-3")
    assert tainted is not None
    tainted["spec"]["taints"] = [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]
    apiserver.replace(ws, "Node", "", "node-3", tainted)
    body = workload("DaemonSet", "ssd", replicas=None)
    body["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    apiserver.create(ws, "DaemonSet", body)
    assert _daemon_nodes(ws) == ["node-2"]
    apiserver.create(ws, "DaemonSet", workload("DaemonSet", "agent", replicas=None))
    agents = sorted(p["spec"]["nodeName"] for p in pods(ws) if p["metadata"]["name"][:5] == "agent")
    assert agents == ["node-1", "node-2"]


def test_a_node_that_becomes_ready_gets_its_daemon_pod() -> None:
    ws = cluster()
    apiserver.set_ready(ws, "Node", "", "node-3", False)
    apiserver.create(ws, "DaemonSet", workload("DaemonSet", "agent", replicas=None))
    assert _daemon_nodes(ws) == ["node-1", "node-2"]
    apiserver.set_ready(ws, "Node", "", "node-3", True)
    assert _daemon_nodes(ws) == ["node-1", "node-2", "node-3"]
