"""Diagram geometry for the topology view: where every box, port marker and edge goes.

Top to bottom: the clients outside the cluster, one box per LoadBalancer Service, then the
worker nodes side by side. Every node carries a tab for every nodePort (each node listens on
all of them); inside the nodes runs the ClusterIP layer, one bar per Service across all nodes
(kube-proxy puts each Service on every node); below it, each node's pods. Which edges exist
comes from topology.py (layoutedges.py draws them), never from a rule of this module.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from app.core.apiserver.printers import port_string
from app.core.diagram import groups
from app.core.diagram.captions import captions
from app.core.diagram.connections import (
    LoadBalancerPlan,
    ServiceReach,
    load_balancer_plan,
    service_reach,
)
from app.core.diagram.edges import EdgeBuilder
from app.core.diagram.filterbox import Filter, parse
from app.core.diagram.pods import PodArea, place_pods
from app.core.diagram.positions import Position, apply_positions
from app.core.diagram.shapes import (
    AddressBox,
    Box,
    Heading,
    Layout,
    LoadBalancerBox,
    NodeBox,
    PortMarker,
    ServiceBar,
)
from app.core.model.objects import ClusterState, Service

GROUP_BYS = ("node", "zone", "namespace")
WIDTH = 1240
MARGIN = 20
GAP = 24
COLUMN_MIN = 200
CLIENT_W, CLIENT_H = 280, 34
LB_W, LB_H, LB_GAP = 250, 52, 16
TAB_H, TAB_MAX_W = 18, 50
HEADER_H = 42
BAR_H, BAR_PITCH = 26, 33
NS_HEADING_H = 18
NS_INSET, NS_GAP = 6, 8
"""Grouped by namespace: bars sit this far inside their namespace's area; areas this apart."""
ADDR_W, ADDR_H = 196, 40


@dataclass(frozen=True)
class LayoutOptions:
    service: str = ""
    """"namespace/name": draw only this Service's paths."""
    filter: str = ""
    group_by: str = "node"
    focus: str = ""
    system: bool = True
    max_services: int = 30
    bundle: bool = True
    """Route dense load-balancer edges as trunks (bundling.py); False: straight lines."""
    positions: Mapping[str, Position] = field(default_factory=dict)
    """Saved top-left corners by id (`node:node-1`, `lb:default/web`): the user's dragging."""


def tint(namespace: str) -> int:
    """A stable colour slot per namespace (0-7), so a namespace reads as one island."""
    return zlib.crc32(namespace.encode()) % 8


def service_address(svc: Service) -> str:
    """ClusterIP and ports as the bar prints them: `10.96.0.10 : 53/UDP, 80→8080/TCP`."""
    if svc.type == "ExternalName":
        return f"CNAME {svc.external_name}"
    ports = ", ".join(
        f"{p.port}/{p.protocol}"
        if p.target_port == p.port
        else f"{p.port}→{p.target_port}/{p.protocol}"
        for p in svc.ports
    )
    address = f"{'None (headless)' if svc.headless else svc.cluster_ip} : {ports}"
    if svc.external_ips:
        # kube-proxy answers externalIPs like LB IPs; routing traffic to them is the admin's job.
        address += f" · externalIPs {', '.join(svc.external_ips)}"
    return address


def _dim_service(svc: Service, selected: str, flt: Filter) -> bool:
    if selected and svc.key != selected:
        return True
    return flt.touches("service") and not flt.service(svc)


def layout(state: ClusterState, options: LayoutOptions | None = None) -> Layout:
    opts = options or LayoutOptions()
    flt = parse(opts.filter)
    by_namespace = opts.group_by == "namespace"
    services, hidden = groups.shown_services(
        state, flt, selected=opts.service, system=opts.system,
        limit=opts.max_services, by_namespace=by_namespace,
    )  # fmt: skip
    reach = {s.key: service_reach(state, s) for s in services}
    cols, crumbs = groups.columns(state.nodes, opts.focus)
    has_addresses = any(t.startswith("addr:") for r in reach.values() for t in r.targets)
    n = len(cols)
    addr_space = ADDR_W + GAP if has_addresses else 0
    avail = WIDTH - 2 * MARGIN - addr_space
    # Every column carries a tab for every nodePort: at least 4 units each.
    node_ports = sum(1 for s in services for p in s.ports if p.node_port)
    narrowest = max(COLUMN_MIN, 16 + 4 * node_ports)
    col_w = max(narrowest, (avail - (n - 1) * GAP) // n) if n else avail
    row_w = n * col_w + (n - 1) * GAP if n else avail
    col_x = [MARGIN + i * (col_w + GAP) for i in range(n)]

    client = Box("client", MARGIN + row_w // 2 - CLIENT_W // 2, 12, CLIENT_W, CLIENT_H)
    plans = {s.key: load_balancer_plan(state, s) for s in services if s.type == "LoadBalancer"}
    lbs = _load_balancers(services, plans, row_w, client.bottom + 36, opts.service, flt)
    y_nodes = (max(lb.bottom for lb in lbs) + 44) if lbs else client.bottom + 56
    bars, headings = _service_bars(
        state, services, reach, row_w - 12, y_nodes + HEADER_H + 6, opts, flt
    )
    bars = groups.segmented(bars, [c.id for c in cols], col_x, col_w, GAP)
    pod_top = (bars[-1].bottom if bars else y_nodes + HEADER_H) + 14
    area = place_pods(
        state, cols, col_x, col_w, pod_top, reach, flt, opts.service, len(services), tint
    )
    node_bottom = max(area.bottom, pod_top + 20) + 8
    nodes = _node_boxes(cols, col_x, col_w, y_nodes, node_bottom - y_nodes, area, flt)
    if opts.group_by == "zone" and all(c.single for c in cols):
        headings += groups.zone_frames(cols, col_x, col_w, y_nodes - TAB_H - 22, node_bottom + 6)
    markers = _port_markers(services, cols, col_x, col_w, y_nodes, reach, opts.service, flt)
    addresses = _addresses(state, bars, reach, MARGIN + row_w + GAP)
    edges = EdgeBuilder(
        selected=opts.service, cols=cols, client=client, lbs=lbs, plans=plans, nodes=nodes,
        markers=markers, bars=bars, reach=reach, area=area, addresses=addresses,
        bundle=opts.bundle,
    ).build()  # fmt: skip
    bottom = max([node_bottom, *(a.bottom for a in addresses.values())])
    grouped = any(not c.single for c in cols)
    drawn = Layout(
        width=2 * MARGIN + row_w + addr_space,
        height=bottom + MARGIN,
        level="groups" if grouped else area.level,
        client=client,
        load_balancers=tuple(lbs),
        nodes=tuple(nodes),
        ports=tuple(markers),
        services=tuple(bars),
        pods=tuple(area.pods),
        chips=tuple(area.chips),
        addresses=tuple(addresses.values()),
        headings=tuple(headings),
        edges=tuple(edges),
        notes=tuple(_notes(state, len(services), hidden, area, grouped, len(cols))),
        breadcrumbs=tuple(crumbs),
        totals={
            "nodes": len(state.nodes),
            "pods": len(state.pods),
            "services": len(state.services),
            "shownServices": len(services),
            "columns": n,
        },
    )
    placed = apply_positions(drawn, opts.positions) if opts.positions else drawn
    return replace(placed, labels=captions(placed))


def _load_balancers(
    services: Sequence[Service],
    plans: Mapping[str, LoadBalancerPlan],
    row_w: int,
    top: int,
    selected: str,
    flt: Filter,
) -> list[LoadBalancerBox]:
    lb_services = [s for s in services if s.type == "LoadBalancer"]
    per_row = max(1, (row_w + LB_GAP) // (LB_W + LB_GAP))
    boxes, y = [], top
    across = min(per_row, len(lb_services))
    for start in range(0, len(lb_services), per_row):
        row = lb_services[start : start + per_row]
        # Every row starts where a full one does: boxes stand in columns, and the lanes
        # between them (bundling.py) stay clear from the top row to the bottom.
        x = MARGIN + (row_w - across * (LB_W + LB_GAP) + LB_GAP) // 2
        for svc in row:
            plan = plans[svc.key]
            boxes.append(
                LoadBalancerBox(
                    f"lb:{svc.key}", x, y, LB_W, LB_H, dim=_dim_service(svc, selected, flt),
                    service=svc.key, address=",".join(plan.ips) or "<pending>",
                    pending=plan.pending, ports=port_string(svc), note=plan.note,
                    summary=plan.summary,
                )
            )  # fmt: skip
            x += LB_W + LB_GAP
        y += LB_H + 14
    return boxes


def _bar_notes(svc: Service, r: ServiceReach) -> tuple[str, ...]:
    notes = []
    if r.kind == "headless":
        notes.append("headless: DNS answers with the ready pods' IPs, no kube-proxy hop")
    elif r.kind == "external-name":
        notes.append(f"ExternalName: DNS answers with a CNAME to {svc.external_name}")
    elif not r.has_endpoints:
        notes.append("no ready endpoint: kube-proxy rejects connections")
    if svc.internal_traffic_policy == "Local" and r.kind == "proxied":
        notes.append("internalTrafficPolicy Local: each node uses only its own pods")
    if svc.external_traffic_policy == "Local" and r.externally_accessible:
        notes.append("externalTrafficPolicy Local: external traffic stays on the node it reaches")
    if svc.traffic_distribution:
        notes.append(f"trafficDistribution {svc.traffic_distribution}: same-zone endpoints first")
    if svc.session_affinity == "ClientIP":
        notes.append(f"sessionAffinity ClientIP ({svc.affinity_timeout}s)")
    return tuple(notes)


def _service_bars(
    state: ClusterState,
    services: Sequence[Service],
    reach: Mapping[str, ServiceReach],
    width: int,
    top: int,
    opts: LayoutOptions,
    flt: Filter,
) -> tuple[list[ServiceBar], list[Heading]]:
    """One bar per Service; grouped by namespace, each namespace's bars sit in an area of
    its tint, labelled at the top (a heading row, then the bars, then a small gap)."""
    bars: list[ServiceBar] = []
    headings: list[Heading] = []
    x, y, namespace = MARGIN + 6, top, None
    by_namespace = opts.group_by == "namespace"
    inset = NS_INSET if by_namespace else 0
    for svc in services:
        if by_namespace and svc.namespace != namespace:
            if namespace is not None:
                y += NS_GAP
            namespace = svc.namespace
            headings.append(
                Heading(
                    f"ns:{namespace}", x, y, width, NS_HEADING_H, label=namespace,
                    kind="namespace", tint=tint(namespace),
                )
            )  # fmt: skip
            y += NS_HEADING_H
        r = reach[svc.key]
        bars.append(
            ServiceBar(
                f"svc:{svc.key}", x + inset, y, width - 2 * inset, BAR_H,
                dim=_dim_service(svc, opts.service, flt),
                key=svc.key, name=svc.name, namespace=svc.namespace, type=svc.type,
                kind=r.kind, address=service_address(svc),
                dns=f"{svc.name}.{svc.namespace}.svc.{state.config.cluster_domain}",
                notes=_bar_notes(svc, r), split=r.node_dependent,
                selected=svc.key == opts.service, tint=tint(svc.namespace),
            )
        )  # fmt: skip
        y += BAR_PITCH
        if by_namespace:
            area = headings[-1]
            headings[-1] = replace(area, h=y - BAR_PITCH + BAR_H + NS_INSET - area.y)
    return bars, headings


def _node_boxes(
    cols: Sequence[groups.Column],
    col_x: Sequence[int],
    col_w: int,
    top: int,
    height: int,
    area: PodArea,
    flt: Filter,
) -> list[NodeBox]:
    boxes = []
    for i, column in enumerate(cols):
        counts = area.per_column[i]
        node = column.single
        if node is not None:
            dim = flt.touches("node") and not flt.node(node)
            detail = " · ".join(x for x in (node.internal_ip, node.zone) if x)
            boxes.append(
                NodeBox(
                    column.id, col_x[i], top, col_w, height, dim=dim, name=node.name,
                    detail=detail, ready=node.ready, pods=counts["pods"], zone=node.zone,
                )
            )  # fmt: skip
            continue
        ready = sum(1 for m in column.nodes if m.ready)
        matching = sum(1 for m in column.nodes if flt.node(m)) if flt.touches("node") else 1
        boxes.append(
            NodeBox(
                column.id, col_x[i], top, col_w, height, dim=matching == 0, name=column.label,
                detail=f"{len(column.nodes):,} nodes · {ready:,} Ready · {counts['pods']:,} pods",
                ready=ready == len(column.nodes), members=len(column.nodes),
                ready_members=ready, pods=counts["pods"], focus=column.focus,
            )
        )  # fmt: skip
    return boxes


def _port_markers(
    services: Sequence[Service],
    cols: Sequence[groups.Column],
    col_x: Sequence[int],
    col_w: int,
    top: int,
    reach: Mapping[str, ServiceReach],
    selected: str,
    flt: Filter,
) -> list[PortMarker]:
    ports = [(s, p) for s in services for p in s.ports if p.node_port]
    if not ports:
        return []
    m = len(ports)
    pitch = min(TAB_MAX_W + 3, (col_w - 16) // m)
    gap = 3 if pitch >= 12 else 1
    tab_w = pitch - gap
    markers = []
    for i, column in enumerate(cols):
        x = col_x[i] + col_w - 8 - m * pitch + gap
        for svc, sp in ports:
            r = reach[svc.key]
            forwards = any(r.external(node) for node in column.nodes)
            suffix = "" if sp.protocol == "TCP" else f"/{sp.protocol}"
            where = column.single.name if column.single else column.id
            if forwards:
                title = f"nodePort {sp.node_port}/{sp.protocol} on {where} → {svc.key}:{sp.port}"
            elif svc.external_traffic_policy == "Local" and r.has_endpoints:
                title = (
                    f"nodePort {sp.node_port} on {where}: no local endpoint, so kube-proxy "
                    "drops (externalTrafficPolicy Local)"
                )
            else:
                title = f"nodePort {sp.node_port} on {where}: no endpoint, kube-proxy rejects"
            markers.append(
                PortMarker(
                    f"np:{where}{':' if column.single else '/'}{sp.node_port}{suffix}",
                    x, top - TAB_H, tab_w, TAB_H, dim=_dim_service(svc, selected, flt),
                    column=column.id, node_port=sp.node_port or 0, protocol=sp.protocol,
                    service=svc.key, forwards=forwards, title=title,
                )
            )  # fmt: skip
            x += pitch
    return markers


def _addresses(
    state: ClusterState, bars: Sequence[ServiceBar], reach: Mapping[str, ServiceReach], x: int
) -> dict[str, AddressBox]:
    """Endpoints that are not pods (the control plane behind default/kubernetes, hand-written
    EndpointSlices), in a column to the right of the nodes, level with their Service."""
    boxes: dict[str, AddressBox] = {}
    next_free = 0
    for bar in bars:
        for tid, target in sorted(reach[bar.key].targets.items()):
            if not tid.startswith("addr:") or tid in boxes:
                continue
            y = max(bar.y + bar.h // 2 - ADDR_H // 2, next_free)
            label = (
                "control plane" if target.ip == state.config.control_plane_address else "not a pod"
            )
            ip = f"{target.ip} · {' '.join(target.ports)}"
            boxes[tid] = AddressBox(tid, x, y, ADDR_W, ADDR_H, dim=bar.dim, label=label, ip=ip)
            next_free = y + ADDR_H + 6
    return boxes


def _notes(
    state: ClusterState, shown: int, hidden: int, area: PodArea, grouped: bool, columns: int
) -> list[str]:
    notes = []
    if hidden:
        notes.append(
            f"Showing {shown:,} of {shown + hidden:,} Services; filter to find the others."
        )
    if grouped:
        notes.append(f"{len(state.nodes):,} nodes in {columns} groups; open a group to zoom in.")
    if area.level == "counts":
        notes.append("Pods are counted per namespace and app label.")
    pending = sum(1 for p in state.pods if not p.node_name)
    if pending:
        notes.append(f"{pending:,} pods are Pending (not scheduled to a node).")
    return notes
