"""Server-side Tables of ReplicaSets, StatefulSets, DaemonSets and Events.

Upstream: pkg/printers/internalversion/printers.go (replicaSetColumnDefinitions,
statefulSetColumnDefinitions, daemonSetColumnDefinitions, eventColumnDefinitions and their
print functions). `kubectl get events` prints LAST SEEN TYPE REASON OBJECT MESSAGE from these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from app.core.apiserver.tablecells import AGE, NAME, Column, Manifest, age, col, human_duration

_CONTAINERS = col("Containers", "Names of each container in the template.", 1)
_IMAGES = col("Images", "Images referenced by each container in the template.", 1)
_SELECTOR = col("Selector", "Label selector for pods.", 1)


def _template_cells(o: Manifest) -> list[str]:
    containers = o.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return [
        ",".join(c.get("name", "") for c in containers),
        ",".join(c.get("image", "") for c in containers),
    ]


def _selector(o: Manifest) -> str:
    """metav1.FormatLabelSelector for the usual matchLabels case."""
    labels = o.get("spec", {}).get("selector", {}).get("matchLabels", {})
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>"


def _replica_set_row(o: Manifest, now: datetime) -> list[Any]:
    status = o.get("status", {})
    return [
        o["metadata"]["name"],
        o.get("spec", {}).get("replicas", 1),
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        age(o, now),
        *_template_cells(o),
        _selector(o),
    ]


def _stateful_set_row(o: Manifest, now: datetime) -> list[Any]:
    ready = o.get("status", {}).get("readyReplicas", 0)
    return [
        o["metadata"]["name"],
        f"{ready}/{o.get('spec', {}).get('replicas', 1)}",
        age(o, now),
        *_template_cells(o),
    ]


def _daemon_set_row(o: Manifest, now: datetime) -> list[Any]:
    status = o.get("status", {})
    node_selector = o.get("spec", {}).get("template", {}).get("spec", {}).get("nodeSelector", {})
    return [
        o["metadata"]["name"],
        status.get("desiredNumberScheduled", 0),
        status.get("currentNumberScheduled", 0),
        status.get("numberReady", 0),
        status.get("updatedNumberScheduled", 0),
        status.get("numberAvailable", 0),
        ",".join(f"{k}={v}" for k, v in sorted(node_selector.items())) or "<none>",
        age(o, now),
        *_template_cells(o),
        _selector(o),
    ]


def _since(stamp: str | None, now: datetime) -> str:
    """translateTimestampSince: <unknown> for a missing time."""
    if not stamp:
        return "<unknown>"
    try:
        then = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "<unknown>"
    return human_duration((now - then).total_seconds())


def _event_row(o: Manifest, now: datetime) -> list[Any]:
    """printEvent: OBJECT is `<lowercased kind>/<name>`, SOURCE `component, host`."""

    def field(core: str, v1: str) -> Any:  # a core/v1 Event, or its events.k8s.io/v1 form
        return o.get(core, o.get(v1))

    involved = field("involvedObject", "regarding") or {}
    source = field("source", "deprecatedSource") or {}
    component = source.get("component") or field("reportingComponent", "reportingController")
    host = source.get("host") or o.get("reportingInstance", "")
    return [
        _since(field("lastTimestamp", "deprecatedLastTimestamp") or o.get("eventTime"), now),
        o.get("type", ""),
        o.get("reason", ""),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        involved.get("fieldPath", ""),
        f"{component}, {host}" if host else (component or ""),
        str(field("message", "note") or "").strip(),
        _since(field("firstTimestamp", "deprecatedFirstTimestamp") or o.get("eventTime"), now),
        int(field("count", "deprecatedCount") or 1),
        o["metadata"]["name"],
    ]


_EVENT_NAME = ("Name", "string", 1, NAME[3])
COLUMNS: dict[str, tuple[list[Column], Callable[[Manifest, datetime], list[Any]]]] = {
    "replicasets": (
        [
            NAME,
            col("Desired", "Number of desired pods.", kind="integer"),
            col("Current", "Number of actual replicas.", kind="integer"),
            col("Ready", "The number of ready replicas for this replica set.", kind="integer"),
            AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ],
        _replica_set_row,
    ),
    "statefulsets": (
        [NAME, col("Ready", "Number of the pod with ready state"), AGE, _CONTAINERS, _IMAGES],
        _stateful_set_row,
    ),
    "daemonsets": (
        [
            NAME,
            col(
                "Desired",
                "The total number of nodes that should be running the daemon pod.",
                kind="integer",
            ),
            col("Current", "The number of nodes running at least one daemon pod.", kind="integer"),
            col("Ready", "The number of nodes running the daemon pod and ready.", kind="integer"),
            col(
                "Up-to-date", "The number of nodes running the updated daemon pod.", kind="integer"
            ),
            col(
                "Available",
                "The number of nodes running the daemon pod and available.",
                kind="integer",
            ),
            col(
                "Node Selector",
                "NodeSelector is a selector which must be true for the pod to fit on a node.",
            ),
            AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ],
        _daemon_set_row,
    ),
    "events": (
        [
            col(
                "Last Seen",
                "The time at which the most recent occurrence of this event was recorded.",
            ),
            col("Type", "Type of this event (Normal, Warning)."),
            col(
                "Reason",
                "This should be a short, machine understandable string that gives "
                "the reason for the transition into the object's current status.",
            ),
            col("Object", "The object that this event is about."),
            col("Subobject", "The field of the object the event is about.", 1),
            col("Source", "The component reporting this event.", 1),
            col("Message", "A human-readable description of the status of this operation."),
            col("First Seen", "The time at which the event was first recorded.", 1),
            col("Count", "The number of times this event has occurred.", 1),
            _EVENT_NAME,
        ],
        _event_row,
    ),
}
COLUMNS["events.k8s.io/events"] = COLUMNS["events"]
