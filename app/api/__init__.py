"""JSON face: simulator functions under /api, the Kubernetes API under /k8s/{cluster}."""
