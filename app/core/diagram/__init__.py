"""The topology diagram as data: what connects to what, boxes, edges, groups, positions,
the trace overlay, the filter box and DOT export. The web layer only renders it.

May import: `model`, `apiserver`, `controllers`, `kubeproxy`, `network`.
"""
