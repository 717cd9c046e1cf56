"""The controllers, kubelet and scheduler: what the cluster does after an object is stored.

kube-scheduler placing pods (`scheduler`), node IPAM handing out node addresses and podCIDRs
(`nodeipam`), kubelet registering nodes and running pods with IPs (`kubelet`), the Deployment
and ReplicaSet controllers making pods (`deployment`), the EndpointSlice controller choosing
which pods back a Service (`endpointslices`), and EndpointSliceMirroring for user-written
Endpoints (`mirroring`); `snapshot` builds the typed state the data plane reads.

May import: `model`.
"""
