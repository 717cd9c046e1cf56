"""The EndpointSliceMirroring controller: user-written Endpoints → EndpointSlices.

Upstream: pkg/controller/endpointslicemirroring. For a Service without a selector, the
Endpoints a user writes are mirrored into slices (managed-by the mirroring controller) so that
kube-proxy, which reads only EndpointSlices, routes to them. Endpoints labelled
`endpointslice.kubernetes.io/skip-mirror: "true"` are not mirrored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.model.objects import SERVICE_NAME_LABEL

MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
MIRROR_CONTROLLER = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"


def mirrored_slices(
    endpoints: Mapping[str, Any], service_has_selector: bool
) -> list[dict[str, Any]]:
    """One slice per Endpoints subset (each subset has its own port set)."""
    meta = endpoints.get("metadata", {})
    labels = dict(meta.get("labels", {}))
    if service_has_selector or labels.get(SKIP_MIRROR) == "true":
        return []
    name = meta.get("name", "")
    slices = []
    for i, subset in enumerate(endpoints.get("subsets", [])):
        items = [(a, True) for a in subset.get("addresses", [])]
        items += [(a, False) for a in subset.get("notReadyAddresses", [])]
        slices.append(
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": f"{name}-mirror-{i}" if i else f"{name}-mirror",
                    "namespace": meta.get("namespace", "default"),
                    "labels": {**labels, SERVICE_NAME_LABEL: name, MANAGED_BY: MIRROR_CONTROLLER},
                    "creationTimestamp": meta.get("creationTimestamp"),
                },
                "addressType": "IPv4",
                "endpoints": [
                    {
                        "addresses": [address["ip"]],
                        "conditions": {"ready": ready, "serving": ready, "terminating": False},
                        **({"nodeName": address["nodeName"]} if address.get("nodeName") else {}),
                        **({"targetRef": address["targetRef"]} if address.get("targetRef") else {}),
                    }
                    for address, ready in items
                ],
                "ports": [
                    {
                        "name": p.get("name", ""),
                        "port": p.get("port"),
                        "protocol": p.get("protocol", "TCP"),
                    }
                    for p in subset.get("ports", [])
                ],
            }
        )
    return slices
