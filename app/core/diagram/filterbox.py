"""The topology view's filter box: `app=web ns:shop type:NodePort not-ready`, parsed once.

Words are ANDed. Each word describes some kinds of object and is ignored by the others, so
`ns:shop` dims the pods and Services outside `shop` but leaves the nodes (which hold pods of
every namespace) alone; an element is dimmed when a word that applies to it does not match.

  key=value, key!=value   pod labels; a Service's labels or selector
  ns:NAME                 namespace of pods and Services
  type:TYPE               Service type (ClusterIP, NodePort, LoadBalancer, ExternalName)
  node:NAME, zone:NAME    nodes, and the pods running on them
  not-ready, ready        pods and nodes by their Ready condition
  anything else           part of the name of a pod, Service or node
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from app.core.model.objects import Node, Pod, Service

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


@dataclass(frozen=True)
class Term:
    field: str
    """label | ns | type | node | zone | ready | text"""
    value: str
    key: str = ""
    negated: bool = False


@dataclass(frozen=True)
class Filter:
    terms: tuple[Term, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.terms)

    @cached_property
    def _by_kind(self) -> dict[str, tuple[Term, ...]]:
        # Asked once per pod: 150,000 times on a cluster at the limits.
        return {
            kind: tuple(t for t in self.terms if t.field in fields)
            for kind, fields in _FIELDS.items()
        }

    def touches(self, kind: str) -> bool:
        """Whether some word describes this kind at all (else it is never dimmed)."""
        return bool(self._by_kind[kind])

    def service(self, svc: Service) -> bool:
        return all(_service_term(t, svc) for t in self._by_kind["service"])

    def pod(self, pod: Pod, node: Node | None) -> bool:
        for term in self._by_kind["pod"]:
            if not _pod_term(term, pod, node):
                return False
        return True

    def node(self, node: Node) -> bool:
        return all(_node_term(t, node) for t in self._by_kind["node"])


_FIELDS = {
    "service": {"label", "ns", "type", "text"},
    "pod": {"label", "ns", "node", "zone", "ready", "text"},
    "node": {"node", "zone", "ready", "text"},
}


def parse(text: str) -> Filter:
    """Every word becomes a term; nothing is rejected, so a half-typed filter still works."""
    terms: list[Term] = []
    for word in text.split()[:32]:
        lowered = word.lower()
        if lowered in ("not-ready", "notready", "!ready"):
            terms.append(Term("ready", "false"))
        elif lowered == "ready":
            terms.append(Term("ready", "true"))
        elif "!=" in word:
            key, _, value = word.partition("!=")
            terms.append(Term("label", value, key, negated=True))
        elif "=" in word:
            key, _, value = word.partition("=")
            terms.append(Term("label", value, key))
        elif ":" in word and word.split(":", 1)[0].lower() in ("ns", "type", "node", "zone"):
            field, _, value = word.partition(":")
            terms.append(Term(field.lower(), value))
        else:
            terms.append(Term("text", lowered))
    return Filter(tuple(terms))


def _label(term: Term, labels: Mapping[str, str]) -> bool:
    hit = labels.get(term.key) == term.value
    return not hit if term.negated else hit


def _service_term(term: Term, svc: Service) -> bool:
    if term.field == "label":
        hit = svc.labels.get(term.key) == term.value or (
            svc.selector is not None and svc.selector.get(term.key) == term.value
        )
        return not hit if term.negated else hit
    if term.field == "ns":
        return svc.namespace == term.value
    if term.field == "type":
        return svc.type.lower() == term.value.lower()
    return term.value in svc.key.lower()


def _pod_term(term: Term, pod: Pod, node: Node | None) -> bool:
    if term.field == "label":
        return _label(term, pod.labels)
    if term.field == "ns":
        return pod.namespace == term.value
    if term.field == "node":
        return pod.node_name == term.value
    if term.field == "zone":
        return node is not None and node.zone == term.value
    if term.field == "ready":
        return pod.ready == (term.value == "true")
    return term.value in pod.key.lower()


def _node_term(term: Term, node: Node) -> bool:
    if term.field == "node":
        return node.name == term.value
    if term.field == "zone":
        return node.zone == term.value
    if term.field == "ready":
        return node.ready == (term.value == "true")
    return term.value in node.name.lower()
