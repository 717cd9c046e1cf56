"""The topology page, its partials and its forms, through the ASGI app (no browser)."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

HX = {"HX-Request": "true"}


def writer(client: TestClient) -> dict[str, str]:
    """Headers a page's HTMX request carries: HX-Request and the CSRF token (when enabled)."""
    client.get("/")
    token = client.cookies.get("svcscope_csrf")
    return {**HX, **({"X-CSRF-Token": token} if token else {})}


def test_the_topology_page_draws_the_demo(client: TestClient) -> None:
    page = client.get("/clusters/demo")
    assert page.status_code == 200
    html = page.text
    for i in (1, 2, 3):
        assert f'data-id="node:node-{i}"' in html
        assert f'data-id="np:node-{i}:30080"' in html
    assert 'data-id="lb:default/web"' in html and "<title>" in html


def test_an_htmx_request_gets_only_the_diagram_and_the_service_list(client: TestClient) -> None:
    fragment = client.get("/clusters/demo?filter=app%3Dfrontend", headers=HX).text
    assert fragment.lstrip().startswith('<section id="diagram"')
    assert 'id="service-select" name="service" hx-swap-oob="true"' in fragment
    assert "<html" not in fragment


def test_an_unknown_cluster_is_a_404_page(client: TestClient) -> None:
    response = client.get("/clusters/nope")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]


def test_user_text_is_escaped(client: TestClient) -> None:
    html = client.get("/clusters/demo", params={"filter": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in html
    trace = client.get(
        "/clusters/demo/trace", params={"destination": "<b>x</b>:80", "source": "external"}
    ).text
    assert "<b>x</b>" not in trace


def test_the_panel_explains_a_service(client: TestClient) -> None:
    html = client.get("/clusters/demo/panel", params={"sel": "svc:default/frontend"}).text
    assert "Which pods does its selector pick?" in html
    assert html.count('data-select="pod:default/frontend-') == 3
    assert "KUBE-SVC-" in html and "--dport 30080" in html
    assert "kind: Service" in html


def test_a_trace_shows_each_hop_and_the_diagram_ids(client: TestClient) -> None:
    html = client.get(
        "/clusters/demo/trace",
        params={"source": "external", "destination": "192.168.49.3:30080", "seed": "7"},
    ).text
    assert "delivered" in html and "np:node-1:30080" in html
    assert html.count('class="hop hop-') >= 4
    bad = client.get("/clusters/demo/trace", params={"destination": "web:80", "seed": "x"})
    assert bad.status_code == 200 and "seed: must be a whole number" in bad.text


def test_node_port_80_gets_the_api_servers_message_next_to_the_field(client: TestClient) -> None:
    form = {
        "namespace": "default",
        "name": "low",
        "type": "NodePort",
        "selector": "app=frontend",
        "ports-0-port": "80",
        "ports-0-targetPort": "8080",
        "ports-0-nodePort": "80",
    }
    response = client.post("/clusters/demo/services", data=form, headers=writer(client))
    assert response.status_code == 200
    match = re.search(
        r'<p class="field-error" id="err-ports-0-nodePort">([^<]*)</p>', response.text
    )
    assert match is not None
    assert match.group(1) == (
        "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. "
        "The range of valid ports is 30000-32767"
    )
    assert "HX-Trigger-After-Settle" not in response.headers


def test_creating_a_service_refreshes_the_widgets(client: TestClient) -> None:
    form = {"name": "shop", "type": "NodePort", "selector": "app=frontend", "ports-0-port": "80"}
    response = client.post("/clusters/demo/services", data=form, headers=writer(client))
    assert response.headers["HX-Trigger-After-Settle"] == "service-changed"
    assert "service/shop created in namespace default" in response.text
    topology = client.get("/api/clusters/demo/topology").json()
    assert "svc:default/shop" in {s["id"] for s in topology["services"]}
    again = client.post("/clusters/demo/services", data=form, headers=writer(client))
    assert 'id="err-name"' in again.text
    assert 'services "shop" already exists' in unescape(again.text)


def test_a_bad_selector_and_port_rows(client: TestClient) -> None:
    headers = writer(client)
    bad = client.post(
        "/clusters/demo/services", data={"name": "x", "selector": "app"}, headers=headers
    )
    assert 'id="err-selector"' in bad.text
    more = client.post(
        "/clusters/demo/services",
        data={"name": "x", "ports-0-port": "80", "add_port": "1"},
        headers=headers,
    )
    assert 'name="ports-1-port"' in more.text and "created" not in more.text


def test_a_not_ready_pod_loses_its_edge(client: TestClient) -> None:
    def frontend_edges() -> set[str]:
        edges = client.get("/api/clusters/demo/topology").json()["edges"]
        return {e["target"] for e in edges if e["source"] == "svc:default/frontend"}

    before = frontend_edges()
    victim = sorted(before)[0].removeprefix("pod:default/")
    response = client.post(
        f"/clusters/demo/pods/default/{victim}/ready",
        data={"ready": "false"},
        headers=writer(client),
    )
    assert response.headers["HX-Trigger-After-Settle"] == "service-changed"
    assert frontend_edges() == before - {f"pod:default/{victim}"}


def test_scale_edit_delete_and_nodes(client: TestClient) -> None:
    headers = writer(client)
    scaled = client.post(
        "/clusters/demo/deployments/default/backend/scale", data={"replicas": "-1"}, headers=headers
    )
    assert "spec.replicas: Invalid value: -1" in scaled.text
    client.post(
        "/clusters/demo/deployments/default/backend/scale", data={"replicas": "2"}, headers=headers
    )
    pods = client.get("/clusters/demo/pods").text
    assert pods.count('data-name="default/backend-') == 2
    edit = client.get("/clusters/demo/services/default/frontend/edit").text
    assert 'value="30080"' in edit and "hx-put" in edit
    added = client.post("/clusters/demo/nodes", headers=headers)
    assert "node/node-4 joined the cluster" in added.text
    client.post("/clusters/demo/nodes/node-4/ready", data={"ready": "false"}, headers=headers)
    nodes = client.get("/api/clusters/demo/topology").json()["nodes"]
    assert {n["id"]: n["ready"] for n in nodes}["node:node-4"] is False
    assert "deleted" in client.delete("/clusters/demo/nodes/node-4", headers=headers).text
    gone = client.delete("/clusters/demo/services/default/frontend", headers=headers)
    assert 'service "frontend" deleted' in unescape(gone.text)
    missing = client.delete("/clusters/demo/services/default/frontend", headers=headers)
    assert 'services "frontend" not found' in unescape(missing.text)


def test_the_tables_are_kubectls(client: TestClient) -> None:
    services = client.get("/clusters/demo/services").text
    assert "<th>CLUSTER-IP</th>" in services and "80:30080/TCP" in services
    nodes = client.get("/clusters/demo/nodes").text
    assert "<th>INTERNAL-IP</th>" in nodes and 'data-name="node-3"' in nodes


def test_topology_json_and_dot(client: TestClient) -> None:
    data = client.get("/api/clusters/demo/topology", params={"service": "default/web"}).json()
    assert {e["service"] for e in data["edges"]} == {"default/web"}
    assert data["width"] > 0 and data["level"] == "pods"
    dot = client.get("/api/clusters/demo/topology.dot")
    assert dot.headers["content-type"].startswith("text/vnd.graphviz")
    assert '"np:node-1:30080" -> "svc:default/frontend"' in dot.text
    assert client.get("/api/clusters/nope/topology").json()["reason"] == "NotFound"


def test_bar_pieces_in_line_join_without_a_border_through_the_caption(client: TestClient) -> None:
    """A Service's caption runs over all its pieces that are in line; the borders where two
    pieces touch are hidden by a seam (and those corners are square), the outer ends keep
    theirs. A node dragged out of line parts its piece: no seam there."""
    html = client.get("/clusters/demo").text
    bar = re.search(r'<g class="el svc[^"]*" data-id="svc:default/web".*?</g>', html, re.S)
    assert bar is not None
    pieces = re.findall(
        r'<rect class="seg[^"]*" data-column="[^"]+" x="(\d+)"[^>]*rx="(\d+)"', bar[0]
    )
    seams = re.findall(r'<line class="seam" x1="(\d+)"', bar[0])
    assert len(pieces) == 3 and [rx for _, rx in pieces] == ["0", "0", "0"]
    assert seams == [x for x, _ in pieces[1:]]
    headers = writer(client)
    moved = client.put("/api/clusters/demo/layout", headers=headers,
                       json={"positions": {"node:node-3": {"x": 2000, "y": 900}}})  # fmt: skip
    assert moved.status_code == 200
    html = client.get("/clusters/demo").text
    bar = re.search(r'<g class="el svc[^"]*" data-id="svc:default/web".*?</g>', html, re.S)
    assert bar is not None
    assert len(re.findall(r'<line class="seam"', bar[0])) == 1
    assert re.findall(r'<rect class="seg last"[^>]*rx="(\d+)"', bar[0]) == ["5"]
