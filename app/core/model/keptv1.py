"""k8s.io/api/core/v1 kinds svcscope keeps but does not simulate, as decoding shapes (schema.py):
Namespace, ServiceAccount, ConfigMap, Secret, PersistentVolumeClaim.

Only the fields validation or the printers read are typed; anything else is kept as written.
"""

from __future__ import annotations

from app.core.model.corev1 import POD_SPEC
from app.core.model.eventshapes import OBJECT_REFERENCE
from app.core.model.metav1 import CONDITION, LABEL_SELECTOR, OBJECT_META
from app.core.model.schema import ANY, BOOL, STRING, ListOf, MapOf, Struct

_HEAD = {"apiVersion": STRING, "kind": STRING, "metadata": OBJECT_META}

NAMESPACE = Struct(
    "Namespace",
    {
        **_HEAD,
        "spec": Struct("NamespaceSpec", {"finalizers": ListOf(STRING)}),
        "status": Struct("NamespaceStatus", {"phase": STRING, "conditions": ListOf(MapOf(ANY))}),
    },
)


SERVICE_ACCOUNT = Struct(
    "ServiceAccount",
    {
        **_HEAD,
        "secrets": ListOf(OBJECT_REFERENCE),
        "imagePullSecrets": POD_SPEC.fields["imagePullSecrets"],  # the same LocalObjectReference
        "automountServiceAccountToken": BOOL,
    },
)

CONFIG_MAP = Struct(
    "ConfigMap",
    {**_HEAD, "data": MapOf(STRING), "binaryData": MapOf(STRING), "immutable": BOOL},
)

SECRET = Struct(
    "Secret",
    {
        **_HEAD,
        "data": MapOf(STRING),
        "stringData": MapOf(STRING),
        "type": STRING,
        "immutable": BOOL,
    },
)

PERSISTENT_VOLUME_CLAIM = Struct(
    "PersistentVolumeClaim",
    {
        **_HEAD,
        "spec": Struct(
            "PersistentVolumeClaimSpec",
            {
                "accessModes": ListOf(STRING),
                "selector": LABEL_SELECTOR,
                "resources": Struct(
                    "VolumeResourceRequirements", {"limits": MapOf(ANY), "requests": MapOf(ANY)}
                ),
                "volumeName": STRING,
                "storageClassName": STRING,
                "volumeMode": STRING,
                "dataSource": ANY,
                "dataSourceRef": ANY,
                "volumeAttributesClassName": STRING,
            },
        ),
        "status": Struct(
            "PersistentVolumeClaimStatus",
            {
                "phase": STRING,
                "accessModes": ListOf(STRING),
                "capacity": MapOf(ANY),
                "conditions": ListOf(CONDITION),
            },
        ),
    },
)
