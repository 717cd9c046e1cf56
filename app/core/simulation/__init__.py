"""Many requests over simulated time: faults, the vectorised engine, and the statistics.

May import: `model`, `apiserver`, `controllers`, `kubeproxy`, `network`.
"""
