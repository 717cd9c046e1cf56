"""Real kubectl on the workload kinds: ReplicaSets behind Deployments, rollouts, StatefulSets,
DaemonSets and the Events the simulated components record."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.clients.test_kubectl import Kubectl, _rows
from tests.clients.test_kubectl import kubectl as kubectl  # the fixture
from tests.manifests import DAEMON, STATEFUL

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed"),
]


def _header(text: str) -> list[str]:
    return re.split(r"\s{2,}", text.splitlines()[0].strip())


def test_get_rs_knows_the_replica_set_describe_pod_names(kubectl: Kubectl) -> None:
    out = kubectl("get", "rs", "-o", "wide").stdout
    assert _header(out) == [
        "NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR",
    ]  # fmt: skip
    sets = _rows(out)
    backend = next(name for name in sets if name.startswith("backend-"))
    assert sets[backend][1:4] == ["4", "4", "4"]
    assert "pod-template-hash=" + backend.removeprefix("backend-") in sets[backend][7]
    pod = kubectl("get", "pods", "-l", "app=backend", "-o", "name").stdout.split()[0]
    described = kubectl("describe", pod).stdout
    assert re.search(rf"Controlled By:\s+ReplicaSet/{backend}\b", described)
    events = described[described.index("Events:") :]
    assert re.search(r"Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned "
                     rf"default/{pod.removeprefix('pod/')} to node-\d", events)  # fmt: skip
    kubectl("get", "rs", backend)  # the name describe printed is one `get rs` knows


def test_rollout_restart_makes_a_new_revision_that_rollout_status_and_history_see(
    kubectl: Kubectl,
) -> None:
    history = kubectl("rollout", "history", "deployment/backend").stdout
    assert re.findall(r"^(\d+)\s", history, re.M) == ["1"]
    kubectl("rollout", "restart", "deployment/backend")
    status = kubectl("rollout", "status", "deployment/backend", "--timeout=30s").stdout
    assert 'deployment "backend" successfully rolled out' in status
    history = kubectl("rollout", "history", "deployment/backend").stdout
    assert re.findall(r"^(\d+)\s", history, re.M) == ["1", "2"]
    sets = _rows(kubectl("get", "rs", "-l", "app=backend").stdout)
    assert sorted(row[1] for row in sets.values()) == ["0", "4"]
    described = kubectl("describe", "deployment", "backend").stdout
    new = next(name for name, row in sets.items() if row[1] == "4")
    assert re.search(rf"NewReplicaSet:\s+{new} \(4/4 replicas created\)", described)
    assert re.search(rf"ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set "
                     rf"{new} from 0 to 4", described)  # fmt: skip
    revision = kubectl("rollout", "history", "deployment/backend", "--revision=2").stdout
    assert "kubectl.kubernetes.io/restartedAt" in revision
    assert "rolled back" in kubectl("rollout", "undo", "deployment/backend").stdout
    history = kubectl("rollout", "history", "deployment/backend").stdout
    assert re.findall(r"^(\d+)\s", history, re.M) == ["2", "3"]  # revision 1 came back as 3
    template = kubectl("get", "deploy", "backend", "-o", "jsonpath={.spec.template.metadata}")
    assert "restartedAt" not in template.stdout


def test_scale_statefulset_makes_ordinal_pods(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "db.yaml"
    manifest.write_text(STATEFUL)
    kubectl("create", "namespace", "shop", check=False)
    applied = kubectl("apply", "-f", str(manifest)).stdout
    assert "statefulset.apps/db created" in applied
    assert "scaled" in kubectl("scale", "statefulset", "db", "-n", "shop", "--replicas=3").stdout
    pods = kubectl("get", "pods", "-n", "shop", "-o", "name").stdout.split()
    assert pods == ["pod/db-0", "pod/db-1", "pod/db-2"]
    sts = _rows(kubectl("get", "sts", "-n", "shop").stdout)
    assert sts["db"][1] == "3/3"
    hostname = kubectl(
        "get", "pod", "db-2", "-n", "shop", "-o", "jsonpath={.spec.hostname}.{.spec.subdomain}"
    ).stdout
    assert hostname == "db-2.db"


def test_get_ds_prints_a_pod_per_node(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "ds.yaml"
    manifest.write_text(DAEMON)
    kubectl("apply", "-f", str(manifest))
    out = kubectl("get", "ds", "-n", "kube-system").stdout
    assert _header(out) == [
        "NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE",
    ]  # fmt: skip
    assert _rows(out)["agent"][1:7] == ["3", "3", "3", "3", "3", "kubernetes.io/os=linux"]
    nodes = kubectl(
        "get", "pods", "-n", "kube-system", "-l", "app=agent", "-o",
        "jsonpath={range .items[*]}{.spec.nodeName} {end}",
    ).stdout.split()  # fmt: skip
    assert sorted(nodes) == ["node-1", "node-2", "node-3"]


def test_get_events_lists_what_the_components_recorded(kubectl: Kubectl) -> None:
    kubectl("scale", "deployment", "backend", "--replicas=5")
    out = kubectl("get", "events").stdout
    assert _header(out) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert re.search(r"Normal\s+ScalingReplicaSet\s+deployment/backend\s+Scaled up replica set "
                     r"backend-\w+ from 4 to 5", out)  # fmt: skip
    assert re.search(r"Normal\s+SuccessfulCreate\s+replicaset/backend-\w+\s+Created pod: ", out)
    assert re.search(r"Normal\s+Scheduled\s+pod/backend-\w+-\w{5}\s+Successfully assigned", out)
    only = "involvedObject.kind=Deployment,reason=ScalingReplicaSet"
    selected = kubectl("get", "events", "--field-selector", only).stdout
    assert all("deployment/" in line for line in selected.splitlines()[1:])
    new_api = kubectl("get", "events.events.k8s.io", "-o", "name").stdout.split()
    assert len(new_api) == len(out.strip().splitlines()) - 1
