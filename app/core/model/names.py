"""Syntax checks for names, label keys and values, ports and IPs, with apimachinery's words.

Each `is_*` function returns the list of messages upstream would return (empty when valid);
callers wrap them in field errors. Upstream: staging/src/k8s.io/apimachinery/pkg/util/
validation/validation.go and ip.go, and k8s.io/utils/net for the "sloppy" IP parser that
still accepts IPv4 octets with leading zeros.
"""

from __future__ import annotations

import ipaddress
import re

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
DNS1035_LABEL_MAX = 63
QUALIFIED_NAME_MAX = 63
LABEL_VALUE_MAX = 63

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"
_PERCENT_FMT = "[0-9]+%"

_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character"
)
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character"
)
_PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%'"

INVALID_IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
INVALID_CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"


def _full(fmt: str) -> re.Pattern[str]:
    # Go's regexp `$` only matches at the very end, unlike Python's `$` before a newline.
    return re.compile("^(?:" + fmt + r")\Z")


_DNS1123_LABEL_RE = _full(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = _full(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE = _full(_DNS1035_LABEL_FMT)
_QUALIFIED_NAME_RE = _full(_QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE = _full(_LABEL_VALUE_FMT)
_PERCENT_RE = _full(_PERCENT_FMT)
_PORT_NAME_CHARSET_RE = _full("[-a-z0-9]+")


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """RegexError; note the double space it leaves before `or` with two examples."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    text = msg + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


def inclusive_range_error(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


EMPTY_ERROR = "must be non-empty"


def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_error(DNS1123_LABEL_MAX))
    if not _DNS1123_LABEL_RE.match(value):
        if _DNS1123_SUBDOMAIN_RE.match(value):
            # A valid subdomain that is not a label: having checked length, it must be dots.
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _DNS1123_SUBDOMAIN_RE.match(value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1035_LABEL_MAX:
        errs.append(max_len_error(DNS1035_LABEL_MAX))
    if not _DNS1035_LABEL_RE.match(value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def _mask_trailing_dash(name: str) -> str:
    # apimachinery/pkg/api/validation/generic.go maskTrailingDash, quirk included: a
    # generateName prefix may end in '-', so its last two characters become "a".
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool = False) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool = False) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool = False) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def is_qualified_name(value: str) -> list[str]:
    """A label key (and annotation key, appProtocol, loadBalancerClass): [prefix/]name."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + EMPTY_ERROR)
        else:
            errs.extend("prefix part " + msg for msg in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part " + EMPTY_ERROR)
    elif len(name) > QUALIFIED_NAME_MAX:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX))
    if not _QUALIFIED_NAME_RE.match(name):
        errs.append(
            "name part "
            + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_valid_label_value(value: str) -> list[str]:
    errs = []
    if len(value) > LABEL_VALUE_MAX:
        errs.append(max_len_error(LABEL_VALUE_MAX))
    if not _LABEL_VALUE_RE.match(value):
        errs.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_valid_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def is_valid_port_name(port: str) -> list[str]:
    """IANA_SVC_NAME (RFC 6335), lower case only."""
    errs = []
    if len(port) > 15:
        errs.append(max_len_error(15))
    if not _PORT_NAME_CHARSET_RE.match(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_percent(value: str) -> list[str]:
    if _PERCENT_RE.match(value):
        return []
    return [regex_error(_PERCENT_MSG, _PERCENT_FMT, "1%", "93%")]


def parse_ip_sloppy(text: str) -> IPAddress | None:
    """netutils.ParseIPSloppy: Go's net.ParseIP of Go 1.16, leading zeros in IPv4 allowed."""
    if "%" in text:  # Go rejects IPv6 zones; Python would accept "fe80::1%eth0"
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    octets = text.split(".")
    if len(octets) == 4 and all(o.isascii() and o.isdigit() for o in octets):
        values = [int(o) for o in octets]
        if all(v <= 255 for v in values):
            return ipaddress.IPv4Address(".".join(str(v) for v in values))
    return None


def as_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """Go's ip.To4(): IPv4 addresses and IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    return ip.ipv4_mapped


def ip_family(ip: IPAddress) -> str:
    return "IPv4" if as_ipv4(ip) is not None else "IPv6"


def parse_cidr_sloppy(text: str) -> IPNetwork | None:
    """netutils.ParseCIDRSloppy: address bits past the prefix are allowed (1.2.3.4/24)."""
    address, sep, bits = text.partition("/")
    if not sep or not bits.isascii() or not bits.isdigit():
        return None
    ip = parse_ip_sloppy(address)
    if ip is None:
        return None
    length = int(bits)
    if length > (32 if isinstance(ip, ipaddress.IPv4Address) else 128):
        return None
    return ipaddress.ip_network(f"{ip}/{length}", strict=False)


def special_ip_messages(text: str) -> list[str]:
    """ValidateNonSpecialIP after the IP parsed: the ranges an endpoint may not use."""
    ip = parse_ip_sloppy(text)
    if ip is None:
        return ["must be a valid IP address"]
    v4 = as_ipv4(ip)
    errs = []
    if ip.is_unspecified or (v4 is not None and v4.is_unspecified):
        errs.append(f"may not be unspecified ({text})")
    if (v4 is not None and v4.packed[0] == 127) or (v4 is None and ip.is_loopback):
        errs.append("may not be in the loopback range (127.0.0.0/8, ::1/128)")
    if (v4 is not None and v4.packed[:2] == b"\xa9\xfe") or (
        v4 is None and ip.packed[0] == 0xFE and ip.packed[1] & 0xC0 == 0x80
    ):
        errs.append("may not be in the link-local range (169.254.0.0/16, fe80::/10)")
    if (v4 is not None and v4.packed[:3] == b"\xe0\x00\x00") or (
        v4 is None and ip.packed[0] == 0xFF and ip.packed[1] & 0x0F == 0x02
    ):
        errs.append("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")
    return errs
