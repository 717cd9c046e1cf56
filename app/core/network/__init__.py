"""The network around kube-proxy: clients, load balancers per provider, nodes, the path.

route() walks one request from its source to whatever answers, calling kube-proxy's rules on
each node it reaches; the hop-by-hop Path is assembled here and only here.

May import: `model`, `controllers`, `kubeproxy`.
"""
