"""The cluster's parts, in pure Python: no web framework, no SQL.

One package per Kubernetes component it plays, layered one way (a package imports only those
listed before it):

    model        k8s.io/api + apimachinery: objects, selectors, names, decoding, field errors
    controllers  scheduler, kubelet, Deployment, EndpointSlice and mirroring controllers
    apiserver    defaults, validation, allocation, registry, tables, manifests, bootstrap
    kubeproxy    the per-port plan, rules per mode, chain names, balancing
    network      route(): clients, load balancers, nodes, the hop-by-hop path
    simulation   many requests over time, faults, statistics
    diagram      topology geometry, edges, positions, trace overlay, filter, DOT

The import-linter contracts in pyproject.toml enforce the order, and that nothing here imports
app.db, app.api, app.web, FastAPI, SQL, Jinja or plotly. Everything can be unit-tested without a
database or a client; the shells call into it and never re-implement one of its rules.
"""
