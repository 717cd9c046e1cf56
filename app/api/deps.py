"""Dependencies shared by the JSON routers: the cluster named in the path, the body as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request

from app.core.apiserver.subresources import manager_or_user_agent
from app.core.apiserver.writes import RESOURCES, ApiError, BadRequest
from app.core.model import fieldvalidation, jsonsafe, protobuf, yamlsafe
from app.db.repo import get_cluster_for_read
from app.db.session import ReadSession
from app.db.tables import ClusterRow
from app.settings import get_settings


class PayloadTooLarge(ApiError):
    code, reason = 413, "RequestEntityTooLarge"


class UnsupportedMediaType(ApiError):
    code, reason = 415, "UnsupportedMediaType"


def cluster_row(session: ReadSession, cluster: Annotated[str, Path(max_length=253)]) -> ClusterRow:
    """The cluster named in the path, for a read (a shared row: never change it).

    In the thread pool, not on the event loop: the SELECT checks a connection out of the pool,
    and a full pool must never block the loop that returns connections (read_session's exit)."""
    return get_cluster_for_read(session, cluster)


ClusterDep = Annotated[ClusterRow, Depends(cluster_row)]


async def read_limited(request: Request) -> bytes:
    """The raw body, refused with 413 as soon as it passes the limit (never read whole)."""
    limit = get_settings().SVCSCOPE_MAX_BODY_BYTES
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"Request entity too large: limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request entity too large: limit is {limit}")
        chunks.append(chunk)
    return b"".join(chunks)


async def text_body(request: Request) -> str:
    """A manifest upload: UTF-8 text, YAML or JSON."""
    try:
        return (await read_limited(request)).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8 text") from None


TextBodyDep = Annotated[str, Depends(text_body)]


async def json_body(request: Request) -> Any:
    """The body as the API server reads it: JSON, or YAML when the client says so.

    FastAPI must not bind it to a model: kubectl sends bodies a model would reshape, and
    errors have to come back as Kubernetes Status objects with Go's wording.
    """
    raw = await read_limited(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type in ("application/yaml", "application/x-yaml", "text/yaml"):
        try:
            return jsonsafe.plain(yamlsafe.load_one(raw.decode("utf-8")))
        except (yamlsafe.YamlError, jsonsafe.UnsafeDocument, UnicodeDecodeError) as exc:
            raise BadRequest(str(exc)) from None
    if content_type == protobuf.MEDIA_TYPE:
        try:
            return jsonsafe.plain(protobuf.decode(raw))
        except protobuf.ProtobufError as exc:
            raise BadRequest(exc.message(url_kind(request), raw)) from None
        except jsonsafe.UnsafeDocument as exc:
            raise BadRequest(str(exc)) from None
    return parse_json(raw)


def parse_json(raw: bytes) -> Any:
    """A JSON body, or 400 with the text the API server's JSON decoder answers a bad one with
    (k8s.io/apimachinery pkg/runtime/serializer/json: "couldn't get version/kind; json parse
    error: …")."""
    try:
        return jsonsafe.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"couldn't get version/kind; json parse error: {exc}") from None


BodyDep = Annotated[Any, Depends(json_body)]


def url_kind(request: Request) -> str:
    """The kind a write's URL names (its resource, or the path's first resource segment for
    routes that spell it out): what the body must decode into, for error texts."""
    plurals = {resource.split(".")[0]: kind for kind, resource in RESOURCES.items()}
    resource = request.path_params.get("resource")
    if resource in plurals:
        return plurals[resource]
    return next((plurals[s] for s in request.url.path.split("/") if s in plurals), "")


def field_validation(
    mode: str | None = Query(None, alias="fieldValidation", max_length=8),
) -> str:
    """`fieldValidation`: Strict, Warn (the default upstream) or Ignore; anything else is 400."""
    if mode in (None, ""):
        return "Warn"
    if mode not in fieldvalidation.MODES:
        raise BadRequest(f'fieldValidation must be one of "Ignore", "Strict", "Warn", got "{mode}"')
    return mode


FieldValidationDep = Annotated[str, Depends(field_validation)]


def field_manager(
    request: Request,
    manager: str | None = Query(None, alias="fieldManager", max_length=128),
) -> str:
    """Who a write is recorded under in managedFields: `fieldManager`, else the User-Agent's
    product (`kubectl`, `python-requests`, …), as upstream's managerOrUserAgent."""
    return manager_or_user_agent(manager, request.headers.get("user-agent", ""))


FieldManagerDep = Annotated[str, Depends(field_manager)]
