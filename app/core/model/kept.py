"""The kinds svcscope stores and serves but does not simulate, as one table.

Namespaces and ServiceAccounts are real objects with the lifecycle upstream gives them
(app/core/apiserver/namespaces.py); the others — ConfigMap, Secret, PersistentVolumeClaim,
Ingress, NetworkPolicy, HorizontalPodAutoscaler, StorageClass, PodDisruptionBudget — are kept
as written (defaulted and validated as kube-apiserver does) and never acted on: no ingress
controller routes, no CNI enforces a policy, no autoscaler scales, no volume is provisioned.

Every list of kinds elsewhere (decoding, the write pipeline, discovery, OpenAPI, Tables, field
selectors, the manifest import) extends itself from this table, so adding a kind is one row.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.model import keptgroups, keptv1
from app.core.model.schema import Struct

STORED_NOT_SIMULATED = (
    "stored, not simulated: svcscope keeps this object as the API server would, but no "
    "controller acts on it"
)


@dataclass(frozen=True)
class KeptKind:
    kind: str
    group: str
    version: str
    resource: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...]
    shape: Struct
    simulated: bool = False
    """Namespace and ServiceAccount take part in the cluster's life; the rest are only kept."""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """The resource as Status messages name it: `ingresses.networking.k8s.io`."""
        return f"{self.resource}.{self.group}" if self.group else self.resource


KEPT: tuple[KeptKind, ...] = (
    KeptKind("Namespace", "", "v1", "namespaces", "namespace", False, ("ns",),
             keptv1.NAMESPACE, simulated=True),
    KeptKind("ServiceAccount", "", "v1", "serviceaccounts", "serviceaccount", True, ("sa",),
             keptv1.SERVICE_ACCOUNT, simulated=True),
    KeptKind("ConfigMap", "", "v1", "configmaps", "configmap", True, ("cm",), keptv1.CONFIG_MAP),
    KeptKind("Secret", "", "v1", "secrets", "secret", True, (), keptv1.SECRET),
    KeptKind("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims",
             "persistentvolumeclaim", True, ("pvc",), keptv1.PERSISTENT_VOLUME_CLAIM),
    KeptKind("Ingress", "networking.k8s.io", "v1", "ingresses", "ingress", True, ("ing",),
             keptgroups.INGRESS),
    KeptKind("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", "networkpolicy",
             True, ("netpol",), keptgroups.NETWORK_POLICY),
    KeptKind("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers",
             "horizontalpodautoscaler", True, ("hpa",), keptgroups.HORIZONTAL_POD_AUTOSCALER),
    KeptKind("StorageClass", "storage.k8s.io", "v1", "storageclasses", "storageclass", False,
             ("sc",), keptgroups.STORAGE_CLASS),
    KeptKind("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets",
             "poddisruptionbudget", True, ("pdb",), keptgroups.POD_DISRUPTION_BUDGET),
)  # fmt: skip
BY_KIND = {k.kind: k for k in KEPT}
BY_RESOURCE = {k.resource: k for k in KEPT}
CLUSTER_SCOPED_KEPT = frozenset(k.kind for k in KEPT if not k.namespaced)
NOT_SIMULATED = tuple(k for k in KEPT if not k.simulated)
GROUP_VERSIONS = {k.group: k.version for k in KEPT if k.group}
"""The named groups these kinds add, each with the one version served."""
