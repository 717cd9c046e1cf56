"""The Service form: HTML fields to a Kubernetes Service body, and API errors back to fields.

The form sends only what the user typed, so the API server's defaulting (type ClusterIP,
protocol TCP, targetPort = port, allocated clusterIP and nodePorts, traffic policies) is what
fills the rest — the page shows the same defaults and the same validation messages as
`kubectl apply` would. A FieldError's path (`spec.ports[0].nodePort`) names the input it
belongs to (`ports-0-nodePort`); an error no input owns is shown above the form.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.model.fielderrors import FieldError

PORT_FIELDS = ("name", "protocol", "port", "targetPort", "nodePort")
TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
MAX_PORTS = 20
_SPEC_INPUTS = {
    "type": "type",
    "selector": "selector",
    "clusterIP": "clusterIP",
    "clusterIPs": "clusterIP",
    "externalName": "externalName",
    "externalTrafficPolicy": "externalTrafficPolicy",
    "internalTrafficPolicy": "internalTrafficPolicy",
    "sessionAffinity": "sessionAffinity",
    "sessionAffinityConfig": "sessionAffinity",
    "ports": "ports-0-port",
}
_PORT_PATH = re.compile(r"^spec\.ports\[(\d+)\](?:\.(\w+))?")


def input_for(path: str) -> str:
    """The form input a field path belongs to ("" when none does)."""
    if path in ("metadata.name", "metadata.generateName"):
        return "name"
    if path == "metadata.namespace":
        return "namespace"
    match = _PORT_PATH.match(path)
    if match:
        sub = match.group(2) if match.group(2) in PORT_FIELDS else "port"
        return f"ports-{match.group(1)}-{sub}"
    head = path.removeprefix("spec.").split(".")[0].split("[")[0]
    return _SPEC_INPUTS.get(head, "") if path.startswith("spec.") else ""


def errors_by_input(errors: list[FieldError]) -> dict[str, list[str]]:
    """Each error printed as the API prints it (`field: Type: value: detail`), by input;
    key "" holds the ones no input owns."""
    found: dict[str, list[str]] = {}
    for err in errors:
        found.setdefault(input_for(err.field), []).append(str(err))
    return found


def _number(text: str) -> int | str:
    """Digits become a number; anything else goes to the API as typed, which rejects it in
    its own words."""
    stripped = text.strip()
    return int(stripped) if re.fullmatch(r"-?\d{1,9}", stripped) else stripped


@dataclass
class ServiceForm:
    namespace: str = "default"
    name: str = ""
    type: str = "ClusterIP"
    selector: str = ""
    clusterIP: str = ""
    externalName: str = ""
    externalTrafficPolicy: str = ""
    internalTrafficPolicy: str = ""
    sessionAffinity: str = ""
    resourceVersion: str = ""
    ports: list[dict[str, str]] = field(default_factory=lambda: [_empty_port()])

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> ServiceForm:
        form = cls()
        for key in _SCALARS:
            setattr(form, key, str(data.get(key, "")).strip()[:300])
        form.namespace = form.namespace or "default"
        form.type = form.type or "ClusterIP"
        rows = sorted(
            {int(k.split("-")[1]) for k in data if re.fullmatch(r"ports-\d{1,2}-\w+", k)}
        )[:MAX_PORTS]
        form.ports = [
            {f: str(data.get(f"ports-{i}-{f}", "")).strip()[:64] for f in PORT_FIELDS} for i in rows
        ]
        removed = data.get("remove_port", "")
        if removed.isdigit() and int(removed) < len(form.ports):
            del form.ports[int(removed)]
        if data.get("add_port") and len(form.ports) < MAX_PORTS:
            form.ports.append(_empty_port())
        form.ports = form.ports or [_empty_port()]
        return form

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> ServiceForm:
        meta, spec = obj.get("metadata", {}), obj.get("spec", {})
        selector = spec.get("selector") or {}
        affinity = spec.get("sessionAffinity", "")
        return cls(
            namespace=meta.get("namespace", "default"),
            name=meta.get("name", ""),
            type=spec.get("type", "ClusterIP"),
            selector=",".join(f"{k}={v}" for k, v in selector.items()),
            clusterIP=spec.get("clusterIP", ""),
            externalName=spec.get("externalName", ""),
            externalTrafficPolicy=spec.get("externalTrafficPolicy", ""),
            internalTrafficPolicy=spec.get("internalTrafficPolicy", ""),
            sessionAffinity=affinity,
            resourceVersion=meta.get("resourceVersion", ""),
            ports=[{f: str(p.get(f, "")) for f in PORT_FIELDS} for p in spec.get("ports", [])]
            or [_empty_port()],
        )

    def selector_map(self) -> tuple[dict[str, str], str]:
        """`app=web,tier=front` as a map; the second value is a message for a bad pair."""
        result: dict[str, str] = {}
        for pair in [p.strip() for p in self.selector.split(",") if p.strip()]:
            key, sep, value = pair.partition("=")
            if not sep:
                return {}, f'selector: expected key=value pairs separated by commas, got "{pair}"'
            result[key.strip()] = value.strip()
        return result, ""

    def body(self, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The Service JSON: on an edit the stored object with the form's fields replaced
        (labels, annotations and unknown fields survive); on a create only what was typed."""
        obj: dict[str, Any] = copy.deepcopy(dict(base)) if base else {}
        obj.update(apiVersion="v1", kind="Service")
        meta = obj.setdefault("metadata", {})
        meta.update(name=self.name, namespace=self.namespace or "default")
        if self.resourceVersion:
            meta["resourceVersion"] = self.resourceVersion
        spec = obj.setdefault("spec", {})
        selector, _ = self.selector_map()
        typed = {
            "type": self.type,
            "selector": selector,
            "clusterIP": self.clusterIP,
            "externalName": self.externalName,
            "externalTrafficPolicy": self.externalTrafficPolicy,
            "internalTrafficPolicy": self.internalTrafficPolicy,
            "sessionAffinity": self.sessionAffinity,
        }
        for key, value in typed.items():
            if value:
                spec[key] = value
            elif key != "clusterIP":
                spec.pop(key, None)
        if not self.clusterIP and not base:
            spec.pop("clusterIP", None)
        if self.clusterIP != (base or {}).get("spec", {}).get("clusterIP", self.clusterIP):
            spec.pop("clusterIPs", None)
        spec["ports"] = [_port(row) for row in self.ports if any(row.values())]
        return obj


_SCALARS = (
    "namespace",
    "name",
    "type",
    "selector",
    "clusterIP",
    "externalName",
    "externalTrafficPolicy",
    "internalTrafficPolicy",
    "sessionAffinity",
    "resourceVersion",
)


def _empty_port() -> dict[str, str]:
    return dict.fromkeys(PORT_FIELDS, "")


def _port(row: Mapping[str, str]) -> dict[str, Any]:
    port: dict[str, Any] = {}
    if row.get("name"):
        port["name"] = row["name"]
    if row.get("protocol"):
        port["protocol"] = row["protocol"]
    for key in ("port", "targetPort", "nodePort"):
        if row.get(key):
            port[key] = _number(row[key])
    return port
