"""The controllers, kubelet and scheduler: what the cluster does after an object is stored.

Scheduling pods onto nodes and giving them IPs (scheduler, node IPAM, kubelet), Deployments
making pods, the EndpointSlice controller choosing which pods back a Service, and
EndpointSliceMirroring for user-written Endpoints; `snapshot` builds the typed state the data
plane reads.

May import: `model`.
"""
