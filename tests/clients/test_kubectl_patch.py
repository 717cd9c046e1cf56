"""kubectl against a real server: apply (validated through OpenAPI v3), patch, scale, label,
annotate, explain, field selectors, server-side apply and the pod streams svcscope refuses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.clients.test_kubectl import Kubectl
from tests.clients.test_kubectl import kubectl as kubectl  # the fixture

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed"),
]

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, labels: {app: api}}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: nginx:1.27
        ports: [{containerPort: 80, name: http}]
        env: [{name: MODE, value: one}]
---
apiVersion: v1
kind: Service
metadata: {name: api, labels: {tier: backend}}
spec:
  type: NodePort
  selector: {app: api}
  ports: [{port: 80, targetPort: http}]
"""


def _json(kubectl: Kubectl, *args: str) -> Any:
    return json.loads(kubectl("get", *args, "-o", "json").stdout)


def test_apply_prints_created_then_unchanged_then_configured(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    app = tmp_path / "app.yaml"
    app.write_text(APP)
    assert kubectl("apply", "-f", str(app)).stdout.split("\n")[:2] == [
        "deployment.apps/api created",
        "service/api created",
    ]
    again = kubectl("apply", "-f", str(app)).stdout
    assert again == "deployment.apps/api unchanged\nservice/api unchanged\n"
    app.write_text(
        APP.replace("replicas: 2", "replicas: 3")
        .replace("value: one", "value: two")
        .replace("targetPort: http", "targetPort: 8080")
    )
    changed = kubectl("apply", "-f", str(app)).stdout
    assert changed == "deployment.apps/api configured\nservice/api configured\n"
    assert kubectl("apply", "-f", str(app)).stdout.count("unchanged") == 2
    svc = _json(kubectl, "svc", "api")
    port = svc["spec"]["ports"][0]
    assert port["targetPort"] == 8080 and 30000 <= port["nodePort"] <= 32767
    deploy = _json(kubectl, "deploy", "api")
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert deploy["spec"]["replicas"] == 3
    assert container["env"] == [{"name": "MODE", "value": "two"}]


def test_patch_in_merge_json_and_strategic_types(kubectl: Kubectl) -> None:
    merge = kubectl(
        "patch", "svc", "frontend", "--type=merge", "-p", '{"metadata":{"labels":{"a":"1"}}}'
    )
    assert merge.stdout == "service/frontend patched\n"
    kubectl(
        "patch",
        "svc",
        "frontend",
        "--type=json",
        "-p",
        '[{"op":"add","path":"/metadata/labels/b","value":"2"}]',
    )
    strategic = '{"spec":{"ports":[{"port":80,"targetPort":9090}]}}'
    kubectl("patch", "svc", "frontend", "-p", strategic)
    svc = _json(kubectl, "svc", "frontend")
    labels = svc["metadata"]["labels"]
    assert labels["a"] == "1" and labels["b"] == "2"
    assert [(p["port"], p["targetPort"], p["nodePort"]) for p in svc["spec"]["ports"]] == [
        (80, 9090, 30080)
    ]
    test_op = '[{"op":"test","path":"/metadata/name","value":"x"}]'
    failed = kubectl("patch", "svc", "frontend", "--type=json", "-p", test_op, check=False)
    assert failed.returncode == 1
    assert failed.stderr == (
        "The request is invalid: the server rejected our request due to an error in our request\n"
    )
    stale_rv = '{"metadata":{"resourceVersion":"1"}}'
    stale = kubectl("patch", "svc", "frontend", "--type=merge", "-p", stale_rv, check=False)
    assert "the object has been modified" in stale.stderr


def test_scale_label_and_annotate(kubectl: Kubectl) -> None:
    assert (
        kubectl("scale", "deployment", "backend", "--replicas=6").stdout
        == "deployment.apps/backend scaled\n"
    )
    assert _json(kubectl, "deploy", "backend")["spec"]["replicas"] == 6
    pods = kubectl("get", "pods", "-l", "app=backend", "-o", "name").stdout.split()
    assert len(pods) == 6
    kubectl("scale", "deployment", "backend", "--replicas=2", "--current-replicas=6")  # GET + PUT
    assert _json(kubectl, "deploy", "backend")["spec"]["replicas"] == 2
    assert kubectl("label", "svc", "frontend", "color=blue").stdout == "service/frontend labeled\n"
    assert (
        kubectl("annotate", "deploy", "backend", "note=hi").stdout
        == "deployment.apps/backend annotated\n"
    )
    assert _json(kubectl, "svc", "frontend")["metadata"]["labels"]["color"] == "blue"
    assert _json(kubectl, "deploy", "backend")["metadata"]["annotations"]["note"] == "hi"


def test_explain_reads_the_openapi_v3_schemas(kubectl: Kubectl) -> None:
    out = kubectl("explain", "service.spec.ports").stdout
    assert "FIELD: ports <[]ServicePort>" in out
    assert "port\t<integer> -required-" in out
    assert "The port that will be exposed by this service." in out
    env = kubectl("explain", "deployment.spec.template.spec.containers.env").stdout
    assert "EnvVar represents an environment variable present in a Container." in env


def test_field_selectors_filter_per_kind_and_refuse_unknown_labels(kubectl: Kubectl) -> None:
    on_node = kubectl(
        "get", "pods", "-A", "--field-selector", "spec.nodeName=node-1", "-o", "json"
    ).stdout
    nodes = {p["spec"]["nodeName"] for p in json.loads(on_node)["items"]}
    assert nodes == {"node-1"}
    refused = kubectl("get", "pods", "--field-selector", "spec.foo=x", check=False)
    assert refused.stderr.strip().endswith("field label not supported: spec.foo")


def test_server_side_apply_creates_and_drops_what_the_manager_let_go(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    svc = APP.split("---\n")[1]
    app = tmp_path / "svc.yaml"
    app.write_text(svc)
    assert (
        kubectl("apply", "--server-side", "-f", str(app)).stdout
        == "service/api serverside-applied\n"
    )
    app.write_text(svc.replace("labels: {tier: backend}", "labels: {}"))
    kubectl("apply", "--server-side", "-f", str(app))
    live = _json(kubectl, "svc", "api", "--show-managed-fields")
    assert "tier" not in live["metadata"].get("labels", {})
    assert [m["manager"] for m in live["metadata"]["managedFields"]] == ["kubectl"]


def test_logs_and_exec_answer_that_no_containers_run(kubectl: Kubectl) -> None:
    pod = kubectl("get", "pods", "-l", "app=backend", "-o", "name").stdout.split()[0]
    logs = kubectl("logs", pod, check=False)
    assert logs.returncode == 1
    assert "svcscope simulates Services and networking, not containers" in logs.stderr


def test_server_side_apply_conflicts_unless_forced(kubectl: Kubectl, tmp_path: Path) -> None:
    deploy = tmp_path / "deploy.yaml"
    deploy.write_text(APP.split("---\n")[0])
    kubectl("apply", "--server-side", "-f", str(deploy))
    deploy.write_text(APP.split("---\n")[0].replace("replicas: 2", "replicas: 5"))
    other = ("apply", "--server-side", "--field-manager=other", "-f", str(deploy))
    refused = kubectl(*other, check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        'error: Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas\n'
    )
    kubectl(*other, "--force-conflicts")
    assert _json(kubectl, "deploy", "api")["spec"]["replicas"] == 5


def test_diff_runs_the_patch_as_a_dry_run(kubectl: Kubectl, tmp_path: Path) -> None:
    app = tmp_path / "app.yaml"
    app.write_text(APP)
    kubectl("apply", "-f", str(app))
    assert kubectl("diff", "-f", str(app), check=False).returncode == 0
    app.write_text(APP.replace("replicas: 2", "replicas: 7"))
    diff = kubectl("diff", "-f", str(app), check=False)
    assert diff.returncode == 1
    assert "-  replicas: 2\n+  replicas: 7\n" in diff.stdout
    assert _json(kubectl, "deploy", "api")["spec"]["replicas"] == 2  # nothing was stored


def test_edit_and_rollout_restart_patch_the_deployment(kubectl: Kubectl, tmp_path: Path) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s/replicas: [0-9]*/replicas: 3/" "$1"\n')
    editor.chmod(0o755)
    kubectl.env["KUBE_EDITOR"] = str(editor)
    assert kubectl("edit", "deploy", "backend").stdout == "deployment.apps/backend edited\n"
    assert _json(kubectl, "deploy", "backend")["spec"]["replicas"] == 3
    before = set(kubectl("get", "pods", "-l", "app=backend", "-o", "name").stdout.split())
    assert kubectl("rollout", "restart", "deploy", "backend").stdout == (
        "deployment.apps/backend restarted\n"
    )
    status = kubectl("rollout", "status", "deploy", "backend", "--timeout=60s")
    assert status.stdout.endswith('deployment "backend" successfully rolled out\n')
    after = set(kubectl("get", "pods", "-l", "app=backend", "-o", "name").stdout.split())
    assert len(after) == 3 and not before & after


def test_unknown_fields_are_refused_by_the_server_or_warned(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(APP.split("---\n")[1].replace("targetPort: http", "targetPort: http, bogus: 1"))
    strict = kubectl("apply", "-f", str(bad), check=False)
    assert strict.returncode == 1
    assert strict.stderr == (
        'Error from server (BadRequest): error when creating "' + str(bad) + '": Service in '
        'version "v1" cannot be handled as a Service: strict decoding error: unknown field '
        '"spec.ports[0].bogus"\n'
    )
    warn = kubectl("apply", "-f", str(bad), "--validate=warn")
    assert warn.stderr == 'Warning: unknown field "spec.ports[0].bogus"\n'
    assert warn.stdout == "service/api created\n"
    greek = tmp_path / "greek.yaml"  # each warning its own header, in UTF-8, as upstream
    greek.write_text(bad.read_text().replace("bogus: 1", "bogus: 1, ΩΩ: 2"), encoding="utf-8")
    warned = kubectl("apply", "-f", str(greek), "--validate=warn")
    assert warned.stderr == (
        'Warning: unknown field "spec.ports[0].bogus"\nWarning: unknown field "spec.ports[0].ΩΩ"\n'
    )
