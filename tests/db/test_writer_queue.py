"""Writers take the database's write lock in the order they asked for it."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from app.db import session
from app.db.session import WriterQueue


def wait_until(condition: Any) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_writers_go_first_come_first_served() -> None:
    queue, order = WriterQueue(), []
    first: dict[Any, Any] = {}
    queue.enter(first)

    def writer(name: str) -> None:
        info: dict[Any, Any] = {}
        queue.enter(info)
        order.append(name)
        queue.leave(info)

    threads = []
    for index, name in enumerate("bcdefg"):
        thread = threading.Thread(target=writer, args=(name,))
        thread.start()
        threads.append(thread)
        wait_until(lambda n=index + 1: len(queue._waiting) == n)  # queued in this order
    queue.leave(first)
    for thread in threads:
        thread.join(timeout=10)
    assert order == list("bcdefg")
    again: dict[Any, Any] = {}
    queue.enter(again)  # free again: taken at once
    queue.leave(again)


def test_a_writer_that_gives_up_leaves_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "BUSY_TIMEOUT_MS", 50)
    queue = WriterQueue()
    holder: dict[Any, Any] = {}
    queue.enter(holder)
    late: dict[Any, Any] = {}
    queue.enter(late)  # waits 50 ms, then goes on without the turn
    assert late == {} and not queue._waiting
    queue.leave(late)  # a no-op: it never held it
    queue.leave(holder)
    after: dict[Any, Any] = {}
    queue.enter(after)
    assert after
    queue.leave(after)
