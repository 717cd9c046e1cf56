"""Validation shared by every kind: ObjectMeta, labels, label selectors, IPs.

Upstream: staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go,
staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go and the helpers at
the top of pkg/apis/core/validation/validation.go. Error order follows upstream, because the
aggregated 422 message lists errors in the order validation found them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.core.model import names
from app.core.model.fielderrors import (
    ErrorType,
    FieldError,
    forbidden,
    go_quote,
    invalid,
    required,
)

NameFn = Callable[[str, bool], list[str]]

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * (1 << 10)
FIELD_IMMUTABLE = "field is immutable"
IS_NEGATIVE = "must be greater than or equal to 0"
# pkg/apis/core/helper/helpers.go standardFinalizers
_STANDARD_FINALIZERS = {"kubernetes", "orphan", "foregroundDeletion"}


def not_supported_in_order(field: str, value: object, supported: list[str]) -> FieldError:
    """field.NotSupported with the list in the caller's order; some callers do not sort it."""
    quoted = ", ".join(go_quote(s) for s in supported)
    return FieldError(ErrorType.NOT_SUPPORTED, field, value, f"supported values: {quoted}")


def too_long(field: str, limit: int) -> FieldError:
    # field.TooLong since kubernetes#128553 (v1.32): the value is never printed.
    unit = "byte" if limit == 1 else "bytes"
    return FieldError(ErrorType.TOO_LONG, field, "", f"may not be more than {limit} {unit}")


def each_invalid(field: str, value: object, messages: list[str]) -> list[FieldError]:
    return [invalid(field, value, msg) for msg in messages]


def validate_dns1123_label(value: str, field: str) -> list[FieldError]:
    return each_invalid(field, value, names.is_dns1123_label(value))


def validate_dns1123_subdomain(value: str, field: str) -> list[FieldError]:
    return each_invalid(field, value, names.is_dns1123_subdomain(value))


def validate_qualified_name(value: str, field: str) -> list[FieldError]:
    return each_invalid(field, value, names.is_qualified_name(value))


def validate_labels(labels: Mapping[str, str] | None, field: str) -> list[FieldError]:
    """ValidateLabels: every error is reported at the map's path, not at the key."""
    errors: list[FieldError] = []
    for key, value in (labels or {}).items():
        errors += validate_qualified_name(key, field)
        errors += each_invalid(field, value, names.is_valid_label_value(value))
    return errors


def validate_annotations(annotations: Mapping[str, str] | None, field: str) -> list[FieldError]:
    errors: list[FieldError] = []
    total = 0
    for key, value in (annotations or {}).items():
        # Annotation keys are qualified names except that case does not matter.
        errors += each_invalid(field, key, names.is_qualified_name(key.lower()))
        total += len(key.encode()) + len(value.encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(too_long(field, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errors


def validate_nonnegative(value: int, field: str) -> list[FieldError]:
    return [invalid(field, value, IS_NEGATIVE)] if value < 0 else []


def _validate_owner_references(refs: list[Any], field: str) -> list[FieldError]:
    errors: list[FieldError] = []
    first_controller = ""
    for ref in refs:
        if not isinstance(ref, dict):
            continue
        api_version = ref.get("apiVersion", "")
        version = api_version.split("/")[-1] if api_version.count("/") <= 1 else ""
        if not version:
            errors.append(invalid(f"{field}.apiVersion", api_version, "version must not be empty"))
        for key in ("kind", "name", "uid"):
            if not ref.get(key):
                errors.append(invalid(f"{field}.{key}", ref.get(key, ""), "must not be empty"))
        if ref.get("controller") is True:
            current = f"{ref.get('kind', '')}/{ref.get('name', '')}"
            if first_controller:
                errors.append(
                    invalid(
                        field,
                        refs,
                        'Only one reference can have Controller set to true. Found "true" in '
                        f"references for {first_controller} and {current}",
                    )
                )
            else:
                first_controller = current
    return errors


def _validate_finalizers(finalizers: list[str], field: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for finalizer in finalizers:
        errors += validate_qualified_name(finalizer, field)
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        errors.append(
            invalid(field, finalizers, "finalizer orphan and foregroundDeletion cannot be both set")
        )
    return errors


def _validate_kube_finalizer_names(finalizers: list[str], field: str) -> list[FieldError]:
    # pkg/apis/core/validation/validation.go validateKubeFinalizerName
    return [
        invalid(
            f"{field}[{i}]",
            name,
            "name is neither a standard finalizer name nor is it fully qualified",
        )
        for i, name in enumerate(finalizers)
        if "/" not in name and name not in _STANDARD_FINALIZERS
    ]


def _common_meta(meta: Mapping[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    errors += validate_nonnegative(meta.get("generation", 0), f"{path}.generation")
    errors += validate_labels(meta.get("labels"), f"{path}.labels")
    errors += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    errors += _validate_owner_references(meta.get("ownerReferences", []), f"{path}.ownerReferences")
    errors += _validate_finalizers(meta.get("finalizers", []), f"{path}.finalizers")
    return errors


def validate_object_meta(
    meta: Mapping[str, Any], *, namespaced: bool, name_fn: NameFn, path: str = "metadata"
) -> list[FieldError]:
    """ValidateObjectMeta, as the core API group wraps it (plus kube finalizer names)."""
    errors: list[FieldError] = []
    generate_name = meta.get("generateName", "")
    if generate_name:
        errors += each_invalid(f"{path}.generateName", generate_name, name_fn(generate_name, True))
    name = meta.get("name", "")
    if not name:
        errors.append(required(f"{path}.name", "name or generateName is required"))
    else:
        errors += each_invalid(f"{path}.name", name, name_fn(name, False))
    namespace = meta.get("namespace", "")
    if namespaced:
        if not namespace:
            errors.append(required(f"{path}.namespace"))
        else:
            errors += each_invalid(
                f"{path}.namespace", namespace, names.name_is_dns_label(namespace)
            )
    elif namespace:
        errors.append(forbidden(f"{path}.namespace", "not allowed on this type"))
    errors += _common_meta(meta, path)
    errors += _validate_kube_finalizer_names(meta.get("finalizers", []), f"{path}.finalizers")
    return errors


def validate_object_meta_update(
    new: Mapping[str, Any], old: Mapping[str, Any], path: str = "metadata"
) -> list[FieldError]:
    """ValidateObjectMetaUpdate without the checks the store satisfies before validation.

    The generic store copies resourceVersion (unconditional update), generation, uid when
    absent, and creationTimestamp from the stored object first (rest.BeforeUpdate), so only
    a uid the client actually sent can differ.
    """
    errors: list[FieldError] = []
    for key in ("name", "namespace"):
        if new.get(key, "") != old.get(key, ""):
            errors.append(invalid(f"{path}.{key}", new.get(key, ""), FIELD_IMMUTABLE))
    if new.get("uid") and new.get("uid") != old.get("uid", ""):
        errors.append(invalid(f"{path}.uid", new["uid"], FIELD_IMMUTABLE))
    errors += validate_labels(new.get("labels"), f"{path}.labels")
    errors += validate_annotations(new.get("annotations"), f"{path}.annotations")
    errors += _validate_owner_references(new.get("ownerReferences", []), f"{path}.ownerReferences")
    errors += _validate_finalizers(new.get("finalizers", []), f"{path}.finalizers")
    errors += _validate_kube_finalizer_names(new.get("finalizers", []), f"{path}.finalizers")
    return errors


def validate_label_selector(selector: Mapping[str, Any] | None, path: str) -> list[FieldError]:
    """ValidateLabelSelector with AllowInvalidLabelValueInSelector false (workload specs)."""
    if selector is None:
        return []
    errors = validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions", [])):
        at = f"{path}.matchExpressions[{i}]"
        operator, values = expr.get("operator", ""), expr.get("values", [])
        if operator in ("In", "NotIn"):
            if not values:
                errors.append(
                    required(f"{at}.values", "must be specified when `operator` is 'In' or 'NotIn'")
                )
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                errors.append(
                    forbidden(
                        f"{at}.values",
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )
                )
        else:
            errors.append(invalid(f"{at}.operator", operator, "not a valid selector operator"))
        errors += validate_qualified_name(expr.get("key", ""), f"{at}.key")
        for j, value in enumerate(values):
            errors += each_invalid(f"{at}.values[{j}]", value, names.is_valid_label_value(value))
    return errors


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A parsed metav1.LabelSelector against a label set (labels.Selector.Matches)."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        key, operator, values = expr.get("key", ""), expr.get("operator"), expr.get("values", [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def validate_ip(value: str, field: str) -> list[FieldError]:
    """validation.IsValidIP (apimachinery pkg/util/validation/ip.go)."""
    return [] if names.parse_ip_sloppy(value) else [invalid(field, value, names.INVALID_IP_MSG)]


def validate_cidr(value: str, field: str) -> list[FieldError]:
    if names.parse_cidr_sloppy(value) is not None:
        return []
    return [invalid(field, value, names.INVALID_CIDR_MSG)]


def validate_non_special_ip(value: str, field: str) -> list[FieldError]:
    return each_invalid(field, value, names.special_ip_messages(value))
