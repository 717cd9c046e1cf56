"""PATCH: the four patch types kube-apiserver accepts, applied to the stored object.

Upstream: k8s.io/apiserver pkg/endpoints/handlers/patch.go. The result is a whole object that
then goes through the ordinary update (writes.replace): defaults, allocation, validation, and
409 Conflict when the patch names a stale metadata.resourceVersion.

Server-side apply (application/apply-patch+yaml) is simplified from sigs.k8s.io/structured-merge-
diff: the applied configuration is merged like a strategic merge patch, fields this manager
applied before and no longer names are removed, and `metadata.managedFields` records the
manager's field set (FieldsV1). Conflicts between managers are not detected.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from app.core.apiserver import jsonpatch, strategicpatch
from app.core.model.decoding import SCHEMAS
from app.core.model.openapi_schemas import patch_meta
from app.core.model.schema import ListOf, MapOf, Struct

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE, STRATEGIC, APPLY)


def apply_patch(kind: str, live: dict[str, Any], patch_type: str, patch: Any) -> dict[str, Any]:
    """The object after a JSON, merge or strategic patch (raises jsonpatch/strategicpatch
    errors for a patch that does not apply)."""
    if patch_type == JSON_PATCH:
        return jsonpatch.json_patch(live, patch)
    if not isinstance(patch, dict):
        raise jsonpatch.BadPatch(
            f"json: cannot unmarshal {type(patch).__name__} into Go value of type "
            "map[string]interface {}"
        )
    if patch_type == MERGE:
        out: dict[str, Any] = jsonpatch.merge_patch(copy.deepcopy(live), patch)
        return out
    return strategicpatch.merge(live, patch, SCHEMAS[kind])


# --- server-side apply ---------------------------------------------------------------------
def _item_key(item: Any, meta: dict[str, Any]) -> str:
    keys = meta.get("x-kubernetes-list-map-keys")
    if keys and isinstance(item, dict):
        chosen = {k: item[k] for k in keys if k in item}
        return "k:" + json.dumps(chosen, separators=(",", ":"), sort_keys=False)
    return "v:" + json.dumps(item, separators=(",", ":"))


def field_set(value: Any, shape: Any) -> dict[str, Any]:
    """FieldsV1 of an applied configuration: `f:<field>`, `k:{…}` list-map items,
    `v:<value>` set items, `{}` for a leaf; atomic lists and unknown lists are leaves."""
    if not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        sub = shape.fields.get(key) if isinstance(shape, Struct) else None
        if isinstance(shape, MapOf):
            sub = shape.value
        meta = patch_meta(shape, key) if isinstance(shape, Struct) else {}
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


def _prune(obj: Any, old: dict[str, Any], new: dict[str, Any], shape: Any) -> None:
    """Remove from obj what `old` names and `new` does not (a field the manager let go)."""
    if not isinstance(obj, dict):
        return
    for path, children in old.items():
        if not path.startswith("f:"):
            continue
        key = path[2:]
        if path not in new:
            obj.pop(key, None)
            continue
        sub = shape.fields.get(key) if isinstance(shape, Struct) else None
        if isinstance(shape, MapOf):
            sub = shape.value
        value = obj.get(key)
        if isinstance(value, dict):
            _prune(value, children, new[path], sub)
        elif isinstance(value, list):
            meta = patch_meta(shape, key) if isinstance(shape, Struct) else {}
            gone = {k for k in children if k not in new[path]}
            obj[key] = [i for i in value if _item_key(i, meta) not in gone]
            inner = sub.item if isinstance(sub, ListOf) else None
            for i in obj[key]:
                item_key = _item_key(i, meta)
                if item_key in children and item_key in new[path]:
                    _prune(i, children[item_key], new[path][item_key], inner)


def server_side_apply(
    kind: str, live: dict[str, Any] | None, applied: dict[str, Any], manager: str
) -> dict[str, Any]:
    """The object after `manager` applies `applied` (live None: the object is created)."""
    shape = SCHEMAS[kind]
    # The type fields name the object, not a value anyone manages (fieldmanager drops them).
    fields = {
        k: v for k, v in field_set(applied, shape).items() if k not in ("f:apiVersion", "f:kind")
    }
    base = copy.deepcopy(live) if live is not None else {}
    managed = [m for m in base.get("metadata", {}).get("managedFields", []) if isinstance(m, dict)]
    mine = next((m for m in managed if _is_apply_by(m, manager)), None)
    if mine is not None:
        _prune(base, mine.get("fieldsV1", {}), fields, shape)
    out = strategicpatch.merge(base, applied, shape)
    entry = {
        "manager": manager,
        "operation": "Apply",
        "apiVersion": applied.get("apiVersion", ""),
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }
    others = [m for m in managed if not _is_apply_by(m, manager)]
    out.setdefault("metadata", {})["managedFields"] = [*others, entry]
    return out


def _is_apply_by(entry: dict[str, Any], manager: str) -> bool:
    return entry.get("manager") == manager and entry.get("operation") == "Apply"
