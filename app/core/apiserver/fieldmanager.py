"""Server-side apply, simplified from sigs.k8s.io/structured-merge-diff and
k8s.io/apiserver pkg/endpoints/handlers/fieldmanager.

Each applier's field set is recorded in `metadata.managedFields` as FieldsV1 (`f:<field>`,
`k:{…}` for items of list-maps such as Service ports, `v:<value>` for set items). Applying
merges the configuration like a strategic merge patch, removes the fields this manager applied
before and no longer names, and refuses (409) to change a field another applier owns unless
`force=true`, which takes the field over. Every other write (POST, PUT, the other patch
types, scale and status) records an Update entry (track_update), as upstream does; conflicts
are still raised against Apply managers only (upstream also against Update managers).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from app.core.apiserver import strategicpatch
from app.core.model.decoding import SCHEMAS
from app.core.model.openapi_schemas import patch_meta
from app.core.model.schema import ListOf, MapOf, Struct


class ApplyConflict(Exception):
    """errors.NewApplyConflict: 409 Conflict, one FieldManagerConflict cause per field."""

    def __init__(self, conflicts: list[tuple[str, str]]) -> None:
        self.conflicts = conflicts  # (manager, path)
        self.causes = [
            {"reason": "FieldManagerConflict", "message": f'conflict with "{m}"', "field": p}
            for m, p in conflicts
        ]
        super().__init__(_conflict_message(conflicts))


def _conflict_message(conflicts: list[tuple[str, str]]) -> str:
    """fieldmanager/internal/conflict.go getConflictMessage."""
    if len(conflicts) == 1:
        manager, path = conflicts[0]
        return f'Apply failed with 1 conflict: conflict with "{manager}": {path}'
    lines: list[str] = []
    for manager in sorted({m for m, _ in conflicts}):
        lines.append(f'conflicts with "{manager}":')
        lines.extend(f"- {p}" for m, p in conflicts if m == manager)
    return f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)


def _sub_shape(shape: Any, key: str) -> Any:
    if isinstance(shape, Struct):
        return shape.fields.get(key)
    return shape.value if isinstance(shape, MapOf) else None


def _meta(shape: Any, key: str) -> dict[str, Any]:
    return patch_meta(shape, key) if isinstance(shape, Struct) else {}


# List-map keys with a schema default (k8s.io/api core/v1 types.go `+default="TCP"` on
# ServicePort.protocol and ContainerPort.protocol): the applied item is keyed as defaulted.
_KEY_DEFAULTS = {"protocol": "TCP"}


def _item_key(item: Any, meta: dict[str, Any]) -> str:
    keys = meta.get("x-kubernetes-list-map-keys")
    if keys and isinstance(item, dict):
        chosen = {k: item.get(k, _KEY_DEFAULTS.get(k)) for k in keys}
        chosen = {k: v for k, v in chosen.items() if v is not None}
        return "k:" + json.dumps(chosen, separators=(",", ":"))
    return "v:" + json.dumps(item, separators=(",", ":"))


def field_set(value: Any, shape: Any) -> dict[str, Any]:
    """FieldsV1 of an applied configuration; atomic and unknown lists are leaves."""
    if not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        sub, meta = _sub_shape(shape, key), _meta(shape, key)
        if isinstance(item, list) and meta.get("x-kubernetes-list-type") in ("map", "set"):
            inner = sub.item if isinstance(sub, ListOf) else None
            out[f"f:{key}"] = {
                _item_key(i, meta): (
                    {".": {}, **field_set(i, inner)} if isinstance(i, dict) else {}
                )
                for i in item
            }
        elif isinstance(item, dict) and item:
            out[f"f:{key}"] = field_set(item, sub)
        else:
            out[f"f:{key}"] = {}
    return out


def _leaves(fields: Any, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The owned leaf paths of a fieldsV1 tree. A malformed tree a client sent owns nothing:
    upstream resets managedFields it cannot decode rather than fail the write."""
    out: set[tuple[str, ...]] = set()
    if not isinstance(fields, dict):
        return out
    for key, children in fields.items():
        if key == ".":
            continue
        path = (*prefix, key)
        inner = (
            {k: v for k, v in children.items() if k != "."} if isinstance(children, dict) else {}
        )
        out |= _leaves(inner, path) if inner else {path}
    return out


def _lookup(obj: Any, path: tuple[str, ...], shape: Any) -> tuple[bool, Any]:
    for step in path:
        kind, _, name = step.partition(":")
        if kind == "f" and isinstance(obj, dict) and name in obj:
            parent_shape, shape = shape, _sub_shape(shape, name)
            obj, meta = obj[name], _meta(parent_shape, name)
            if isinstance(obj, list):
                shape = (shape.item if isinstance(shape, ListOf) else None, meta)
        elif kind in ("k", "v") and isinstance(obj, list) and isinstance(shape, tuple):
            item_shape, meta = shape
            found = [i for i in obj if _item_key(i, meta) == step]
            if not found:
                return False, None
            obj, shape = found[0], item_shape
        else:
            return False, None
    return True, obj


def _printed(path: tuple[str, ...]) -> str:
    """fieldpath.Path.String(): `.spec.ports[port=80,protocol="TCP"].targetPort`."""
    out = ""
    for step in path:
        kind, _, name = step.partition(":")
        if kind == "f":
            out += "." + name
        elif kind == "k":
            keys = json.loads(name)
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
        else:
            out += f"[={name}]"
    return out


def _drop(fields: dict[str, Any], path: tuple[str, ...]) -> None:
    node = fields
    for step in path[:-1]:
        node = node.get(step, {})
    node.pop(path[-1], None)


def server_side_apply(
    kind: str,
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    manager: str,
    *,
    force: bool = False,
) -> dict[str, Any]:
    """The object after `manager` applies `applied` (live None: the object is created)."""
    shape = SCHEMAS[kind]
    # The type fields name the object; fieldmanager does not record them as managed.
    fields = {
        k: v for k, v in field_set(applied, shape).items() if k not in ("f:apiVersion", "f:kind")
    }
    base = copy.deepcopy(live) if live is not None else {}
    managed = [m for m in base.get("metadata", {}).get("managedFields", []) if isinstance(m, dict)]
    others = [m for m in managed if not _is_apply_by(m, manager)]
    mine = next((m for m in managed if _is_apply_by(m, manager)), None)
    _resolve_conflicts(base, applied, fields, others, shape, force=force)
    if mine is not None:
        elsewhere: set[tuple[str, ...]] = set()
        for entry in others:
            elsewhere |= _leaves(entry.get("fieldsV1", {}))
        _prune(base, mine.get("fieldsV1", {}), fields, shape, elsewhere)
    out = strategicpatch.merge(base, applied, shape)
    record = {
        "manager": manager,
        "operation": "Apply",
        "apiVersion": applied.get("apiVersion", ""),
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }
    remaining = [m for m in others if _leaves(m.get("fieldsV1", {}))]
    out.setdefault("metadata", {})["managedFields"] = [*remaining, record]
    return out


def _resolve_conflicts(
    live: dict[str, Any],
    applied: dict[str, Any],
    fields: dict[str, Any],
    others: list[dict[str, Any]],
    shape: Any,
    *,
    force: bool,
) -> None:
    """A field another applier owns may only change with force, which takes it over."""
    mine = _leaves(fields)
    conflicts: list[tuple[str, str]] = []
    for entry in others:
        if entry.get("operation") != "Apply":
            continue
        owned = entry.get("fieldsV1", {})
        for path in sorted(mine & _leaves(owned)):
            in_live, live_value = _lookup(live, path, shape)
            _, new_value = _lookup(applied, path, shape)
            if in_live and live_value == new_value:
                continue  # the same value: both own it
            if force:
                _drop(owned, path)
            else:
                conflicts.append((str(entry.get("manager", "")), _printed(path)))
    if conflicts:
        raise ApplyConflict(conflicts)


def _prune(
    obj: Any,
    old: dict[str, Any],
    new: dict[str, Any],
    shape: Any,
    kept: set[tuple[str, ...]],
    prefix: tuple[str, ...] = (),
) -> None:
    """Remove from obj what `old` names and `new` does not (a field the manager let go),
    unless another manager still owns it or something under it (`kept`)."""
    if not isinstance(obj, dict):
        return

    def owned_by_others(path: tuple[str, ...]) -> bool:
        return any(k[: len(path)] == path for k in kept)

    for step, children in old.items():
        if not step.startswith("f:"):
            continue
        key, here = step[2:], (*prefix, step)
        if step not in new:
            if not owned_by_others(here):
                obj.pop(key, None)
            continue
        sub, value = _sub_shape(shape, key), obj.get(key)
        if isinstance(value, dict):
            _prune(value, children, new[step], sub, kept, here)
        elif isinstance(value, list):
            meta = _meta(shape, key)
            gone = {k for k in children if k not in new[step] and not owned_by_others((*here, k))}
            obj[key] = [i for i in value if _item_key(i, meta) not in gone]
            inner = sub.item if isinstance(sub, ListOf) else None
            for item in obj[key]:
                item_key = _item_key(item, meta)
                if item_key in children and item_key in new[step]:
                    _prune(
                        item,
                        children[item_key],
                        new[step][item_key],
                        inner,
                        kept,
                        (*here, item_key),
                    )


def _is_apply_by(entry: dict[str, Any], manager: str) -> bool:
    return entry.get("manager") == manager and entry.get("operation") == "Apply"


# --- Update operations (every write that is not an apply) -----------------------------------
# fieldmanager/internal/stripmeta.go: fields no manager owns.
_STRIPPED_META = (
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "generation",
    "managedFields",
    "resourceVersion",
)


def _tracked(obj: dict[str, Any], subresource: str, has_status: bool) -> dict[str, Any]:
    """What managers may own in a write: no type or identity fields, and only the part the
    write may change (the strategy's reset fields: status for the object, spec for /status)."""
    out = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    meta = {k: v for k, v in obj.get("metadata", {}).items() if k not in _STRIPPED_META}
    if meta:
        out["metadata"] = meta
    if subresource == "status":
        return {"status": out["status"]} if "status" in out else {}
    if has_status:
        out.pop("status", None)
    return out


def _from_leaves(leaves: set[tuple[str, ...]]) -> dict[str, Any]:
    """FieldsV1 from its leaves; list items carry `.` as field_set writes them."""
    out: dict[str, Any] = {}
    for path in sorted(leaves):
        node = out
        for step in path:
            node = node.setdefault(step, {})
            if step.startswith(("k:", "v:")):
                node.setdefault(".", {})
    return out


def track_update(
    kind: str,
    live: dict[str, Any] | None,
    new: dict[str, Any],
    manager: str,
    *,
    subresource: str = "",
    has_status: bool = False,
) -> None:
    """Record an Update by `manager` in new's managedFields, in place: it owns the fields it
    set or changed (taken from any other manager, without conflict, as upstream's
    UpdateNoErrors does); fields the write removed leave every manager's set."""
    shape = SCHEMAS.get(kind)
    after = _tracked(new, subresource, has_status)
    before = _tracked(live, subresource, has_status) if live is not None else {}
    new_leaves = _leaves(field_set(after, shape))
    removed = _leaves(field_set(before, shape)) - new_leaves if live is not None else set()
    changed = {p for p in new_leaves if _lookup(before, p, shape) != _lookup(after, p, shape)}
    meta = new.setdefault("metadata", {})
    source = meta if "managedFields" in meta else (live or {}).get("metadata", {})
    entries = [m for m in source.get("managedFields") or [] if isinstance(m, dict)]
    key = (manager, "Update", subresource)
    kept: list[dict[str, Any]] = []
    mine: set[tuple[str, ...]] = set()
    for entry in entries:
        owned = _leaves(entry.get("fieldsV1", {}))
        if (entry.get("manager"), entry.get("operation"), entry.get("subresource", "")) == key:
            mine = owned
        elif owned - changed - removed:
            fields = entry.get("fieldsV1", {})
            if owned & (changed | removed):
                fields = _from_leaves(owned - changed - removed)
            kept.append({**entry, "fieldsV1": fields})
    mine = (mine - removed) | changed
    if mine:
        record: dict[str, Any] = {
            "manager": manager,
            "operation": "Update",
            "apiVersion": new.get("apiVersion", ""),
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "fieldsType": "FieldsV1",
            "fieldsV1": _from_leaves(mine),
        }
        if subresource:
            record["subresource"] = subresource
        kept.append(record)
    if kept:
        meta["managedFields"] = kept
    else:
        meta.pop("managedFields", None)
