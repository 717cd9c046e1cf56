"""Name, label and IP syntax with apimachinery's messages (pkg/util/validation)."""

from __future__ import annotations

import ipaddress

import pytest

from app.core.model import names


def test_an_empty_label_key_prefix_is_reported_as_such() -> None:
    assert names.is_qualified_name("/app") == ["prefix part must be non-empty"]


def test_an_empty_label_key_name_is_reported_as_such() -> None:
    assert names.is_qualified_name("example.com/") == [
        "name part must be non-empty",
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
        "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
        "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]


def test_a_prefixed_label_key_is_valid() -> None:
    assert names.is_qualified_name("app.kubernetes.io/name") == []


def test_a_label_key_name_longer_than_63_characters_is_too_long() -> None:
    assert names.is_qualified_name("a" * 64) == ["name part must be no more than 63 characters"]


def test_an_empty_label_value_is_valid() -> None:
    assert names.is_valid_label_value("") == []


def test_a_long_label_value_is_too_long() -> None:
    assert names.is_valid_label_value("v" * 64) == ["must be no more than 63 characters"]


def test_a_trailing_newline_does_not_sneak_past_the_regex() -> None:
    assert names.is_dns1123_label("web\n") != []


def test_a_dns_label_with_dots_says_so() -> None:
    assert names.is_dns1123_label("a.b") == ["must not contain dots"]


def test_a_generate_name_prefix_may_end_with_a_dash() -> None:
    assert names.name_is_dns1035_label("web-", prefix=True) == []
    assert names.name_is_dns1035_label("web-", prefix=False) != []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.1", "10.0.0.1"),
        ("010.000.000.001", "10.0.0.1"),
        ("::ffff:10.0.0.1", "::ffff:a00:1"),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_ips_parse_sloppily_as_kubernetes_does(text: str, expected: str) -> None:
    assert str(names.parse_ip_sloppy(text)) == expected


@pytest.mark.parametrize("text", ["10.0.0.256", "fe80::1%eth0", "host", "", "1.2.3"])
def test_non_ips_do_not_parse(text: str) -> None:
    assert names.parse_ip_sloppy(text) is None


def test_an_ipv4_mapped_address_counts_as_ipv4() -> None:
    assert names.ip_family(ipaddress.ip_address("::ffff:10.0.0.1")) == "IPv4"


def test_a_cidr_may_have_host_bits_set() -> None:
    assert str(names.parse_cidr_sloppy("10.244.1.7/24")) == "10.244.1.0/24"


@pytest.mark.parametrize("text", ["10.0.0.0/33", "10.0.0.0", "10.0.0.0/255.0.0.0", "x/8"])
def test_bad_cidrs_do_not_parse(text: str) -> None:
    assert names.parse_cidr_sloppy(text) is None


def test_link_local_multicast_is_a_special_ip() -> None:
    assert names.special_ip_messages("224.0.0.251") == [
        "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"
    ]


def test_an_ipv4_mapped_loopback_is_a_special_ip() -> None:
    assert names.special_ip_messages("::ffff:127.0.0.1") == [
        "may not be in the loopback range (127.0.0.0/8, ::1/128)"
    ]
