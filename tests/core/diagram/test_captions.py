"""The diagram's text: cut to fit its box, and no two visible labels overlapping, whatever
the cluster, the grouping, the zoom path or where the user dragged the boxes."""

from __future__ import annotations

from itertools import combinations, pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.diagram.labels import ELLIPSIS, Label, label, overlaps, place, text_width
from app.core.diagram.layout import GROUP_BYS, LayoutOptions, layout
from app.core.diagram.shapes import Layout
from tests.bench.bench_topology import generated_cluster
from tests.core.strategies import RandomCluster, clusters


def overlapping(labels: tuple[Label, ...]) -> list[tuple[str, str]]:
    return [(a.text, b.text) for a, b in combinations(labels, 2) if overlaps(a.box, b.box)]


def boxes_by_id(drawn: Layout) -> dict[str, tuple[int, int, int, int]]:
    every = [drawn.client, *drawn.load_balancers, *drawn.nodes, *drawn.ports, *drawn.services,
             *drawn.pods, *drawn.chips, *drawn.addresses, *drawn.headings]  # fmt: skip
    return {b.id: (b.x, b.y, b.x + b.w, b.y + b.h) for b in every}


def assert_readable(drawn: Layout) -> None:
    assert overlapping(drawn.labels) == []
    boxes = boxes_by_id(drawn)
    for lab in drawn.labels:
        left, top, right, bottom = lab.box
        x0, y0, x1, y1 = boxes[lab.owner]
        assert x0 <= left and right <= x1 + 0.5, (lab.owner, lab.text)
        assert y0 <= top and bottom <= y1 + 2, (lab.owner, lab.text)


@settings(max_examples=60, deadline=None)
@given(
    cluster=clusters(),
    group=st.sampled_from(GROUP_BYS),
    moves=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 900), st.integers(0, 600)), max_size=4
    ),
)
def test_no_two_visible_labels_overlap(
    cluster: RandomCluster, group: str, moves: list[tuple[int, int, int]]
) -> None:
    plain = layout(cluster.state, LayoutOptions(group_by=group))
    movable = [b.id for b in (*plain.nodes, *plain.load_balancers)]
    positions = {movable[i % len(movable)]: (x, y) for i, x, y in moves} if movable else {}
    drawn = layout(cluster.state, LayoutOptions(group_by=group, positions=positions))
    assert overlapping(drawn.labels) == []
    if not positions:
        assert_readable(drawn)


def test_a_big_cluster_is_readable_in_every_view() -> None:
    state = generated_cluster(200)
    for options in (
        LayoutOptions(),
        LayoutOptions(group_by="namespace"),
        LayoutOptions(filter="type:LoadBalancer"),
        LayoutOptions(focus="zone:zone-a"),
        LayoutOptions(focus="zone:zone-a/block:0"),
    ):
        drawn = layout(state, options)
        assert_readable(drawn)
        names = {lab.owner for lab in drawn.labels if lab.priority <= 2}
        assert {b.id for b in drawn.services} <= names  # every Service keeps its name
        assert {n.id for n in drawn.nodes} <= names


@given(
    texts=st.lists(st.text(alphabet="abcWM 0123456789.-·→", min_size=1, max_size=60), max_size=4),
    width=st.integers(0, 400),
)
def test_a_label_is_cut_to_its_width(texts: list[str], width: int) -> None:
    parts = [("name" if i % 2 else "detail", t) for i, t in enumerate(texts)]
    fitted = label("x", 0, 20, parts, width)
    if fitted is None:
        return
    assert fitted.width <= width
    whole = "".join(t for _, t in parts if t)
    assert fitted.text == whole or fitted.text.endswith(ELLIPSIS)


@given(
    spots=st.lists(
        st.tuples(st.integers(0, 300), st.integers(10, 300), st.integers(0, 9)), max_size=40
    )
)
def test_place_keeps_the_first_by_priority_and_never_an_overlap(
    spots: list[tuple[int, int, int]],
) -> None:
    labels = [
        Label(f"b{i}", x, y, (("", "label"),), "", "start", priority)
        for i, (x, y, priority) in enumerate(spots)
    ]
    kept = place(labels)
    assert overlapping(kept) == []
    for dropped in set(labels) - set(kept):
        assert any(overlaps(dropped.box, k.box) and k.priority <= dropped.priority for k in kept)
    if labels:
        best = min(labels, key=lambda lab: (lab.priority, labels.index(lab)))
        assert best in kept


def test_a_cut_nodeport_number_is_not_drawn() -> None:
    assert label("np", 0, 10, [("np", "30080")], text_width("30080", "np") - 1, whole=True) is None
    assert label("np", 0, 10, [("np", "30080")], text_width("30080", "np"), whole=True)


def test_grouped_by_namespace_each_namespace_is_a_labelled_area_around_its_bars() -> None:
    drawn = layout(generated_cluster(30), LayoutOptions(group_by="namespace"))
    areas = {h.label: h for h in drawn.headings if h.kind == "namespace"}
    assert len(areas) > 1
    for bar in drawn.services:
        area = areas[bar.namespace]
        assert area.x < bar.x and bar.x + bar.w < area.x + area.w
        assert area.y < bar.y and bar.bottom < area.bottom
    ordered = sorted(areas.values(), key=lambda h: h.y)
    assert all(a.bottom < b.y for a, b in pairwise(ordered))
    assert {lab.text for lab in drawn.labels if lab.owner.startswith("ns:")} == {
        f"namespace {name}" for name in areas
    }
    by_node = layout(generated_cluster(30))
    assert not [h for h in by_node.headings if h.kind == "namespace"]
