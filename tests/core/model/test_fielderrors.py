"""Bad values print as field/errors.go prints them: %v, %q, or Go's %#v for composites.

Vectors from upstream's own tests: k8s.io/apimachinery pkg/util/validation/field/errors_test.go
(TestErrorUsefulMessage), Go's strconv/quote_test.go (quotetests) and fmt/fmt_test.go (%#v)."""

from __future__ import annotations

import pytest

from app.core.model import fielderrors
from app.core.model.fielderrors import (
    ErrorType,
    FieldError,
    GoValue,
    duplicate,
    go_float,
    go_quote,
    go_syntax,
    invalid,
    render_value,
)


def test_a_nil_bad_value_prints_the_quoted_string_null() -> None:
    # errors_test.go: Invalid(nil, nil, "").Error() contains "null"; ErrorBody makes the value
    # the string "null", which %q quotes.
    assert FieldError(ErrorType.INVALID, "", None).body == 'Invalid value: "null"'
    assert render_value(GoValue("*int32", None)) == '"null"'
    assert render_value(GoValue("*int32", 5)) == "5"  # a pointer is dereferenced first


def test_strings_numbers_and_bools_print_with_q_and_v() -> None:
    assert str(invalid("foo", "bar", "deet")) == 'foo: Invalid value: "bar": deet'
    assert str(invalid("n", 80, "d")) == "n: Invalid value: 80: d"
    assert str(invalid("b", True, "d")) == "b: Invalid value: true: d"
    assert str(invalid("f", 0.5, "d")) == "f: Invalid value: 0.5: d"


def test_upstreams_complicated_struct_prints_every_field_but_not_the_inner_pointer() -> None:
    complicated = (
        ("Baz", "baz", "int"),
        ("Qux", "qux", "string"),
        ("Inner", "inner", "*field.complicated"),
        ("KV", "kv", "map[string]int"),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(fielderrors.GO_STRUCTS, "field.complicated", complicated)
        value = {"baz": 1, "qux": "aoeu", "inner": {"qux": "asdf"}, "kv": {"Billy": 2}}
        text = str(invalid("foo", GoValue("*field.complicated", value), "detail"))
    assert text == (
        'foo: Invalid value: field.complicated{Baz:1, Qux:"aoeu", '
        f"Inner:(*field.complicated)({fielderrors.POINTER_ADDRESS}), "
        'KV:map[string]int{"Billy":2}}: detail'
    )
    for part in ("foo", "Invalid value", "Baz", "Qux", "Inner", "KV", "detail", "1", "aoeu"):
        assert part in text
    assert "Billy" in text and "2" in text and "asdf" not in text  # upstream's TODO


@pytest.mark.parametrize(
    ("value", "go_type", "printed"),
    [
        (["10.0.0.5"], "[]string", '[]string{"10.0.0.5"}'),
        (None, "[]int", "[]int(nil)"),
        ([], "[]int", "[]int{}"),
        ({"a": 1}, "map[string]int", 'map[string]int{"a":1}'),
        ({"b": "2", "a": "1"}, "map[string]string", 'map[string]string{"a":"1", "b":"2"}'),
        (None, "map[string]string", "map[string]string(nil)"),
        (["IPv4"], "[]core.IPFamily", '[]core.IPFamily{"IPv4"}'),
        (None, "*string", "(*string)(nil)"),
        (8080, "intstr.IntOrString", 'intstr.IntOrString{Type:0, IntVal:8080, StrVal:""}'),
        ("http", "intstr.IntOrString", 'intstr.IntOrString{Type:1, IntVal:0, StrVal:"http"}'),
        (
            [{"ip": "10.0.0.1"}],
            "[]core.PodIP",
            '[]core.PodIP{core.PodIP{IP:"10.0.0.1"}}',
        ),
        ([1, "a", None], "[]interface {}", '[]interface {}{1, "a", interface {}(nil)}'),
    ],
)
def test_composites_print_as_go_syntax(value: object, go_type: str, printed: str) -> None:
    assert go_syntax(value, go_type) == printed


def test_a_duplicate_service_port_prints_the_internal_struct() -> None:
    port = GoValue("core.ServicePort", {"protocol": "TCP", "port": 80})
    assert str(duplicate("spec.ports[1]", port)) == (
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", '
        "AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, "
        'IntVal:0, StrVal:""}, NodePort:0}'
    )


def test_untyped_lists_and_maps_are_read_as_upstreams_usual_types() -> None:
    assert render_value(["a", "b"]) == '[]string{"a", "b"}'
    assert render_value({"app": "web"}) == 'map[string]string{"app":"web"}'
    assert render_value({"x": {"y": 1}}) == (
        'map[string]interface {}{"x":map[string]interface {}{"y":1}}'
    )


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("\a\b\f\r\n\t\v", '"\\a\\b\\f\\r\\n\\t\\v"'),
        ("\\", '"\\\\"'),
        ("\u263a", '"\u263a"'),
        ("\U0010ffff", '"\\U0010ffff"'),
        ("\x04", '"\\x04"'),
        ("!\u00a0!\u2000!\u3000!", '"!\\u00a0!\\u2000!\\u3000!"'),
        ("\x7f", '"\\x7f"'),
        ('"', '"\\""'),
    ],
)
def test_strings_are_quoted_as_strconv_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (1.0, "1"),
        (1000000.0, "1e+06"),
        (123456.0, "123456"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.5, "-2.5"),
        (1234567.5, "1.2345675e+06"),
        (0.0, "0"),
    ],
)
def test_floats_print_as_go_v(value: float, printed: str) -> None:
    assert go_float(value) == printed
