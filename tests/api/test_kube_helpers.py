"""The helpers the /k8s handlers share: which kind a resource names, and the JSON body parse.

Upstream answers an unserved resource with 404 "the server could not find the requested
resource", a write to events with 405, and a body that is not JSON with the serializer's
"couldn't get version/kind; json parse error: …" (k8s.io/apimachinery runtime/serializer/json).
"""

from __future__ import annotations

import pytest

from app.api.deps import parse_json
from app.api.kube import EVENTS_READ_ONLY, MethodNotAllowed, core_kind, kind_in
from app.api.kube_read import NOT_FOUND
from app.core.apiserver.writes import BadRequest, NotFound


def test_kind_in_answers_the_kind_its_table_serves() -> None:
    assert kind_in({"pods": "Pod"}, "pods") == "Pod"


def test_kind_in_is_not_found_for_a_resource_outside_its_table() -> None:
    with pytest.raises(NotFound) as caught:
        kind_in({"pods": "Pod"}, "services")
    assert (caught.value.code, caught.value.message) == (404, NOT_FOUND)


def test_core_kind_refuses_events_as_method_not_allowed() -> None:
    with pytest.raises(MethodNotAllowed) as caught:
        core_kind("events")
    assert (caught.value.code, caught.value.message) == (405, EVENTS_READ_ONLY)
    assert core_kind("endpoints") == "Endpoints"
    with pytest.raises(NotFound):
        core_kind("nodes")


def test_parse_json_reads_json_and_refuses_anything_else_with_upstreams_text() -> None:
    assert parse_json(b'{"spec": {"replicas": 2}}') == {"spec": {"replicas": 2}}
    for raw in (b"{", b"NaN", b"\xff"):
        with pytest.raises(BadRequest) as caught:
            parse_json(raw)
        assert caught.value.message.startswith("couldn't get version/kind; json parse error: ")
