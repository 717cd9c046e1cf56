"""Routing through the API: the classic teaching cases of issue 3, and kube-proxy's rules."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def route(client: TestClient, cluster: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/clusters/{cluster}/route", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def node_ips(client: TestClient, cluster: str) -> dict[str, str]:
    nodes = client.get(f"/k8s/{cluster}/api/v1/nodes").json()["items"]
    return {n["metadata"]["name"]: n["status"]["addresses"][0]["address"] for n in nodes}


def test_the_route_contract_has_every_field(client: TestClient) -> None:
    path = route(
        client,
        "demo",
        source={"kind": "external", "ip": "203.0.113.7"},
        destination="web.default:80",
        seed=7,
    )
    assert path["outcome"] == "delivered"
    assert path["reason"]
    kinds = [h["kind"] for h in path["hops"]]
    assert kinds[0] == "client" and kinds[-1] == "pod"
    assert "load-balancer" in kinds and "service" in kinds
    for hop in path["hops"]:
        assert set(hop) >= {
            "kind", "name", "node", "address", "src", "dst", "rule", "probability", "reason"
        }  # fmt: skip
    assert set(path["pod"]) == {"namespace", "name", "node"}
    client_hop = path["hops"][0]
    assert client_hop["node"] is None and client_hop["rule"] is None  # null, as the contract says
    service_hop = next(h for h in path["hops"] if h["kind"] == "service")
    assert service_hop["probability"] == 0.3333333333
    assert service_hop["rule"].startswith("KUBE-SVC-")
    assert path == route(
        client,
        "demo",
        source={"kind": "external", "ip": "203.0.113.7"},
        destination="web.default:80",
        seed=7,
    )


def test_a_node_port_answers_on_every_node_even_without_local_pods(client: TestClient) -> None:
    deployment = client.get("/k8s/demo/apis/apps/v1/namespaces/default/deployments/frontend")
    body = deployment.json()
    body["spec"]["replicas"] = 1
    body["metadata"].pop("resourceVersion")
    scaled = client.put("/k8s/demo/apis/apps/v1/namespaces/default/deployments/frontend", json=body)
    assert scaled.status_code == 200, scaled.text
    pods = client.get("/k8s/demo/api/v1/namespaces/default/pods?labelSelector=app=frontend")
    (only,) = pods.json()["items"]
    for node, ip in node_ips(client, "demo").items():
        path = route(client, "demo", destination=f"{ip}:30080", seed=3)
        assert path["outcome"] == "delivered", (node, path["reason"])
        assert path["pod"]["name"] == only["metadata"]["name"]
        entry = next(h for h in path["hops"] if h["kind"] == "node")
        assert entry["name"] == node


def test_a_pod_ip_answers_from_a_node_but_not_from_outside(client: TestClient) -> None:
    pod = client.get("/k8s/demo/api/v1/namespaces/default/pods?labelSelector=app=backend").json()[
        "items"
    ][0]
    target = f"{pod['status']['podIP']}:9090"
    outside = route(client, "demo", destination=target, seed=1)
    assert outside["outcome"] == "unreachable"
    inside = route(client, "demo", source={"kind": "node", "name": "node-1"}, destination=target)
    assert inside["outcome"] == "delivered"
    assert inside["pod"]["name"] == pod["metadata"]["name"]


def test_a_cluster_ip_is_unreachable_from_outside_and_works_from_a_pod(
    client: TestClient,
) -> None:
    backend = client.get("/k8s/demo/api/v1/namespaces/default/services/backend").json()
    target = f"{backend['spec']['clusterIP']}:80"
    assert route(client, "demo", destination=target)["outcome"] == "unreachable"
    frontend_pod = client.get(
        "/k8s/demo/api/v1/namespaces/default/pods?labelSelector=app=frontend"
    ).json()["items"][0]["metadata"]["name"]
    source = {"kind": "pod", "namespace": "default", "name": frontend_pod}
    by_name = route(client, "demo", source=source, destination="backend:80", seed=2)
    assert by_name["outcome"] == "delivered"
    assert by_name["pod"]["name"].startswith("backend-")


def test_without_a_cloud_provider_the_load_balancer_is_pending_and_node_ports_work(
    client: TestClient,
) -> None:
    pending = route(client, "bare-metal", destination="web:80")
    assert pending["outcome"] == "unreachable"
    assert "nodePort" in pending["reason"]
    web = client.get("/k8s/bare-metal/api/v1/namespaces/default/services/web").json()
    node_port = web["spec"]["ports"][0]["nodePort"]
    for ip in node_ips(client, "bare-metal").values():
        assert route(client, "bare-metal", destination=f"{ip}:{node_port}")["outcome"] == (
            "delivered"
        )


def test_bad_destinations_and_sources_are_422_status(client: TestClient) -> None:
    bad = client.post("/api/clusters/demo/route", json={"destination": "web:99999"})
    assert bad.status_code == 422
    assert bad.json()["kind"] == "Status"
    assert bad.json()["details"]["causes"][0]["field"] == "destination"
    ghost = client.post(
        "/api/clusters/demo/route",
        json={"source": {"kind": "node", "name": "ghost"}, "destination": "web:80"},
    )
    assert ghost.status_code == 422
    assert ghost.json()["details"]["causes"][0]["field"] == "source"
    missing = client.post("/api/clusters/demo/route", json={})
    assert missing.status_code == 422


def test_proxy_rules_in_each_mode(client: TestClient) -> None:
    iptables = client.get("/api/clusters/demo/nodes/node-1/proxy-rules")
    assert iptables.status_code == 200
    assert iptables.headers["content-type"].startswith("text/plain")
    text = iptables.text
    assert "*nat" in text and "-A KUBE-SERVICES" in text
    # default/kubernetes:https on every kubeadm cluster: KUBE-SVC-NPX46M4PTMTKRN6Y
    assert "KUBE-SVC-NPX46M4PTMTKRN6Y" in text
    assert "--dport 30080 -j KUBE-EXT-" in text
    nft = client.get("/api/clusters/demo/nodes/node-1/proxy-rules?mode=nftables").text
    assert "2QRHZV4L-default/kubernetes/tcp/https" in nft
    ipvs = client.get("/api/clusters/demo/nodes/node-1/proxy-rules?mode=ipvs").text
    assert ipvs.startswith("IP Virtual Server version")
    assert client.get("/api/clusters/demo/nodes/ghost/proxy-rules").status_code == 404
    assert client.get("/api/clusters/demo/nodes/node-1/proxy-rules?mode=bpf").status_code == 422


def test_simulate_follows_the_contract(client: TestClient) -> None:
    body = {
        "destination": "web.default:80",
        "requests": 20000,
        "clients": 50,
        "source": {"kind": "external"},
        "rate": 1000,
        "seed": 7,
        "sample": 20,
        "events": [{"at": 10.0, "action": "node-down", "node": "node-2"}],
    }
    response = client.post("/api/clusters/demo/simulate", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["total"] == 20000
    assert set(result["outcomes"]) == {"delivered", "dropped", "rejected", "unreachable"}
    assert sum(result["outcomes"].values()) == 20000
    assert sum(result["by_pod"].values()) == result["outcomes"]["delivered"]
    assert set(result["by_node"]) <= {"node-1", "node-2", "node-3"}
    assert 0 < result["cross_node"] < 20000
    assert result["affinity_hits"] == 0
    assert set(result["expected_share"]) == set(result["by_pod"])
    assert isinstance(result["chi_square"], float)
    assert result["series"][0]["t"] == 0.0
    assert {"delivered", "dropped"} <= set(result["series"][0])
    assert len(result["sample"]) == 20
    assert result["sample"][0]["hops"][0]["kind"] == "client"
    assert result == client.post("/api/clusters/demo/simulate", json=body).json()
    after = [row for row in result["series"] if row["t"] >= 10.5]
    assert all("node-2" not in row["by_node"] for row in after)


def test_simulate_rejects_bad_input_with_status(client: TestClient) -> None:
    bad_event = client.post(
        "/api/clusters/demo/simulate",
        json={"destination": "web:80", "events": [{"at": 1, "action": "explode"}]},
    )
    assert bad_event.status_code == 422
    assert bad_event.json()["details"]["causes"][0]["field"] == "events[0].action"
    ghost = client.post(
        "/api/clusters/demo/simulate",
        json={"destination": "web:80", "events": [{"at": 1, "action": "node-down", "node": "x"}]},
    )
    assert ghost.status_code == 422
    assert 'nodes "x" not found' in ghost.json()["message"]
    too_many = client.post(
        "/api/clusters/demo/simulate", json={"destination": "web:80", "requests": 10**9}
    )
    assert too_many.status_code == 422
    bad_destination = client.post("/api/clusters/demo/simulate", json={"destination": "::::"})
    assert bad_destination.status_code == 422


def test_simulating_changes_nothing_in_the_cluster(client: TestClient) -> None:
    before = client.get("/k8s/demo/api/v1/nodes").json()
    before_cluster = client.get("/api/clusters/demo").json()
    response = client.post(
        "/api/clusters/demo/simulate",
        json={"destination": "web:80", "requests": 100,
              "events": [{"at": 0, "action": "node-down", "node": "node-1"}]},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    result = response.json()
    # The run did take node-1 down (in its private copy): no request reached it.
    assert [e["description"] for e in result["events"]] == ["t=0s node-down node-1"]
    assert "node-1" not in result["by_node"] and result["outcomes"]["delivered"] == 100
    assert client.get("/k8s/demo/api/v1/nodes").json() == before
    assert client.get("/api/clusters/demo").json() == before_cluster


SIM = {"destination": "web.default:80", "requests": 2000, "seed": 7, "sample": 5}


def test_the_same_client_sends_again_and_affinity_catches_it(client: TestClient) -> None:
    svc = client.get("/k8s/demo/api/v1/namespaces/default/services/web").json()
    svc["spec"]["sessionAffinity"] = "ClientIP"
    svc["metadata"].pop("resourceVersion")
    assert client.put("/k8s/demo/api/v1/namespaces/default/services/web", json=svc).is_success
    one = route(client, "demo", destination="web.default:80", seed=3)
    assert "repeated" not in one and one["instead"] is None
    three = route(client, "demo", destination="web.default:80", seed=3, requests=3)
    assert {k: v for k, v in three.items() if k != "repeated"} == one
    assert len(three["repeated"]) == 2
    for later in three["repeated"]:
        assert later["pod"] == one["pod"]
        service_hop = next(h for h in later["hops"] if h["kind"] == "service")
        assert "--rcheck" in service_hop["rule"]
    bad = client.post("/api/clusters/demo/route",
                      json={"destination": "web.default:80", "requests": 0})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["kind"] == "Status"
    assert bad.json()["details"]["causes"][0]["field"] == "requests"


def test_unreachable_answers_say_why_and_what_works_instead(client: TestClient) -> None:
    path = route(client, "demo", destination="backend.default:80")
    assert path["outcome"] == "unreachable"
    assert "reachable only from inside the cluster" in path["instead"]
    result = client.post("/api/clusters/demo/simulate",
                         json={**SIM, "destination": "backend.default:80"}).json()  # fmt: skip
    assert result["outcomes"]["unreachable"] == 2000
    assert result["explanations"] == [
        {"outcome": "unreachable", "reason": path["reason"], "instead": path["instead"],
         "requests": 2000}
    ]  # fmt: skip
    from_pod = client.post("/api/clusters/demo/simulate", json={
        **SIM, "destination": "backend.default:80", "clients": 1,
        "source": {"kind": "node", "name": "node-1"}}).json()  # fmt: skip
    assert from_pod["outcomes"]["delivered"] == 2000 and from_pod["explanations"] == []
    assert from_pod["clients"] == 1


def test_simulate_exports_csv_and_json_files(client: TestClient) -> None:
    url = "/api/clusters/demo/simulate"
    whole = client.post(url, json=SIM).json()
    as_json = client.post(url + "?format=json", json=SIM)
    assert as_json.status_code == 200
    assert "attachment" in as_json.headers["content-disposition"]
    assert as_json.json() == whole
    series = client.post(url + "?format=csv&table=series", json=SIM)
    assert series.headers["content-type"].startswith("text/csv")
    lines = series.text.splitlines()
    assert lines[0].startswith("t,seconds,delivered,dropped,rejected,unreachable")
    assert len(lines) == len(whole["series"]) + 1
    assert sum(int(line.split(",")[2]) for line in lines[1:]) == 2000
    accept = client.post(url + "?table=pods", json=SIM, headers={"Accept": "text/csv"})
    assert accept.text.splitlines()[0] == "pod,node,requests,observed_share,expected_share"
    sample = client.post(url + "?format=csv&table=sample", json=SIM).text.splitlines()
    assert len(sample) == 6 and sample[1].startswith("0,0.0,")
    for bad in ("format=xml", "format=csv&table=nodes"):
        refused = client.post(f"{url}?{bad}", json=SIM)
        assert refused.status_code == 422 and refused.json()["reason"] == "Invalid", bad
