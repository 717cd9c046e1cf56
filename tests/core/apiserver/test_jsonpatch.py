"""JSON merge patch and JSON patch against the RFCs' own examples and evanphx/json-patch's
error texts (the library kube-apiserver applies them with)."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.apiserver.jsonpatch import BadPatch, PatchFailed, json_patch, merge_patch

# RFC 7386 Appendix A: original, patch, result.
RFC7386 = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "result"), RFC7386)
def test_merge_patch_follows_rfc7386_appendix_a(original: Any, patch: Any, result: Any) -> None:
    assert merge_patch(original, patch) == result


# RFC 6902 Appendix A (A.1-A.10, A.14, A.16): document, patch, result.
RFC6902 = [
    ({"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}], {"baz": "qux", "foo": "bar"}),
    (
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    ({"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ({"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}], {"foo": ["bar", "baz"]}),
    (
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    ({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    (
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
    ({"a": {"b": 1}}, [{"op": "copy", "from": "/a", "path": "/c"}], {"a": {"b": 1}, "c": {"b": 1}}),
]


@pytest.mark.parametrize(("doc", "patch", "result"), RFC6902)
def test_json_patch_follows_rfc6902_appendix_a(doc: Any, patch: Any, result: Any) -> None:
    assert json_patch(doc, patch) == result


def test_json_patch_leaves_the_original_untouched() -> None:
    doc = {"spec": {"ports": [{"port": 80}]}}
    json_patch(doc, [{"op": "replace", "path": "/spec/ports/0/port", "value": 81}])
    assert doc == {"spec": {"ports": [{"port": 80}]}}


# evanphx/json-patch v4 patch.go: the texts kube-apiserver's patch handler sees.
FAILURES = [
    (
        {"baz": "qux", "foo": "bar"},
        [{"op": "test", "path": "/baz", "value": "bar"}],
        "testing value /baz failed: test failed",
    ),
    (
        {"foo": "bar"},
        [{"op": "add", "path": "/baz/bat", "value": "qux"}],
        'add operation does not apply: doc is missing path: "/baz/bat": missing value',
    ),
    (
        {"foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": 1}],
        "replace operation does not apply: doc is missing key: /baz: missing value",
    ),
    (
        {"foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        "error in remove for path: '/baz': Unable to remove nonexistent key: baz: missing value",
    ),
    (
        {"foo": [1]},
        [{"op": "remove", "path": "/foo/3"}],
        "error in remove for path: '/foo/3': Unable to access invalid index: 3: "
        "invalid index referenced",
    ),
    ({"foo": 1}, [{"op": "frob", "path": "/foo"}], "Unexpected kind: frob"),
]


@pytest.mark.parametrize(("doc", "patch", "message"), FAILURES)
def test_a_json_patch_that_does_not_apply_fails_with_evanphx_text(
    doc: Any, patch: Any, message: str
) -> None:
    with pytest.raises(PatchFailed) as failed:
        json_patch(doc, patch)
    assert str(failed.value) == message


def test_a_json_patch_that_is_not_a_list_is_a_bad_request() -> None:
    with pytest.raises(BadPatch):
        json_patch({}, {"op": "add"})
