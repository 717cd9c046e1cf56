"""kube-proxy's endpoint choice: statistics of iptables/nftables, IPVS schedulers, affinity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from app.core.kubeproxy.balancing import (
    AffinityState,
    IpvsState,
    dh_pick,
    hash_32,
    iptables_choose_many,
    iptables_pick,
    iptables_rule_probabilities,
    iptables_thresholds,
    ipvs_schedule,
    lc_pick,
    nq_pick,
    numgen_choose_many,
    numgen_pick,
    rr_pick,
    sed_pick,
    sh_pick,
)

# Upper 0.1% points of the chi-square distribution (any statistics table); beyond the table
# the Wilson-Hilferty approximation is used.
CHI2_999 = {1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515, 6: 22.458, 7: 24.322,
            8: 26.124, 9: 27.877, 10: 29.588}  # fmt: skip
Z_999 = 3.090232


def chi2_critical(df: int) -> float:
    if df in CHI2_999:
        return CHI2_999[df]
    a = 2 / (9 * df)
    return df * (1 - a + Z_999 * math.sqrt(a)) ** 3


def chi2_statistic(picks: NDArray[np.intp], n: int) -> float:
    observed = np.bincount(picks, minlength=n).astype(float)
    expected = len(picks) / n
    return float(((observed - expected) ** 2 / expected).sum())


def test_wilson_hilferty_agrees_with_the_table() -> None:
    for df in range(4, 11):
        a = 2 / (9 * df)
        approx = df * (1 - a + Z_999 * math.sqrt(a)) ** 3
        assert approx == pytest.approx(CHI2_999[df], rel=0.02)


@pytest.mark.parametrize("n", [2, 3, 5, 7, 16])
def test_iptables_cascade_is_uniform(n: int) -> None:
    picks = iptables_choose_many(n, np.random.default_rng(20260101 + n), 100_000)
    assert picks.min() >= 0 and picks.max() == n - 1
    assert chi2_statistic(picks, n) < chi2_critical(n - 1)


@pytest.mark.parametrize("n", [2, 3, 5, 7, 16])
def test_nftables_numgen_is_uniform(n: int) -> None:
    picks = numgen_choose_many(n, np.random.default_rng(7 + n), 100_000)
    assert chi2_statistic(picks, n) < chi2_critical(n - 1)


def test_iptables_rules_give_every_endpoint_one_nth() -> None:
    for n in range(1, 12):
        probs = iptables_rule_probabilities(n)
        assert sum(probs) == pytest.approx(1.0)
        assert probs == pytest.approx([1 / n] * n)


def test_statistic_thresholds_are_what_iptables_stores() -> None:
    # libxt_statistic: lround(0x80000000 * p); the kernel compares 31 random bits to it.
    assert list(iptables_thresholds(2)) == [0x40000000]
    assert list(iptables_thresholds(3)) == [round(0x80000000 * 0.3333333333), 0x40000000]
    draws = np.array([[0x40000000 - 1], [0x40000000]], dtype=np.int64)
    assert list(iptables_pick(iptables_thresholds(2), draws)) == [0, 1]


def test_numgen_maps_the_32_bit_range_onto_the_indices() -> None:
    draws = np.array([0, 2**32 // 3 - 1, 2**32 // 3 + 1, 2**32 - 1], dtype=np.uint64)
    assert list(numgen_pick(3, draws)) == [0, 0, 1, 2]


def test_same_seed_same_choices() -> None:
    a = iptables_choose_many(5, np.random.default_rng(3), 100)
    b = iptables_choose_many(5, np.random.default_rng(3), 100)
    assert (a == b).all()


def test_ipvs_round_robin_is_exactly_even_per_virtual_server() -> None:
    state, rng = IpvsState(), np.random.default_rng(0)
    dests = [f"10.244.0.{i}:80" for i in range(1, 6)]
    picks = [
        ipvs_schedule("rr", "n1", "TCP  10.96.0.10:80 rr", "10.96.0.10", dests, "1.2.3.4", state,
                      rng)
        for _ in range(1000)
    ]  # fmt: skip
    assert np.bincount(np.array(picks), minlength=5).tolist() == [200] * 5
    assert picks[:6] == [0, 1, 2, 3, 4, 0]
    # Another node keeps its own position.
    other = ipvs_schedule("rr", "n2", "TCP  10.96.0.10:80 rr", "10.96.0.10", dests, "x", state,
                          rng)  # fmt: skip
    assert other == 0


def test_rr_skips_zero_weight_servers() -> None:
    assert rr_pick(0, [1, 0, 1]) == 2
    assert rr_pick(2, [1, 0, 1]) == 0
    assert rr_pick(0, [0, 0]) is None


def test_connection_based_schedulers() -> None:
    assert lc_pick([3, 1, 1], [1, 1, 1]) == 1  # fewest, first of equals
    assert nq_pick([2, 0, 1], [1, 1, 1]) == 1  # an idle server first
    assert nq_pick([2, 3, 1], [1, 1, 1]) == 2
    assert sed_pick([1, 4], [1, 4]) == 1  # expected delay (C+1)/W: 2 vs 1.25
    assert sed_pick([0, 1], [1, 1]) == 0  # 1 vs 2
    state, rng = IpvsState(), np.random.default_rng(0)
    dests = ["a:1", "b:1"]
    for _ in range(4):
        i = ipvs_schedule("lc", "n", "vs", "10.0.0.1", dests, "c", state, rng)
        assert i is not None
        state.start("n", "vs", dests[i])
    assert state.counts("n", "vs", dests) == [2, 2]
    state.finish("n", "vs", "b:1")
    assert ipvs_schedule("lc", "n", "vs", "10.0.0.1", dests, "c", state, rng) == 1


def test_hashing_schedulers_pick_the_bucket_the_kernel_hash_gives() -> None:
    # include/linux/hash.h: hash_32(v, bits) = (v * 0x61C88647 mod 2^32) >> (32 - bits).
    assert hash_32(0) == 0 and hash_32(1) == 0x61
    # ip_vs_sh.c ip_vs_sh_hashkey: hash_32(ntohl(addr), 8) (port 0 without sh-port), and
    # ip_vs_sh_reassign deals the 256 buckets to the destinations in list order, `weight`
    # consecutive buckets each. Worked by hand: 203.0.113.7 = 0xCB007107,
    # 0xCB007107 * 0x61C88647 mod 2^32 = 0x7CC102F1, so bucket 0x7C = 124; 124 % 3 = 1.
    assert hash_32(0xCB007107) == 124
    assert sh_pick("203.0.113.7", [1, 1, 1]) == 1
    # Weights 2,1 deal the buckets 0,0,1,0,0,1,...: bucket 124 (124 % 3 = 1) is dest 0;
    # weights 1,2 deal 0,1,1,...: the same bucket is dest 1 (one bucket each would give 0).
    assert sh_pick("203.0.113.7", [2, 1]) == 0
    assert sh_pick("203.0.113.7", [1, 2]) == 1
    # A destination with weight 0 keeps its buckets but is unavailable: no pick.
    assert sh_pick("203.0.113.7", [1, 0, 1]) is None
    # IPv6: the four 32-bit words are XORed first (addr_fold); 2001:db8::1 folds to
    # 0x20010DB9, bucket 63, 63 % 3 = 0.
    assert sh_pick("2001:db8::1", [1, 1, 1]) == 0
    # Different clients land on every destination.
    spread = {sh_pick(f"198.51.100.{i}", [1, 1, 1]) for i in range(64)}
    assert spread == {0, 1, 2}
    # ip_vs_dh.c: the same hash of the virtual address, one bucket per destination.
    # 10.96.0.10 = 0x0A60000A -> bucket 242, 242 % 3 = 2.
    assert dh_pick("10.96.0.10", [1, 1, 1]) == 2


def test_affinity_expires_after_the_timeout() -> None:
    memory = AffinityState()
    memory.remember("n1", "KUBE-SEP-A", "10.0.0.2", now=100.0)
    lists = ["KUBE-SEP-B", "KUBE-SEP-A"]
    assert memory.sticky_index("n1", lists, "10.0.0.2", 100.0 + 10799, 10800) == 1
    assert memory.sticky_index("n1", lists, "10.0.0.2", 100.0 + 10800, 10800) is None
    assert memory.sticky_index("n2", lists, "10.0.0.2", 101.0, 10800) is None  # per node
    assert memory.sticky_index("n1", lists, "10.0.0.3", 101.0, 10800) is None  # per client
