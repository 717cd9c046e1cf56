"""/api/clusters: the contract of issue 2, the kubeadm system Services, the demo seed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_the_demo_clusters_are_seeded_on_first_start(client: TestClient) -> None:
    names = [c["name"] for c in client.get("/api/clusters").json()["items"]]
    assert names == ["bare-metal", "demo"]
    demo = client.get("/api/clusters/demo").json()
    assert demo["provider"] == "cloud"
    assert demo["counts"]["nodes"] == 3


def test_creating_a_cluster_applies_the_documented_defaults(empty_client: TestClient) -> None:
    response = empty_client.post("/api/clusters", json={"name": "lab"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["provider"] == "cloud"
    assert body["proxyMode"] == "iptables"
    assert body["ipvsScheduler"] == "rr"
    assert body["serviceCIDR"] == "10.96.0.0/12"
    assert body["podCIDR"] == "10.244.0.0/16"
    assert body["nodePortRange"] == "30000-32767"
    assert body["counts"]["nodes"] == 3


def test_the_full_cluster_contract_is_accepted(empty_client: TestClient) -> None:
    response = empty_client.post(
        "/api/clusters",
        json={
            "name": "lab",
            "provider": "metallb-l2",
            "proxyMode": "ipvs",
            "ipvsScheduler": "lc",
            "serviceCIDR": "10.100.0.0/16",
            "podCIDR": "10.200.0.0/16",
            "nodePortRange": "31000-31999",
            "nodes": 0,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["counts"]["nodes"] == 0
    svc = empty_client.get("/k8s/lab/api/v1/namespaces/default/services/kubernetes").json()
    assert svc["spec"]["clusterIP"] == "10.100.0.1"


def test_every_cluster_has_the_kubeadm_system_services(empty_client: TestClient) -> None:
    empty_client.post("/api/clusters", json={"name": "lab", "nodes": 2})
    items = empty_client.get("/k8s/lab/api/v1/services").json()["items"]
    by_name = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in items}
    kubernetes = by_name[("default", "kubernetes")]
    assert kubernetes["spec"]["clusterIP"] == "10.96.0.1"
    assert kubernetes["spec"]["ports"] == [
        {"name": "https", "protocol": "TCP", "port": 443, "targetPort": 6443}
    ]
    dns = by_name[("kube-system", "kube-dns")]
    assert dns["spec"]["clusterIP"] == "10.96.0.10"
    assert [(p["name"], p["port"], p["protocol"]) for p in dns["spec"]["ports"]] == [
        ("dns", 53, "UDP"),
        ("dns-tcp", 53, "TCP"),
        ("metrics", 9153, "TCP"),
    ]
    pods = empty_client.get(
        "/k8s/lab/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app=kube-dns"
    ).json()["items"]
    assert len(pods) == 2


def test_invalid_cluster_settings_get_a_status_with_causes(empty_client: TestClient) -> None:
    response = empty_client.post(
        "/api/clusters",
        json={"name": "Lab!", "provider": "aws", "serviceCIDR": "10.96.0.0/33", "nodes": -1},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["kind"] == "Status"
    assert body["reason"] == "Invalid"
    fields = {c["field"] for c in body["details"]["causes"]}
    assert {"name", "provider", "serviceCIDR"} <= fields
    assert (
        'provider: Unsupported value: "aws": supported values: "cloud", "metallb-l2", "none"'
        in (body["message"])
    )


def test_a_duplicate_cluster_is_a_409_already_exists(client: TestClient) -> None:
    response = client.post("/api/clusters", json={"name": "demo"})
    assert response.status_code == 409
    assert response.json()["message"] == 'clusters "demo" already exists'
    assert response.json()["reason"] == "AlreadyExists"


def test_switching_the_provider_to_none_leaves_load_balancers_pending(client: TestClient) -> None:
    web = client.get("/k8s/demo/api/v1/namespaces/default/services/web").json()
    assert web["status"]["loadBalancer"]["ingress"][0]["ip"]
    response = client.patch("/api/clusters/demo", json={"provider": "none", "proxyMode": "ipvs"})
    assert response.status_code == 200, response.text
    assert response.json()["proxyMode"] == "ipvs"
    web = client.get("/k8s/demo/api/v1/namespaces/default/services/web").json()
    assert web["status"]["loadBalancer"] == {}


def test_address_ranges_cannot_change_once_a_cluster_exists(client: TestClient) -> None:
    response = client.patch("/api/clusters/demo", json={"serviceCIDR": "10.0.0.0/16"})
    assert response.status_code == 422
    assert response.json()["details"]["causes"][0]["field"] == "serviceCIDR"


def test_deleting_a_cluster_removes_it_and_its_objects(client: TestClient) -> None:
    assert client.delete("/api/clusters/bare-metal").status_code == 200
    assert client.get("/api/clusters/bare-metal").status_code == 404
    missing = client.get("/k8s/bare-metal/api/v1/nodes")
    assert missing.status_code == 404
    assert missing.json()["message"] == 'clusters "bare-metal" not found'


def test_the_bare_metal_load_balancer_stays_pending_with_working_node_ports(
    client: TestClient,
) -> None:
    web = client.get("/k8s/bare-metal/api/v1/namespaces/default/services/web").json()
    assert web["spec"]["type"] == "LoadBalancer"
    assert web["status"]["loadBalancer"] == {}
    assert 30000 <= web["spec"]["ports"][0]["nodePort"] <= 32767
    demo_web = client.get("/k8s/demo/api/v1/namespaces/default/services/web").json()
    assert demo_web["status"]["loadBalancer"]["ingress"] == [
        {"ip": "198.51.100.1", "ipMode": "VIP"}
    ]


@pytest.mark.parametrize(
    ("pool", "message"),
    [
        ("garbage", 'loadBalancerPool: Invalid value: "garbage": must be an IPv4 CIDR'),
        ("", "loadBalancerPool: Required value"),
        ("10.0.0.0/33", 'loadBalancerPool: Invalid value: "10.0.0.0/33": must be an IPv4 CIDR'),
        ("::/0", 'loadBalancerPool: Invalid value: "::/0": must be an IPv4 CIDR'),
        ("10.0.0.0/8", "must hold at most 65536 addresses"),
    ],
)
def test_a_load_balancer_pool_is_validated_on_create_and_patch(
    client: TestClient, pool: str, message: str
) -> None:
    created = client.post("/api/clusters", json={"name": "lab", "loadBalancerPool": pool})
    patched = client.patch("/api/clusters/demo", json={"loadBalancerPool": pool})
    for response in (created, patched):
        assert response.status_code == 422, response.text
        assert response.json()["reason"] == "Invalid"
        assert message in response.json()["message"]
        assert [c["field"] for c in response.json()["details"]["causes"]] == ["loadBalancerPool"]
    assert client.get("/api/clusters/demo").json()["loadBalancerPool"] == "198.51.100.0/24"


def test_a_range_pool_hands_its_first_free_address_to_a_new_load_balancer(
    client: TestClient,
) -> None:
    pool = "192.168.49.240-192.168.49.250"
    assert client.patch("/api/clusters/demo", json={"loadBalancerPool": pool}).status_code == 200
    body = {"metadata": {"name": "edge"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}
    created = client.post("/k8s/demo/api/v1/namespaces/default/services", json=body)
    assert created.status_code == 201, created.text
    ips = {
        svc["metadata"]["name"]: svc["status"]["loadBalancer"]["ingress"][0]["ip"]
        for svc in client.get("/k8s/demo/api/v1/namespaces/default/services").json()["items"]
        if svc["spec"]["type"] == "LoadBalancer"
    }
    assert ips["edge"] == "192.168.49.240"
    assert len(set(ips.values())) == len(ips)
