"""What a write may change: the main resource or its status subresource, and who wrote it.

Upstream: each kind's strategy in pkg/registry (PrepareForUpdate and GetResetFields). A write to
the object keeps the stored status; a write to `{kind}/status` keeps the stored spec (and a few
more fields per kind). Both are table-driven here so a new kind adds one row.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from app.core.model.workspace import Manifest, clone

STATUS = "status"
RESTORE = "restore"
"""Not a Kubernetes subresource: svcscope's own manifest import, which restores an exported
object as it was (spec and status), so an export imports into a fresh cluster unchanged."""

# For `{kind}/status` writes: the paths taken from the stored object, whatever the body says.
# pkg/registry/core/service/strategy.go serviceStatusStrategy (Spec);
# pkg/registry/core/pod/strategy.go podStatusStrategy (Spec, OwnerReferences);
# pkg/registry/core/node/strategy.go nodeStatusStrategy (Spec);
# pkg/registry/apps/deployment/strategy.go deploymentStatusStrategy (Spec, Labels);
# pkg/registry/apps/{replicaset,statefulset,daemonset}/strategy.go status strategies (Spec).
STATUS_KEEPS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Service": (("spec",),),
    "Pod": (("spec",), ("metadata", "ownerReferences")),
    "Node": (("spec",),),
    "Deployment": (("spec",), ("metadata", "labels")),
    "ReplicaSet": (("spec",),),
    "StatefulSet": (("spec",),),
    "DaemonSet": (("spec",),),
}
"""The kinds with a status subresource; their main writes keep the stored status."""

FIELD_MANAGER_MAX_LENGTH = 128
"""k8s.io/apimachinery pkg/api/validation FieldManagerMaxLength."""


def prepare_for_update(kind: str, body: Manifest, old: Manifest, subresource: str) -> None:
    """Reset what this write may not change, in place (the strategy's PrepareForUpdate)."""
    if kind not in STATUS_KEEPS or subresource == RESTORE:
        return
    if subresource != STATUS:
        if "status" in old:
            body["status"] = clone(old["status"])
        else:
            body.pop("status", None)
        return
    for path in STATUS_KEEPS[kind]:
        _copy_path(old, body, path)
    body.get("metadata", {}).pop("deletionTimestamp", None)


def _copy_path(source: Manifest, target: Manifest, path: tuple[str, ...]) -> None:
    here: Any = source
    for step in path:
        here = here.get(step) if isinstance(here, dict) else None
    parent = target
    for step in path[:-1]:
        parent = parent.setdefault(step, {})
    if here is None:
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = clone(here)


def manager_or_user_agent(manager: str | None, user_agent: str) -> str:
    """The field manager of a write: the fieldManager parameter, else the User-Agent up to its
    first `/`, printable characters only, at most 128 bytes
    (k8s.io/apiserver pkg/endpoints/handlers/rest.go managerOrUserAgent)."""
    if manager:
        return manager
    out, size = [], 0
    for char in user_agent.split("/")[0]:
        if not _printable(char):
            continue
        width = len(char.encode("utf-8"))
        if size + width > FIELD_MANAGER_MAX_LENGTH:
            break
        out.append(char)
        size += width
    return "".join(out)


def _printable(char: str) -> bool:
    """Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space."""
    return char == " " or unicodedata.category(char)[0] in "LMNPS"
