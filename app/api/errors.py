"""Every error leaves as a Kubernetes `Status`, the shape kubectl and client-go parse.

Upstream: k8s.io/apimachinery/pkg/api/errors (NewNotFound, NewAlreadyExists, NewInvalid, …).
A FastAPI `{"detail": …}` body would make kubectl print junk, so every handler below answers
with kind Status, and unexpected exceptions become a 500 InternalError Status, never a trace
(app/main.py installs that handler: it also answers pages, with a page).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.fastjson import JSONResponse
from app.core.apiserver.manifests import ImportFailed
from app.core.apiserver.writes import ApiError
from app.core.model.fielderrors import ValidationFailed
from app.core.model.kept import KEPT
from app.db.session import database_busy
from app.services.errors import CORE_ERRORS, CoreError, UseCaseFailed

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
}

KIND_RESOURCES = {
    "Service": ("", "services"),
    "Pod": ("", "pods"),
    "Node": ("", "nodes"),
    "Deployment": ("apps", "deployments"),
    "ReplicaSet": ("apps", "replicasets"),
    "StatefulSet": ("apps", "statefulsets"),
    "DaemonSet": ("apps", "daemonsets"),
    "EndpointSlice": ("discovery.k8s.io", "endpointslices"),
    "Cluster": ("", "clusters"),
}
KIND_RESOURCES.update({k.kind: (k.group, k.resource) for k in KEPT})


class Status(BaseModel):
    """A Kubernetes Status: every error the API answers."""

    kind: Literal["Status"]
    apiVersion: Literal["v1"]
    metadata: dict[str, Any] = Field(default_factory=dict)
    status: Literal["Failure"]
    message: str
    reason: str
    code: int = Field(ge=400, le=499)
    details: dict[str, Any] = Field(default_factory=dict)


def status_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router: each error code answers a Status."""
    return {code: {"model": Status, "description": "A Kubernetes Status"} for code in codes}


READ_ERRORS = status_responses(400, 404, 406, 422)
"""What any route may answer (declared on each router): a bad request or selector, no such
object or representation, an invalid query or body."""
WRITE_ERRORS = status_responses(401, 403, 405, 409, 413, 415, 429)
"""What a write may answer besides (declared on each write route): no or wrong credentials,
a method the resource does not take, a conflict, a body too large or in an unknown format,
a busy database."""


def status_body(
    code: int, message: str, reason: str | None = None, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason or _REASONS.get(code, "Unknown"),
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def status_response(
    code: int, message: str, reason: str | None = None, details: dict[str, Any] | None = None
) -> JSONResponse:
    return JSONResponse(status_body(code, message, reason, details), status_code=code)


def invalid_response(exc: ValidationFailed) -> JSONResponse:
    group, _ = KIND_RESOURCES.get(exc.kind, ("", ""))
    details: dict[str, Any] = {"name": exc.name, "kind": exc.kind}
    if group:
        details["group"] = group
    details["causes"] = [
        {"reason": e.type.value, "message": e.body, "field": e.field} for e in exc.errors
    ]
    return status_response(422, str(exc), "Invalid", details)


def api_error_response(exc: ApiError) -> JSONResponse:
    details: dict[str, Any] | None = None
    if exc.name or exc.kind:
        resource, _, group = exc.kind.partition(".")
        details = {"name": exc.name, "kind": resource}
        if group:
            details["group"] = group
    retry_after = getattr(exc, "retry_after", None)  # 429: when to come back, as client-go reads
    if retry_after is not None:
        details = {**(details or {}), "retryAfterSeconds": retry_after}
    response = status_response(exc.code, exc.message, exc.reason, details)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def import_failed_response(failed: ImportFailed) -> JSONResponse:
    """422 Invalid for a manifest: one cause per field error, named by its document."""
    causes: list[dict[str, Any]] = []
    for error in failed.errors:
        prefix = f"documents[{error['document'] - 1}]"
        for cause in error.get("causes") or [{"field": "", "message": error["message"]}]:
            causes.append(
                {
                    "reason": error["reason"],
                    "message": cause["message"],
                    "field": f"{prefix}.{cause['field']}" if cause["field"] else prefix,
                }
            )
    message = f"the manifest was not applied: {failed}"
    return status_response(422, message, "Invalid", {"causes": causes, "kind": "List"})


def core_error_response(exc: CoreError) -> JSONResponse:
    """The Status kube-apiserver answers for each kind of refusal the core raises."""
    if isinstance(exc, ValidationFailed):
        return invalid_response(exc)
    if isinstance(exc, ApiError):
        return api_error_response(exc)
    if isinstance(exc, ImportFailed):
        return import_failed_response(exc)
    return status_response(400, str(exc), "BadRequest")  # DecodeError, SelectorError


def install(app: FastAPI) -> None:
    async def _core(_: Request, exc: Exception) -> JSONResponse:
        return core_error_response(exc.error if isinstance(exc, UseCaseFailed) else exc)  # type: ignore[arg-type]

    for kind in (UseCaseFailed, *CORE_ERRORS):
        app.add_exception_handler(kind, _core)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail) if exc.detail else _REASONS.get(exc.status_code, "error")
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = "the server could not find the requested resource"
        if exc.status_code == 405:
            message = "the server does not allow this method on the requested resource"
        return status_response(exc.status_code, message, headers_reason(exc.status_code))

    @app.exception_handler(RequestValidationError)
    async def _request(_: Request, exc: RequestValidationError) -> JSONResponse:
        causes = [
            {
                "reason": "FieldValueInvalid",
                "message": str(err.get("msg", "")),
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
            }
            for err in exc.errors()
        ]
        message = "; ".join(f"{c['field']}: {c['message']}" for c in causes)
        return status_response(422, message or "invalid request", "Invalid", {"causes": causes})

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> JSONResponse:
        if not database_busy(exc):
            raise exc  # the 500 handler (app/main.py) answers, outside every middleware
        response = status_response(
            429,
            "the server is busy with other changes to this cluster; please retry",
            "TooManyRequests",
            {"retryAfterSeconds": 1},
        )
        response.headers["Retry-After"] = "1"
        return response


INTERNAL_ERROR = (
    "Internal error occurred: an unexpected error prevented the request from succeeding"
)


def internal_error_response() -> JSONResponse:
    """500 InternalError, as kube-apiserver answers a panic (no trace leaves the server)."""
    return status_response(500, INTERNAL_ERROR, "InternalError")


def headers_reason(code: int) -> str:
    return _REASONS.get(code, "Unknown")
