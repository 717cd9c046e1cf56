"""create_app(): routers, static files, templates, and the lifespan that migrates and seeds."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api import (
    clusters,
    discovery,
    errors,
    kube,
    kube_openapi,
    kube_patch,
    kube_query,
    kube_scale,
    kube_status,
    layout,
    manifests,
    motion,
    openapi,
    topology,
    traffic,
)
from app.db import follower
from app.db.migrate import upgrade_to_head
from app.resources import STATIC
from app.security import auth, csrf, headers, middleware
from app.services import shutdown
from app.services.clusters import seed_demo_clusters
from app.settings import get_settings
from app.web import docs, login, pages
from app.web.refused import failure_page, refused_page

log = logging.getLogger("svcscope")


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    upgrade_to_head(settings.DATABASE_URL)
    if settings.SVCSCOPE_SEED:
        created = seed_demo_clusters()
        if created:
            log.info("seeded demo clusters: %s", ", ".join(created))
    follower.end_streams_on_signals()
    yield
    shutdown.stop_background_work()


async def _refused(request: Request, exc: Exception) -> Response:
    """A refused write: a Status on the APIs, a short page with a sign-in link elsewhere."""
    assert isinstance(exc, auth.WriteRefused)
    if auth.is_api(request.url.path):
        return errors.api_error_response(exc)
    return refused_page(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    """Any exception no handler took: a 500 InternalError Status on the APIs, a page elsewhere.

    Starlette's ServerErrorMiddleware calls this from outside every middleware added with
    add_middleware, so the security headers are added here as well.
    """
    log.exception("unexpected error", exc_info=exc)
    api = auth.is_api(request.url.path)
    response = errors.internal_error_response() if api else failure_page()
    headers.secure(response.headers)
    return response


def create_app() -> FastAPI:
    app = FastAPI(
        title="svcscope",
        version=__version__,
        description="See, test and teach how Kubernetes Services move traffic.",
        lifespan=lifespan,
        docs_url=None,  # app/web/docs.py serves /docs and /redoc with local assets
        redoc_url=None,
        dependencies=[auth.WriteGuard],  # every route: reads pass, writes need a writer
    )
    errors.install(app)
    app.add_exception_handler(auth.WriteRefused, _refused)
    app.add_exception_handler(Exception, _unexpected)
    csrf.install(app)
    app.add_middleware(kube_query.FirstQueryValueMiddleware)
    middleware.install(app)  # headers, allowed hosts, sign-in rate, body limit
    openapi.install(app)
    app.include_router(docs.router)
    app.include_router(login.router)
    app.include_router(clusters.router)
    app.include_router(discovery.router)
    app.include_router(kube_patch.metrics_router)
    app.include_router(kube.router)
    app.include_router(kube_patch.router)
    app.include_router(kube_scale.router)
    app.include_router(kube_status.router)
    app.include_router(kube_openapi.router)
    app.include_router(manifests.router)
    app.include_router(traffic.router)
    app.include_router(motion.router)
    app.include_router(topology.router)
    app.include_router(layout.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
