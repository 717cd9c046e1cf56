"""Server-side Table rows of the kept kinds, as kube-apiserver's printers build them.

Upstream: pkg/printers/internalversion/printers.go (printServiceAccount, printConfigMap,
printSecret, printPersistentVolumeClaim, printIngress and ingressLoadBalancerStatusStringer,
formatHosts, formatPorts, printNetworkPolicy, printHorizontalPodAutoscaler and formatHPAMetrics,
printStorageClass, printPodDisruptionBudget) and pkg/apis/core/helper (GetAccessModesAsString).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from app.core.apiserver.tablecells import AGE, NAME, Column, age

Manifest = Mapping[str, Any]
Row = Callable[[Manifest, datetime], list[Any]]
_MODES = {
    "ReadWriteOnce": "RWO",
    "ReadOnlyMany": "ROX",
    "ReadWriteMany": "RWX",
    "ReadWriteOncePod": "RWOP",
}


def _col(name: str, description: str, kind: str = "string", priority: int = 0) -> Column:
    return (name, kind, priority, description)


def _name(o: Manifest) -> str:
    return str(o.get("metadata", {}).get("name", ""))


def _service_account(o: Manifest, now: datetime) -> list[Any]:
    return [_name(o), len(o.get("secrets", [])), age(o, now)]


def _config_map(o: Manifest, now: datetime) -> list[Any]:
    return [_name(o), len(o.get("data", {})) + len(o.get("binaryData", {})), age(o, now)]


def _secret(o: Manifest, now: datetime) -> list[Any]:
    return [_name(o), o.get("type", ""), len(o.get("data", {})), age(o, now)]


def access_modes(modes: list[str]) -> str:
    """helper.GetAccessModesAsString: the short names, in upstream's fixed order."""
    return ",".join(short for mode, short in _MODES.items() if mode in modes)


def _pvc(o: Manifest, now: datetime) -> list[Any]:
    spec, status = o.get("spec", {}), o.get("status", {})
    phase = (
        "Terminating" if o.get("metadata", {}).get("deletionTimestamp") else status.get("phase", "")
    )
    capacity = modes = ""
    if spec.get("volumeName"):
        modes = access_modes(status.get("accessModes", []))
        capacity = str(status.get("capacity", {}).get("storage", ""))
    annotations = o.get("metadata", {}).get("annotations", {})
    klass = annotations.get(
        "volume.beta.kubernetes.io/storage-class", spec.get("storageClassName", "")
    )
    return [
        _name(o),
        phase,
        spec.get("volumeName", ""),
        capacity,
        modes,
        klass,
        spec.get("volumeAttributesClassName") or "<unset>",
        age(o, now),
        spec.get("volumeMode") or "<unset>",
    ]


def _hosts(rules: list[Manifest]) -> str:
    """formatHosts: the first three hosts, then ` + N more...`; `*` when none is named."""
    hosts = [r["host"] for r in rules if r.get("host")]
    if not hosts:
        return "*"
    shown = ",".join(hosts[:3])
    return f"{shown} + {len(rules) - 3} more..." if len(hosts) > 3 else shown


def _ingress(o: Manifest, now: datetime) -> list[Any]:
    spec = o.get("spec", {})
    points = o.get("status", {}).get("loadBalancer", {}).get("ingress", [])
    address = ",".join(sorted({p.get("ip") or p.get("hostname", "") for p in points} - {""}))
    if len(address) > 16:
        address = address[:16] + "..."
    return [
        _name(o),
        spec.get("ingressClassName") or "<none>",
        _hosts(spec.get("rules", [])),
        address,
        "80, 443" if spec.get("tls") else "80",
        age(o, now),
    ]


def format_label_selector(selector: Manifest) -> str:
    """metav1.FormatLabelSelector: `<none>` for the empty selector (it selects everything)."""
    parts = [f"{k}={v}" for k, v in sorted(selector.get("matchLabels", {}).items())]
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values", [])
        if op == "In":
            parts.append(f"{key} in ({','.join(sorted(values))})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(sorted(values))})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) or "<none>"


def _network_policy(o: Manifest, now: datetime) -> list[Any]:
    return [_name(o), format_label_selector(o.get("spec", {}).get("podSelector", {})), age(o, now)]


def _metric(spec: Manifest) -> str:
    kind = spec.get("type", "")
    if kind not in ("Resource", "ContainerResource"):
        source = spec.get(kind[:1].lower() + kind[1:], {}) if kind else {}
        target = source.get("target", {}) if isinstance(source, dict) else {}
        if target.get("averageValue") is not None and kind != "Pods":
            return f"<unknown>/{target['averageValue']} (avg)"
        value = target.get("averageValue") if kind == "Pods" else target.get("value")
        return f"<unknown>/{value}" if value is not None else "<unknown type>"
    source = spec.get("resource" if kind == "Resource" else "containerResource", {})
    target = source.get("target", {})
    if target.get("averageValue") is not None:
        return f"{source.get('name', '')}: <unknown>/{target['averageValue']}"
    utilization = target.get("averageUtilization")
    wanted = f"{utilization}%" if utilization is not None else "<auto>"
    return f"{source.get('name', '')}: <unknown>/{wanted}"


def format_hpa_metrics(specs: Sequence[Manifest]) -> str:
    """formatHPAMetrics: current/target per metric (current is `<unknown>`: no metrics
    server runs), two at most, then ` + N more...`."""
    if not specs:
        return "<none>"
    shown = ", ".join(_metric(s) for s in specs[:2])
    return f"{shown} + {len(specs) - 2} more..." if len(specs) > 2 else shown


def _hpa(o: Manifest, now: datetime) -> list[Any]:
    spec, status = o.get("spec", {}), o.get("status", {})
    ref = spec.get("scaleTargetRef", {})
    low = spec.get("minReplicas")
    return [
        _name(o),
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        format_hpa_metrics(spec.get("metrics", [])),
        str(low) if low is not None else "<unset>",
        spec.get("maxReplicas", 0),
        status.get("currentReplicas", 0),
        age(o, now),
    ]


def _storage_class(o: Manifest, now: datetime) -> list[Any]:
    annotations = o.get("metadata", {}).get("annotations", {})
    default = any(
        annotations.get(key) == "true"
        for key in (
            "storageclass.kubernetes.io/is-default-class",
            "storageclass.beta.kubernetes.io/is-default-class",
        )
    )
    return [
        _name(o) + (" (default)" if default else ""),
        o.get("provisioner", ""),
        o.get("reclaimPolicy", "Delete"),
        o.get("volumeBindingMode", "Immediate"),
        bool(o.get("allowVolumeExpansion", False)),
        age(o, now),
    ]


def _pdb(o: Manifest, now: datetime) -> list[Any]:
    spec = o.get("spec", {})
    return [
        _name(o),
        str(spec["minAvailable"]) if "minAvailable" in spec else "N/A",
        str(spec["maxUnavailable"]) if "maxUnavailable" in spec else "N/A",
        o.get("status", {}).get("disruptionsAllowed", 0),
        age(o, now),
    ]


KEPT_COLUMNS: dict[str, tuple[list[Column], Row]] = {
    "serviceaccounts": (
        [NAME, _col("Secrets", "Secrets is a list of the secrets in the same namespace that "
                    "pods running using this ServiceAccount are allowed to use."), AGE],
        _service_account,
    ),
    "configmaps": (
        [NAME, _col("Data", "Data contains the configuration data."), AGE],
        _config_map,
    ),
    "secrets": (
        [NAME, _col("Type", "Used to facilitate programmatic handling of secret data."),
         _col("Data", "Data contains the secret data."), AGE],
        _secret,
    ),
    "persistentvolumeclaims": (
        [
            NAME,
            _col("Status", "Phase represents the current phase of PersistentVolumeClaim."),
            _col("Volume", "volumeName is the binding reference to the PersistentVolume "
                 "backing this claim."),
            _col("Capacity", "capacity represents the actual resources of the underlying "
                 "volume."),
            _col("Access Modes", "accessModes contains the actual access modes the volume "
                 "backing the PVC has."),
            _col("StorageClass", "StorageClass of the pvc"),
            _col("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
            AGE,
            _col("VolumeMode", "volumeMode defines what type of volume is required by the "
                 "claim.", priority=1),
        ],
        _pvc,
    ),
    "ingresses": (
        [
            NAME,
            _col("Class", "The name of the IngressClass resource that should be used for "
                 "additional configuration"),
            _col("Hosts", "Hosts that incoming requests are matched against before the "
                 "ingress rule"),
            _col("Address", "Address is a list containing ingress points for the "
                 "load-balancer"),
            _col("Ports", "Ports of TLS configurations that open"),
            AGE,
        ],
        _ingress,
    ),
    "networkpolicies": (
        [NAME, _col("Pod-Selector", "podSelector selects the pods to which this "
                    "NetworkPolicy object applies."), AGE],
        _network_policy,
    ),
    "horizontalpodautoscalers": (
        [
            NAME,
            _col("Reference", "scaleTargetRef points to the target resource to scale"),
            _col("Targets", "metrics contains the specifications for which to use to "
                 "calculate the desired replica count"),
            _col("MinPods", "minReplicas is the lower limit for the number of replicas"),
            _col("MaxPods", "maxReplicas is the upper limit for the number of replicas"),
            _col("Replicas", "currentReplicas is current number of replicas of pods managed "
                 "by this autoscaler"),
            AGE,
        ],
        _hpa,
    ),
    "storageclasses": (
        [
            NAME,
            _col("Provisioner", "provisioner indicates the type of the provisioner."),
            _col("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically "
                 "provisioned PersistentVolumes of this storage class."),
            _col("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims "
                 "should be provisioned and bound."),
            _col("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage "
                 "class allow volume expand."),
            AGE,
        ],
        _storage_class,
    ),
    "poddisruptionbudgets": (
        [
            NAME,
            _col("Min Available", "The minimum number of pods that must be available."),
            _col("Max Unavailable", "The maximum number of pods that may be unavailable."),
            _col("Allowed Disruptions", "Calculated number of pods that may be disrupted at "
                 "this time.", kind="integer"),
            AGE,
        ],
        _pdb,
    ),
}  # fmt: skip
