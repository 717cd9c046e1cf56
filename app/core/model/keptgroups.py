"""Kinds of the named groups svcscope keeps but does not simulate, as decoding shapes
(schema.py): networking.k8s.io/v1 Ingress and NetworkPolicy, autoscaling/v2
HorizontalPodAutoscaler, storage.k8s.io/v1 StorageClass, policy/v1 PodDisruptionBudget.

Only the fields validation or the printers read are typed; anything else is kept as written.
"""

from __future__ import annotations

from app.core.model.metav1 import CONDITION, LABEL_SELECTOR, OBJECT_META
from app.core.model.schema import (
    ANY,
    BOOL,
    INT32_T,
    INT64_T,
    INTSTR,
    STRING,
    TIME,
    ListOf,
    MapOf,
    Struct,
)

_HEAD = {"apiVersion": STRING, "kind": STRING, "metadata": OBJECT_META}

_BACKEND = Struct(
    "IngressBackend",
    {
        "service": Struct(
            "IngressServiceBackend",
            {
                "name": STRING,
                "port": Struct("ServiceBackendPort", {"name": STRING, "number": INT32_T}),
            },
        ),
        "resource": ANY,
    },
)

INGRESS = Struct(
    "Ingress",
    {
        **_HEAD,
        "spec": Struct(
            "IngressSpec",
            {
                "ingressClassName": STRING,
                "defaultBackend": _BACKEND,
                "tls": ListOf(
                    Struct("IngressTLS", {"hosts": ListOf(STRING), "secretName": STRING})
                ),
                "rules": ListOf(
                    Struct(
                        "IngressRule",
                        {
                            "host": STRING,
                            "http": Struct(
                                "HTTPIngressRuleValue",
                                {
                                    "paths": ListOf(
                                        Struct(
                                            "HTTPIngressPath",
                                            {
                                                "path": STRING,
                                                "pathType": STRING,
                                                "backend": _BACKEND,
                                            },
                                        )
                                    )
                                },
                            ),
                        },
                    )
                ),
            },
        ),
        "status": Struct(
            "IngressStatus",
            {
                "loadBalancer": Struct(
                    "IngressLoadBalancerStatus",
                    {
                        "ingress": ListOf(
                            Struct(
                                "IngressLoadBalancerIngress",
                                {"ip": STRING, "hostname": STRING, "ports": ListOf(MapOf(ANY))},
                            )
                        )
                    },
                )
            },
        ),
    },
)

_PEER = Struct(
    "NetworkPolicyPeer",
    {
        "podSelector": LABEL_SELECTOR,
        "namespaceSelector": LABEL_SELECTOR,
        "ipBlock": Struct("IPBlock", {"cidr": STRING, "except": ListOf(STRING)}),
    },
)
_POLICY_PORT = Struct("NetworkPolicyPort", {"protocol": STRING, "port": INTSTR, "endPort": INT32_T})

NETWORK_POLICY = Struct(
    "NetworkPolicy",
    {
        **_HEAD,
        "spec": Struct(
            "NetworkPolicySpec",
            {
                "podSelector": LABEL_SELECTOR,
                "ingress": ListOf(
                    Struct(
                        "NetworkPolicyIngressRule",
                        {"from": ListOf(_PEER), "ports": ListOf(_POLICY_PORT)},
                    )
                ),
                "egress": ListOf(
                    Struct(
                        "NetworkPolicyEgressRule",
                        {"to": ListOf(_PEER), "ports": ListOf(_POLICY_PORT)},
                    )
                ),
                "policyTypes": ListOf(STRING),
            },
        ),
    },
)

_TARGET = Struct(
    "MetricTarget",
    {"type": STRING, "value": ANY, "averageValue": ANY, "averageUtilization": INT32_T},
)

HORIZONTAL_POD_AUTOSCALER = Struct(
    "HorizontalPodAutoscaler",
    {
        **_HEAD,
        "spec": Struct(
            "HorizontalPodAutoscalerSpec",
            {
                "scaleTargetRef": Struct(
                    "CrossVersionObjectReference",
                    {"kind": STRING, "name": STRING, "apiVersion": STRING},
                ),
                "minReplicas": INT32_T,
                "maxReplicas": INT32_T,
                "metrics": ListOf(
                    Struct(
                        "MetricSpec",
                        {
                            "type": STRING,
                            "resource": Struct(
                                "ResourceMetricSource", {"name": STRING, "target": _TARGET}
                            ),
                            "containerResource": ANY,
                            "pods": ANY,
                            "object": ANY,
                            "external": ANY,
                        },
                    )
                ),
                "behavior": ANY,
            },
        ),
        "status": Struct(
            "HorizontalPodAutoscalerStatus",
            {
                "observedGeneration": INT64_T,
                "lastScaleTime": TIME,
                "currentReplicas": INT32_T,
                "desiredReplicas": INT32_T,
                "currentMetrics": ListOf(MapOf(ANY)),
                "conditions": ListOf(MapOf(ANY)),
            },
        ),
    },
)

STORAGE_CLASS = Struct(
    "StorageClass",
    {
        **_HEAD,
        "provisioner": STRING,
        "parameters": MapOf(STRING),
        "reclaimPolicy": STRING,
        "mountOptions": ListOf(STRING),
        "allowVolumeExpansion": BOOL,
        "volumeBindingMode": STRING,
        "allowedTopologies": ListOf(MapOf(ANY)),
    },
)

POD_DISRUPTION_BUDGET = Struct(
    "PodDisruptionBudget",
    {
        **_HEAD,
        "spec": Struct(
            "PodDisruptionBudgetSpec",
            {
                "minAvailable": INTSTR,
                "maxUnavailable": INTSTR,
                "selector": LABEL_SELECTOR,
                "unhealthyPodEvictionPolicy": STRING,
            },
        ),
        "status": Struct(
            "PodDisruptionBudgetStatus",
            {
                "observedGeneration": INT64_T,
                "disruptedPods": MapOf(TIME),
                "disruptionsAllowed": INT32_T,
                "currentHealthy": INT32_T,
                "desiredHealthy": INT32_T,
                "expectedPods": INT32_T,
                "conditions": ListOf(CONDITION),
            },
        ),
    },
)
