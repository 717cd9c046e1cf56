"""The first of a repeated query parameter counts on /k8s (app/api/kube_query.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.api.kube_query import first_values


def test_repeats_are_dropped_and_the_rest_kept_byte_for_byte() -> None:
    assert first_values(b"watch=0&watch=1&limit=5") == b"watch=0&limit=5"
    assert first_values(b"labelSelector=a%3Db&label%53elector=c") == b"labelSelector=a%3Db"
    assert first_values(b"a&a=1&b=&b=2") == b"a&b="
    assert first_values(b"") == b""


@given(st.lists(st.tuples(st.sampled_from("abc"), st.text("xyz=%", max_size=3)), max_size=8))
def test_each_name_keeps_its_first_value(pairs: list[tuple[str, str]]) -> None:
    query = "&".join(f"{name}={value.replace('%', '%25')}" for name, value in pairs).encode()
    kept = first_values(query).decode()
    firsts: dict[str, str] = {}
    for name, value in pairs:
        firsts.setdefault(name, value.replace("%", "%25"))
    assert kept == "&".join(f"{n}={v}" for n, v in firsts.items())
