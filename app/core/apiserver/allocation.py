"""The ClusterIP and NodePort allocators, as kube-apiserver runs them.

Upstream: pkg/registry/core/service/portallocator/allocator.go,
pkg/registry/core/service/ipallocator/bitmap.go and storage/alloc.go. Both ranges are split into
a static (lower) band kept for users who ask for a fixed value and a dynamic (upper) band that
automatic allocation prefers (KEP-3070 for IPs, KEP-3668 for ports); a random start and an
upward scan with wrap-around inside the band make automatic values random, not sequential.
The database enforces uniqueness; these functions only choose.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Collection, Iterator

from app.core.model.objects import PortRange


class RangeFull(Exception):
    """Automatic allocation found no free value: upstream answers 500 InternalError."""


class NotInRange(Exception):
    pass


class AlreadyAllocated(Exception):
    pass


def node_port_offset(size: int) -> int:
    """calculateRangeOffset in portallocator: min(max(16, size/32), 128), 0 for tiny ranges."""
    if size <= 16:
        return 0
    return min(max(16, size // 32), 128)


def cluster_ip_offset(cidr_size: int) -> int:
    """calculateRangeOffset in ipallocator: min(max(16, size/16), 256), 0 for tiny ranges."""
    if cidr_size <= 16:
        return 0
    return min(max(16, cidr_size // 16), 256)


def _scan(low: int, high: int, used: Collection[int], rng: random.Random) -> int | None:
    """randomScanStrategyWithOffset inside one band: random start, scan up, wrap once."""
    if high < low:
        return None
    span = high - low + 1
    start = rng.randrange(span)
    for step in range(span):
        candidate = low + (start + step) % span
        if candidate not in used:
            return candidate
    return None


def node_port_bands(port_range: PortRange) -> tuple[tuple[int, int], tuple[int, int]]:
    """(static band, dynamic band), each inclusive; the static band may be empty."""
    offset = node_port_offset(port_range.size)
    static = (port_range.base, port_range.base + offset - 1)
    dynamic = (port_range.base + offset, port_range.last)
    return static, dynamic


def allocate_node_port(port_range: PortRange, used: Collection[int], rng: random.Random) -> int:
    """A free port: the dynamic band first, the static band only when that is full."""
    static, dynamic = node_port_bands(port_range)
    for low, high in (dynamic, static):
        port = _scan(low, high, used, rng)
        if port is not None:
            return port
    raise RangeFull("range is full")


def check_node_port(port_range: PortRange, used: Collection[int], port: int) -> None:
    """A user-requested port must be in range and free (the allocator's Allocate)."""
    if port not in port_range:
        raise NotInRange(
            f"provided port is not in the valid range. The range of valid ports is {port_range}"
        )
    if port in used:
        raise AlreadyAllocated("provided port is already allocated")


def service_ip_bounds(cidr: str) -> tuple[int, int, int]:
    """(first usable, last usable, offset) as integers; never the network or IPv4 broadcast."""
    network = ipaddress.ip_network(cidr, strict=False)
    first = int(network.network_address) + 1
    last = int(network.broadcast_address) - (1 if network.version == 4 else 0)
    return first, last, cluster_ip_offset(network.num_addresses)


def allocate_cluster_ip(cidr: str, used: Collection[str], rng: random.Random) -> str:
    """A free ClusterIP: the upper band first, then the lower (static) band."""
    first, last, offset = service_ip_bounds(cidr)
    network = ipaddress.ip_network(cidr, strict=False)
    used_ints = _IpsAsInts(used, network.version)
    for low, high in ((first + offset, last), (first, first + offset - 1)):
        value = _scan(low, high, used_ints, rng)
        if value is not None:
            return str(ipaddress.ip_address(value) if network.version == 4 else value)
    raise RangeFull("range is full")


class _IpsAsInts(Collection[int]):
    """The used IPs as the integers the scan tries, converted one candidate at a time (a
    cluster may hold 10,000 Services; the scan usually stops at its first candidate)."""

    def __init__(self, used: Collection[str], version: int) -> None:
        self.used, self.version = used, version

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        return str(ipaddress.ip_address(value)) in self.used or (
            self.version == 6 and str(value) in self.used
        )

    def __iter__(self) -> Iterator[int]:
        return (int(ipaddress.ip_address(ip)) for ip in self.used)

    def __len__(self) -> int:
        return len(self.used)


def check_cluster_ip(cidr: str, used: Collection[str], ip: str) -> None:
    """A user-requested ClusterIP must lie in the usable range and be free."""
    first, last, _ = service_ip_bounds(cidr)
    address = ipaddress.ip_address(ip)
    if not first <= int(address) <= last:
        network = ipaddress.ip_network(cidr, strict=False)
        raise NotInRange(
            f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is {network}"
        )
    if ip in used:
        raise AlreadyAllocated("provided IP is already allocated")


def indexed_ip(cidr: str, index: int) -> str:
    """GetIndexedIP: kubernetes.default is index 1 of the range, kubeadm's kube-dns index 10."""
    network = ipaddress.ip_network(cidr, strict=False)
    return str(network.network_address + index)


def pool_addresses(pool: str) -> list[str]:
    """The addresses of a load-balancer pool: a CIDR or a 'first-last' range."""
    if "-" in pool:
        low, high = (ipaddress.ip_address(p.strip()) for p in pool.split("-", 1))
        return [str(ipaddress.ip_address(i)) for i in range(int(low), int(high) + 1)]
    network = ipaddress.ip_network(pool, strict=False)
    return [str(h) for h in network.hosts()]


def allocate_pool_ip(pool: str, used: Collection[str]) -> str:
    """The lowest free address of the pool, as a cloud or MetalLB controller hands them out."""
    for address in pool_addresses(pool):
        if address not in used:
            return address
    raise RangeFull("no available IPs in the load-balancer pool")
