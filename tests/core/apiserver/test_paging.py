"""limit and continue: chunks that add up to the list, tokens as upstream writes them."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.apiserver import paging
from app.core.apiserver.writes import BadRequest
from app.core.model.workspace import Manifest

NAMES = st.from_regex(r"[a-z]([-a-z0-9]{0,6}[a-z0-9])?", fullmatch=True)


def pod(namespace: str, name: str, app: str = "web") -> Manifest:
    return {"metadata": {"namespace": namespace, "name": name, "labels": {"app": app}}}


def ordered(items: list[Manifest]) -> list[Manifest]:
    return sorted(items, key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))


def walk(
    items: list[Manifest], limit: int, matches: Callable[[Manifest], bool] | None = None
) -> list[list[Manifest]]:
    chunks, token = [], ""
    while True:
        piece = paging.chunk(
            items,
            limit=limit,
            token=token,
            resource_version=7,
            across_namespaces=True,
            matches=matches,
        )
        chunks.append(piece.items)
        if not piece.continue_token:
            return chunks
        token = piece.continue_token


@given(
    keys=st.sets(st.tuples(st.sampled_from(["a", "a-b", "b", "kube-system"]), NAMES), max_size=40),
    limit=st.integers(min_value=1, max_value=9),
)
def test_chunks_in_order_add_up_to_the_whole_list(keys: set[tuple[str, str]], limit: int) -> None:
    items = ordered([pod(ns, name) for ns, name in keys])
    chunks = walk(items, limit)
    assert [o for c in chunks for o in c] == items
    assert all(len(c) == limit for c in chunks[:-1])


@given(
    apps=st.lists(st.sampled_from(["web", "db"]), max_size=30),
    limit=st.integers(min_value=1, max_value=5),
)
def test_a_selector_fills_each_chunk_with_matches_as_etcd3_does(
    apps: list[str], limit: int
) -> None:
    items = [pod("default", f"p{i:03d}", app) for i, app in enumerate(apps)]
    chunks = walk(items, limit, matches=lambda o: o["metadata"]["labels"]["app"] == "db")
    wanted = [o for o in items if o["metadata"]["labels"]["app"] == "db"]
    assert [o for c in chunks for o in c] == wanted
    assert all(len(c) == limit for c in chunks[:-1])


def test_the_token_is_upstreams_base64url_json_after_the_last_key() -> None:
    items = [pod("default", n) for n in ("a", "b", "c")]
    piece = paging.chunk(items, limit=2, token="", resource_version=42, across_namespaces=True)
    assert piece.remaining == 1 and piece.offset == 0 and piece.total == 3
    assert "=" not in piece.continue_token
    padded = piece.continue_token + "=" * (-len(piece.continue_token) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == {
        "v": "meta.k8s.io/v1",
        "rv": 42,
        "start": "default/b\x00",
    }


def test_previous_leads_back_to_the_chunk_before() -> None:
    items = [pod("default", f"p{i:02d}") for i in range(10)]
    first = paging.chunk(items, limit=3, token="", resource_version=5, across_namespaces=True)
    second = paging.chunk(
        items, limit=3, token=first.continue_token, resource_version=5, across_namespaces=True
    )
    third = paging.chunk(
        items, limit=3, token=second.continue_token, resource_version=5, across_namespaces=True
    )
    assert first.previous_token is None and second.previous_token == ""
    assert third.offset == 6 and third.previous_token
    back = paging.chunk(
        items, limit=3, token=third.previous_token, resource_version=5, across_namespaces=True
    )
    assert back.items == second.items


def token(body: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("%%%", "invalid continue token: continue key is not valid: "),
        (token({"v": "meta.k8s.io/v2", "rv": 1, "start": "a"}), "does not recognize"),
        (token({"v": "meta.k8s.io/v1", "rv": 0, "start": "a"}), "incorrect encoded start"),
        (token({"v": "meta.k8s.io/v1", "rv": 3, "start": ""}), "encoded start key empty"),
        (token({"v": "meta.k8s.io/v1", "rv": 3, "start": "../secrets"}), "not valid: ../secrets"),
        (token([1, 2]), "continue key is not valid"),
    ],
)
def test_a_bad_token_is_a_bad_request_with_upstreams_text(value: str, message: str) -> None:
    with pytest.raises(BadRequest) as raised:
        paging.decode_continue(value)
    assert message in raised.value.message
    assert raised.value.code == 400
