"""Creating clusters from a template, deleting them, and YAML import/export from the pages."""

from __future__ import annotations

from html import unescape

from fastapi.testclient import TestClient

from tests.web.test_topology_pages import writer

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: shop
spec:
  type: NodePort
  selector: {app: frontend}
  ports: [{port: 80, targetPort: 8080}]
"""


def test_a_cluster_from_a_template_opens_its_topology(client: TestClient) -> None:
    form = {"name": "lab", "template": "bare-metal", "nodes": "2", "proxyMode": "nftables"}
    response = client.post("/clusters", data=form, headers=writer(client))
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/clusters/lab"
    lab = client.get("/api/clusters/lab").json()
    assert (lab["provider"], lab["proxyMode"], lab["counts"]["nodes"]) == ("none", "nftables", 2)
    topology = client.get("/api/clusters/lab/topology").json()
    assert [lb["address"] for lb in topology["load_balancers"]] == ["<pending>"]


def test_cluster_form_errors_are_shown_at_their_field(client: TestClient) -> None:
    headers = writer(client)
    bad = client.post("/clusters", data={"name": "Bad_Name", "nodes": "2"}, headers=headers)
    assert 'id="err-cluster-name"' in bad.text and "RFC 1123" in bad.text
    many = client.post("/clusters", data={"name": "x", "nodes": "99999"}, headers=headers)
    assert 'id="err-cluster-nodes"' in many.text
    taken = client.post("/clusters", data={"name": "demo"}, headers=headers)
    assert 'clusters "demo" already exists' in unescape(taken.text)
    pool = client.post("/clusters", data={"name": "x", "loadBalancerPool": "::/0"}, headers=headers)
    assert 'id="err-cluster-loadBalancerPool"' in pool.text
    assert 'loadBalancerPool: Invalid value: "::/0": must be an IPv4 CIDR' in unescape(pool.text)
    assert client.get("/api/clusters/x").status_code == 404


def test_a_cluster_form_with_a_range_pool_creates_the_cluster(client: TestClient) -> None:
    form = {"name": "lab", "template": "demo", "loadBalancerPool": "10.7.0.10-10.7.0.20"}
    assert client.post("/clusters", data=form, headers=writer(client)).status_code == 204
    web = client.get("/k8s/lab/api/v1/namespaces/default/services/web").json()
    assert web["status"]["loadBalancer"]["ingress"] == [{"ip": "10.7.0.10", "ipMode": "VIP"}]


def test_deleting_a_cluster_returns_to_the_list(client: TestClient) -> None:
    response = client.delete("/clusters/bare-metal", headers=writer(client))
    assert response.headers["HX-Redirect"] == "/"
    assert client.get("/api/clusters/bare-metal").status_code == 404


def test_yaml_import_dry_run_apply_and_errors(client: TestClient) -> None:
    headers = writer(client)
    dry = client.post(
        "/clusters/demo/manifests", data={"manifest": SERVICE, "dryRun": "1"}, headers=headers
    )
    assert "created (dry run)" in dry.text and "HX-Trigger-After-Settle" not in dry.headers
    assert client.get("/api/clusters/demo/topology?filter=shop").json()["services"][0]["key"] != (
        "default/shop"
    )
    applied = client.post("/clusters/demo/manifests", data={"manifest": SERVICE}, headers=headers)
    assert "service/shop" in applied.text and applied.headers["HX-Trigger-After-Settle"]
    broken = SERVICE.replace("port: 80,", "port: 80, nodePort: 80,")
    failed = client.post("/clusters/demo/manifests", data={"manifest": broken}, headers=headers)
    assert "Nothing was applied" in failed.text
    assert "provided port is not in the valid range" in failed.text
    garbage = client.post("/clusters/demo/manifests", data={"manifest": "{"}, headers=headers)
    assert 'class="field-error"' in garbage.text


def test_the_yaml_page_exports_the_cluster(client: TestClient) -> None:
    page = client.get("/clusters/demo/manifests").text
    assert "name: frontend" in page and "kind: Deployment" in page
    assert "kube-dns" not in page  # system objects only on request


def test_other_objects_are_listed_and_marked_stored_not_simulated(client: TestClient) -> None:
    headers = writer(client)
    manifest = SERVICE.replace("name: shop", "name: shop\n  namespace: lab") + (
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: lab}\n"
        "data: {a: b}\n"
    )
    applied = client.post("/clusters/demo/manifests", data={"manifest": manifest}, headers=headers)
    assert "namespace/lab" in applied.text and "does not define it" in applied.text
    page = unescape(client.get("/clusters/demo/objects").text)
    assert "kubectl get configmaps -A" in page and "stored, not simulated" in page
    assert 'data-name="lab/settings"' in page and 'data-name="kube-system/default"' in page
    assert "Other objects" in page
