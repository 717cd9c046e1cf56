"""k8s.io/apimachinery/pkg/apis/meta/v1: the parts every kind embeds - ObjectMeta, Condition,
LabelSelector - as decoding shapes (schema.py)."""

from __future__ import annotations

from app.core.model.schema import ANY, BOOL, INT64_T, STRING, TIME, ListOf, MapOf, Struct

OBJECT_META = Struct(
    "ObjectMeta",
    {
        "name": STRING,
        "generateName": STRING,
        "namespace": STRING,
        "uid": STRING,
        "resourceVersion": STRING,
        "generation": INT64_T,
        "creationTimestamp": TIME,
        "deletionTimestamp": TIME,
        "deletionGracePeriodSeconds": INT64_T,
        "labels": MapOf(STRING),
        "annotations": MapOf(STRING),
        "ownerReferences": ListOf(
            Struct(
                "OwnerReference",
                {
                    "apiVersion": STRING,
                    "kind": STRING,
                    "name": STRING,
                    "uid": STRING,
                    "controller": BOOL,
                    "blockOwnerDeletion": BOOL,
                },
            )
        ),
        "finalizers": ListOf(STRING),
        "managedFields": ListOf(
            Struct(
                "ManagedFieldsEntry",
                {
                    "manager": STRING,
                    "operation": STRING,
                    "apiVersion": STRING,
                    "time": TIME,
                    "fieldsType": STRING,
                    "fieldsV1": ANY,
                    "subresource": STRING,
                },
            )
        ),
    },
)

CONDITION = Struct(
    "Condition",
    {
        "type": STRING,
        "status": STRING,
        "observedGeneration": INT64_T,
        "lastTransitionTime": TIME,
        "lastUpdateTime": TIME,
        "reason": STRING,
        "message": STRING,
    },
)

LABEL_SELECTOR = Struct(
    "LabelSelector",
    {
        "matchLabels": MapOf(STRING),
        "matchExpressions": ListOf(
            Struct(
                "LabelSelectorRequirement",
                {"key": STRING, "operator": STRING, "values": ListOf(STRING)},
            )
        ),
    },
)
