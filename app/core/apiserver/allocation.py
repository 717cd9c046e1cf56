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
import socket
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


MAX_POOL_ADDRESSES = 65_536
"""A pool larger than a /16 is refused: no simulated cluster needs more, and every check stays
cheap. (Allocation never walks the pool, so the cap bounds the stored text, not the time.)"""


class PoolInvalid(ValueError):
    """The pool is not an IPv4 CIDR or range within MAX_POOL_ADDRESSES; the message says why."""


def pool_bounds(pool: str) -> tuple[int, int]:
    """(first, last) usable addresses of a pool, inclusive, as integers.

    A CIDR hands out its hosts (no network or broadcast address, except in a /31 or /32), a
    `first-last` range every address from first to last, as MetalLB's address pools do
    (metallb internal/config/config.go parseCIDR and its range form).
    """
    text = pool.strip()
    try:
        if "-" in text:
            low_text, high_text = text.split("-", 1)
            low = ipaddress.IPv4Address(low_text.strip())
            high = ipaddress.IPv4Address(high_text.strip())
            first, last = int(low), int(high)
        else:
            network = ipaddress.IPv4Network(text, strict=True)
            first, last = int(network.network_address), int(network.broadcast_address)
            if network.prefixlen < 31:
                first, last = first + 1, last - 1
    except ValueError:
        raise PoolInvalid(
            "must be an IPv4 CIDR (e.g. 198.51.100.0/24) or an address range "
            "(e.g. 192.168.49.240-192.168.49.250)"
        ) from None
    if last < first:
        raise PoolInvalid("the range's first address must not be after its last")
    if last - first + 1 > MAX_POOL_ADDRESSES:
        raise PoolInvalid(f"must hold at most {MAX_POOL_ADDRESSES} addresses")
    return first, last


def allocate_pool_ip(pool: str, used: Collection[str]) -> str:
    """The lowest free address of the pool, as a cloud or MetalLB controller hands them out.

    Arithmetic over the pool's bounds and the allocation table: only the taken addresses
    inside the pool are sorted and walked, so a pool's size never costs time or memory.
    """
    try:
        first, last = pool_bounds(pool)
    except PoolInvalid:
        raise RangeFull(f"the load-balancer pool {pool!r} is not usable") from None
    taken = sorted(
        n for n in (_ipv4_int(ip) for ip in used) if n is not None and first <= n <= last
    )
    candidate = first
    for number in taken:
        if number > candidate:
            break
        candidate = max(candidate, number + 1)
    if candidate > last:
        raise RangeFull("no available IPs in the load-balancer pool")
    return str(ipaddress.IPv4Address(candidate))


def _ipv4_int(text: str) -> int | None:
    """A dotted quad as an integer; inet_pton is strict and ~20 times quicker than ipaddress."""
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except (OSError, ValueError):
        return None
