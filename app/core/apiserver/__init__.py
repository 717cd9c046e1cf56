"""kube-apiserver: what happens to an object between the request and storage.

Defaulting, validation with upstream's messages, the ClusterIP/NodePort/LoadBalancer IP
allocators, the Service registry's keep/drop/allocate rules, server-side Tables, manifest
import/export, the cluster settings (the server's flags), and the kubeadm bootstrap. A write runs
the controllers synchronously after storing (the simulator has no separate controller-manager), so
this package sits above `controllers`.

May import: `model`, `controllers`.
"""
