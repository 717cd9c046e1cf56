"""The `svcscope` console script: seed, import (all or nothing) and export."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.db.session import get_engine
from app.settings import get_settings
from tests.conftest import app_client
from tests.manifests import KEPT_APP

APP = """\
apiVersion: v1
kind: Service
metadata: {name: shopfront}
spec:
  type: NodePort
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
"""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    path = tmp_path / "cli.db"
    assert main(["seed", "--db", str(path)]) == 0
    return path


def test_import_applies_a_manifest_and_export_prints_it(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(APP)
    assert main(["import", str(manifest), "--db", str(db), "--cluster", "demo"]) == 0
    assert "service/shopfront created" in capsys.readouterr().out
    assert main(["export", "--db", str(db), "--cluster", "demo"]) == 0
    exported = capsys.readouterr().out
    assert "name: shopfront" in exported
    assert "nodePort: " in exported


def test_import_accepts_the_kept_kinds_and_says_when_it_made_a_namespace(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "kept.yaml"
    manifest.write_text(KEPT_APP.replace("kind: Namespace\nmetadata: {name: shop}", "kind: "
                        "Namespace\nmetadata: {name: other}"))  # fmt: skip
    assert main(["import", str(manifest), "--db", str(db), "--cluster", "demo"]) == 0
    out = capsys.readouterr().out
    assert "ingress.networking.k8s.io/shop created" in out
    assert "horizontalpodautoscaler.autoscaling/api created" in out
    assert "namespace/shop created (created because document 1 writes into it" in out
    assert "namespace/other created\n" in out


def test_a_failing_import_applies_nothing_and_exits_1(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(
        APP
        + "---\n"
        + APP.replace("name: shopfront", "name: bad").replace("targetPort: 8080", "nodePort: 80")
    )
    assert main(["import", str(manifest), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "document 2:" in err
    assert "provided port is not in the valid range" in err
    assert main(["export", "--db", str(db)]) == 0
    assert "name: shopfront" not in capsys.readouterr().out


def test_missing_files_and_clusters_are_reported_not_raised(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "/nonexistent.yaml", "--db", str(db)]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["export", "--db", str(db), "--cluster", "nope"]) == 1
    assert 'clusters "nope" not found' in capsys.readouterr().err


def test_route_prints_each_hop_and_the_outcome(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "--db", str(db), "--cluster", "demo", "--to", "web:80"]) == 0
    out = capsys.readouterr().out
    assert "1. client" in out
    assert "load-balancer" in out
    assert "delivered:" in out and "instead:" not in out
    assert main(["route", "--db", str(db), "--cluster", "demo", "--to", "backend:80"]) == 1
    out = capsys.readouterr().out
    assert "unreachable:" in out and "instead: A ClusterIP is reachable only from inside" in out


def test_route_json_is_the_api_contract(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    args = ["route", "--db", str(db), "--from", "node:node-1", "--to", "backend:80",
            "--seed", "5", "--json"]  # fmt: skip
    assert main(args) == 0
    path = json.loads(capsys.readouterr().out)
    assert path["outcome"] == "delivered"
    assert path["hops"][0]["kind"] == "client"
    # The same request through POST /api/clusters/demo/route on the same database answers
    # the very same JSON, hop for hop.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    with app_client(seed=False) as client:
        response = client.post(
            "/api/clusters/demo/route",
            json={"source": {"kind": "node", "name": "node-1"}, "destination": "backend:80",
                  "seed": 5},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        assert response.json() == path
    get_engine().dispose()
    get_engine.cache_clear()


def test_route_explains_unreachable_and_rejects_bad_sources(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "--db", str(db), "--cluster", "bare-metal", "--to", "web:80"]) == 1
    assert "unreachable" in capsys.readouterr().out
    assert main(["route", "--db", str(db), "--from", "moon", "--to", "web:80"]) == 2
    assert "cannot read source" in capsys.readouterr().err


def test_rules_prints_iptables_save_for_a_node(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "--db", str(db), "--node", "node-1"]) == 0
    out = capsys.readouterr().out
    assert "-A KUBE-NODEPORTS" in out
    assert main(["rules", "--db", str(db), "--node", "node-1", "--mode", "ipvs"]) == 0
    assert "IP Virtual Server" in capsys.readouterr().out
    assert main(["rules", "--db", str(db), "--node", "ghost"]) == 1


def test_simulate_prints_a_summary_with_events(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", "--db", str(db), "--to", "web:80", "--requests", "5000",
            "--event", "2:node-down:node-1", "--event", "3:scale:frontend:5"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "5,000 requests to web:80" in out
    assert "event: t=2s node-down node-1" in out
    assert "event: t=3s scale frontend → 5" in out
    assert "chi-square" in out


def test_simulate_json_and_bad_events(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    args = ["simulate", "--db", str(db), "--to", "web:80", "--requests", "100", "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 100
    bad = ["simulate", "--db", str(db), "--to", "web:80", "--event", "soon:node-down:node-1"]
    assert main(bad) == 2
    assert "not a number of seconds" in capsys.readouterr().err


def test_create_registers_a_cluster_of_many_nodes(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["create", "wide", "--nodes", "600", "--node-cidr", "10.0.0.0/16"]
    args += ["--pod-cidr", "10.128.0.0/9", "--control-plane-address", "10.0.0.2"]
    assert main([*args, "--db", str(db)]) == 0
    assert "cluster/wide created" in capsys.readouterr().out
    assert main(["rules", "--db", str(db), "--cluster", "wide", "--node", "node-600"]) == 0
    assert main([*args, "--db", str(db)]) == 1  # it exists now
    assert 'clusters "wide" already exists' in capsys.readouterr().err
