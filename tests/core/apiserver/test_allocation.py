"""The allocators' bands and messages (pkg/registry/core/service/{portallocator,ipallocator})."""

from __future__ import annotations

import ipaddress
import random
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.apiserver import allocation
from app.core.model.objects import PortRange


def test_default_node_port_range_reserves_a_static_band_of_86_ports() -> None:
    static, dynamic = allocation.node_port_bands(PortRange())
    assert static == (30000, 30085)
    assert dynamic == (30086, 32767)


def test_a_range_of_16_ports_has_no_static_band() -> None:
    assert allocation.node_port_offset(16) == 0


def test_service_cidr_slash_12_has_a_static_band_of_256_addresses() -> None:
    first, last, offset = allocation.service_ip_bounds("10.96.0.0/12")
    assert str(ipaddress.ip_address(first)) == "10.96.0.1"
    assert str(ipaddress.ip_address(last)) == "10.111.255.254"
    assert offset == 256
    assert allocation.cluster_ip_offset(16) == 0
    assert allocation.service_ip_bounds("10.0.0.0/24")[2] == 16


def test_kubernetes_default_and_kube_dns_take_index_1_and_10() -> None:
    assert allocation.indexed_ip("10.96.0.0/12", 1) == "10.96.0.1"
    assert allocation.indexed_ip("10.96.0.0/12", 10) == "10.96.0.10"


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_automatic_node_ports_land_in_the_dynamic_band(seed: int) -> None:
    port = allocation.allocate_node_port(PortRange(), set(), random.Random(seed))
    assert 30086 <= port <= 32767


def test_the_static_band_is_used_only_when_the_dynamic_band_is_full() -> None:
    used = set(range(30086, 32768))
    port = allocation.allocate_node_port(PortRange(), used, random.Random(1))
    assert 30000 <= port <= 30085
    with pytest.raises(allocation.RangeFull):
        allocation.allocate_node_port(
            PortRange(), used | set(range(30000, 30086)), random.Random(1)
        )


def test_automatic_node_ports_are_random_not_sequential() -> None:
    rng = random.Random(7)
    ports = [allocation.allocate_node_port(PortRange(), set(), rng) for _ in range(20)]
    assert ports != sorted(ports)


def test_requested_node_port_outside_the_range_gets_the_allocator_message() -> None:
    with pytest.raises(allocation.NotInRange) as exc:
        allocation.check_node_port(PortRange(), set(), 80)
    assert str(exc.value) == (
        "provided port is not in the valid range. The range of valid ports is 30000-32767"
    )
    with pytest.raises(allocation.AlreadyAllocated, match="provided port is already allocated"):
        allocation.check_node_port(PortRange(), {30080}, 30080)


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_automatic_cluster_ips_avoid_the_static_band_and_network_address(seed: int) -> None:
    ip = ipaddress.IPv4Address(
        allocation.allocate_cluster_ip("10.96.0.0/12", set(), random.Random(seed))
    )
    assert ipaddress.IPv4Address("10.96.1.1") <= ip <= ipaddress.IPv4Address("10.111.255.254")


def test_a_tiny_service_cidr_is_all_dynamic_and_fills_up() -> None:
    rng = random.Random(3)
    used: set[str] = set()
    for _ in range(14):
        used.add(allocation.allocate_cluster_ip("10.96.0.0/28", used, rng))
    assert used == {f"10.96.0.{i}" for i in range(1, 15)}
    with pytest.raises(allocation.RangeFull):
        allocation.allocate_cluster_ip("10.96.0.0/28", used, rng)


def test_requested_cluster_ip_outside_the_range_names_the_range() -> None:
    with pytest.raises(allocation.NotInRange) as exc:
        allocation.check_cluster_ip("10.96.0.0/12", set(), "10.200.0.1")
    assert str(exc.value) == (
        "the provided IP (10.200.0.1) is not in the valid range. "
        "The range of valid IPs is 10.96.0.0/12"
    )


def test_load_balancer_pools_hand_out_the_lowest_free_address() -> None:
    assert allocation.allocate_pool_ip("198.51.100.0/24", {"198.51.100.1"}) == "198.51.100.2"
    used = {"192.168.49.240", "192.168.49.242", "10.0.0.1"}
    assert allocation.allocate_pool_ip("192.168.49.240-192.168.49.242", used) == "192.168.49.241"
    with pytest.raises(allocation.RangeFull):
        allocation.allocate_pool_ip("192.168.49.240-192.168.49.242", {*used, "192.168.49.241"})


def test_a_slash_32_and_a_slash_31_pool_hand_out_every_address() -> None:
    assert (
        allocation.pool_bounds("203.0.113.7/32") == (int(ipaddress.IPv4Address("203.0.113.7")),) * 2
    )
    assert allocation.allocate_pool_ip("203.0.113.6/31", {"203.0.113.6"}) == "203.0.113.7"


@pytest.mark.parametrize(
    ("pool", "detail"),
    [
        ("garbage", "must be an IPv4 CIDR"),
        ("10.0.0.0/33", "must be an IPv4 CIDR"),
        ("10.0.0.5/24", "must be an IPv4 CIDR"),
        ("::/0", "must be an IPv4 CIDR"),
        ("10.0.0.9-10.0.0.1", "must not be after its last"),
        ("10.0.0.0/8", "must hold at most 65536 addresses"),
        ("10.0.0.0-10.1.0.0", "must hold at most 65536 addresses"),
    ],
)
def test_a_pool_that_is_not_a_small_ipv4_cidr_or_range_is_refused(pool: str, detail: str) -> None:
    with pytest.raises(allocation.PoolInvalid, match=detail):
        allocation.pool_bounds(pool)


def test_allocating_from_the_largest_pool_never_walks_it() -> None:
    """A /16 with 1,000 taken: only those are sorted, so this stays far under 10 ms."""
    first = int(ipaddress.IPv4Address("10.20.0.1"))
    used = {str(ipaddress.IPv4Address(first + i)) for i in range(1_000)}
    timings = []
    for _ in range(3):  # CPU time, best of three: a busy machine cannot inflate it
        started = time.process_time()
        ip = allocation.allocate_pool_ip("10.20.0.0/16", used)
        timings.append(time.process_time() - started)
    assert ip == str(ipaddress.IPv4Address(first + 1_000))
    assert min(timings) < 0.010


def test_a_stored_pool_that_is_no_longer_valid_leaves_the_service_pending() -> None:
    """Pools stored before validation existed must not turn LoadBalancers into 500s."""
    with pytest.raises(allocation.RangeFull):
        allocation.allocate_pool_ip("garbage", set())
