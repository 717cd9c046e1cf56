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
    assert (
        fieldvalidation.warning_header(warnings[:1])
        == '299 - "unknown field \\"spec.ports[1].bogus\\""'
    )
    assert fieldvalidation.check("Service", SERVICE, "Ignore") == []
