"""Every text of the topology diagram as a Label (labels.py), at the places the template
draws them: the template renders `Layout.labels`, nothing else, so the no-overlap rule the
tests check on these is the rule the page follows."""

from __future__ import annotations

from collections.abc import Iterator

from app.core.diagram.labels import Label, label, place, text_width
from app.core.diagram.shapes import Layout

PAD = 10
ZOOM_TEXT = "zoom in ›"


def _boxes(drawn: Layout) -> Iterator[Label | None]:
    c = drawn.client
    yield label(c.id, c.cx, c.y + 21, [("", "clients outside the cluster")], c.w - 16,
                anchor="middle", priority=0)  # fmt: skip
    for h in drawn.headings:
        if h.kind == "zone":
            yield label(h.id, h.x + PAD, h.y + 14, [("heading", h.label)], h.w - 2 * PAD,
                        priority=2)  # fmt: skip
        else:
            yield label(h.id, h.x + 6, h.y + 13, [("ns-heading", f"namespace {h.label}")],
                        h.w - 12, priority=2)  # fmt: skip
    for lb in drawn.load_balancers:
        room = lb.w - 2 * PAD
        yield label(lb.id, lb.x + PAD, lb.y + 16, [("name", f"LB {lb.service}")], room,
                    priority=1)  # fmt: skip
        detail = [("address", lb.address), ("detail", f" · {lb.ports}")]
        yield label(lb.id, lb.x + PAD, lb.y + 31, detail, room, cls="detail", priority=4)
        yield label(lb.id, lb.x + PAD, lb.y + 44, [("note", lb.summary)], room, priority=6)
    for n in drawn.nodes:
        room = n.w - 2 * PAD
        name = [("name", n.name)]
        if n.members == 1:
            name.append(("state", " Ready" if n.ready else " NotReady"))
        yield label(n.id, n.x + PAD, n.y + 17, name, room, priority=1)
        zoom = text_width(ZOOM_TEXT) + 12 if n.focus else 0
        if n.focus:
            yield label(n.id, n.x + n.w - PAD, n.y + 33, [("", ZOOM_TEXT)], room,
                        anchor="end", priority=3, focus=n.focus)  # fmt: skip
        yield label(n.id, n.x + PAD, n.y + 33, [("detail", n.detail)], room - zoom, priority=4)
    for b in drawn.services:
        parts = [("name", b.name),
                 ("detail", f" {b.namespace} · {b.type} · {b.address} · {b.dns}")]  # fmt: skip
        if b.notes:
            parts.append(("note", " — " + "; ".join(b.notes)))
        x, y, room, column = b.x, b.y, b.w, ""
        if b.segments:
            # The name rides on the first node's piece of the bar, over the pieces still
            # in line with it (a dragged node takes its piece away).
            column, x, y, room = b.segments[0][:4]
            for _, sx, sy, sw in b.segments[1:]:
                if sy != y or sx != x + room:
                    break
                room += sw
        yield label(b.id, x + 12, y + 17, parts, room - 12 - PAD, cls="", priority=2,
                    column=column)  # fmt: skip


def _small(drawn: Layout) -> Iterator[Label | None]:
    for p in drawn.pods:
        state = "ready" if p.ready else "not ready"
        state_w = text_width(state, "state")
        yield label(p.id, p.x + PAD, p.y + 14, [("name", p.short)], p.w - PAD - 6, priority=3)
        yield label(p.id, p.x + p.w - 8, p.y + 28, [("state", state)], p.w - PAD - 8,
                    anchor="end", priority=4)  # fmt: skip
        detail = p.ip + (f" · {p.ports}" if p.ports else "")
        yield label(p.id, p.x + PAD, p.y + 28, [("detail", detail)],
                    p.w - PAD - 8 - state_w - 6, priority=5)  # fmt: skip
    for c in drawn.chips:
        count = f"×{c.count:,}" + (f" ({c.ready:,} ready)" if c.ready < c.count else "")
        count_w = text_width(count, "count")
        yield label(c.id, c.x + c.w - 8, c.y + 19, [("count", count)], c.w - PAD - 8,
                    anchor="end", priority=3)  # fmt: skip
        name = f"{c.namespace} · {c.label}" if c.namespace else c.label
        yield label(c.id, c.x + PAD, c.y + 19, [("name", name)], c.w - PAD - 8 - count_w - 6,
                    priority=4)  # fmt: skip
    for m in drawn.ports:
        yield label(m.id, m.cx, m.y + 13, [("np", str(m.node_port))], m.w - 4,
                    anchor="middle", priority=5, whole=True)  # fmt: skip
    for a in drawn.addresses:
        yield label(a.id, a.x + PAD, a.y + 16, [("name", a.label)], a.w - 2 * PAD, priority=3)
        yield label(a.id, a.x + PAD, a.y + 31, [("detail", a.ip)], a.w - 2 * PAD, priority=5)


def captions(drawn: Layout) -> tuple[Label, ...]:
    """The diagram's visible text: fitted to its boxes, none overlapping another."""
    return place([*_boxes(drawn), *_small(drawn)])
