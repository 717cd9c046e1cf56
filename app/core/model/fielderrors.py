"""Field errors printed exactly as k8s.io/apimachinery prints them.

Upstream: staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go. The text of a
field error is what kubectl shows a user, so its format is part of the product.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
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
    """Go's %q (strconv.Quote): printable runes as they are, the rest escaped as Go does."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {
    "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
}  # fmt: skip


def go_float(value: float) -> str:
    """Go's %v for a float64 (strconv 'g', shortest): an exponent below -4 or from 6 up is
    written as `1.5e+06`, anything else as plain decimals without a trailing `.0`."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + int(exponent)  # the decimal point's place among the digits
    minus = "-" if sign else ""
    if value == 0:
        return minus + "0"
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        power = point - 1
        return f"{minus}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{minus}0.{'0' * -point}{text}"
    whole, fraction = text[:point].ljust(point, "0"), text[point:]
    return minus + whole + (f".{fraction}" if fraction else "")


@dataclass(frozen=True)
class GoValue:
    """A bad value with the Go type upstream's BadValue has, printed with %#v like upstream.

    `go_type` is Go's name for it: `[]string`, `[]core.IPFamily`, `map[string]string`,
    `*int32`, or a struct named in GO_STRUCTS (`core.ServicePort`). Structs are given as
    their Kubernetes JSON (field names as in JSON), so callers pass what they hold."""

    go_type: str
    value: object


# Struct types met in bad values: (Go field, JSON field, Go type), in the Go declaration's
# order (pkg/apis/core/types.go; intstr.IntOrString in apimachinery pkg/util/intstr).
GO_STRUCTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "core.ServicePort": (
        ("Name", "name", "string"),
        ("Protocol", "protocol", "core.Protocol"),
        ("AppProtocol", "appProtocol", "*string"),
        ("Port", "port", "int32"),
        ("TargetPort", "targetPort", "intstr.IntOrString"),
        ("NodePort", "nodePort", "int32"),
    ),
    "core.PodIP": (("IP", "ip", "string"),),
    "core.Taint": (
        ("Key", "key", "string"),
        ("Value", "value", "string"),
        ("Effect", "effect", "core.TaintEffect"),
        ("TimeAdded", "timeAdded", "*v1.Time"),
    ),
    "v1.LabelSelector": (
        ("MatchLabels", "matchLabels", "map[string]string"),
        ("MatchExpressions", "matchExpressions", "[]v1.LabelSelectorRequirement"),
    ),
    "v1.LabelSelectorRequirement": (
        ("Key", "key", "string"),
        ("Operator", "operator", "v1.LabelSelectorOperator"),
        ("Values", "values", "[]string"),
    ),
    "intstr.IntOrString": (
        ("Type", "type", "intstr.Type"),
        ("IntVal", "intVal", "int32"),
        ("StrVal", "strVal", "string"),
    ),
}
_INTEGERS = {"int", "int8", "int16", "int32", "int64", "intstr.Type"}
_FLOATS = {"float32", "float64"}
POINTER_ADDRESS = "0xc000010000"
"""%#v prints a non-nil pointer inside a composite as its address, which differs with every
process upstream; svcscope prints this one address in its place."""


def _int_or_string(value: object) -> dict[str, object]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        return {"type": 1, "intVal": 0, "strVal": value}
    return {"type": 0, "intVal": value or 0, "strVal": ""}


def go_syntax(value: object, go_type: str) -> str:
    """fmt's %#v of `value` held in a Go variable of type `go_type`."""
    if go_type.startswith("*"):
        return f"({go_type})(nil)" if value is None else f"({go_type})({POINTER_ADDRESS})"
    if go_type == "interface {}":  # %#v prints the dynamic type of what the interface holds
        if value is None:
            return "interface {}(nil)"
        if isinstance(value, dict | list | tuple):
            return go_syntax(value, _inferred_type(value))
        return _go_scalar(value, "")
    if go_type.startswith("[]"):
        if value is None:
            return f"{go_type}(nil)"
        items = value if isinstance(value, list | tuple) else [value]
        return go_type + "{" + ", ".join(go_syntax(i, go_type[2:]) for i in items) + "}"
    if go_type.startswith("map["):
        key_type, value_type = _map_types(go_type)
        if value is None:
            return f"{go_type}(nil)"
        entries = sorted(value.items()) if isinstance(value, dict) else []
        inner = ", ".join(
            f"{go_syntax(k, key_type)}:{go_syntax(v, value_type)}" for k, v in entries
        )
        return go_type + "{" + inner + "}"
    if go_type in GO_STRUCTS:
        fields = _int_or_string(value) if go_type == "intstr.IntOrString" else value
        held = fields if isinstance(fields, dict) else {}
        inner = ", ".join(
            f"{name}:{go_syntax(held.get(key, _zero(kind)), kind)}"
            for name, key, kind in GO_STRUCTS[go_type]
        )
        return go_type + "{" + inner + "}"
    return _go_scalar(value, go_type)


def _map_types(go_type: str) -> tuple[str, str]:
    depth = 0
    for i, char in enumerate(go_type[3:], start=3):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth == 0:
            return go_type[4:i], go_type[i + 1 :]
    return "string", "string"


def _zero(go_type: str) -> object:
    if go_type in _INTEGERS or go_type in _FLOATS:
        return 0
    if go_type == "bool":
        return False
    if go_type.startswith(("*", "[]", "map[")) or go_type in GO_STRUCTS:
        return None if not go_type.startswith("intstr") else 0
    return ""


def _go_scalar(value: object, go_type: str) -> str:
    if go_type == "bool" or isinstance(value, bool):
        return "true" if value else "false"
    if go_type in _FLOATS or isinstance(value, float):
        return go_float(float(value))  # type: ignore[arg-type]
    if go_type in _INTEGERS or isinstance(value, int):
        return str(value)
    return go_quote(str(value) if value is not None else "")


def _inferred_type(value: object) -> str:
    """The Go type of an untyped composite: the JSON decoder's ([]interface {}, …) unless
    every item is a string (then []string / map[string]string, the common case)."""
    if isinstance(value, dict):
        if all(isinstance(v, str) for v in value.values()):
            return "map[string]string"
        return "map[string]interface {}"
    items = list(value) if isinstance(value, list | tuple) else []
    if all(isinstance(i, str) for i in items):
        return "[]string"
    return "[]interface {}"


def render_value(value: object) -> str:
    """How ErrorBody prints a bad value (field/errors.go): nil and nil pointers as "null"
    (quoted: the string "null" goes through %q), numbers and bools with %v, strings with %q,
    anything else with %#v."""
    if isinstance(value, GoValue):
        if value.go_type.startswith("*"):  # ErrorBody dereferences a pointer first
            return render_value(
                None if value.value is None else GoValue(value.go_type[1:], value.value)
            )
        if value.value is None and not value.go_type.startswith(("[]", "map[")):
            return go_quote("null")
        if value.go_type.startswith(("[]", "map[")) or value.go_type in GO_STRUCTS:
            return go_syntax(value.value, value.go_type)
        return _go_scalar(value.value, value.go_type)
    if value is None:
        return go_quote("null")
    if isinstance(value, bool | int | float | str):
        return _go_scalar(value, "")
    return go_syntax(value, _inferred_type(value))


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


NAMED_GROUPS = {
    "Deployment": "apps",
    "ReplicaSet": "apps",
    "StatefulSet": "apps",
    "DaemonSet": "apps",
    "EndpointSlice": "discovery.k8s.io",
}
"""The simulated kinds of named API groups (the kept ones carry their group in kept.py)."""


class ValidationFailed(Exception):
    """A request the API server would answer with 422 Invalid."""

    def __init__(self, kind: str, name: str, errors: list[FieldError]) -> None:
        self.kind = kind
        self.name = name
        self.errors = errors
        # errors.NewInvalid names the kind qualified by its group: `Ingress.networking.k8s.io`.
        from app.core.model.kept import BY_KIND

        kept = BY_KIND.get(kind)
        group = kept.group if kept is not None else NAMED_GROUPS.get(kind, "")
        qualified = f"{kind}.{group}" if group else kind
        super().__init__(f'{qualified} "{name}" is invalid: {aggregate_message(errors)}')
