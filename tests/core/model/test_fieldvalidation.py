"""Server-side field validation: unknown fields named as the strict decoder names them."""

from __future__ import annotations

import pytest

from app.core.model import fieldvalidation
from app.core.model.decoding import DecodeError

SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "labels": {"any-key": "x"}},
    "spec": {"ports": [{"port": 80}, {"port": 81, "bogus": 1}], "sepc": 1},
}


def test_unknown_fields_are_found_with_their_paths_and_maps_accept_any_key() -> None:
    assert fieldvalidation.unknown_fields("Service", SERVICE) == [
        "spec.ports[1].bogus",
        "spec.sepc",
    ]


def test_fields_svcscope_does_not_model_are_still_known() -> None:
    container = {"name": "a", "resources": {"limits": {"cpu": "1"}}, "livenessProbe": {}}
    deployment = {"spec": {"template": {"spec": {"containers": [container]}}}}
    assert fieldvalidation.unknown_fields("Deployment", deployment) == []


def test_strict_refuses_with_the_strict_decoding_text() -> None:
    with pytest.raises(DecodeError) as refused:
        fieldvalidation.check("Service", SERVICE, "Strict")
    assert str(refused.value) == (
        'Service in version "v1" cannot be handled as a Service: strict decoding error: '
        'unknown field "spec.ports[1].bogus", unknown field "spec.sepc"'
    )


def test_warn_returns_warnings_and_ignore_nothing() -> None:
    warnings = fieldvalidation.check("Service", SERVICE, "Warn")
    assert warnings == ['unknown field "spec.ports[1].bogus"', 'unknown field "spec.sepc"']
    assert fieldvalidation.warning_headers(warnings[:1]) == [
        '299 - "unknown field \\"spec.ports[1].bogus\\""'
    ]
    assert fieldvalidation.check("Service", SERVICE, "Ignore") == []


@pytest.mark.parametrize(
    ("texts", "headers"),
    [  # Test_recorder_AddWarning, k8s.io/apiserver/pkg/endpoints/filters/warning_test.go
        ([], []),
        ([""], []),
        (["mytext"], ['299 - "mytext"']),
        (["mytext", "mytext"], ['299 - "mytext"']),
        (["mytext1", "mytext2", "mytext3"], [f'299 - "mytext{i}"' for i in (1, 2, 3)]),
        (["my\ntext"], []),
        # and what NewWarningHeader escapes (only " and \) and keeps (UTF-8, as written)
        (['unknown field "spec.Ω\\x"'], ['299 - "unknown field \\"spec.Ω\\\\x\\""']),
        (["tab\tand del\x7f", "c1\x85", "ok"], ['299 - "ok"']),
        (["lone \ud800 surrogate"], []),
    ],
)
def test_warning_headers_are_the_apiservers(texts: list[str], headers: list[str]) -> None:
    assert fieldvalidation.warning_headers(texts) == headers


def test_warnings_past_the_total_are_truncated_as_upstream(monkeypatch: pytest.MonkeyPatch) -> None:
    """TestTruncation of warning_test.go, with its limits of 25 and 5 runes."""
    monkeypatch.setattr(fieldvalidation, "TRUNCATE_AT_TOTAL_RUNES", 25)
    monkeypatch.setattr(fieldvalidation, "TRUNCATE_ITEM_RUNES", 5)
    first = ["aaaaaaaaaa", "aaaaaaaaaa", "bb", "ccc", "Iñtërnâtiô"]
    assert fieldvalidation.warning_headers(first) == [
        f'299 - "{t}"' for t in ("aaaaaaaaaa", "bb", "ccc", "Iñtërnâtiô")
    ]
    more = ["e", "ffffffffff", "ffffffffff", "gggggggggg", "h"]
    assert fieldvalidation.warning_headers(first + more) == [
        f'299 - "{t}"' for t in ("aaaaa", "bb", "ccc", "Iñtër", "e", "fffff", "ggggg")
    ]
