"""The OpenAPI definitions come from the decoding shapes, with upstream's patch metadata."""

from __future__ import annotations

from app.core.model import corev1, decoding
from app.core.model.openapi_schemas import Builder, definition_names

V3 = Builder("#/components/schemas/", v3=True)


def test_every_struct_has_one_upstream_definition_name() -> None:
    names = list(definition_names().values())
    assert len(names) == len(set(names))
    assert definition_names()[id(corev1.POD_SPEC)] == "io.k8s.api.core.v1.PodSpec"
    assert "io.k8s.api.core.v1.PodTemplateSpec" in names


def test_every_served_kind_carries_its_group_version_kind() -> None:
    definitions = V3.definitions()
    kinds = {
        gvk["kind"]: gvk
        for schema in definitions.values()
        for gvk in schema.get("x-kubernetes-group-version-kind", [])
    }
    assert set(decoding.SCHEMAS) <= set(kinds)
    assert kinds["Deployment"] == {"group": "apps", "version": "v1", "kind": "Deployment"}


def test_service_ports_are_a_list_map_merged_by_port() -> None:
    ports = V3.definitions()["io.k8s.api.core.v1.ServiceSpec"]["properties"]["ports"]
    assert ports["x-kubernetes-patch-merge-key"] == "port"
    assert ports["x-kubernetes-patch-strategy"] == "merge"
    assert ports["x-kubernetes-list-map-keys"] == ["port", "protocol"]
    assert ports["items"]["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.api.core.v1.ServicePort"}
    ]


def test_fields_carry_upstream_descriptions_and_required() -> None:
    port = V3.definitions()["io.k8s.api.core.v1.ServicePort"]
    assert (
        port["properties"]["port"]["description"]
        == "The port that will be exposed by this service."
    )
    assert port["required"] == ["port"]
    container = V3.definitions()["io.k8s.api.core.v1.Container"]["properties"]
    assert container["env"]["x-kubernetes-patch-merge-key"] == "name"
