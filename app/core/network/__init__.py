"""The network around kube-proxy: clients, load balancers per provider, nodes, the path.

route() walks one request from its source to whatever answers: names (routing), addresses
(addresses), load balancers per provider (loadbalancers), and on each node it reaches asks
kube-proxy for its Decision and writes it as hops (nodes). The hop-by-hop Path (path) is
assembled here and only here; kube-proxy knows nothing of it.

May import: `model`, `controllers`, `kubeproxy`.
"""
