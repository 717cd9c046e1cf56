"""events.k8s.io/v1 Events: the same objects the core group serves, in the newer version.

Upstream: pkg/apis/events/v1/conversion.go — involvedObject is `regarding`, message is
`note`, reportingComponent is `reportingController`, and the fields the new API retired keep
their values under `deprecated…` names.
"""

from __future__ import annotations

from typing import Any

Manifest = dict[str, Any]
_RENAMED = {
    "involvedObject": "regarding",
    "related": "related",
    "message": "note",
    "reportingComponent": "reportingController",
    "reportingInstance": "reportingInstance",
    "reason": "reason",
    "type": "type",
    "action": "action",
    "eventTime": "eventTime",
    "series": "series",
    "source": "deprecatedSource",
    "firstTimestamp": "deprecatedFirstTimestamp",
    "lastTimestamp": "deprecatedLastTimestamp",
    "count": "deprecatedCount",
}


def to_events_v1(event: Manifest) -> Manifest:
    out: Manifest = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": event.get("metadata", {}),
    }
    for old, new in _RENAMED.items():
        if old in event:
            out[new] = event[old]
    return out
