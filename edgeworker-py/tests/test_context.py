"""edgeworker.Context: a context read once. Every function taking a context answers the same
for the dict and for the Context built from it, raises the same errors, and shares one
Context between threads."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List

import pytest

import edgeworker
from edgeworker import Context, ContextError, HostValidationError

from conftest import CONTROLLERS, DISCOVERED, EDGE_2, context, edge, static, with_hosts


def answer(call: Callable[[], Any]) -> Any:
    """What a call gives: its result, or its exception's type, text and attributes."""
    try:
        return ("ok", call())
    except HostValidationError as err:
        return ("rejected", str(err), err.errors, err.warnings)
    except (ContextError, TypeError) as err:
        return (type(err).__name__, str(err), getattr(err, "code", None))


CONTEXTS: List[Dict[str, Any]] = [
    context(),
    static(),
    with_hosts(DISCOVERED, EDGE_2),
    context(system={"mode": "simplex", "type": "All-in-one"}),
    context(hosts=[], addresses=[]),
    {},
    # Values the fast dict reader leaves to the general path: the answers must not change.
    context(hosts=tuple(copy.deepcopy(CONTROLLERS))),
    context(colour=None, mgmt_network=None),
    json.loads(json.dumps(with_hosts(EDGE_2))),
]

REQUESTS: List[Dict[str, Any]] = [
    edge(),
    edge(hostname="edge-2"),
    edge(hostname="controller-0", mgmt_mac="08:00:27:aa:00:01", mgmt_ip="192.168.204.9", bm_type="ipmi"),
    edge(mgmt_mac=DISCOVERED["mgmt_mac"]),
    edge(mgmt_ip="192.168.204.50"),
]


@pytest.mark.parametrize("ctx", CONTEXTS, ids=range(len(CONTEXTS)))
def test_host_add_answers_the_same_for_the_dict_and_the_context(ctx: Dict[str, Any]) -> None:
    shared = Context(ctx)
    for request in REQUESTS:
        for strict in (False, True):
            by_dict = answer(lambda: edgeworker.validate_host_add(request, ctx, strict=strict))
            by_context = answer(lambda: edgeworker.validate_host_add(request, shared, strict=strict))
            assert by_context == by_dict, request


def test_host_update_answers_the_same_for_the_dict_and_the_context() -> None:
    ctx = with_hosts(DISCOVERED, EDGE_2)
    shared = Context(ctx)
    for host, changes in [
        (DISCOVERED, {"hostname": "edge-9", "personality": "edgeworker"}),
        (EDGE_2, {"hostname": "controller-0"}),
        (CONTROLLERS[0], {"personality": "edgeworker"}),
    ]:
        by_dict = answer(lambda: edgeworker.validate_host_update(host, changes, ctx))
        by_context = answer(lambda: edgeworker.validate_host_update(host, changes, shared))
        assert by_context == by_dict


BAD_CONTEXTS: List[Dict[str, Any]] = [
    {"sytem": {}},
    {"system": {"mode": "triplex"}},
    {"mgmt_network": {"dynamic": "yes"}},
    {"mgmt_network": []},
    {"hosts": {}},
    {"hosts": [{"uuid": "u"}]},
    {"hosts": [{"mgmt_mac": None}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "personality": "Edgeworker"}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "colour": "red", "hostname": 5}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "hostname": "a" * 300}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01"}, {"mgmt_mac": "08:00:27:AA:00:01"}]},
    {"hosts": ["x"]},
    {"addresses": [{"name": "a", "address": "10.0.0.256"}]},
    {"addresses": [{"name": "a"}]},
    {"addresses": [{"name": "a", "address": "10.0.0.1"}, {"name": "b", "address": "10.0.0.1"}]},
    # Python types JSON has no word for: TypeError, before any rule.
    {"hosts": [{1: 2}]},
    {"hosts": b"x"},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "hostname": "\ud800"}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "hostname": float("nan")}], "system": {"mode": "x"}},
]


@pytest.mark.parametrize("ctx", BAD_CONTEXTS, ids=range(len(BAD_CONTEXTS)))
def test_errors_are_the_same_for_the_dict_and_the_context(ctx: Dict[str, Any]) -> None:
    by_dict = answer(lambda: edgeworker.validate_host_add(edge(), ctx))
    by_context = answer(lambda: Context(ctx))
    assert by_dict[0] in ("ContextError", "TypeError"), by_dict
    assert by_context == by_dict


def test_known_messages() -> None:
    with pytest.raises(ContextError) as err:
        Context({"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "colour": "red"}]})
    assert (str(err.value), err.value.code) == ("context: hosts[0].colour: unknown field", "context.unknown_field")
    with pytest.raises(ContextError) as err:
        Context({"hosts": [{"hostname": "a"}]})
    assert str(err.value) == "context: hosts[0]: missing field `mgmt_mac`"
    with pytest.raises(TypeError, match=r"^context: expected dict, not list$"):
        Context([])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^context: expected dict or Context, not list$"):
        edgeworker.validate_host_add(edge(), [])  # type: ignore[arg-type]


def test_a_type_error_comes_before_a_context_error() -> None:
    with pytest.raises(TypeError, match="strict"):
        edgeworker.validate_host_add(edge(), {"sytem": {}}, strict=1)  # type: ignore[arg-type]


def test_the_context_is_a_snapshot_and_immutable() -> None:
    ctx = context()
    shared = Context(ctx)
    assert len(shared) == 2
    assert repr(shared) == "Context(hosts=2, addresses=3)"
    ctx["hosts"].append(dict(EDGE_2, hostname="edge-1", mgmt_mac="08:00:27:dd:00:09", uuid="x"))
    assert edgeworker.validate_host_add(edge(), shared)["effect"] == "create"
    with pytest.raises(HostValidationError):
        edgeworker.validate_host_add(edge(), ctx)
    with pytest.raises((AttributeError, TypeError)):
        shared.hosts = []  # type: ignore[attr-defined]


def test_threads_share_one_context() -> None:
    edges = [
        dict(EDGE_2, hostname=f"edge-{i}", mgmt_mac="02:00:00:00:%02x:%02x" % (i >> 8, i & 255), uuid=f"u-{i}")
        for i in range(500)
    ]
    shared = Context(with_hosts(*edges))
    requests = [edge(hostname=f"edge-{i}", mgmt_mac="02:00:00:01:%02x:%02x" % (i >> 8, i & 255)) for i in range(0, 1000, 3)]
    expected = [answer(lambda: edgeworker.validate_host_add(r, shared)) for r in requests]
    assert {e[0] for e in expected} == {"ok", "rejected"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda r: answer(lambda: edgeworker.validate_host_add(r, shared)), requests))
    assert got == expected
