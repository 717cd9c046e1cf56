"""Fixtures for kubectl test modules that share one server across their tests (it takes a
while to start); import both `server` and `kubectl` into the module. Each test still gets its
own kubeconfig and kubectl cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.test_kubectl import Kubectl
from tests.server import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = Server(tmp_path_factory.mktemp("server") / "svcscope.db").start()
    yield started
    started.stop()


@pytest.fixture
def kubectl(server: Server, tmp_path: Path) -> Kubectl:
    return Kubectl(server, tmp_path / "kube")
