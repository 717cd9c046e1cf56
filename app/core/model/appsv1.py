"""k8s.io/api/apps/v1 as decoding shapes (schema.py): Deployment, whose pod template is
core/v1's PodSpec."""

from __future__ import annotations

from app.core.model.corev1 import POD_SPEC
from app.core.model.metav1 import CONDITION, LABEL_SELECTOR, OBJECT_META
from app.core.model.schema import BOOL, INT32_T, INT64_T, INTSTR, STRING, ListOf, Struct

DEPLOYMENT = Struct(
    "Deployment",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": Struct(
            "DeploymentSpec",
            {
                "replicas": INT32_T,
                "selector": LABEL_SELECTOR,
                "template": Struct("PodTemplateSpec", {"metadata": OBJECT_META, "spec": POD_SPEC}),
                "strategy": Struct(
                    "DeploymentStrategy",
                    {
                        "type": STRING,
                        "rollingUpdate": Struct(
                            "RollingUpdateDeployment",
                            {"maxUnavailable": INTSTR, "maxSurge": INTSTR},
                        ),
                    },
                ),
                "minReadySeconds": INT32_T,
                "revisionHistoryLimit": INT32_T,
                "paused": BOOL,
                "progressDeadlineSeconds": INT32_T,
            },
        ),
        "status": Struct(
            "DeploymentStatus",
            {
                "observedGeneration": INT64_T,
                "replicas": INT32_T,
                "updatedReplicas": INT32_T,
                "readyReplicas": INT32_T,
                "availableReplicas": INT32_T,
                "unavailableReplicas": INT32_T,
                "terminatingReplicas": INT32_T,
                "conditions": ListOf(CONDITION),
                "collisionCount": INT32_T,
            },
        ),
    },
)
