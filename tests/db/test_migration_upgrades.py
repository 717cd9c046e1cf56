"""Upgrading keeps data: a database built at every earlier revision, filled, upgraded to head.

The revision list comes from Alembic, so the test grows with the project. Rows are written
through reflection of the schema as it is at that revision (realistic values for the columns
the app knows, typed placeholders for any other), then the database is upgraded to head and
every value written must read back unchanged, and the app must serve the data.
"""

from __future__ import annotations

import datetime
import json
import zlib
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
)

from app.db.migrate import alembic_config
from app.main import create_app
from app.settings import get_settings

CLUSTER_VALUES: dict[str, Any] = {
    "provider": "cloud",
    "proxy_mode": "iptables",
    "ipvs_scheduler": "rr",
    "service_cidr": "10.96.0.0/12",
    "pod_cidr": "10.244.0.0/16",
    "node_port_range": "30000-32767",
    "node_cidr": "192.168.49.0/24",
    "control_plane_address": "192.168.49.2",
    "load_balancer_pool": "198.51.100.0/24",
    "resource_version": 7,
    "created_at": datetime.datetime(2026, 1, 2, 3, 4, 5),
}


def revisions(url: str) -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


def service_body(name: str, uid: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": uid,
            "resourceVersion": "5",
            "annotations": {"note": "<b>kept</b> ✓"},
        },
        "spec": {
            "type": "NodePort",
            "clusterIP": "10.96.1.7",
            "clusterIPs": ["10.96.1.7"],
            "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30777}],
            "selector": {"app": name},
        },
        "status": {"loadBalancer": {}},
    }


def placeholder(column: Any, tag: str) -> Any:
    """A value for a column this test does not know (added by a later revision)."""
    if isinstance(column.type, Boolean):
        return True
    if isinstance(column.type, Integer):
        return 1
    if isinstance(column.type, DateTime):
        return datetime.datetime(2026, 1, 1)
    if isinstance(column.type, JSON):
        return {"tag": tag}
    if isinstance(column.type, String):
        return tag[: column.type.length or None]
    raise AssertionError(f"no placeholder for {column.table.name}.{column.name} {column.type}")


def fill(url: str, tag: str) -> dict[str, dict[str, Any]]:
    """Write one cluster, one Service and its allocations as the schema stands; return them."""
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    written: dict[str, dict[str, Any]] = {}
    uid = f"00000000-0000-4000-8000-{zlib.crc32(tag.encode()):012d}"
    with engine.begin() as connection:
        cluster = metadata.tables["cluster"]
        values = {"name": tag, **CLUSTER_VALUES}
        row = _row(cluster, values, tag)
        inserted = connection.execute(cluster.insert().values(row)).inserted_primary_key
        assert inserted is not None
        cluster_id = inserted[0]
        written["cluster"] = row
        objects = metadata.tables["kube_object"]
        row = _row(objects, {
            "cluster_id": cluster_id, "kind": "Service", "namespace": "default", "name": "web",
            "uid": uid, "resource_version": 5, "body": service_body("web", uid),
        }, tag)  # fmt: skip
        connection.execute(objects.insert().values(row))
        written["kube_object"] = row
        allocations = metadata.tables["allocation"]
        for kind, value in (("cluster-ip", "10.96.1.7"), ("node-port", "30777")):
            row = _row(
                allocations,
                {"cluster_id": cluster_id, "kind": kind, "value": value, "owner_uid": uid},
                tag,
            )
            connection.execute(allocations.insert().values(row))
            written[f"allocation {kind}"] = row
    engine.dispose()
    return written


def _row(table: Table, known: dict[str, Any], tag: str) -> dict[str, Any]:
    row = {}
    for column in table.columns:
        if column.name in known:
            row[column.name] = known[column.name]
        elif not (column.primary_key or column.nullable or column.server_default is not None):
            row[column.name] = placeholder(column, tag)
    return row


def read_back(url: str, written: dict[str, dict[str, Any]]) -> None:
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        for label, row in written.items():
            table = metadata.tables[label.split()[0]]
            keys = (
                ("name",)
                if label == "cluster"
                else ("uid",)
                if label == "kube_object"
                else ("value", "owner_uid")
            )
            query = select(table).where(*(table.c[k] == row[k] for k in keys))
            found = connection.execute(query).mappings().one()
            for column, value in row.items():
                stored = found[column]
                if isinstance(stored, str) and isinstance(value, dict):
                    stored = json.loads(stored)
                if isinstance(value, datetime.datetime) and isinstance(stored, datetime.datetime):
                    stored, value = stored.replace(tzinfo=None), value.replace(tzinfo=None)
                if (label, column) == ("cluster", "resource_version"):
                    assert stored >= value, (label, column)  # data migrations add objects
                    continue
                assert stored == value, (label, column)
    engine.dispose()


def test_there_is_a_revision_list_to_walk(database_url: str) -> None:
    assert len(revisions(database_url)) >= 1


def test_data_written_at_every_revision_survives_the_upgrade_to_head(database_url: str) -> None:
    """One database, upgraded one revision at a time, filled after every step."""
    config = alembic_config(database_url)
    written: dict[str, dict[str, dict[str, Any]]] = {}
    for revision in revisions(database_url):
        command.upgrade(config, revision)
        written[revision] = fill(database_url, f"at-{revision[:8]}")
    command.upgrade(config, "head")
    for rows in written.values():
        read_back(database_url, rows)


NAMESPACES_MIGRATION = "5b8e1c0d4a72"


@pytest.mark.parametrize("origin", revisions("sqlite://"))
def test_a_database_from_any_revision_upgrades_and_the_app_serves_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch, origin: str
) -> None:
    """From each revision straight to head, as the app's start-up migration does it."""
    command.upgrade(alembic_config(database_url), origin)
    written = fill(database_url, "legacy")
    monkeypatch.setenv("SVCSCOPE_SEED", "false")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:  # the lifespan upgrades to head
        clusters = client.get("/api/clusters").json()["items"]
        assert [c["name"] for c in clusters] == ["legacy"]
        # Later data migrations (namespaces as objects) add objects, each a new version.
        assert int(clusters[0]["resourceVersion"]) >= 7
        web = client.get("/k8s/legacy/api/v1/namespaces/default/services/web").json()
        assert web["metadata"]["annotations"] == {"note": "<b>kept</b> ✓"}
        assert web["spec"]["ports"][0]["nodePort"] == 30777
        taken = {
            "metadata": {"name": "other"},
            "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30777}]},
        }
        namespace = {"metadata": {"name": "default"}}
        made = client.post("/k8s/legacy/api/v1/namespaces", json=namespace)
        # The namespaces migration writes `default` for a cluster stored before it.
        ordered = revisions("sqlite://")
        before = ordered.index(origin) < ordered.index(NAMESPACES_MIGRATION)
        assert made.status_code == (409 if before else 201)
        clash = client.post("/k8s/legacy/api/v1/namespaces/default/services", json=taken)
        assert clash.status_code == 422  # the old allocation still holds the port
    read_back(database_url, written)
