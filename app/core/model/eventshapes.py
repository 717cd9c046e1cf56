"""k8s.io/api/core/v1 Event as a decoding shape (schema.py): what the controllers record and
`kubectl get events` lists (events.k8s.io/v1 serves the same objects, converted)."""

from __future__ import annotations

from app.core.model.metav1 import OBJECT_META
from app.core.model.schema import INT32_T, STRING, TIME, Struct

OBJECT_REFERENCE = Struct(
    "ObjectReference",
    {
        "kind": STRING,
        "namespace": STRING,
        "name": STRING,
        "uid": STRING,
        "apiVersion": STRING,
        "resourceVersion": STRING,
        "fieldPath": STRING,
    },
)
EVENT = Struct(
    "Event",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "involvedObject": OBJECT_REFERENCE,
        "reason": STRING,
        "message": STRING,
        "source": Struct("EventSource", {"component": STRING, "host": STRING}),
        "firstTimestamp": TIME,
        "lastTimestamp": TIME,
        "count": INT32_T,
        "type": STRING,
        "eventTime": TIME,
        "action": STRING,
        "reportingComponent": STRING,
        "reportingInstance": STRING,
    },
)
