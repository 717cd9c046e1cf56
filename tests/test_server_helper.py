"""The test suite's real-server helper must talk to its own server, never to a neighbour's."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.server import Server

pytestmark = pytest.mark.server


def test_a_server_whose_port_was_taken_moves_to_another_and_answers_itself(
    tmp_path: Path,
) -> None:
    """Two tests' servers can draw the same free port: the second must not mistake the first for
    itself (a fresh-clone run talked to a stranger's server until it stopped mid-test)."""
    first = Server(tmp_path / "first.db").start()
    try:
        second = Server(tmp_path / "second.db", seed=False)
        second.port = first.port
        second.start()
        try:
            assert second.port != first.port
            assert second.process is not None and second.process.poll() is None
            assert b"address already in use" in second.log.read_bytes().lower()
            # The seeded server has demo clusters; the unseeded one has none.
            assert httpx.get(f"{first.url}/api/clusters").json()["items"] != []
            assert httpx.get(f"{second.url}/api/clusters").json()["items"] == []
        finally:
            second.stop()
    finally:
        first.stop()
