"""Strategic merge patch: cases adapted from k8s.io/apimachinery
pkg/util/strategicpatch/patch_test.go (its MergeItem `mergingList` merges by name, as
containers do; `nonMergingList` replaces, as externalIPs does), and the patches kubectl's
client-side apply sends (../shared/reference/kubectl-wire.md §5)."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.apiserver.strategicpatch import PatchError, merge
from app.core.model.appsv1 import DEPLOYMENT
from app.core.model.corev1 import SERVICE


def _containers(*items: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": {"containers": list(items)}}}}


def _deploy_patch(original: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    return merge(original, patch, DEPLOYMENT)


def test_items_of_a_merging_list_merge_by_their_key() -> None:
    # patch_test.go "Merge two lists": mergingList items with the same name merge
    original = _containers({"name": "1", "image": "a"}, {"name": "2", "image": "b"})
    out = _deploy_patch(original, _containers({"name": "1", "image": "c"}))
    assert out == _containers({"name": "1", "image": "c"}, {"name": "2", "image": "b"})


def test_a_new_item_is_appended() -> None:
    out = _deploy_patch(_containers({"name": "1"}), _containers({"name": "3", "image": "x"}))
    assert out == _containers({"name": "1"}, {"name": "3", "image": "x"})


def test_patch_delete_removes_the_item_with_that_key() -> None:
    # patch_test.go "Delete one item from a list": {$patch: delete, name: 1}
    original = _containers({"name": "1"}, {"name": "2"})
    out = _deploy_patch(original, _containers({"$patch": "delete", "name": "1"}))
    assert out == _containers({"name": "2"})


def test_patch_replace_in_a_list_replaces_the_whole_list() -> None:
    # patch_test.go "Replace list": [{name: 3}, {$patch: replace}]
    original = _containers({"name": "1"}, {"name": "2"})
    out = _deploy_patch(original, _containers({"name": "3"}, {"$patch": "replace"}))
    assert out == _containers({"name": "3"})


def test_patch_replace_in_a_map_replaces_the_map() -> None:
    # patch_test.go "Replace map": {$patch: replace, ...} keeps only what the patch says
    original = {"metadata": {"labels": {"a": "1", "b": "2"}}}
    patch = {"metadata": {"labels": {"$patch": "replace", "c": "3"}}}
    assert merge(original, patch, SERVICE) == {"metadata": {"labels": {"c": "3"}}}


def test_null_deletes_a_key_and_a_delete_directive_a_map() -> None:
    original = {"metadata": {"labels": {"a": "1", "b": "2"}, "annotations": {"x": "y"}}}
    patch = {"metadata": {"labels": {"a": None}, "annotations": {"$patch": "delete"}}}
    assert merge(original, patch, SERVICE) == {"metadata": {"labels": {"b": "2"}}}


def test_a_list_without_a_strategy_is_replaced() -> None:
    original = {"spec": {"externalIPs": ["1.1.1.1", "2.2.2.2"]}}
    out = merge(original, {"spec": {"externalIPs": ["3.3.3.3"]}}, SERVICE)
    assert out == {"spec": {"externalIPs": ["3.3.3.3"]}}


def test_service_ports_merge_by_port_and_keep_allocated_node_ports() -> None:
    # kubectl-wire.md §5: an apply changing targetPort sends only the changed field.
    original = {"spec": {"ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080}]}}
    patch = {
        "spec": {
            "$setElementOrder/ports": [{"port": 80}],
            "ports": [{"port": 80, "targetPort": 9090}],
        }
    }
    out = merge(original, patch, SERVICE)
    assert out == {"spec": {"ports": [{"port": 80, "targetPort": 9090, "nodePort": 30080}]}}


def test_set_element_order_reorders_the_merged_list() -> None:
    # patch.go normalizeElementOrder + mergeSortedSlice: the patch's items in the order given
    # (3, 1); a server-only item (2) goes before the first patch item it preceded live.
    original = _containers({"name": "1"}, {"name": "2"}, {"name": "3"})
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "3"}, {"name": "1"}],
                    "containers": [{"name": "3", "image": "x"}],
                }
            }
        }
    }
    out = _deploy_patch(original, patch)
    names = [c["name"] for c in out["spec"]["template"]["spec"]["containers"]]
    assert names == ["2", "3", "1"]


def test_removing_a_port_while_keeping_another() -> None:
    # kubectl-wire.md §5: NodePort→ClusterIP dropping port 80 in one apply.
    original = {"spec": {"type": "NodePort", "ports": [{"port": 80}, {"port": 443}]}}
    patch = {
        "spec": {
            "$setElementOrder/ports": [{"port": 443}],
            "ports": [{"$patch": "delete", "port": 80}],
            "type": "ClusterIP",
        }
    }
    out = merge(original, patch, SERVICE)
    assert out == {"spec": {"type": "ClusterIP", "ports": [{"port": 443}]}}


def test_retain_keys_clears_the_fields_not_named() -> None:
    # patch_test.go "retainKeys": Deployment strategy switching to Recreate.
    original = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    assert _deploy_patch(original, patch) == {"spec": {"strategy": {"type": "Recreate"}}}


def test_delete_from_primitive_list_and_set_union() -> None:
    # patch_test.go "$deleteFromPrimitiveList" on a merging list of strings (finalizers).
    original = {"metadata": {"finalizers": ["a", "b"]}}
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["c"]}}
    assert merge(original, patch, SERVICE) == {"metadata": {"finalizers": ["b", "c"]}}


def test_the_original_is_not_changed() -> None:
    original = _containers({"name": "1"})
    _deploy_patch(original, _containers({"name": "1", "image": "x"}))
    assert original == _containers({"name": "1"})


def test_an_item_without_its_merge_key_is_refused() -> None:
    with pytest.raises(PatchError, match="does not contain declared merge key: port"):
        merge({"spec": {"ports": [{"port": 80}]}}, {"spec": {"ports": [{"name": "x"}]}}, SERVICE)
