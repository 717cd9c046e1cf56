"""What has to stop before the database engine is disposed: the app's lifespan and the tests'
throw-away databases call the same function, so the two cannot drift apart."""

from __future__ import annotations

from app.db import follower
from app.services import objects


def stop_background_work() -> None:
    """No thread may still hold or later open a connection once the engine is disposed.

    The feed's followers finish a poll under way (a connection checked in after dispose()
    stays open in the old pool until the collector finds it, and psycopg warns); pending
    namespace finalizers are dropped (the next write to the cluster finalizes what is due).
    """
    follower.stop_all(wait=5.0)
    objects.cancel_finalize_timers()
