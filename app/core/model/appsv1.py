"""k8s.io/api/apps/v1 as decoding shapes (schema.py): Deployment, ReplicaSet, StatefulSet and
DaemonSet, whose pod templates hold core/v1's PodSpec."""

from __future__ import annotations

from app.core.model.corev1 import POD_SPEC
from app.core.model.metav1 import CONDITION, LABEL_SELECTOR, OBJECT_META
from app.core.model.schema import ANY, BOOL, INT32_T, INT64_T, INTSTR, STRING, ListOf, Struct

POD_TEMPLATE_SPEC = Struct("PodTemplateSpec", {"metadata": OBJECT_META, "spec": POD_SPEC})
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
                "template": POD_TEMPLATE_SPEC,
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

REPLICA_SET = Struct(
    "ReplicaSet",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": Struct(
            "ReplicaSetSpec",
            {
                "replicas": INT32_T,
                "minReadySeconds": INT32_T,
                "selector": LABEL_SELECTOR,
                "template": POD_TEMPLATE_SPEC,
            },
        ),
        "status": Struct(
            "ReplicaSetStatus",
            {
                "replicas": INT32_T,
                "fullyLabeledReplicas": INT32_T,
                "readyReplicas": INT32_T,
                "availableReplicas": INT32_T,
                "terminatingReplicas": INT32_T,
                "observedGeneration": INT64_T,
                "conditions": ListOf(CONDITION),
            },
        ),
    },
)

_ROLLING = Struct(
    "RollingUpdateStatefulSetStrategy", {"partition": INT32_T, "maxUnavailable": INTSTR}
)
STATEFUL_SET = Struct(
    "StatefulSet",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": Struct(
            "StatefulSetSpec",
            {
                "replicas": INT32_T,
                "selector": LABEL_SELECTOR,
                "template": POD_TEMPLATE_SPEC,
                "volumeClaimTemplates": ListOf(ANY),
                "serviceName": STRING,
                "podManagementPolicy": STRING,
                "updateStrategy": Struct(
                    "StatefulSetUpdateStrategy", {"type": STRING, "rollingUpdate": _ROLLING}
                ),
                "revisionHistoryLimit": INT32_T,
                "minReadySeconds": INT32_T,
                "persistentVolumeClaimRetentionPolicy": Struct(
                    "StatefulSetPersistentVolumeClaimRetentionPolicy",
                    {"whenDeleted": STRING, "whenScaled": STRING},
                ),
                "ordinals": Struct("StatefulSetOrdinals", {"start": INT32_T}),
            },
        ),
        "status": Struct(
            "StatefulSetStatus",
            {
                "observedGeneration": INT64_T,
                "replicas": INT32_T,
                "readyReplicas": INT32_T,
                "currentReplicas": INT32_T,
                "updatedReplicas": INT32_T,
                "currentRevision": STRING,
                "updateRevision": STRING,
                "collisionCount": INT32_T,
                "conditions": ListOf(CONDITION),
                "availableReplicas": INT32_T,
            },
        ),
    },
)

DAEMON_SET = Struct(
    "DaemonSet",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": Struct(
            "DaemonSetSpec",
            {
                "selector": LABEL_SELECTOR,
                "template": POD_TEMPLATE_SPEC,
                "updateStrategy": Struct(
                    "DaemonSetUpdateStrategy",
                    {
                        "type": STRING,
                        "rollingUpdate": Struct(
                            "RollingUpdateDaemonSet",
                            {"maxUnavailable": INTSTR, "maxSurge": INTSTR},
                        ),
                    },
                ),
                "minReadySeconds": INT32_T,
                "revisionHistoryLimit": INT32_T,
            },
        ),
        "status": Struct(
            "DaemonSetStatus",
            {
                "currentNumberScheduled": INT32_T,
                "numberMisscheduled": INT32_T,
                "desiredNumberScheduled": INT32_T,
                "numberReady": INT32_T,
                "observedGeneration": INT64_T,
                "updatedNumberScheduled": INT32_T,
                "numberAvailable": INT32_T,
                "numberUnavailable": INT32_T,
                "collisionCount": INT32_T,
                "conditions": ListOf(CONDITION),
            },
        ),
    },
)
