"""schemathesis against the app's own OpenAPI document: every operation, a real server.

Each operation gets FUZZ_EXAMPLES generated requests (positive and negative), seeded by the
test's name so a run replays exactly. Every response must be a non-5xx whose status code,
content type and body match what the document declares. `make fuzz` runs the same test with
many more examples (SVCSCOPE_FUZZ_EXAMPLES) and the CLI's stateful phase.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config._checks import NegativeDataRejectionConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from tests.load import fuzz_hooks  # (importing it registers the path steering and YAML reader)
from tests.server import Server

pytestmark = pytest.mark.server
FUZZ_EXAMPLES = int(os.environ.get("SVCSCOPE_FUZZ_EXAMPLES", "30"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
schema = schemathesis.openapi.from_dict(create_app().openapi())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=FUZZ_EXAMPLES
)
# The coverage phase (boundary values of every schema) is thorough and slow: `make fuzz` runs it.
schema.config.phases.coverage.enabled = os.environ.get("SVCSCOPE_FUZZ_COVERAGE") == "1"
schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
    expected_statuses=[400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429]
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("fuzz")
    running = Server(directory / "svcscope.db", log=directory / "server.log").start()
    yield running
    running.stop()


@schema.parametrize()
@settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_documented(
    case: schemathesis.Case[Any], server: Server
) -> None:
    try:
        if _is_watch(case):
            _call_watch(case, server)
        else:
            case.call_and_validate(base_url=server.url, checks=CHECKS, timeout=30)
    except Exception:
        log = Path(server.log) if server.log else None
        if log and log.exists():
            print(log.read_text(errors="replace")[-6000:])
        raise


WATCH_EVENT_TYPES = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"}


def _is_watch(case: schemathesis.Case[Any]) -> bool:
    return fuzz_hooks.is_watch(case.query)


def _call_watch(case: schemathesis.Case[Any], server: Server) -> None:
    """A watch answers a stream of JSON lines, not one document (kube-apiserver's watch
    encoding), so the document's schema cannot judge it: no 5xx, a Status when refused, and
    every line one event of a known type when accepted (fuzz_hooks bounds it to a second)."""
    response = case.call(base_url=server.url, timeout=30)
    assert response.status_code < 500, response.text[:2000]
    if response.status_code != 200:
        assert response.json()["kind"] == "Status"
        return
    assert response.headers["content-type"][0].startswith("application/json")
    for line in response.text.splitlines():
        event = json.loads(line)
        assert event["type"] in WATCH_EVENT_TYPES, line
        assert isinstance(event["object"], dict), line
