"""Plotly figures for a simulation result: a presenter between the core's numbers and the page.

The core returns plain counts (app/core/simulation.py); here they become figures, serialised as
JSON for static/js/charts.js to draw with the plotly.js that the plotly package ships. The charts
follow the page's theme: `theme_templates()` holds a plotly template per theme, and charts.js
puts the current one on each chart (and swaps it when the reader switches themes).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.utils import PlotlyJSONEncoder

OUTCOMES = (
    ("delivered", "#2e7d32"),
    ("dropped", "#e6a700"),
    ("rejected", "#c62828"),
    ("unreachable", "#6d4c41"),
)
# The page's own colours (static/css/app.css: --bg, --fg, --muted, --line) per theme.
_THEMES = {
    "light": ("plotly_white", {"bg": "#fbfbfd", "fg": "#1d2330", "grid": "#dde2ea"}),
    "dark": ("plotly_dark", {"bg": "#161a22", "fg": "#e6e9ef", "grid": "#2c3340"}),
}
_LAYOUT: dict[str, Any] = {
    "height": 320,
    "margin": {"l": 56, "r": 16, "t": 44, "b": 48},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "legend": {"orientation": "h", "y": -0.2},
}


def requests_by_pod(result: dict[str, Any]) -> go.Figure:
    """Requests each pod received, beside what its expected share of them would be."""
    by_pod: dict[str, int] = result["by_pod"]
    expected: dict[str, float] = result["expected_share"]
    pods = sorted(set(by_pod) | set(expected))
    delivered = sum(by_pod.values())
    figure = go.Figure()
    figure.add_bar(name="requests", x=pods, y=[by_pod.get(p, 0) for p in pods])
    figure.add_bar(
        name="expected share",
        x=pods,
        y=[round(expected.get(p, 0.0) * delivered, 1) for p in pods],
        marker={"color": "rgba(120,120,120,0.45)"},
    )
    title = "Requests by pod: observed vs expected share"
    if result.get("p_value") is not None:
        title += f" (chi-square p = {result['p_value']:.3f})"
    figure.update_layout(_LAYOUT, title=title, barmode="group", yaxis_title="requests")
    # Long pod names are tilted under the bars: the legend goes above the plot instead.
    figure.update_layout(legend={"y": 1.0, "x": 1.0, "xanchor": "right", "yanchor": "bottom"})
    return figure


def _rates(series: list[dict[str, Any]], counts: list[float]) -> list[float]:
    """Per-second rates: each row's count over the time it covers (stats.py `seconds`), so
    a last row shorter or longer than the others is drawn at its true rate."""
    return [round(c / row["seconds"], 3) if row["seconds"] else 0.0
            for row, c in zip(series, counts, strict=True)]  # fmt: skip


def _mark_events(figure: go.Figure, result: dict[str, Any]) -> None:
    for event in result.get("events", []):
        figure.add_vline(x=event["at"], line_dash="dot", line_color="#888")
        figure.add_annotation(
            x=event["at"], y=1, yref="paper", text=event["description"], showarrow=False,
            xanchor="left", font={"size": 11},
        )  # fmt: skip


def _over_time(figure: go.Figure, result: dict[str, Any], title: str, y_title: str) -> go.Figure:
    _mark_events(figure, result)
    bucket = result.get("bucket_seconds", 0)
    figure.update_layout(
        _LAYOUT,
        title=f"{title} (per {bucket:g} s)",
        xaxis_title="simulated seconds",
        yaxis_title=y_title,
    )
    return figure


def outcomes_over_time(result: dict[str, Any]) -> go.Figure:
    """Requests per second by outcome (delivered, dropped, rejected, unreachable), events
    marked."""
    series: list[dict[str, Any]] = result["series"]
    t = [point["t"] for point in series]
    figure = go.Figure()
    for outcome, colour in OUTCOMES:
        figure.add_scatter(
            name=outcome,
            x=t,
            y=_rates(series, [point[outcome] for point in series]),
            mode="lines",
            line={"color": colour, "width": 2},
        )
    return _over_time(figure, result, "Requests/s by outcome", "requests/s")


def _per_key_over_time(result: dict[str, Any], key: str) -> go.Figure:
    series: list[dict[str, Any]] = result["series"]
    t = [point["t"] for point in series]
    names = sorted({name for point in series for name in point.get(key) or {}})
    figure = go.Figure()
    for name in names:
        counts = [(point.get(key) or {}).get(name, 0) for point in series]
        figure.add_scatter(name=name, x=t, y=_rates(series, counts), mode="lines",
                           stackgroup="one")  # fmt: skip
    return figure


def requests_per_node_over_time(result: dict[str, Any]) -> go.Figure:
    """Delivered requests per second on each node's pods, stacked: a node going down shows as
    its band vanishing and the others widening."""
    figure = _per_key_over_time(result, "by_node")
    return _over_time(figure, result, "Requests/s per node", "requests/s")


def requests_per_pod_over_time(result: dict[str, Any]) -> go.Figure | None:
    """The same per pod (None when the cluster has too many pods to list per bucket)."""
    if not any("by_pod" in point for point in result["series"]):
        return None
    figure = _per_key_over_time(result, "by_pod")
    return _over_time(figure, result, "Requests/s per pod", "requests/s")


def crossings_and_affinity(result: dict[str, Any]) -> go.Figure:
    """The share of delivered requests that crossed to another node, and that session affinity
    sent back to a remembered pod."""
    series: list[dict[str, Any]] = result["series"]
    t = [point["t"] for point in series]
    figure = go.Figure()
    for name, field in (("cross-node", "cross_node"), ("affinity hits", "affinity_hits")):
        share = [round(100 * p[field] / p["delivered"], 2) if p["delivered"] else None
                 for p in series]  # fmt: skip
        figure.add_scatter(name=name, x=t, y=share, mode="lines")
    figure = _over_time(figure, result, "Cross-node share and affinity hits", "% of delivered")
    figure.update_yaxes(range=[0, 100])
    return figure


def _template(base: str, colours: dict[str, str]) -> go.layout.Template:
    template = go.layout.Template(pio.templates[base])
    template.layout.update(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor=colours["bg"],
        font={"color": colours["fg"]},
        xaxis={"gridcolor": colours["grid"], "linecolor": colours["grid"]},
        yaxis={"gridcolor": colours["grid"], "linecolor": colours["grid"]},
    )
    return template


@cache
def theme_templates() -> str:
    """{"light": template, "dark": template} as JSON, for charts.js to choose from."""
    templates = {name: _template(base, colours) for name, (base, colours) in _THEMES.items()}
    return json.dumps(
        {name: t.to_plotly_json() for name, t in templates.items()}, cls=PlotlyJSONEncoder
    )


def figures(result: dict[str, Any]) -> list[str]:
    """The page's charts as plotly JSON documents, drawn in the light theme until charts.js
    puts the reader's theme on them."""
    light = _template(*_THEMES["light"])
    drawn = [
        requests_by_pod(result),
        outcomes_over_time(result),
        requests_per_node_over_time(result),
        requests_per_pod_over_time(result),
        crossings_and_affinity(result),
    ]
    return [str(f.update_layout(template=light).to_json()) for f in drawn if f is not None]
