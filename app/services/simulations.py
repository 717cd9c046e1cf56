"""Running a simulation for a request: a few at a time, and never past its client.

At most SVCSCOPE_MAX_SIMULATIONS run at once in this process; one more is refused at once with
429 TooManyRequests and Retry-After (kube-apiserver's max-in-flight filter answers so), rather
than queued behind minutes of work. The run happens in a worker thread and stops at its next
chunk (a fraction of a second) once the client has gone or the server is shutting down: the
core calls `progress` after every chunk and whatever that raises ends the run.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from app.core.apiserver.writes import ApiError
from app.core.model.objects import ClusterState
from app.core.model.workspace import Workspace
from app.core.simulation.simulate import Spec, simulate
from app.settings import get_settings

RETRY_AFTER_SECONDS = 2
POLL_SECONDS = 0.2


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


class _Slots:
    """A counter of running simulations; a slot is freed when its thread's run ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0

    def take(self) -> None:
        limit = get_settings().SVCSCOPE_MAX_SIMULATIONS
        with self._lock:
            if self.running >= limit:
                raise TooManyRequests(
                    f"the server is running {self.running} simulations, its limit "
                    f"(SVCSCOPE_MAX_SIMULATIONS); try again in {RETRY_AFTER_SECONDS} s"
                )
            self.running += 1

    def free(self) -> None:
        with self._lock:
            self.running -= 1


SLOTS = _Slots()


async def run_simulation(
    ws: Workspace,
    spec: Spec,
    state: ClusterState | None,
    disconnected: Callable[[], Awaitable[bool]],
) -> dict[str, Any]:
    """simulate() in a worker thread, within the limits; `disconnected` polls the client."""
    SLOTS.take()
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
            SLOTS.free()

    async def watch() -> None:
        while not stop.is_set():
            if await disconnected():
                stop.set()
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
                SLOTS.free()
