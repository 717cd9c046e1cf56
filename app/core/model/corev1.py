"""k8s.io/api/core/v1 as decoding shapes (schema.py): Service, Pod, Node, Endpoints.

Only the fields svcscope reads or checks are typed; any other field is kept as written.
"""

from __future__ import annotations

from app.core.model.metav1 import CONDITION, OBJECT_META
from app.core.model.schema import ANY, BOOL, INT32_T, INTSTR, STRING, TIME, ListOf, MapOf, Struct

SERVICE = Struct(
    "Service",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": Struct(
            "ServiceSpec",
            {
                "ports": ListOf(
                    Struct(
                        "ServicePort",
                        {
                            "name": STRING,
                            "protocol": STRING,
                            "appProtocol": STRING,
                            "port": INT32_T,
                            "targetPort": INTSTR,
                            "nodePort": INT32_T,
                        },
                    )
                ),
                "selector": MapOf(STRING),
                "clusterIP": STRING,
                "clusterIPs": ListOf(STRING),
                "type": STRING,
                "externalIPs": ListOf(STRING),
                "sessionAffinity": STRING,
                "loadBalancerIP": STRING,
                "loadBalancerSourceRanges": ListOf(STRING),
                "externalName": STRING,
                "externalTrafficPolicy": STRING,
                "healthCheckNodePort": INT32_T,
                "publishNotReadyAddresses": BOOL,
                "sessionAffinityConfig": Struct(
                    "SessionAffinityConfig",
                    {"clientIP": Struct("ClientIPConfig", {"timeoutSeconds": INT32_T})},
                ),
                "ipFamilies": ListOf(STRING),
                "ipFamilyPolicy": STRING,
                "allocateLoadBalancerNodePorts": BOOL,
                "loadBalancerClass": STRING,
                "internalTrafficPolicy": STRING,
                "trafficDistribution": STRING,
            },
        ),
        "status": Struct(
            "ServiceStatus",
            {
                "loadBalancer": Struct(
                    "LoadBalancerStatus",
                    {
                        "ingress": ListOf(
                            Struct(
                                "LoadBalancerIngress",
                                {
                                    "ip": STRING,
                                    "hostname": STRING,
                                    "ipMode": STRING,
                                    "ports": ListOf(
                                        Struct(
                                            "PortStatus",
                                            {"port": INT32_T, "protocol": STRING, "error": STRING},
                                        )
                                    ),
                                },
                            )
                        )
                    },
                ),
                "conditions": ListOf(CONDITION),
            },
        ),
    },
)

NAMED = {"name": STRING}
"""Items a list merges by name; their other fields are kept as written (strategic merge)."""

CONTAINER = Struct(
    "Container",
    {
        "name": STRING,
        "image": STRING,
        "command": ListOf(STRING),
        "args": ListOf(STRING),
        "env": ListOf(Struct("EnvVar", {"name": STRING, "value": STRING, "valueFrom": ANY})),
        "volumeMounts": ListOf(Struct("VolumeMount", {"name": STRING, "mountPath": STRING})),
        "ports": ListOf(
            Struct(
                "ContainerPort",
                {
                    "name": STRING,
                    "hostPort": INT32_T,
                    "containerPort": INT32_T,
                    "protocol": STRING,
                    "hostIP": STRING,
                },
            )
        ),
    },
)

POD_SPEC = Struct(
    "PodSpec",
    {
        "containers": ListOf(CONTAINER),
        "initContainers": ListOf(CONTAINER),
        "nodeName": STRING,
        "hostname": STRING,
        "subdomain": STRING,
        "nodeSelector": MapOf(STRING),
        "volumes": ListOf(Struct("Volume", NAMED)),
        "imagePullSecrets": ListOf(Struct("LocalObjectReference", NAMED)),
        "serviceAccountName": STRING,
        "restartPolicy": STRING,
        "schedulerName": STRING,
    },
)

POD_CONDITION = Struct(
    "PodCondition",
    {
        "type": STRING,
        "status": STRING,
        "lastProbeTime": TIME,
        "lastTransitionTime": TIME,
        "reason": STRING,
        "message": STRING,
    },
)

POD = Struct(
    "Pod",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": POD_SPEC,
        "status": Struct(
            "PodStatus",
            {
                "phase": STRING,
                "conditions": ListOf(POD_CONDITION),
                "hostIP": STRING,
                "podIP": STRING,
                "podIPs": ListOf(Struct("PodIP", {"ip": STRING})),
                "nominatedNodeName": STRING,
                "startTime": TIME,
                "containerStatuses": ListOf(
                    Struct(
                        "ContainerStatus",
                        {
                            "name": STRING,
                            "ready": BOOL,
                            "started": BOOL,
                            "restartCount": INT32_T,
                            "image": STRING,
                            "imageID": STRING,
                            "containerID": STRING,
                            "state": MapOf(ANY),
                            "lastState": MapOf(ANY),
                        },
                    )
                ),
            },
        ),
    },
)

NODE = Struct(
    "Node",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "spec": Struct(
            "NodeSpec",
            {
                "podCIDR": STRING,
                "podCIDRs": ListOf(STRING),
                "unschedulable": BOOL,
                "taints": ListOf(
                    Struct(
                        "Taint",
                        {"key": STRING, "value": STRING, "effect": STRING, "timeAdded": TIME},
                    )
                ),
                "providerID": STRING,
            },
        ),
        "status": Struct(
            "NodeStatus",
            {
                "addresses": ListOf(Struct("NodeAddress", {"type": STRING, "address": STRING})),
                "conditions": ListOf(
                    Struct(
                        "NodeCondition",
                        {
                            "type": STRING,
                            "status": STRING,
                            "lastHeartbeatTime": TIME,
                            "lastTransitionTime": TIME,
                            "reason": STRING,
                            "message": STRING,
                        },
                    )
                ),
                "nodeInfo": MapOf(STRING),
                "capacity": MapOf(ANY),
                "allocatable": MapOf(ANY),
            },
        ),
    },
)


ENDPOINT_ADDRESS = Struct(
    "EndpointAddress",
    {"ip": STRING, "hostname": STRING, "nodeName": STRING, "targetRef": ANY},
)
ENDPOINTS = Struct(
    "Endpoints",
    {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": OBJECT_META,
        "subsets": ListOf(
            Struct(
                "EndpointSubset",
                {
                    "addresses": ListOf(ENDPOINT_ADDRESS),
                    "notReadyAddresses": ListOf(ENDPOINT_ADDRESS),
                    "ports": ListOf(
                        Struct(
                            "EndpointPort",
                            {
                                "name": STRING,
                                "port": INT32_T,
                                "protocol": STRING,
                                "appProtocol": STRING,
                            },
                        )
                    ),
                },
            )
        ),
    },
)
