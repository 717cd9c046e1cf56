"""PATCH: the four patch types kube-apiserver accepts, applied to the stored object.

Upstream: k8s.io/apiserver pkg/endpoints/handlers/patch.go. The result is a whole object that
then goes through the ordinary update (writes.replace): defaults, allocation, validation, and
409 Conflict when the patch names a stale metadata.resourceVersion.
Server-side apply (application/apply-patch+yaml) is fieldmanager.py.
"""

from __future__ import annotations

import copy
from typing import Any

from app.core.apiserver import jsonpatch, strategicpatch
from app.core.model.decoding import SCHEMAS

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
