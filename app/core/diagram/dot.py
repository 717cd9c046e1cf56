"""The topology as Graphviz DOT, for slides and documents (`dot -Tsvg topology.dot`).

The graph is the diagram's: the same ids, the same edges, nodes drawn as clusters holding
their nodePort tabs and pods; Graphviz chooses the positions.
"""

from __future__ import annotations

from app.core.diagram.shapes import Layout

COLOURS = {
    "client-lb": "#d35400",
    "lb-np": "#d35400",
    "lb-node": "#d35400",
    "np-svc": "#1e8449",
    "svc-pod": "#2563c9",
    "local": "#2563c9",
    "cross": "#2563c9",
    "dns": "#8e44ad",
}


def quote(text: str) -> str:
    """A DOT ID in double quotes: backslashes and quotes escaped, newlines as \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(layout: Layout, name: str = "topology") -> str:
    lines = [
        f"digraph {quote(name)} {{",
        "  rankdir=TB; compound=true; newrank=true;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", arrowsize=0.7];',
        f'  {quote("client")} [label="clients outside the cluster", shape=ellipse];',
    ]
    for lb in layout.load_balancers:
        label = f"LB {lb.service}\n{lb.address} · {lb.ports}"
        style = ', style="rounded,dashed"' if lb.pending else ""
        lines.append(f'  {quote(lb.id)} [label={quote(label)}, fillcolor="#fdebd0"{style}];')
    for index, node in enumerate(layout.nodes):
        lines.append(f"  subgraph {quote(f'cluster_{index}')} {{")
        lines.append(f"    label={quote(node.name + chr(10) + node.detail)};")
        lines.append(f'    style="rounded{"" if node.ready else ",dashed"}";')
        lines.append(f"    {quote(node.id)} [shape=point, style=invis];")
        for marker in layout.ports:
            if marker.column == node.id:
                label = f"{marker.node_port}/{marker.protocol}"
                lines.append(f'    {quote(marker.id)} [label={quote(label)}, fillcolor="#d5f5e3"];')
        for pod in layout.pods:
            if f"node:{pod.node}" == node.id:
                label = f"{pod.namespace}/{pod.name}\n{pod.ip}"
                fill = "#eaf2fb" if pod.ready else "#f2f3f4"
                dashed = "" if pod.ready else ', style="rounded,filled,dashed"'
                lines.append(
                    f'    {quote(pod.id)} [label={quote(label)}, fillcolor="{fill}"{dashed}];'
                )
        for chip in layout.chips:
            if chip.column == node.id:
                label = f"{chip.namespace} {chip.label}\n×{chip.count} ({chip.ready} ready)"
                lines.append(f'    {quote(chip.id)} [label={quote(label)}, fillcolor="#eaf2fb"];')
        lines.append("  }")
    for bar in layout.services:
        label = f"{bar.key} ({bar.type})\n{bar.address}"
        lines.append(f'  {quote(bar.id)} [label={quote(label)}, fillcolor="#d6e4f5"];')
    for address in layout.addresses:
        label = f"{address.label}\n{address.ip}"
        lines.append(f"  {quote(address.id)} [label={quote(label)}];")
    for edge in layout.edges:
        colour = COLOURS.get(edge.kind, "#555555")
        style = ", style=dashed" if edge.kind in ("local", "dns") else ""
        lines.append(f'  {quote(edge.source)} -> {quote(edge.target)} [color="{colour}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
