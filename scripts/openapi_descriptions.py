"""Regenerate app/core/model/descriptions.json: field descriptions for the /k8s OpenAPI.

The official Python client's models (kubernetes==37, a dev dependency) are generated from
kube-apiserver's own OpenAPI document and keep each field's description and which fields are
required. This script copies those texts for exactly the structs and fields svcscope's decoding
shapes declare (app.core.model.openapi_schemas.definition_names), so `kubectl explain` reads
upstream's words. Run: .venv/bin/python scripts/openapi_descriptions.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kubernetes.client import models

from app.core.model.openapi_schemas import _all_structs, definition_names

OUT = Path(__file__).resolve().parent.parent / "app/core/model/descriptions.json"
_PREFIXES = {
    "io.k8s.api.discovery.v1": ("DiscoveryV1", "V1"),
    "io.k8s.api.core.v1": ("CoreV1", "V1"),
    "io.k8s.api.autoscaling.v2": ("V2",),
}


def _model(name: str) -> Any:
    package, short = name.rsplit(".", 1)
    for prefix in (*_PREFIXES.get(package, ()), "V1"):
        found = getattr(models, prefix + short, None)
        if found is not None:
            return found
    return None


def _doc(model: Any) -> str:
    text = (model.__doc__ or "").split("Attributes:")[0]
    return " ".join(text.split())


def main() -> None:
    structs = _all_structs()
    out: dict[str, Any] = {}
    for struct_id, name in sorted(definition_names().items(), key=lambda kv: kv[1]):
        model = _model(name)
        if model is None:
            continue
        by_json = {
            (f.serialization_alias or key): (f, key) for key, f in model.model_fields.items()
        }
        fields: dict[str, str] = {}
        required: list[str] = []
        for field in structs[struct_id].fields:
            info = by_json.get(field)
            if info is None:
                continue
            text = info[0].description
            if text is None:  # a reference: the referenced type's own description
                annotation = model.openapi_types.get(info[1], "")
                inner = getattr(models, annotation.strip("[]").replace("list", ""), None)
                text = _doc(inner) if inner is not None else ""
            fields[field] = " ".join(text.split())
            if info[0].is_required():
                required.append(field)
        out[name] = {"description": _doc(model), "fields": fields, "required": required}
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
