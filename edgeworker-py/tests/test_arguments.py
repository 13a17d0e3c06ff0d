"""Hostile and wrong arguments: a TypeError naming the argument (and the path inside it),
or the core's own error, and never a PanicException (a BaseException pytest.raises would
not catch as TypeError)."""

from __future__ import annotations

import math
from typing import Any, Callable

import pytest

import edgeworker
from edgeworker import HostValidationError, InputTooDeepError

from conftest import edge


class LoudStr:
    def __str__(self) -> str:
        raise RuntimeError("str called")

    __repr__ = __str__


def deep(levels: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def deep_list(levels: int) -> Any:
    value: Any = []
    for _ in range(levels):
        value = [value]
    return value


def type_error(call: Callable[[], Any], *fragments: str) -> str:
    with pytest.raises(TypeError) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize(
    "request_,fragments",
    [
        ([], ["request", "expected dict, not list"]),
        ("edge-1", ["request", "not str"]),
        (None, ["request", "not NoneType"]),
        (edge(hostname=b"edge-1"), ['request["hostname"]', "bytes"]),
        (edge(hostname=math.nan), ['request["hostname"]', "NaN is not a JSON number"]),
        (edge(hostname=math.inf), ['request["hostname"]', "inf is not a JSON number"]),
        (edge(hostname=10**30), ['request["hostname"]', "integer out of range"]),
        (edge(hostname=LoudStr()), ['request["hostname"]', "LoudStr"]),
        ({**edge(), 5: "x"}, ["request", "keys must be str, not int"]),
        ({**edge(), LoudStr(): "x"}, ["request", "keys must be str, not LoudStr"]),
        (edge(hostname="edge-\ud800"), ['request["hostname"]', "surrogate"]),
        (edge(location={"k": {1, 2}}), ['request["location"]["k"]', "set"]),
    ],
)
def test_request_of_the_wrong_python_type(request_, fragments):
    type_error(lambda: edgeworker.validate_host_add(request_), *fragments)


def too_deep(call: Callable[[], Any], *fragments: str) -> str:
    with pytest.raises(InputTooDeepError) as info:
        call()
    assert info.value.code == "input.too_deep"
    message = str(info.value)
    assert message.endswith(": nested too deeply (limit 128)"), message[-200:]
    for fragment in fragments:
        assert fragment in message, message[:200]
    return message


def test_128_levels_are_read_and_129_refused():
    # The request is level 1: a location of 127 dicts makes 128 levels, as 128 `[` in text
    # (deep_list(n) is n + 1 lists).
    outcome = edgeworker.validate_host_add(edge(location=deep(127)))
    assert outcome["host"]["location"] == deep(127)
    edgeworker.validate_host_add(edge(location={"x": deep_list(125)}))
    too_deep(lambda: edgeworker.validate_host_add(edge(location=deep(128))), 'request["location"]["a"]')
    too_deep(
        lambda: edgeworker.validate_host_add(edge(location={"x": deep_list(126)})), 'request["location"]["x"][0][0]'
    )
    # A tuple is a list to the binding, and counts as one.
    edgeworker.validate_host_add(edge(location={"x": (deep_list(124),)}))
    too_deep(lambda: edgeworker.validate_host_add(edge(location={"x": (deep_list(125),)})))


@pytest.mark.parametrize("levels", [129, 1_000, 100_000])
def test_deep_arguments_are_refused_without_recursion_error(levels):
    for call in (
        lambda: edgeworker.validate_host_add(edge(location=deep(levels))),
        lambda: edgeworker.validate_host_add(edge(location={"x": deep_list(levels)})),
        lambda: edgeworker.validate_host_add(edge(), {"hosts": [], "system": deep(levels)}),
        lambda: edgeworker.Context({"system": deep(levels)}),
        lambda: edgeworker.plan({"x": deep(levels)}, []),
        lambda: edgeworker.plan({}, deep_list(levels)),
    ):
        too_deep(call)
    # The error is an EdgeworkerError, a ValueError: what sysinv already catches.
    with pytest.raises(ValueError):
        edgeworker.validate_host_add(edge(location=deep(levels)))


def test_a_self_referencing_dict_stops_at_the_depth_limit():
    looped: dict = {}
    looped["self"] = looped
    too_deep(lambda: edgeworker.validate_host_add(edge(location=looped)), 'request["location"]["self"]')


@pytest.mark.parametrize(
    "ctx,fragments",
    [
        ([], ["context", "expected dict or Context, not list"]),
        ({"hosts": [{1: 2}]}, ['context["hosts"][0]', "keys must be str, not int"]),
        ({"hosts": b"x"}, ['context["hosts"]', "bytes"]),
    ],
)
def test_context_of_the_wrong_python_type(ctx, fragments):
    type_error(lambda: edgeworker.validate_host_add(edge(), ctx), *fragments)


def test_other_arguments_name_themselves():
    type_error(lambda: edgeworker.validate_host_add(edge(), strict=1), "strict", "expected bool, not int")
    type_error(lambda: edgeworker.validate_host_update([], {}), "host", "expected dict")
    type_error(lambda: edgeworker.validate_host_update({}, "x"), "changes", "expected dict")
    type_error(lambda: edgeworker.supports(None, "lock"), "personality", "expected str, not NoneType")
    type_error(lambda: edgeworker.supports("edgeworker", 3), "operation", "expected str, not int")
    type_error(lambda: edgeworker.check_operation(b"edgeworker", "lock"), "personality", "bytes")
    type_error(lambda: edgeworker.validate_host_add(), "request")
    type_error(lambda: edgeworker.validate_host_add(edge(), None, True))  # strict is keyword-only


def test_json_typed_fields_of_the_wrong_json_type_are_rule_violations():
    # A well-formed Python value the request does not accept is the core's call, as in the CLI.
    with pytest.raises(HostValidationError) as info:
        edgeworker.validate_host_add(edge(hostname=True, ttys_dcd="yes"))
    assert {e["code"] for e in info.value.errors} == {"request.invalid_type"}


def test_huge_strings_are_answered_not_crashed():
    big = "a" * 10_000_000
    with pytest.raises(HostValidationError) as info:
        edgeworker.validate_host_add(edge(hostname=big))
    assert info.value.errors[0]["code"] == "hostname.too_long"
    with pytest.raises(HostValidationError) as info:
        edgeworker.validate_host_add(edge(colour=None, **{big: 1}))
    assert info.value.errors[0]["code"] == "request.unknown_field"
    assert len(str(info.value)) < 200
    with pytest.raises(edgeworker.UnknownNameError) as unknown:
        edgeworker.supports(big, "lock")
    assert len(str(unknown.value)) < 300
    assert str(unknown.value).startswith('personality "' + "a" * 64 + '"…: ')


def test_subclasses_of_dict_list_and_str_are_accepted():
    class D(dict):
        def items(self):  # never consulted: the binding reads the dict itself
            raise RuntimeError("items called")

    class S(str):
        pass

    result = edgeworker.validate_host_add(D(edge(hostname=S("edge-1"))))
    assert result["host"]["hostname"] == "edge-1"
    assert edgeworker.supports(S("edgeworker"), S("lock")) is False
