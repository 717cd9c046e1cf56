"""Service rules that tie clusterIP, clusterIPs, ipFamilies and ipFamilyPolicy together.

Upstream: pkg/apis/core/validation/validation.go (ValidateServiceClusterIPsRelatedFields,
validateUpgradeDowngradeClusterIPs, validateUpgradeDowngradeIPFamilies). The registry runs
the first one too, before allocating, so it is public. Upstream quirks in field paths and
bad values are kept, because they show in the 422 message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.apiserver.validation.meta import validate_ip
from app.core.model import names
from app.core.model.fielderrors import (
    FieldError,
    GoValue,
    duplicate,
    invalid,
    not_supported,
    required,
)

IP_FAMILIES = ["IPv4", "IPv6"]
IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"]

Spec = Mapping[str, Any]


def is_headless(spec: Spec) -> bool:
    return spec.get("clusterIPs") == ["None"]


def _is_ipv6(ip: str) -> bool:
    parsed = names.parse_ip_sloppy(ip)
    return parsed is not None and names.ip_family(parsed) == "IPv6"


def validate_cluster_ips_related_fields(svc: Mapping[str, Any]) -> list[FieldError]:
    """clusterIP ⇄ clusterIPs ⇄ ipFamilies ⇄ ipFamilyPolicy; the registry runs it too."""
    spec: Spec = svc.get("spec", {})
    if spec.get("type") == "ExternalName":
        return []  # checked in _type_specific: all of these must be unset
    errors: list[FieldError] = []
    cluster_ip: str = spec.get("clusterIP", "")
    ips: list[str] = spec.get("clusterIPs") or []
    if cluster_ip:
        if not ips:
            errors.append(required("spec.clusterIPs"))
        elif ips[0] != cluster_ip:
            errors.append(invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"))
    elif ips:
        message = "must be empty when `clusterIP` is not specified"
        errors.append(invalid("spec.clusterIPs", ips, message))
    families: list[str] = spec.get("ipFamilies", [])
    seen: set[str] = set()
    for i, family in enumerate(families):
        if family not in IP_FAMILIES:
            errors.append(not_supported(f"spec.ipFamilies[{i}]", family, IP_FAMILIES))
        if family in seen:
            errors.append(duplicate(f"spec.ipFamilies[{i}]", family))
        seen.add(family)
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in IP_FAMILY_POLICIES:
        errors.append(not_supported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES))
    has_invalid = False
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                has_invalid = True
                message = "'None' must be the first and only value"
                errors.append(invalid("spec.clusterIPs", ips, message))
            continue
        bad = validate_ip(ip, f"spec.clusterIPs[{i}]")
        has_invalid = has_invalid or bool(bad)
        errors += bad
    if len(ips) > 2:
        errors.append(invalid("spec.clusterIPs", ips, "may only hold up to 2 values"))
    if has_invalid:
        return errors  # bad IPs would only skew the dual-stack checks below
    if len(ips) > 1 and len({_is_ipv6(ip) for ip in ips}) < 2:
        message = "may specify no more than one IP for each IP family"
        errors.append(invalid("spec.clusterIPs", ips, message))
    if not is_headless(spec) and ips and families:
        for i, ip in enumerate(ips[: len(families)]):
            if families[i] == "IPv4" and _is_ipv6(ip):
                message = f"expected an IPv4 value as indicated by `ipFamilies[{i}]`"
                errors.append(invalid(f"spec.clusterIPs[{i}]", ip, message))
            if families[i] == "IPv6" and not _is_ipv6(ip):
                message = f"expected an IPv6 value as indicated by `ipFamilies[{i}]`"
                errors.append(invalid(f"spec.clusterIPs[{i}]", ip, message))
    return errors


def upgrade_downgrade_cluster_ips(old: Spec, new: Spec) -> list[FieldError]:
    if "ExternalName" in (new.get("type"), old.get("type")):
        return []  # IPs are released or allocated when moving to or from ExternalName
    if is_headless(old) and is_headless(new):
        return []
    old_ips: list[str] = old.get("clusterIPs") or []
    new_ips: list[str] = new.get("clusterIPs") or []
    value = GoValue("[]string", new.get("clusterIPs"))
    errors: list[FieldError] = []
    changed = "may not change once set"
    if len(old_ips) == len(new_ips):
        errors += [
            invalid(f"spec.clusterIPs[{i}]", value, changed)
            for i, ip in enumerate(old_ips)
            if ip != new_ips[i]
        ]
    elif len(old_ips) > len(new_ips):
        if not new_ips:
            errors.append(
                invalid("spec.clusterIPs[0]", value, "primary clusterIP can not be unset")
            )
        if old_ips and new_ips and new_ips[0] != old_ips[0]:
            errors.append(invalid("spec.clusterIPs[0]", value, changed))
        if len(new_ips) == 1 and new.get("ipFamilyPolicy") != "SingleStack":
            errors.append(
                invalid(
                    "spec.ipFamilyPolicy",
                    new.get("ipFamilyPolicy"),
                    "must be set to 'SingleStack' when releasing the secondary clusterIP",
                )
            )
    elif old_ips and new_ips[0] != old_ips[0]:
        errors.append(invalid("spec.clusterIPs[0]", value, changed))
    return errors


def upgrade_downgrade_ip_families(old: Spec, new: Spec) -> list[FieldError]:
    if "ExternalName" in (new.get("type"), old.get("type")):
        return []
    if is_headless(old) or is_headless(new):
        return []  # headless may change families, and so may a move to or from headless
    old_families: list[str] = old.get("ipFamilies") or []
    new_families: list[str] = new.get("ipFamilies") or []
    value = GoValue("[]core.IPFamily", new.get("ipFamilies"))
    cluster_ips = GoValue("[]string", new.get("clusterIPs"))
    path, changed = "spec.ipFamilies[0]", "may not change once set"
    errors: list[FieldError] = []
    if len(old_families) == len(new_families):
        errors += [
            invalid(path, value, changed)
            for i, family in enumerate(old_families)
            if family != new_families[i]
        ]
    elif len(old_families) > len(new_families):
        # Upstream checks clusterIPs here and reports clusterIPs as the bad value below.
        if not new.get("clusterIPs"):
            errors.append(invalid(path, value, "primary ipFamily can not be unset"))
        if new_families and new_families[0] != old_families[0]:
            errors.append(invalid(path, cluster_ips, changed))
        if len(new_families) == 1 and new.get("ipFamilyPolicy") != "SingleStack":
            errors.append(
                invalid(
                    "spec.ipFamilyPolicy",
                    new.get("ipFamilyPolicy"),
                    "must be set to 'SingleStack' when releasing the secondary ipFamily",
                )
            )
    elif old_families and new_families[0] != old_families[0]:
        errors.append(invalid(path, cluster_ips, changed))
    return errors
