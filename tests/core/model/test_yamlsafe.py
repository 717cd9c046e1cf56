"""The YAML limits are checked while the document is parsed, so a refusal is quick."""

from __future__ import annotations

import time

import pytest
import yaml

from app.core.model import yamlsafe


def test_libyaml_does_the_parsing_where_pyyaml_has_it() -> None:
    assert yamlsafe.LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[" + ",".join(["1"] * 200_000) + "]", "more than 50000 YAML nodes"),
        ("\n".join(f"k{n}: v" for n in range(200_000)), "more than 50000 YAML nodes"),
        ("a: " + "[" * 65 + "]" * 65, "nested deeper than 64 levels"),
        ("a: &x 1\nb: [" + ", ".join(["*x"] * 1001) + "]", "more than 1000 YAML aliases"),
    ],
)
def test_a_document_past_a_limit_is_refused_before_it_is_built(document: str, message: str) -> None:
    started = time.process_time()
    with pytest.raises(yamlsafe.YamlError, match=message):
        yamlsafe.load_all(document)
    assert time.process_time() - started < 1.0


def test_a_document_within_the_limits_loads_as_safe_load_would() -> None:
    text = "a: [1, 2, {b: yes}]\n---\n---\nc: &x {d: 1}\ne: *x\n"
    assert yamlsafe.load_all(text) == [{"a": [1, 2, {"b": True}]}, {"c": {"d": 1}, "e": {"d": 1}}]


def test_a_document_longer_than_the_limit_is_refused_unread() -> None:
    with pytest.raises(yamlsafe.YamlError, match="longer than"):
        yamlsafe.load_all("#" * (yamlsafe.MAX_CHARS + 1))


def test_many_small_documents_pass_where_one_document_as_large_is_refused() -> None:
    """The per-document cap stops one huge document; a 10,000-object import stays within the
    stream's cap (each Service is some 40 nodes)."""
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: s%d}\nspec: {ports: [{port: 80}]}\n"
    docs = yamlsafe.load_all("---\n".join(service % n for n in range(10_000)))
    assert len(docs) == 10_000 and docs[-1]["metadata"]["name"] == "s9999"
    with pytest.raises(yamlsafe.YamlError, match="documents have more than 500000 YAML nodes"):
        yamlsafe.load_all("\n---\n".join("[" + ",".join(["1"] * 40_000) + "]" for _ in range(13)))
