"""The shapes a Kubernetes body decodes into, as data: Go structs, slices, maps and scalars.

decoding.py walks a JSON body against these shapes the way encoding/json fills Go structs, and
the /k8s OpenAPI document is generated from the same shapes, so the two never disagree. The
kinds' shapes live beside their API groups: metav1.py, corev1.py, appsv1.py, discoveryv1.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Struct:
    """A Go struct: its type name (used in error text) and its JSON fields."""

    name: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class ListOf:
    item: Any


@dataclass(frozen=True)
class MapOf:
    value: Any


STRING, INT32_T, INT64_T, BOOL, INTSTR, ANY, TIME = (
    "string",
    "int32",
    "int64",
    "bool",
    "intstr",
    "any",
    "time",
)
