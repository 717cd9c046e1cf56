"""One follower per process: reads the change feed as it commits and fans it out to watchers.

Every worker process follows the same database, so a write through any of them reaches the
watches and live pages of all (ARCHITECTURE.md: "a change feed that every reader follows").
On PostgreSQL the writer's NOTIFY wakes the follower at commit; on SQLite, which has no such
signal across processes, it polls the event table (an indexed range read) every 50 ms.

The follower is a thread, not a task of one event loop: the app may serve from several loops
(uvicorn's, a test client's), and subscribers get items through their own loop's
call_soon_threadsafe. A subscriber receives, in order: lists of its cluster's events, ints
(the feed position every subscriber has now been given everything up to, for BOOKMARKs), and
None when the process shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.db import feed

log = logging.getLogger("svcscope.feed")
SQLITE_POLL_SECONDS = 0.05
POSTGRES_POLL_SECONDS = 1.0
"""A fallback only: NOTIFY normally wakes the follower first."""
BATCH = 500

Item = list[feed.Event] | int | None


class Subscription:
    def __init__(self, cluster_id: int | None, loop: asyncio.AbstractEventLoop) -> None:
        self.cluster_id = cluster_id
        self.loop = loop
        self.queue: asyncio.Queue[Item] = asyncio.Queue()

    def deliver(self, item: Item) -> None:
        with contextlib.suppress(RuntimeError):  # the subscriber's loop has closed
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)


class Follower(threading.Thread):
    def __init__(self, engine: Engine) -> None:
        super().__init__(name="svcscope-feed", daemon=True)
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.subscribers: set[Subscription] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.wake = threading.Event()
        with Session(engine) as session:
            self.position = feed.state(session)[0]

    def subscribe(self, cluster_id: int | None) -> Subscription:
        sub = Subscription(cluster_id, asyncio.get_running_loop())
        with self.lock:
            if self.stopped.is_set():
                sub.deliver(None)
            self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self.lock:
            self.subscribers.discard(sub)

    def stop(self) -> None:
        self.stopped.set()
        self.wake.set()
        with self.lock:
            for sub in self.subscribers:
                sub.deliver(None)

    def run(self) -> None:
        if self.postgres:
            threading.Thread(target=self._listen, name="svcscope-feed-listen", daemon=True).start()
        interval = POSTGRES_POLL_SECONDS if self.postgres else SQLITE_POLL_SECONDS
        while not self.stopped.is_set():
            self.wake.wait(interval)
            self.wake.clear()
            try:
                self._poll()
            except Exception:  # a database hiccup: try again on the next tick
                log.exception("reading the change feed failed")
                self.stopped.wait(1.0)

    def _poll(self) -> None:
        while not self.stopped.is_set():
            with Session(self.engine) as session:
                events = list(_take(feed.since(session, self.position), BATCH))
            if not events:
                return
            by_cluster: dict[int, list[feed.Event]] = {}
            for event in events:
                by_cluster.setdefault(event.cluster_id, []).append(event)
            self.position = events[-1].resource_version
            with self.lock:
                for sub in self.subscribers:
                    if sub.cluster_id is None:
                        sub.deliver(events)
                    elif sub.cluster_id in by_cluster:
                        sub.deliver(by_cluster[sub.cluster_id])
                    sub.deliver(self.position)
            if len(events) < BATCH:
                return

    def _listen(self) -> None:
        """LISTEN on its own connection; each NOTIFY (sent at a writer's commit) wakes _poll."""
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self.stopped.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {feed.CHANNEL}")
                    self.wake.set()  # anything committed before LISTEN took effect
                    while not self.stopped.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self.wake.set()
            except psycopg.Error:
                log.warning("LISTEN %s lost its connection; retrying", feed.CHANNEL)
                self.stopped.wait(1.0)


def _take(events: Any, limit: int) -> Any:
    for index, event in enumerate(events):
        if index >= limit:
            return
        yield event


_lock = threading.Lock()
_followers: dict[int, Follower] = {}
_closing = threading.Event()


def follower(engine: Engine) -> Follower:
    """This process's follower of `engine`'s feed, started on first use."""
    with _lock:
        found = _followers.get(id(engine))
        if found is None or found.engine is not engine:
            for other in _followers.values():  # one per process: the app has one engine
                other.stop()
            _followers.clear()
            found = _followers[id(engine)] = Follower(engine)
            if _closing.is_set():
                found.stopped.set()
            else:
                found.start()
        return found


def stop_all(wait: float = 0.0) -> None:
    """End every watch and live page of this process (shutdown).

    With `wait`, also give each follower that long to finish a poll under way, so its session
    is back in the pool before the engine is disposed (a connection checked in after dispose()
    stays open in the old pool until the collector finds it)."""
    with _lock:
        stopped = list(_followers.values())
        for found in stopped:
            found.stop()
        _followers.clear()
    for found in stopped:
        if wait and found.is_alive() and found is not threading.current_thread():
            found.join(wait)


def closing() -> bool:
    return _closing.is_set()


def end_streams_on_signals() -> None:
    """Close watches as soon as SIGTERM/SIGINT arrives, then let uvicorn's handler run.

    uvicorn waits for open responses before it shuts down, and a watch is open for up to an
    hour; kube-apiserver closes its watches on shutdown too. Called from the lifespan, when
    uvicorn's handlers are installed (only possible on the main thread).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(signum: int, frame: Any, previous: Any = previous) -> None:
            _closing.set()
            # Not here: a signal handler must not wait for a lock the interrupted code holds.
            threading.Thread(target=stop_all, name="svcscope-feed-stop", daemon=True).start()
            previous(signum, frame)

        signal.signal(sig, handler)
