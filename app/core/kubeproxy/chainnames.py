"""The names kube-proxy gives its chains, and the strings it prints in its rules.

Every learner-visible rule name comes from here, so iptables-save output, nft rulesets and the
hop-by-hop paths of routing always agree. The recipes are byte-for-byte upstream:
pkg/proxy/iptables/proxier.go (portProtoHash, servicePortEndpointChainName) and
pkg/proxy/nftables/proxier.go (hashAndTruncate, servicePortChainNameBase).
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

# pkg/proxy/nftables/proxier.go: knftables.NameLengthMax (256) - chainNamePrefixLengthMax (16).
NFT_CHAIN_NAME_BASE_MAX = 240


def _b32sha(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()


def port_name(namespace: str, name: str, port: str) -> str:
    """ServicePortName.String(): "ns/svc:port", without the colon for an unnamed port."""
    base = f"{namespace}/{name}"
    return f"{base}:{port}" if port else base


def join_host_port(ip: str, port: int) -> str:
    """Go's net.JoinHostPort: IPv6 addresses get brackets."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


@lru_cache(maxsize=65536)
def port_proto_hash(service_port_name: str, protocol: str) -> str:
    """portProtoHash: base32(sha256(spn + proto))[:16], no separator, lowercase protocol."""
    return _b32sha(service_port_name + protocol.lower())[:16]


def svc_chain(spn: str, protocol: str) -> str:
    return "KUBE-SVC-" + port_proto_hash(spn, protocol)


def svl_chain(spn: str, protocol: str) -> str:
    return "KUBE-SVL-" + port_proto_hash(spn, protocol)


def ext_chain(spn: str, protocol: str) -> str:
    return "KUBE-EXT-" + port_proto_hash(spn, protocol)


def fw_chain(spn: str, protocol: str) -> str:
    return "KUBE-FW-" + port_proto_hash(spn, protocol)


@lru_cache(maxsize=262144)
def sep_chain(spn: str, protocol: str, endpoint: str) -> str:
    """servicePortEndpointChainName: the hash input appends "ip:port" to spn + proto."""
    return "KUBE-SEP-" + _b32sha(spn + protocol.lower() + endpoint)[:16]


def _hash_and_truncate(name: str) -> str:
    name = _b32sha(name)[:8] + "-" + name
    if len(name) > NFT_CHAIN_NAME_BASE_MAX:
        name = name[: NFT_CHAIN_NAME_BASE_MAX - 3] + "..."
    return name


@lru_cache(maxsize=65536)
def nft_service_base(namespace: str, name: str, protocol: str, port: str) -> str:
    """servicePortChainNameBase: "HASH8-ns/svc/proto/portName" (portName may be empty)."""
    return _hash_and_truncate(f"{namespace}/{name}/{protocol.lower()}/{port}")


@lru_cache(maxsize=262144)
def nft_endpoint_base(
    namespace: str, name: str, protocol: str, port: str, ip: str, endpoint_port: int
) -> str:
    """servicePortEndpointChainNameBase: "...__ip/port", IPv6 colons turned into dots."""
    ip = ip.replace(":", ".")
    return _hash_and_truncate(f"{namespace}/{name}/{protocol.lower()}/{port}__{ip}/{endpoint_port}")


def probability(n: int) -> str:
    """computeProbability: "%0.10f" of 1/n, the string iptables' statistic match receives."""
    return "%0.10f" % (1.0 / n)
