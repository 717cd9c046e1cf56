"""The diagram's text, placed so that no two visible labels overlap.

Every text the diagram shows is a Label: where it starts (its baseline), its parts (a tspan
each, with the CSS class that styles it) and how much width it may take. Widths are estimated
from the font sizes app/static/css/app.css gives `svg.topo` text, per character class and on the
wide side (DejaVu Sans, Chromium's fallback, is wider than most system fonts); a text longer
than its box is cut with "…". Then labels are taken in priority order — the names a reader
looks for first (clients, load balancers, nodes, Services) before details, states and notes —
and one whose box meets a label already taken is hidden (its box keeps the full text in its
tooltip). Since SVG text scales with the drawing, what does not overlap at one zoom level
overlaps at none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

STYLES: dict[str, tuple[float, bool, bool]] = {
    # class: (font size in SVG units, bold, upper case with .04em letter spacing)
    "": (12, False, False),
    "name": (12, True, False),
    "detail": (11, False, False),
    "note": (11, False, False),
    "address": (11, True, False),
    "state": (11, False, False),
    "count": (12, True, False),
    "np": (10.5, True, False),
    "heading": (11, True, True),
    "ns-heading": (11, True, True),
}
NARROW = set("ijlftrI.,:;|!'()[] ·-/")
WIDE = set("mwMW@%…→")
ELLIPSIS = "…"
ASCENT, DESCENT = 0.8, 0.25
"""Of the font size: how far a glyph box reaches above and below the baseline."""
CELL = 64


@dataclass(frozen=True)
class Label:
    owner: str
    """The id of the box the text belongs to (the template draws it inside that box)."""
    x: int
    y: int
    """The baseline point the text is anchored at."""
    parts: tuple[tuple[str, str], ...]
    """(CSS class, text): the parts whose class is not the text's own are tspans."""
    cls: str = ""
    """The <text> element's CSS class."""
    anchor: str = "start"
    priority: int = 5
    """Lower wins a place first."""
    focus: str = ""
    """A zoom link's focus path (the text is drawn as the link)."""
    column: str = ""
    """The node column the text moves with when that node is dragged ("" : its box's)."""

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.parts)

    @property
    def width(self) -> float:
        return sum(text_width(t, c or self.cls) for c, t in self.parts)

    @property
    def size(self) -> float:
        return max(STYLES.get(c or self.cls, STYLES[""])[0] for c, _ in self.parts)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) as estimated."""
        w = self.width
        left = self.x - (w if self.anchor == "end" else w / 2 if self.anchor == "middle" else 0)
        return left, self.y - ASCENT * self.size, left + w, self.y + DESCENT * self.size


def char_width(ch: str, size: float, bold: bool) -> float:
    em = 0.36 if ch in NARROW else 1.0 if ch in WIDE else 0.66 if ch.isdigit() else 0.62
    if ch.isupper() and ch not in NARROW and ch not in WIDE:
        em = 0.76
    return em * size * (1.1 if bold else 1.0)


def text_width(text: str, cls: str = "") -> float:
    size, bold, upper = STYLES.get(cls, STYLES[""])
    shown = text.upper() if upper else text
    spacing = 0.04 * size * len(shown) if upper else 0.0
    return sum(char_width(c, size, bold) for c in shown) + spacing


def fit_parts(parts: Iterable[tuple[str, str]], width: float) -> tuple[tuple[str, str], ...]:
    """The parts cut (from the end, with "…") so that they take at most `width`; () when
    not even the first letter fits."""
    wanted = list(parts)
    if sum(text_width(t, c) for c, t in wanted) <= width:
        return tuple(wanted)
    chars = [(c, ch) for c, t in wanted for ch in t]
    used = 0.0
    kept: list[tuple[str, str]] = []
    for cls, ch in chars:  # the longest start that leaves room for the ellipsis
        step = text_width(ch, cls)
        if used + step + text_width(ELLIPSIS, cls) > width:
            break
        kept.append((cls, ch))
        used += step
    while kept and kept[-1][1] in " ·—;,":
        kept.pop()
    if not kept or not "".join(ch for _, ch in kept).strip():
        return ()
    kept.append((kept[-1][0], ELLIPSIS))
    out: list[tuple[str, str]] = []
    for cls, ch in kept:
        if out and out[-1][0] == cls:
            out[-1] = (cls, out[-1][1] + ch)
        else:
            out.append((cls, ch))
    return tuple(out)


def label(
    owner: str,
    x: int,
    y: int,
    parts: Iterable[tuple[str, str]],
    width: float,
    *,
    cls: str | None = None,
    anchor: str = "start",
    priority: int = 5,
    focus: str = "",
    whole: bool = False,
    column: str = "",
) -> Label | None:
    """A label fitted into `width`, or None when nothing of it fits (or, `whole`, when it
    would have to be cut: a cut number means nothing); its class is the first part's unless
    given."""
    wanted = [(c, t) for c, t in parts if t]
    fitted = fit_parts(wanted, width)
    if not fitted or (whole and list(fitted) != wanted):
        return None
    own = fitted[0][0] if cls is None else cls
    return Label(owner, x, y, fitted, own, anchor, priority, focus, column)


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _cells(box: tuple[float, float, float, float]) -> Iterator[tuple[int, int]]:
    for cx in range(int(box[0] // CELL), int(box[2] // CELL) + 1):
        for cy in range(int(box[1] // CELL), int(box[3] // CELL) + 1):
            yield cx, cy


def place(labels: Iterable[Label | None]) -> tuple[Label, ...]:
    """The labels that stay visible: by priority (then in drawing order), each one that
    meets none taken before it."""
    candidates = [(lab.priority, i, lab) for i, lab in enumerate(labels) if lab is not None]
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    kept: list[tuple[int, Label]] = []
    for _, i, lab in sorted(candidates, key=lambda c: (c[0], c[1])):
        box = lab.box
        cells = list(_cells(box))
        if any(overlaps(box, other) for cell in cells for other in grid.get(cell, ())):
            continue
        for cell in cells:
            grid.setdefault(cell, []).append(box)
        kept.append((i, lab))
    return tuple(lab for _, lab in sorted(kept, key=lambda k: k[0]))
