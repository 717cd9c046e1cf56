"""Discovery and version for kubectl: /k8s/{cluster}/version, /api, /apis and the group docs.

What kubectl sends and needs is written down in ../shared/reference/kubectl-wire.md: aggregated
discovery negotiated v2 → v2beta1 → legacy on the Accept header, with the media-type
parameters in the reply's Content-Type, shortNames for `svc`/`deploy`/`ep`, and categories
`all` for `kubectl get all`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from app.api.deps import ClusterDep
from app.api.errors import READ_ERRORS
from app.api.fastjson import JSONResponse
from app.core.apiserver.writes import NotFound
from app.core.model.kept import GROUP_VERSIONS as KEPT_GROUP_VERSIONS
from app.core.model.kept import KEPT

router = APIRouter(prefix="/k8s/{cluster}", tags=["kubernetes discovery"], responses=READ_ERRORS)

VERBS = ["create", "delete", "get", "list", "patch", "update"]
READ = ["get", "list"]

# (group, resource, singular, kind, namespaced, shortNames, categories, verbs)
RESOURCES: list[tuple[str, str, str, str, bool, list[str], list[str], list[str]]] = [
    ("", "services", "service", "Service", True, ["svc"], ["all"], VERBS),
    ("", "pods", "pod", "Pod", True, ["po"], ["all"], VERBS),
    ("", "nodes", "node", "Node", False, ["no"], [], VERBS),
    ("", "endpoints", "endpoints", "Endpoints", True, ["ep"], [], READ),
    ("", "events", "event", "Event", True, ["ev"], [], READ),
    ("apps", "deployments", "deployment", "Deployment", True, ["deploy"], ["all"], VERBS),
    ("apps", "replicasets", "replicaset", "ReplicaSet", True, ["rs"], ["all"], VERBS),
    ("apps", "statefulsets", "statefulset", "StatefulSet", True, ["sts"], ["all"], VERBS),
    ("apps", "daemonsets", "daemonset", "DaemonSet", True, ["ds"], ["all"], VERBS),
    (
        "discovery.k8s.io",
        "endpointslices",
        "endpointslice",
        "EndpointSlice",
        True,
        [],
        [],
        VERBS,
    ),
    ("events.k8s.io", "events", "event", "Event", True, ["ev"], [], READ),
]
# The kinds svcscope keeps without simulating them (app/core/model/kept.py), Namespace among them.
RESOURCES += [
    (k.group, k.resource, k.singular, k.kind, k.namespaced, list(k.short_names), [], VERBS)
    for k in KEPT
]
GROUP_VERSIONS = {
    "apps": "v1",
    "discovery.k8s.io": "v1",
    "events.k8s.io": "v1",
    **KEPT_GROUP_VERSIONS,
}
"""Each named group with the one version svcscope serves (autoscaling: v2, for HPAs)."""
GROUPS = list(GROUP_VERSIONS)
SUBRESOURCES = {
    "deployments": ("status", "scale"),
    "replicasets": ("status", "scale"),
    "statefulsets": ("status", "scale"),
    "daemonsets": ("status",),
}
"""What each apps/v1 resource serves below it (kube_patch.py status, kube_scale.py scale)."""
_SUB_VERBS = {"status": ["get", "patch", "update"], "scale": ["get", "patch", "update"]}


def _sub_kind(group: str, kind: str, sub: str) -> dict[str, str]:
    if sub == "scale":
        return {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    return {"group": group, "version": "v1", "kind": kind}


VERSION = {
    "major": "1",
    "minor": "33",
    "emulationMajor": "1",
    "emulationMinor": "33",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "32",
    "gitVersion": "v1.33.1",
    "gitCommit": "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
    "gitTreeState": "clean",
    "buildDate": "2025-05-15T08:19:08Z",
    "goVersion": "go1.24.2",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def _of(group: str) -> list[tuple[str, str, str, str, bool, list[str], list[str], list[str]]]:
    return [r for r in RESOURCES if r[0] == group]


def _aliases(short: list[str], categories: list[str]) -> dict[str, list[str]]:
    """`svc` for services, `all` for `kubectl get all`: both documents list them, when any."""
    found = {"shortNames": short, "categories": categories}
    return {key: names for key, names in found.items() if names}


def _aggregated_resource(
    r: tuple[str, str, str, str, bool, list[str], list[str], list[str]],
) -> dict[str, Any]:
    group, resource, singular, kind, namespaced, short, categories, verbs = r
    entry: dict[str, Any] = {
        "resource": resource,
        "responseKind": {"group": group, "version": GROUP_VERSIONS.get(group, "v1"), "kind": kind},
        "scope": "Namespaced" if namespaced else "Cluster",
        "singularResource": singular,
        "verbs": verbs,
    }
    entry.update(_aliases(short, categories))
    if resource in SUBRESOURCES and group == "apps":
        entry["subresources"] = [
            {
                "subresource": sub,
                "responseKind": _sub_kind(group, kind, sub),
                "verbs": _SUB_VERBS[sub],
            }
            for sub in SUBRESOURCES[resource]
        ]
    return entry


def _aggregated(groups: list[str], version: str) -> dict[str, Any]:
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": [
            {
                "metadata": {"name": group} if group else {},
                "versions": [
                    {
                        "version": GROUP_VERSIONS.get(group, "v1"),
                        "resources": [_aggregated_resource(r) for r in _of(group)],
                        "freshness": "Current",
                    }
                ],
            }
            for group in groups
        ],
    }


def _negotiate(request: Request, groups: list[str], legacy: dict[str, Any]) -> JSONResponse:
    accept = request.headers.get("accept", "")
    for version in ("v2", "v2beta1"):
        if f"g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList" in accept.replace(" ", ""):
            return JSONResponse(
                _aggregated(groups, version),
                media_type=f"application/json;g=apidiscovery.k8s.io;v={version};"
                "as=APIGroupDiscoveryList",
            )
    return JSONResponse(legacy)


@router.get("/version")
def read_version(_: ClusterDep) -> dict[str, str]:
    """The Kubernetes version this simulator follows (kubectl's dispatcher picks by it)."""
    return VERSION


@router.get("/api")
def core_discovery(request: Request, _: ClusterDep) -> JSONResponse:
    """The core group: aggregated discovery or the legacy APIVersions document."""
    legacy = {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}],
    }
    return _negotiate(request, [""], legacy)


@router.get("/apis")
def group_discovery(request: Request, _: ClusterDep) -> JSONResponse:
    """The named groups: aggregated discovery or the legacy APIGroupList."""
    legacy = {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": group,
                "versions": [{"groupVersion": f"{group}/{version}", "version": version}],
                "preferredVersion": {"groupVersion": f"{group}/{version}", "version": version},
            }
            for group, version in GROUP_VERSIONS.items()
        ],
    }
    return _negotiate(request, GROUPS, legacy)


def _resource_list(group: str) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for r in _of(group):
        _, resource, singular, kind, namespaced, short, categories, verbs = r
        entry: dict[str, Any] = {
            "name": resource,
            "singularName": singular,
            "namespaced": namespaced,
            "kind": kind,
            "verbs": verbs,
        }
        resources.append({**entry, **_aliases(short, categories)})
        if group == "apps" and "scale" in SUBRESOURCES.get(resource, ()):
            scale = {"group": "autoscaling", "version": "v1", "kind": "Scale"}
            verbs = ["get", "patch", "update"]
            resources.append(
                {"name": f"{resource}/scale", "namespaced": True, **scale, "verbs": verbs}
            )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{GROUP_VERSIONS[group]}" if group else "v1",
        "resources": resources,
    }


@router.get("/api/v1")
def core_resources(_: ClusterDep) -> dict[str, Any]:
    """The legacy resource list of the core group."""
    return _resource_list("")


@router.get("/apis/{group}/{version}")
def group_resources(group: str, version: str, _: ClusterDep) -> JSONResponse:
    """The legacy resource list of one served group/version (apps/v1, autoscaling/v2, …)."""
    if GROUP_VERSIONS.get(group) != version:
        raise NotFound("the server could not find the requested resource")
    return JSONResponse(_resource_list(group))
