"""What every HTML handler shares: the template engine, and the view state a URL carries.

A topology URL holds everything needed to restore a view (filter, grouping, zoom, layers,
selected Service, selected element), so deep links and the browser's back button just work;
`View.query()` writes it back out for links and forms.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from jinja2_fragments.fastapi import Jinja2Blocks

from app.core.apiserver import printers
from app.core.diagram.layout import GROUP_BYS, LayoutOptions
from app.resources import TEMPLATES

templates = Jinja2Blocks(directory=str(TEMPLATES))
templates.env.globals["printers"] = printers
LAYERS = ("lb", "np", "cip")
LAYER_NAMES = {"lb": "LB", "np": "NodePort", "cip": "ClusterIP"}
CHANGED = {"HX-Trigger-After-Settle": "service-changed"}
"""Sent after every successful change: the widgets listening refresh themselves."""


@dataclass(frozen=True)
class View:
    service: str = ""
    filter: str = ""
    group: str = "node"
    focus: str = ""
    system: bool = True
    layers: frozenset[str] = frozenset(LAYERS)
    sel: str = ""

    @classmethod
    def from_request(cls, request: Request) -> View:
        """Read the query string; a form submission (`v=1`) says which checkboxes are off."""
        q = request.query_params
        submitted = q.get("v") == "1"
        group = q.get("group", "node")
        return cls(
            service=q.get("service", "")[:300],
            filter=q.get("filter", "")[:300],
            group=group if group in GROUP_BYS else "node",
            focus=q.get("focus", "")[:300],
            system=(q.get("system") == "1") if submitted else q.get("system") != "0",
            layers=(
                frozenset(x for x in q.getlist("layer") if x in LAYERS)
                if submitted
                else frozenset(LAYERS)
            ),
            sel=q.get("sel", "")[:400],
        )

    @property
    def hidden_classes(self) -> str:
        """CSS classes that hide the layers switched off (" hide-lb hide-np")."""
        return "".join(f" hide-{layer}" for layer in LAYERS if layer not in self.layers)

    def options(self) -> LayoutOptions:
        return LayoutOptions(
            service=self.service,
            filter=self.filter,
            group_by=self.group,
            focus=self.focus,
            system=self.system,
        )

    def query(self, **changes: Any) -> str:
        """This view as a query string, with some fields changed (for links)."""
        view = replace(self, **changes)
        params: list[tuple[str, str]] = []
        for key in ("service", "filter", "focus", "sel"):
            if getattr(view, key):
                params.append((key, getattr(view, key)))
        if view.group != "node":
            params.append(("group", view.group))
        if not view.system:
            params.append(("system", "0"))
        if view.layers != frozenset(LAYERS):
            params.append(("v", "1"))
            params += [("layer", layer) for layer in LAYERS if layer in view.layers]
            if view.system:
                params.append(("system", "1"))
        return urlencode(params)


def is_fragment_request(request: Request) -> bool:
    """An HTMX swap wants a fragment; a history restore wants the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
