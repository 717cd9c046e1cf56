"""Strategic merge patch, as k8s.io/apimachinery pkg/util/strategicpatch/patch.go applies it.

Maps merge; `null` deletes a key; lists whose field has `patchStrategy:"merge"` merge item by
item on their `patchMergeKey` (Service ports by port, containers by name), other lists are
replaced. The directives kubectl sends are honoured: `$patch: replace|delete|merge`,
`$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`. The merge
keys come from the same field shapes and patch metadata the OpenAPI documents publish
(app.core.model.openapi_schemas), so what kubectl computes and what we apply agree.
"""

from __future__ import annotations

import copy
from typing import Any

from app.core.model.openapi_schemas import patch_meta
from app.core.model.schema import ListOf, MapOf, Struct

PATCH = "$patch"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM = "$deleteFromPrimitiveList/"
SET_ORDER = "$setElementOrder/"


class PatchError(Exception):
    """A patch that cannot be applied (upstream: 422 or 400 with mergepatch's text)."""


def _field_shape(shape: Any, key: str) -> Any:
    if isinstance(shape, Struct):
        return shape.fields.get(key)
    if isinstance(shape, MapOf):
        return shape.value
    return None


def _item_shape(shape: Any) -> Any:
    return shape.item if isinstance(shape, ListOf) else None


def merge(original: dict[str, Any], patch: dict[str, Any], shape: Any) -> dict[str, Any]:
    """Apply a strategic merge patch to a copy of original (shape: its schema.Struct)."""
    return _merge_map(copy.deepcopy(original), copy.deepcopy(patch), shape)


def _merge_map(original: dict[str, Any], patch: dict[str, Any], shape: Any) -> dict[str, Any]:
    directive = patch.pop(PATCH, None)
    if directive == "replace":
        return _merge_map({}, patch, shape)
    if directive == "delete":
        return {}
    if directive not in (None, "merge"):
        raise PatchError(f"Unknown patch type: {directive} in map: {patch}")
    retain = patch.pop(RETAIN_KEYS, None)
    if retain is not None:
        if not isinstance(retain, list):
            raise PatchError(f"invalid retainKeys: {retain}")
        original = {k: v for k, v in original.items() if k in retain}
    orders = {k[len(SET_ORDER) :]: patch.pop(k) for k in list(patch) if k.startswith(SET_ORDER)}
    for key in [k for k in patch if k.startswith(DELETE_FROM)]:
        field, values = key[len(DELETE_FROM) :], patch.pop(key)
        if isinstance(original.get(field), list) and isinstance(values, list):
            original[field] = [v for v in original[field] if v not in values]
    for key, value in patch.items():
        sub = _field_shape(shape, key)
        meta = patch_meta(shape, key) if isinstance(shape, Struct) else {}
        if value is None:
            original.pop(key, None)
        elif isinstance(value, dict) and value.get(PATCH) == "delete":
            original.pop(key, None)
        elif isinstance(value, dict) and isinstance(original.get(key), dict):
            original[key] = _merge_map(original[key], value, sub)
        elif isinstance(value, list) and isinstance(original.get(key), list):
            original[key] = _merge_list(original[key], value, sub, meta, orders.get(key))
        elif isinstance(value, dict):
            original[key] = _merge_map({}, value, sub)
        elif isinstance(value, list):
            original[key] = _merge_list([], value, sub, meta, orders.get(key))
        else:
            original[key] = value
    for key, order in orders.items():
        if key not in patch and isinstance(original.get(key), list):
            meta = patch_meta(shape, key) if isinstance(shape, Struct) else {}
            original[key] = _reorder(original[key], original[key], order, meta)
    return original


def _strip(value: Any, shape: Any) -> Any:
    """A value taken whole from the patch, with any directive inside it applied to nothing."""
    if isinstance(value, dict):
        return _merge_map({}, value, shape)
    return value


def _key_of(item: Any, merge_key: str | None) -> Any:
    return item.get(merge_key) if merge_key and isinstance(item, dict) else item


def _merge_list(
    original: list[Any],
    patch: list[Any],
    shape: Any,
    meta: dict[str, Any],
    order: list[Any] | None,
) -> list[Any]:
    strategy = str(meta.get("x-kubernetes-patch-strategy", ""))
    if "merge" not in strategy.split(","):
        # No strategy: the list is replaced (a `$patch: replace` item is then meaningless).
        return [_strip(i, _item_shape(shape)) for i in patch if not _is_directive(i)]
    merge_key = meta.get("x-kubernetes-patch-merge-key")
    if merge_key is None:  # a set of primitives: union, original order first
        merged = list(original) + [v for v in patch if v not in original]
        return _reorder(original, merged, order, meta) if order else merged
    if any(isinstance(i, dict) and i.get(PATCH) == "replace" for i in patch):
        return [_strip(i, _item_shape(shape)) for i in patch if not _is_directive(i)]
    merged = list(original)
    for item in patch:
        if not isinstance(item, dict):
            raise PatchError(f"expected a map in a list merged by {merge_key}, got {item!r}")
        if merge_key not in item:
            raise PatchError(f"map: {item} does not contain declared merge key: {merge_key}")
        key = item[merge_key]
        at = next((i for i, o in enumerate(merged) if _key_of(o, merge_key) == key), None)
        if item.get(PATCH) == "delete":
            merged = [o for o in merged if _key_of(o, merge_key) != key]
        elif at is None:
            merged.append(_merge_map({}, dict(item), _item_shape(shape)))
        else:
            merged[at] = _merge_map(merged[at], dict(item), _item_shape(shape))
    return _reorder(original, merged, order, meta) if order else merged


def _is_directive(item: Any) -> bool:
    return isinstance(item, dict) and set(item) == {PATCH}


def _reorder(
    original: list[Any], merged: list[Any], order: list[Any] | None, meta: dict[str, Any]
) -> list[Any]:
    """normalizeElementOrder + mergeSortedSlice: items named in `$setElementOrder` come in
    that order; items only the server has keep their place relative to them."""
    if not order:
        return merged
    merge_key = meta.get("x-kubernetes-patch-merge-key")
    wanted = [_key_of(o, merge_key) for o in order]
    server = [_key_of(o, merge_key) for o in original]
    in_patch = sorted(
        (m for m in merged if _key_of(m, merge_key) in wanted),
        key=lambda m: wanted.index(_key_of(m, merge_key)),
    )
    server_only = sorted(
        (m for m in merged if _key_of(m, merge_key) not in wanted),
        key=lambda m: server.index(k) if (k := _key_of(m, merge_key)) in server else len(server),
    )
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) and j < len(in_patch):
        left, right = _key_of(server_only[i], merge_key), _key_of(in_patch[j], merge_key)
        li = server.index(left) if left in server else -1
        ri = server.index(right) if right in server else -1
        less = li >= 0 and ri >= 0 and li < ri  # otherwise the patch's item goes first
        if less:
            out.append(server_only[i])
            i += 1
        else:
            out.append(in_patch[j])
            j += 1
    return out + server_only[i:] + in_patch[j:]
