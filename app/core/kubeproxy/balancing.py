"""How kube-proxy's data plane picks one endpoint among n: small, pure rules.

Each rule is a function of an index list and random draws (or a hash), written so that the
same code serves one request (route) or a numpy vector of millions (simulation):

* iptables: a cascade of `-m statistic --mode random --probability 1/(n-i)` rules. The
  kernel (net/netfilter/xt_statistic.c) matches when `(get_random_u32() & 0x7FFFFFFF) <
  probability_field`, where iptables stored `lround(0x80000000 * p)` (libxt_statistic.c).
* nftables: `numgen random mod n` = reciprocal_scale(get_random_u32(), n) (nft_numgen.c).
* IPVS: the kernel schedulers (net/netfilter/ipvs/ip_vs_{rr,lc,sed,nq,sh,dh}.c).

State that the kernel keeps between connections - `recent` lists, nft affinity sets, IPVS
persistence templates, round-robin positions and connection counts - lives in the two
mutable state classes at the bottom, keyed per node, because every node's kernel keeps its
own.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from app.core.kubeproxy.chainnames import probability

GOLDEN_RATIO_32 = 0x61C88647  # include/linux/hash.h
IPVS_TAB_BITS = 8  # CONFIG_IP_VS_SH_TAB_BITS / CONFIG_IP_VS_DH_TAB_BITS


def as_rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


# --- iptables -------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def iptables_thresholds(n: int) -> NDArray[np.int64]:
    """The 31-bit thresholds of the n-1 statistic rules for n endpoints (read-only)."""
    thresholds = np.array(
        [math.floor(0x80000000 * float(probability(n - i)) + 0.5) for i in range(n - 1)],
        dtype=np.int64,
    )
    thresholds.setflags(write=False)
    return thresholds


def iptables_pick(thresholds: NDArray[np.int64], draws: NDArray[np.int64]) -> NDArray[np.intp]:
    """Index of the first rule whose draw falls below its threshold; the last rule (no
    statistic match) catches the rest. draws: shape (..., n-1) of 31-bit integers."""
    n = thresholds.shape[0] + 1
    if n == 1:
        return np.zeros(draws.shape[:-1], dtype=np.intp)
    hits = draws < thresholds
    first = np.argmax(hits, axis=-1)
    picked: NDArray[np.intp] = np.where(hits.any(axis=-1), first, n - 1).astype(np.intp)
    return picked


def iptables_choose_many(n: int, rng: np.random.Generator, size: int) -> NDArray[np.intp]:
    draws = rng.integers(0, 0x80000000, size=(size, max(n - 1, 0)), dtype=np.int64)
    return iptables_pick(iptables_thresholds(n), draws)


def iptables_choose(n: int, rng: np.random.Generator) -> int:
    return int(iptables_choose_many(n, rng, 1)[0])


def iptables_rule_probabilities(n: int) -> list[float]:
    """Chance that rule i's jump is taken overall: each endpoint gets 1/n."""
    remaining, out = 1.0, []
    for i in range(n):
        p = float(probability(n - i)) if i < n - 1 else 1.0
        out.append(remaining * p)
        remaining *= 1 - p
    return out


# --- nftables -------------------------------------------------------------------------


def numgen_pick(n: int, draws: NDArray[np.uint64]) -> NDArray[np.intp]:
    """reciprocal_scale(u32, n) = (u32 * n) >> 32: index into the vmap."""
    return ((draws * np.uint64(n)) >> np.uint64(32)).astype(np.intp)


def numgen_choose_many(n: int, rng: np.random.Generator, size: int) -> NDArray[np.intp]:
    return numgen_pick(n, rng.integers(0, 2**32, size=size, dtype=np.uint64))


def numgen_choose(n: int, rng: np.random.Generator) -> int:
    return int(numgen_choose_many(n, rng, 1)[0])


# --- IPVS schedulers ------------------------------------------------------------------


def hash_32(value: int, bits: int = IPVS_TAB_BITS) -> int:
    """include/linux/hash.h hash_32: multiplicative hash keeping the top `bits` bits."""
    return ((value * GOLDEN_RATIO_32) & 0xFFFFFFFF) >> (32 - bits)


def _ip_value(ip: str) -> int:
    addr = ipaddress.ip_address(ip)
    if addr.version == 4:
        return int(addr)
    words = [(int(addr) >> (32 * k)) & 0xFFFFFFFF for k in range(4)]
    return words[0] ^ words[1] ^ words[2] ^ words[3]


def _bucket_dest(bucket: int, weights: Sequence[int]) -> int | None:
    """ip_vs_sh/dh_reassign: the 256 buckets are dealt to destinations in list order, each
    taking `weight` consecutive buckets (dh: one each); unavailable ones keep their slots."""
    table: list[int] = []
    while len(table) <= bucket:
        for i, w in enumerate(weights):
            table.extend([i] * max(w, 1))
    dest = table[bucket]
    return dest if weights[dest] > 0 else None


def sh_pick(source_ip: str, weights: Sequence[int]) -> int | None:
    """Source hashing (ip_vs_sh.c): the client's address picks the bucket, port ignored."""
    return _bucket_dest(hash_32(_ip_value(source_ip)), weights) if weights else None


def dh_pick(destination_ip: str, weights: Sequence[int]) -> int | None:
    """Destination hashing (ip_vs_dh.c): the virtual address picks the bucket."""
    if not weights:
        return None
    return _bucket_dest(hash_32(_ip_value(destination_ip)), [1] * len(weights))


def rr_pick(last: int, weights: Sequence[int]) -> int | None:
    """ip_vs_rr.c: the next destination after `last` with weight > 0 (wrapping)."""
    n = len(weights)
    for step in range(1, n + 1):
        i = (last + step) % n
        if weights[i] > 0:
            return i
    return None


def lc_pick(active: Sequence[int], weights: Sequence[int]) -> int | None:
    """ip_vs_lc.c: fewest connections; first one wins ties (only active ones are counted)."""
    best: int | None = None
    for i, w in enumerate(weights):
        if w > 0 and (best is None or active[i] < active[best]):
            best = i
    return best


def wlc_pick(active: Sequence[int], weights: Sequence[int]) -> int | None:
    """ip_vs_wlc.c: fewest connections per unit of weight."""
    best: int | None = None
    for i, w in enumerate(weights):
        if w > 0 and (best is None or active[i] * weights[best] < active[best] * w):
            best = i
    return best


def sed_pick(active: Sequence[int], weights: Sequence[int]) -> int | None:
    """ip_vs_sed.c: shortest expected delay (C+1)/W."""
    best: int | None = None
    for i, w in enumerate(weights):
        if w > 0 and (best is None or (active[i] + 1) * weights[best] < (active[best] + 1) * w):
            best = i
    return best


def nq_pick(active: Sequence[int], weights: Sequence[int]) -> int | None:
    """ip_vs_nq.c: an idle destination if there is one, else shortest expected delay."""
    for i, w in enumerate(weights):
        if w > 0 and active[i] == 0:
            return i
    return sed_pick(active, weights)


# --- state the kernels keep -----------------------------------------------------------


@dataclass
class AffinityState:
    """ClientIP affinity memory, per node: list name → client IP → time last seen.

    iptables: one `recent` list per KUBE-SEP chain, set (`--set`) on each new connection and
    checked with `--rcheck --seconds timeout --reap`. nftables: one `affinity-…` set per
    endpoint, element refreshed by `update`. IPVS: one persistence template per virtual
    server and client. All three expire `timeout` seconds after the last new connection.
    """

    seen: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    ipvs_templates: dict[str, dict[str, dict[str, tuple[str, float]]]] = field(default_factory=dict)

    def sticky_index(
        self, node: str, lists: Sequence[str], client: str, now: float, timeout: float
    ) -> int | None:
        """The first endpoint whose list remembers `client` within the timeout (the
        affinity rules come first in the chain, in endpoint order)."""
        tables = self.seen.get(node, {})
        for i, name in enumerate(lists):
            last = tables.get(name, {}).get(client)
            if last is not None and now - last < timeout:
                return i
        return None

    def remember(self, node: str, name: str, client: str, now: float) -> None:
        self.seen.setdefault(node, {}).setdefault(name, {})[client] = now

    def ipvs_persistent(
        self, node: str, virtual_server: str, client: str, now: float, timeout: float
    ) -> str | None:
        entry = self.ipvs_templates.get(node, {}).get(virtual_server, {}).get(client)
        if entry is not None and now - entry[1] < timeout:
            return entry[0]
        return None

    def ipvs_remember(
        self, node: str, virtual_server: str, client: str, dest: str, now: float
    ) -> None:
        self.ipvs_templates.setdefault(node, {}).setdefault(virtual_server, {})[client] = (
            dest,
            now,
        )


class IpvsConnection(NamedTuple):
    """One connection IPVS counts as active: node, virtual server ("TCP  10.96.0.10:53 rr")
    and the real server's "ip:port"."""

    node: str
    virtual_server: str
    real_server: str


@dataclass
class IpvsState:
    """Per node and virtual server: the round-robin position and active connection counts.

    A connection counts as active from the moment it is scheduled (`start()` returns it) until
    whoever holds it calls `finish()` with it: the kernel does not know when a client closes.
    """

    last: dict[tuple[str, str], int] = field(default_factory=dict)
    active: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def counts(self, node: str, virtual_server: str, dests: Sequence[str]) -> list[int]:
        return [self.active.get((node, virtual_server, d), 0) for d in dests]

    def start(self, node: str, virtual_server: str, dest: str) -> IpvsConnection:
        key = (node, virtual_server, dest)
        self.active[key] = self.active.get(key, 0) + 1
        return IpvsConnection(*key)

    def finish(self, node: str, virtual_server: str, dest: str) -> None:
        key = (node, virtual_server, dest)
        if self.active.get(key, 0) > 0:
            self.active[key] -= 1


def ipvs_schedule(
    scheduler: str,
    node: str,
    virtual_server: str,
    vip: str,
    dests: Sequence[str],
    client: str,
    state: IpvsState | None,
    rng: np.random.Generator,
) -> int | None:
    """Pick a real server with the kernel scheduler `scheduler`.

    Without remembered state, rr starts at a seeded random position (where the kernel's
    pointer happens to be is unknown); with state it is exact round robin. wrr with equal
    weights is rr, lblc/lblcr behave as dh while nothing is overloaded, and mh (Maglev) is
    approximated by source hashing - kube-proxy gives every real server weight 1.
    """
    if not dests:
        return None
    weights = [1] * len(dests)
    if scheduler in ("rr", "wrr"):
        if state is None:
            return int(rng.integers(len(dests)))
        pick = rr_pick(state.last.get((node, virtual_server), -1), weights)
        if pick is not None:
            state.last[(node, virtual_server)] = pick
        return pick
    if scheduler in ("sh", "mh"):
        return sh_pick(client, weights)
    if scheduler in ("dh", "lblc", "lblcr"):
        return dh_pick(vip, weights)
    active = state.counts(node, virtual_server, dests) if state else [0] * len(dests)
    if scheduler == "wlc":
        return wlc_pick(active, weights)
    if scheduler == "sed":
        return sed_pick(active, weights)
    if scheduler == "nq":
        return nq_pick(active, weights)
    return lc_pick(active, weights)
