"""kube-proxy: one node's view of Services and endpoints, and the rules it programs.

The per-port plan (pkg/proxy's ServicePort + endpoints → what to program), the rules of each mode
(iptables-save, the nftables `ip kube-proxy` table, `ipvsadm -Ln`), chain names, how the kernel's
data plane picks one endpoint (iptables probability cascade, nft numgen, IPVS schedulers), and
what those rules do to one new connection: a Decision value that app.core.network turns into
hops. Random draws, the clock and the kernels' memories come in as parameters.

May import: `model`, `controllers`.
"""
