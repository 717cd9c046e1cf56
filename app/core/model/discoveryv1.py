"""k8s.io/api/discovery/v1 as decoding shapes (schema.py): EndpointSlice."""

from __future__ import annotations

from app.core.model.eventshapes import OBJECT_REFERENCE
from app.core.model.metav1 import OBJECT_META
from app.core.model.schema import BOOL, INT32_T, STRING, ListOf, Struct

ENDPOINT_SLICE = Struct(
    "EndpointSlice",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "addressType": STRING,
        "endpoints": ListOf(
            Struct(
                "Endpoint",
                {
                    "addresses": ListOf(STRING),
                    "conditions": Struct(
                        "EndpointConditions",
                        {"ready": BOOL, "serving": BOOL, "terminating": BOOL},
                    ),
                    "hostname": STRING,
                    "targetRef": OBJECT_REFERENCE,
                    "nodeName": STRING,
                    "zone": STRING,
                    "hints": Struct(
                        "EndpointHints",
                        {
                            "forZones": ListOf(Struct("ForZone", {"name": STRING})),
                            "forNodes": ListOf(Struct("ForNode", {"name": STRING})),
                        },
                    ),
                },
            )
        ),
        "ports": ListOf(
            Struct(
                "EndpointPort",
                {"name": STRING, "protocol": STRING, "port": INT32_T, "appProtocol": STRING},
            )
        ),
    },
)
