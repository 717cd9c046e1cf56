"""Regenerate app/core/model/known_fields.json: every field name upstream's schemas declare
for the served kinds, nested as the objects are, for server-side field validation
(`fieldValidation=Strict|Warn`).

The decoding shapes type only what svcscope reads; this tree knows every field, taken from
the official Python client's models (generated from kube-apiserver's OpenAPI; a dev
dependency). A field whose value is a map, or a scalar, is a leaf (0).
Run: .venv/bin/python scripts/known_fields.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kubernetes.client import models

OUT = Path(__file__).resolve().parent.parent / "app/core/model/known_fields.json"
KINDS = {
    "Service": "V1Service",
    "Pod": "V1Pod",
    "Node": "V1Node",
    "Deployment": "V1Deployment",
    "EndpointSlice": "V1EndpointSlice",
    "Endpoints": "V1Endpoints",
    "ReplicaSet": "V1ReplicaSet",
    "StatefulSet": "V1StatefulSet",
    "DaemonSet": "V1DaemonSet",
    "Namespace": "V1Namespace",
    "ServiceAccount": "V1ServiceAccount",
    "ConfigMap": "V1ConfigMap",
    "Secret": "V1Secret",
    "PersistentVolumeClaim": "V1PersistentVolumeClaim",
    "Ingress": "V1Ingress",
    "NetworkPolicy": "V1NetworkPolicy",
    "HorizontalPodAutoscaler": "V2HorizontalPodAutoscaler",
    "StorageClass": "V1StorageClass",
    "PodDisruptionBudget": "V1PodDisruptionBudget",
}


def _tree(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr, annotation in model.openapi_types.items():
        match = re.fullmatch(r"(?:List\[)?(\w+)\]?", annotation)
        inner = getattr(models, match.group(1), None) if match else None
        is_model = inner is not None and hasattr(inner, "openapi_types")
        out[model.attribute_map[attr]] = _tree(inner) if is_model else 0
    return out


def main() -> None:
    tree = {kind: _tree(getattr(models, name)) for kind, name in KINDS.items()}
    OUT.write_text(json.dumps(tree, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
