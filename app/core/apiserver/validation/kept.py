"""Validation of the core/v1 kinds svcscope keeps: Namespace, ServiceAccount, ConfigMap,
Secret, PersistentVolumeClaim, and storage.k8s.io/v1 StorageClass.

Upstream: pkg/apis/core/validation/validation.go (ValidateNamespace, ValidateServiceAccount,
ValidateConfigMap, ValidateSecret, ValidatePersistentVolumeClaim and their Update variants),
pkg/apis/storage/validation/validation.go (ValidateStorageClass) and
k8s.io/apimachinery pkg/util/validation (IsConfigMapKey). Go iterates maps in random order;
keys are checked here in sorted order so that a message is the same every time.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from app.core.apiserver.validation.meta import (
    FIELD_IMMUTABLE,
    each_invalid,
    too_long,
    validate_label_selector,
    validate_object_meta,
    validate_object_meta_update,
)
from app.core.model import names
from app.core.model.fielderrors import FieldError, forbidden, invalid, not_supported, required

Obj = Mapping[str, Any]
MAX_SECRET_SIZE = 1 * 1024 * 1024
"""core.MaxSecretSize, also the limit of a ConfigMap's data."""
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_KEY_RE = re.compile(f"^(?:{_CONFIG_KEY_FMT})$")
_CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
IMMUTABLE_SET = "field is immutable when `immutable` is set"
ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
_BASE64_RE = re.compile("[A-Za-z0-9+/]")
_QUANTITY_RE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")


def is_config_map_key(value: str) -> list[str]:
    """validation.IsConfigMapKey, the rule for ConfigMap and Secret keys."""
    errs = []
    if len(value) > names.DNS1123_SUBDOMAIN_MAX:
        errs.append(names.max_len_error(names.DNS1123_SUBDOMAIN_MAX))
    if not _CONFIG_KEY_RE.match(value):
        errs.append(
            names.regex_error(_CONFIG_KEY_MSG, _CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name")
        )
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def base64_error(text: str) -> str | None:
    """encoding/base64's CorruptInputError text for a []byte field, or None when it decodes.

    The position is the first byte that is not base64 (or a misplaced '='), else the start of
    the incomplete last quantum, as Go's padded StdEncoding reports it."""
    body = text.replace("\r", "").replace("\n", "")
    try:
        base64.b64decode(body, validate=True)
        return None
    except (binascii.Error, ValueError):
        pass
    padding = body.find("=")
    for index, char in enumerate(body):
        if char != "=" and not _BASE64_RE.match(char):
            if padding == -1 or index < padding:
                return f"illegal base64 data at input byte {index}"
            break
    if padding != -1 and (len(body) % 4 or body[padding:].strip("=") or padding < len(body) - 2):
        return f"illegal base64 data at input byte {padding}"
    return f"illegal base64 data at input byte {len(body) - len(body) % 4}"


def decoded(value: str) -> bytes:
    """A []byte field's bytes (the body was checked by base64_error when decoded)."""
    try:
        return base64.b64decode(value.replace("\r", "").replace("\n", ""))
    except (binascii.Error, ValueError):
        return b""


def _meta(obj: Obj, *, namespaced: bool = True, label: bool = False) -> list[FieldError]:
    name_fn = names.name_is_dns_label if label else names.name_is_dns_subdomain
    return validate_object_meta(obj.get("metadata", {}), namespaced=namespaced, name_fn=name_fn)


def validate_namespace(ns: Obj, old: Obj | None = None) -> list[FieldError]:
    """ValidateNamespace: the name is a DNS label; finalizers are qualified names."""
    if old is not None:
        return validate_object_meta_update(ns.get("metadata", {}), old.get("metadata", {}))
    errors = _meta(ns, namespaced=False, label=True)
    for i, finalizer in enumerate(ns.get("spec", {}).get("finalizers", [])):
        errors += each_invalid(
            f"spec.finalizers[{i}]", finalizer, names.is_qualified_name(finalizer)
        )
    return errors


def validate_service_account(sa: Obj, old: Obj | None = None) -> list[FieldError]:
    """ValidateServiceAccount: ObjectMeta with a DNS-subdomain name."""
    if old is not None:
        return validate_object_meta_update(sa.get("metadata", {}), old.get("metadata", {}))
    return _meta(sa)


def _keys(bag: Obj, path: str, sizes: list[int], other: Obj | None = None) -> list[FieldError]:
    errors: list[FieldError] = []
    for key in sorted(bag):
        errors += each_invalid(f"{path}[{key}]", key, is_config_map_key(key))
        if other is not None and key in other:
            errors.append(invalid(f"{path}[{key}]", key, "duplicate of key present in binaryData"))
        sizes.append(len(bag[key]))
    return errors


def _immutable_data(new: Obj, old: Obj | None, bags: tuple[str, ...]) -> list[FieldError]:
    if old is None or not old.get("immutable"):
        return []
    errors: list[FieldError] = []
    if not new.get("immutable"):
        errors.append(forbidden("immutable", IMMUTABLE_SET))
    for bag in bags:
        if new.get(bag, {}) != old.get(bag, {}):
            errors.append(forbidden(bag, IMMUTABLE_SET))
    return errors


def validate_config_map(cm: Obj, old: Obj | None = None) -> list[FieldError]:
    """ValidateConfigMap (and ValidateConfigMapUpdate's immutability)."""
    errors = (
        validate_object_meta_update(cm.get("metadata", {}), old.get("metadata", {}))
        if old is not None
        else _meta(cm)
    )
    sizes: list[int] = []
    binary = cm.get("binaryData", {})
    errors += _keys(cm.get("data", {}), "data", sizes, binary)
    binary_sizes: list[int] = []
    errors += _keys(binary, "binaryData", binary_sizes)
    total = sum(sizes) + sum(len(decoded(v)) for v in binary.values())
    if total > MAX_SECRET_SIZE:
        errors.append(too_long("", MAX_SECRET_SIZE))
    return errors + _immutable_data(cm, old, ("data", "binaryData"))


_SECRET_REQUIRED = {
    "kubernetes.io/dockercfg": ".dockercfg",
    "kubernetes.io/dockerconfigjson": ".dockerconfigjson",
    "kubernetes.io/ssh-auth": "ssh-privatekey",
}


def validate_secret(secret: Obj, old: Obj | None = None) -> list[FieldError]:
    """ValidateSecret: keys, 1 MiB of data, and what each well-known type requires."""
    errors = (
        validate_object_meta_update(secret.get("metadata", {}), old.get("metadata", {}))
        if old is not None
        else _meta(secret)
    )
    data: Obj = secret.get("data", {})
    for key in sorted(data):
        errors += each_invalid(f"data[{key}]", key, is_config_map_key(key))
    if sum(len(decoded(v)) for v in data.values()) > MAX_SECRET_SIZE:
        errors.append(too_long("data", MAX_SECRET_SIZE))
    kind = secret.get("type", "Opaque")
    annotations = secret.get("metadata", {}).get("annotations", {})
    if kind == "kubernetes.io/service-account-token":
        if not annotations.get("kubernetes.io/service-account.name"):
            errors.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    elif kind in _SECRET_REQUIRED:
        key = _SECRET_REQUIRED[kind]
        if key not in data or (kind == "kubernetes.io/ssh-auth" and not decoded(data[key])):
            errors.append(required(f"data[{key}]"))
        elif kind != "kubernetes.io/ssh-auth":
            try:
                json.loads(decoded(data[key]) or b"")
            except ValueError as exc:
                errors.append(invalid(f"data[{key}]", "<secret contents redacted>", str(exc)))
    elif kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            errors += [required("data[username]"), required("data[password]")]
    elif kind == "kubernetes.io/tls":
        errors += [required(f"data[{k}]") for k in ("tls.crt", "tls.key") if k not in data]
    if old is not None:
        if kind != old.get("type", "Opaque"):
            errors.append(invalid("type", kind, FIELD_IMMUTABLE))
        errors += _immutable_data(secret, old, ("data",))
    return errors


def is_quantity(value: object) -> bool:
    """resource.ParseQuantity's grammar, loosely: a number with an optional suffix."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(_QUANTITY_RE.match(value))


def _quantity_value(value: object) -> float:
    text = str(value)
    match = _QUANTITY_RE.match(text)
    try:
        return float(match.group(1)) if match else 0.0
    except ValueError:
        return 0.0


def validate_persistent_volume_claim(pvc: Obj, old: Obj | None = None) -> list[FieldError]:
    """ValidatePersistentVolumeClaim: access modes, a storage request, the volume mode."""
    if old is not None:
        errors = validate_object_meta_update(pvc.get("metadata", {}), old.get("metadata", {}))
        if pvc.get("spec") != old.get("spec"):
            errors.append(
                forbidden(
                    "spec",
                    "spec is immutable after creation except resources.requests and "
                    "volumeAttributesClassName for bound claims",
                )
            )
        return errors
    errors = _meta(pvc)
    spec: Obj = pvc.get("spec", {})
    modes = spec.get("accessModes", [])
    if not modes:
        errors.append(required("spec.accessModes", "at least 1 access mode is required"))
    for mode in modes:
        if mode not in ACCESS_MODES:
            errors.append(not_supported("spec.accessModes", mode, ACCESS_MODES))
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errors.append(
            forbidden("spec.accessModes", "may not use ReadWriteOncePod with other access modes")
        )
    errors += validate_label_selector(spec.get("selector"), "spec.selector")
    requests: Obj = spec.get("resources", {}).get("requests", {})
    storage = requests.get("storage")
    if storage is None:
        errors.append(required("spec.resources[storage]"))
    elif not is_quantity(storage):
        errors.append(
            invalid(
                "spec.resources.requests[storage]",
                storage,
                "quantities must match the regular expression "
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
            )
        )
    elif _quantity_value(storage) <= 0:
        errors.append(invalid("spec.resources[storage]", str(storage), "must be greater than zero"))
    mode = spec.get("volumeMode")
    if mode is not None and mode not in ("Block", "Filesystem"):
        errors.append(not_supported("spec.volumeMode", mode, ["Block", "Filesystem"]))
    return errors


def validate_storage_class(sc: Obj, old: Obj | None = None) -> list[FieldError]:
    """ValidateStorageClass and ValidateStorageClassUpdate (storage/validation)."""
    if old is not None:
        errors = validate_object_meta_update(sc.get("metadata", {}), old.get("metadata", {}))
        for key in ("parameters", "provisioner", "reclaimPolicy"):
            if sc.get(key) != old.get(key):
                errors.append(forbidden(key, f"updates to {key} are forbidden."))
        if sc.get("volumeBindingMode") != old.get("volumeBindingMode"):
            errors.append(forbidden("volumeBindingMode", FIELD_IMMUTABLE))
        return errors
    errors = _meta(sc, namespaced=False)
    provisioner = sc.get("provisioner", "")
    if not provisioner:
        errors.append(required("provisioner"))
    elif len(provisioner) > names.DNS1123_SUBDOMAIN_MAX:
        errors.append(too_long("provisioner", names.DNS1123_SUBDOMAIN_MAX))
    else:
        errors += each_invalid(
            "provisioner", provisioner, names.is_qualified_name(provisioner.lower())
        )
    policy = sc.get("reclaimPolicy", "Delete")
    if policy not in ("Delete", "Retain"):
        errors.append(not_supported("reclaimPolicy", policy, ["Delete", "Retain"]))
    binding = sc.get("volumeBindingMode", "Immediate")
    if binding not in ("Immediate", "WaitForFirstConsumer"):
        errors.append(
            not_supported("volumeBindingMode", binding, ["Immediate", "WaitForFirstConsumer"])
        )
    return errors
