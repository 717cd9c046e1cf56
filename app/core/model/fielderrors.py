"""Field errors printed exactly as k8s.io/apimachinery prints them.

Upstream: staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go. The text of a
field error is what kubectl shows a user, so its format is part of the product.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum


class ErrorType(StrEnum):
    """The value is the StatusCause reason; `label` is what the message prints."""

    NOT_FOUND = "FieldValueNotFound"
    REQUIRED = "FieldValueRequired"
    DUPLICATE = "FieldValueDuplicate"
    INVALID = "FieldValueInvalid"
    NOT_SUPPORTED = "FieldValueNotSupported"
    FORBIDDEN = "FieldValueForbidden"
    TOO_LONG = "FieldValueTooLong"
    TOO_MANY = "FieldValueTooMany"
    INTERNAL = "InternalError"
    TYPE_INVALID = "FieldValueTypeInvalid"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ErrorType.NOT_FOUND: "Not found",
    ErrorType.REQUIRED: "Required value",
    ErrorType.DUPLICATE: "Duplicate value",
    ErrorType.INVALID: "Invalid value",
    ErrorType.NOT_SUPPORTED: "Unsupported value",
    ErrorType.FORBIDDEN: "Forbidden",
    ErrorType.TOO_LONG: "Too long",
    ErrorType.TOO_MANY: "Too many",
    ErrorType.INTERNAL: "Internal error",
    ErrorType.TYPE_INVALID: "Invalid value",
}

# Types whose body never prints the bad value (ErrorBody's first switch arm).
_VALUELESS = {ErrorType.REQUIRED, ErrorType.FORBIDDEN, ErrorType.TOO_LONG, ErrorType.INTERNAL}


class Omitted:
    """Stands for field.OmitValueType: the body prints the type label without a value."""

    def __repr__(self) -> str:
        return "OMITTED"


OMITTED = Omitted()


def go_quote(text: str) -> str:
    """Go's %q for the strings we meet: JSON quoting, but printable non-ASCII kept as is."""
    return json.dumps(text, ensure_ascii=False)


def render_value(value: object) -> str:
    """How ErrorBody prints a bad value: bare for numbers and bools, %q for strings, else JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass(frozen=True)
class FieldError:
    """One validation failure at one field path, as field.Error holds it."""

    type: ErrorType
    field: str
    value: object = OMITTED
    detail: str = ""

    @property
    def body(self) -> str:
        if self.type in _VALUELESS or isinstance(self.value, Omitted):
            text = self.type.label
        else:
            text = f"{self.type.label}: {render_value(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body}"


def required(field: str, detail: str = "") -> FieldError:
    return FieldError(ErrorType.REQUIRED, field, OMITTED, detail)


def invalid(field: str, value: object, detail: str) -> FieldError:
    return FieldError(ErrorType.INVALID, field, value, detail)


def forbidden(field: str, detail: str) -> FieldError:
    return FieldError(ErrorType.FORBIDDEN, field, OMITTED, detail)


def duplicate(field: str, value: object) -> FieldError:
    return FieldError(ErrorType.DUPLICATE, field, value)


def not_supported(field: str, value: object, supported: list[str]) -> FieldError:
    quoted = ", ".join(go_quote(s) for s in sorted(supported))
    return FieldError(ErrorType.NOT_SUPPORTED, field, value, f"supported values: {quoted}")


def too_many(field: str, actual: int, limit: int) -> FieldError:
    return FieldError(ErrorType.TOO_MANY, field, actual, f"must have at most {limit} items")


def aggregate_message(errors: list[FieldError]) -> str:
    """utilerrors.NewAggregate(...).Error(): one error bare, several deduplicated in [a, b]."""
    seen: list[str] = []
    for err in errors:
        text = str(err)
        if text not in seen:
            seen.append(text)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


class ValidationFailed(Exception):
    """A request the API server would answer with 422 Invalid."""

    def __init__(self, kind: str, name: str, errors: list[FieldError]) -> None:
        self.kind = kind
        self.name = name
        self.errors = errors
        # errors.NewInvalid names the kind qualified by its group: `Ingress.networking.k8s.io`.
        from app.core.model.kept import BY_KIND

        kept = BY_KIND.get(kind)
        qualified = f"{kind}.{kept.group}" if kept is not None and kept.group else kind
        super().__init__(f'{qualified} "{name}" is invalid: {aggregate_message(errors)}')
