"""JSON merge patch (RFC 7386) and JSON patch (RFC 6902), as kube-apiserver applies them.

Upstream: k8s.io/apiserver pkg/endpoints/handlers/patch.go applies both with
gopkg.in/evanphx/json-patch.v4 (MergePatch and DecodePatch/Apply); the error texts below are
that library's (patch.go: `errors.Wrapf(ErrMissing, "add operation does not apply: …")` and
its causes "missing value", "test failed", "invalid index referenced").
"""

from __future__ import annotations

import copy
from typing import Any

MAX_OPERATIONS = 10000
"""patch.go maxJSONPatchOperations: a longer JSON patch is refused (413)."""


class PatchFailed(Exception):
    """A patch that does not apply to the object: upstream answers 422."""


class BadPatch(Exception):
    """A patch body that is not a patch at all: upstream answers 400."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 section 2: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _tokens(pointer: str) -> list[str]:
    """RFC 6901: "/a~1b/c" → ["a/b", "c"]."""
    if pointer == "":
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _parent(doc: Any, pointer: str) -> tuple[Any, str] | None:
    """findObject: the container holding the pointer's last token, or None."""
    tokens = _tokens(pointer)
    if not tokens:
        return None
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
        if not isinstance(node, dict | list):
            return None
    return node, tokens[-1]


def _index(key: str, size: int) -> int:
    if key.lstrip("-").isdigit():
        index = int(key)
        if 0 <= index < size:
            return index
        raise PatchFailed(f"Unable to access invalid index: {index}: invalid index referenced")
    raise PatchFailed(f'strconv.Atoi: parsing "{key}": invalid syntax')


def _get(container: Any, key: str) -> tuple[bool, Any]:
    if isinstance(container, dict):
        return key in container, container.get(key)
    return True, container[_index(key, len(container))]


def _add(container: Any, key: str, value: Any, path: str) -> None:
    if isinstance(container, dict):
        container[key] = value
        return
    if key == "-":
        container.append(value)
        return
    try:
        index = _index(key, len(container) + 1)
    except PatchFailed as exc:
        raise PatchFailed(f"error in add for path: '{path}': {exc}") from None
    container.insert(index, value)


def _remove(container: Any, key: str, path: str) -> Any:
    if isinstance(container, dict):
        if key not in container:
            raise PatchFailed(
                f"error in remove for path: '{path}': Unable to remove nonexistent key: "
                f"{key}: missing value"
            )
        return container.pop(key)
    try:
        return container.pop(_index(key, len(container)))
    except PatchFailed as exc:
        raise PatchFailed(f"error in remove for path: '{path}': {exc}") from None


def _operation(doc: Any, op: dict[str, Any]) -> None:
    kind, path = op.get("op"), op.get("path")
    if not isinstance(path, str):
        raise PatchFailed(f"{kind} operation failed to decode path")
    found = _parent(doc, path)
    if kind == "add":
        if found is None:
            raise PatchFailed(f'add operation does not apply: doc is missing path: "{path}": '
                              "missing value")  # fmt: skip
        _add(*found, copy.deepcopy(op.get("value")), path)
    elif kind == "remove":
        if found is None:
            raise PatchFailed(f'remove operation does not apply: doc is missing path: "{path}": '
                              "missing value")  # fmt: skip
        _remove(*found, path)
    elif kind == "replace":
        if found is None:
            raise PatchFailed(f"replace operation does not apply: doc is missing path: {path}: "
                              "missing value")  # fmt: skip
        container, key = found
        present, _ = _get(container, key)
        if not present:
            raise PatchFailed(f"replace operation does not apply: doc is missing key: {path}: "
                              "missing value")  # fmt: skip
        container[key if isinstance(container, dict) else int(key)] = copy.deepcopy(op.get("value"))
    elif kind == "test":
        if found is None:
            raise PatchFailed(
                f"test operation does not apply: is missing path: {path}: missing value"
            )
        present, value = _get(*found)
        if not present or value != op.get("value"):
            raise PatchFailed(f"testing value {path} failed: test failed")
    elif kind in ("move", "copy"):
        _move_or_copy(doc, kind, op, path)
    else:
        raise PatchFailed(f"Unexpected kind: {kind}")


def _move_or_copy(doc: Any, kind: str, op: dict[str, Any], path: str) -> None:
    source = op.get("from")
    found = _parent(doc, source) if isinstance(source, str) else None
    if found is None:
        raise PatchFailed(f"{kind} operation does not apply: doc is missing from path: {source}: "
                          "missing value")  # fmt: skip
    present, value = _get(*found)
    if not present:
        raise PatchFailed(f"error in {kind} for path: '{found[1]}': missing value")
    if kind == "move":
        _remove(*found, str(source))
    else:
        value = copy.deepcopy(value)
    target = _parent(doc, path)
    if target is None:
        raise PatchFailed(f"{kind} operation does not apply: doc is missing destination path: "
                          f"{path}: missing value")  # fmt: skip
    _add(*target, value, path)


def json_patch(doc: dict[str, Any], patch: Any) -> dict[str, Any]:
    """RFC 6902: apply every operation in order to a copy of doc, or raise."""
    if not isinstance(patch, list) or not all(isinstance(op, dict) for op in patch):
        raise BadPatch("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    out = copy.deepcopy(doc)
    for op in patch:
        _operation(out, op)
    return out
