"""Running a simulation for a request: a few at a time, and never past its client.

At most SVCSCOPE_MAX_SIMULATIONS run at once on the server, all workers together (the slots
are rows in the database, app/db/limits.py); one more is refused at once with
429 TooManyRequests and Retry-After (kube-apiserver's max-in-flight filter answers so), rather
than queued behind minutes of work. The run happens in a worker thread and stops at its next
chunk (a fraction of a second) once the client has gone or the server is shutting down: the
core calls `progress` after every chunk and whatever that raises ends the run.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from sqlalchemy.exc import OperationalError

from app.core.apiserver.writes import ApiError
from app.core.model.objects import ClusterState
from app.core.model.workspace import Workspace
from app.core.simulation.simulate import Spec, simulate
from app.db import limits
from app.settings import get_settings

RETRY_AFTER_SECONDS = 2
POLL_SECONDS = 0.2
RENEW_SECONDS = 5.0


class TooManyRequests(ApiError):
    code, reason = 429, "TooManyRequests"
    retry_after = RETRY_AFTER_SECONDS


class Stopped(ApiError):
    """The client went away or the server is stopping: the run ends at its next chunk."""

    code, reason = 503, "ServiceUnavailable"

    def __init__(self) -> None:
        super().__init__(
            "the simulation was stopped: the client went away or the server is stopping"
        )


class Slot:
    """One of the SVCSCOPE_MAX_SIMULATIONS slots, held in the database (app/db/limits.py) so
    that every worker counts the same simulations; renewed while the run goes on."""

    def __init__(self) -> None:
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.number: int | None = None
        self.renewed = 0.0

    def take(self) -> None:
        limit = get_settings().SVCSCOPE_MAX_SIMULATIONS
        self.renewed = time.time()
        self.number = limits.take_simulation_slot(limit=limit, owner=self.owner, now=self.renewed)
        if self.number is None:
            raise TooManyRequests(
                f"the server is running {limit} simulations, its limit "
                f"(SVCSCOPE_MAX_SIMULATIONS); try again in {RETRY_AFTER_SECONDS} s"
            )

    def due(self) -> bool:
        return self.number is not None and time.time() - self.renewed >= RENEW_SECONDS

    def renew(self) -> None:
        """A busy database only delays a renewal: the slot goes stale after
        limits.SLOT_STALE_SECONDS, several renewals away."""
        number, self.renewed = self.number, time.time()
        if number is not None:
            with contextlib.suppress(OperationalError):
                limits.renew_simulation_slot(slot=number, owner=self.owner, now=self.renewed)

    def free(self) -> None:
        """A busy database leaves the slot to go stale rather than fail the finished run."""
        number, self.number = self.number, None
        if number is not None:
            with contextlib.suppress(OperationalError):
                limits.free_simulation_slot(slot=number, owner=self.owner)


async def run_simulation(
    ws: Workspace,
    spec: Spec,
    state: ClusterState | None,
    disconnected: Callable[[], Awaitable[bool]],
) -> dict[str, Any]:
    """simulate() in a worker thread, within the limits; `disconnected` polls the client."""
    slot = Slot()
    await anyio.to_thread.run_sync(slot.take)
    stop = threading.Event()
    lock = threading.Lock()
    started = abandoned = False

    def check(_: float) -> None:
        if stop.is_set():
            raise Stopped

    def work() -> dict[str, Any]:
        nonlocal started
        with lock:
            if abandoned:  # cancelled before a worker thread picked it up
                raise Stopped
            started = True
        try:
            limit = get_settings().SVCSCOPE_MAX_SCALAR_REQUESTS
            return simulate(ws, spec, check, state, scalar_limit=limit)
        finally:
            slot.free()

    async def watch() -> None:
        while not stop.is_set():
            if await disconnected():
                stop.set()
            if slot.due():
                await anyio.to_thread.run_sync(slot.renew)
            await anyio.sleep(POLL_SECONDS)

    error: Exception | None = None
    result: dict[str, Any] = {}
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(watch)
            try:
                # Cancelling (server shutdown) does not wait for the thread: `stop` ends it.
                result = await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
            except Exception as exc:  # re-raised below, not wrapped in an ExceptionGroup
                error = exc
            finally:
                stop.set()
                group.cancel_scope.cancel()
        if error is not None:
            raise error
        return result
    finally:
        stop.set()
        with lock:
            if not started:
                abandoned = True
                slot.free()
