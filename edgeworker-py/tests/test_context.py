"""edgeworker.Context: a context read once. Every function taking a context answers the same
for the dict and for the Context built from it, raises the same errors, and shares one
Context between threads."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Tuple

import pytest

import edgeworker
from edgeworker import Context, ContextError, HostValidationError

from conftest import CONTROLLERS, DISCOVERED, EDGE_2, EDGE_3, ROWS, context, edge, static, with_hosts


def answer(call: Callable[[], Any]) -> Any:
    """What a call gives: its result, or its exception's type, text and attributes."""
    try:
        return ("ok", call())
    except HostValidationError as err:
        return ("rejected", str(err), err.errors, err.warnings)
    except (ContextError, TypeError) as err:
        return (type(err).__name__, str(err), getattr(err, "code", None))


ROWS_PLUS: List[Dict[str, str]] = [
    {"name": "controller-mgmt", "address": "192.168.204.2"},
    {"name": "controller-0-mgmt", "address": "192.168.204.3"},
    {"name": "controller-1-mgmt", "address": "192.168.204.4"},
    {"name": "storage-1-mgmt", "address": "192.168.204.41"},
    {"name": "storage-2-mgmt", "address": "192.168.204.42"},
    {"name": "edge-1-mgmt", "address": "192.168.204.21"},
    {"name": "nfs-mgmt", "address": "192.168.204.22"},
    {"name": "edge-1-cluster-host", "address": "192.168.206.21"},
]

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
    # Storage hosts, a static network with addresses and BMCs, rows of every kind: what a
    # dict is read for depends on the request, and the answer must not.
    static(
        hosts=copy.deepcopy(CONTROLLERS) + [
            dict(EDGE_2, mgmt_ip="192.168.204.20", bm_ip="10.0.0.5"),
            {"hostname": "storage-0", "personality": "storage", "mgmt_mac": "08:00:27:ee:00:01"},
            {"hostname": "storage-2", "personality": "storage", "mgmt_mac": "08:00:27:ee:00:03",
             "mgmt_ip": "192.168.204.42"},
            {"hostname": "worker-1", "personality": "worker", "mgmt_mac": "08:00:27:ee:00:09",
             "mgmt_ip": "192.168.204.30"},
        ],
        addresses=ROWS_PLUS,
    ),
    context(profile="stx10", oam_family=4, hosts=copy.deepcopy(CONTROLLERS) + [dict(EDGE_2, bm_ip="10.0.0.5")],
            addresses=ROWS_PLUS + [{"name": "edge-1-mgmt", "address": "fd00:204::9"}],
            mgmt_network={"dynamic": True, "secondary_pool": {"name": "v6", "network": "fd00:204::/64"}},
            cluster_host_network={"pool": {"name": "cluster-host", "network": "192.168.206.0/24"}}),
    # Controllers, none both unlocked and enabled (check 0).
    context(hosts=[dict(CONTROLLERS[0], administrative="locked"), dict(CONTROLLERS[1], operational="disabled")]),
    # No controller yet: checks 0 to 4 do not apply, and the first controller keeps its name.
    context(hosts=[DISCOVERED], addresses=[]),
]

REQUESTS: List[Dict[str, Any]] = [
    edge(),
    edge(hostname="edge-2"),
    edge(hostname="controller-0", mgmt_mac="08:00:27:aa:00:01", mgmt_ip="192.168.204.9", bm_type="ipmi"),
    edge(mgmt_mac=DISCOVERED["mgmt_mac"]),
    edge(mgmt_ip="192.168.204.50"),
    # Duplicates: host name, MAC (another case, another separator), management and BMC address.
    edge(hostname="edge-2"),
    edge(hostname="worker-1", mgmt_mac="08:00:27:DD:00:02"),
    edge(mgmt_mac="08-00-27-dd-00-02"),
    edge(mgmt_ip="192.168.204.20"),
    edge(mgmt_ip="192.168.204.30", hostname="worker-9"),
    edge(mgmt_ip="192.168.204.21"),
    edge(mgmt_ip="192.168.204.22", hostname="nfs"),
    edge(mgmt_ip="192.168.204.22", hostname="edge-5"),
    edge(bm_type="ipmi", bm_ip="10.0.0.5", bm_username="root"),
    edge(personality="worker", hostname="worker-5", bm_type="ipmi", bm_ip="10.0.0.5", bm_username="root"),
    # The platform's names: a third controller, the next storage host (named or not).
    edge(personality="controller", hostname=None, mgmt_mac="08:00:27:cc:00:01"),
    edge(personality="controller", hostname="controller-1", mgmt_mac="08:00:27:cc:00:02"),
    edge(personality="storage", hostname=None, mgmt_mac="08:00:27:cc:00:03"),
    edge(personality="storage", hostname="storage-1", mgmt_mac="08:00:27:cc:00:04"),
    edge(personality="storage", hostname="storage-3", mgmt_mac="08:00:27:cc:00:05"),
    # A name the platform uses, one with a row of its own, no personality.
    edge(hostname="controller"),
    edge(hostname="nfs"),
    edge(personality=None),
]


@pytest.mark.parametrize("ctx", CONTEXTS, ids=range(len(CONTEXTS)))
def test_host_add_answers_the_same_for_the_dict_and_the_context(ctx: Dict[str, Any]) -> None:
    shared = Context(ctx)
    for request in REQUESTS:
        for strict in (False, True):
            by_dict = answer(lambda: edgeworker.validate_host_add(request, ctx, strict=strict))
            by_context = answer(lambda: edgeworker.validate_host_add(request, shared, strict=strict))
            assert by_context == by_dict, request


@pytest.mark.parametrize("ctx", [with_hosts(DISCOVERED, EDGE_2), with_hosts(DISCOVERED, EDGE_2, dict(
    EDGE_3, bm_ip="10.0.0.5"), addresses=ROWS_PLUS), context(system={"mode": "simplex"}, hosts=[
        CONTROLLERS[0], DISCOVERED])], ids=range(3))
def test_host_update_answers_the_same_for_the_dict_and_the_context(ctx: Dict[str, Any]) -> None:
    shared = Context(ctx)
    for host, changes in [
        (DISCOVERED, {"hostname": "edge-9", "personality": "edgeworker"}),
        (DISCOVERED, {"hostname": "edge-2", "personality": "edgeworker"}),
        (DISCOVERED, {"hostname": "nfs", "personality": "edgeworker"}),
        (DISCOVERED, {"hostname": "edge-1", "personality": "worker"}),
        (EDGE_2, {"hostname": "controller-0"}),
        (EDGE_2, {"bm_type": "ipmi", "bm_ip": "10.0.0.5", "bm_username": "root"}),
        (EDGE_3, {"bm_type": "ipmi", "bm_ip": "10.0.0.5", "bm_username": "root"}),
        (CONTROLLERS[0], {"personality": "edgeworker"}),
        (DISCOVERED, {"mgmt_ip": "192.168.204.9"}),
    ]:
        for strict in (False, True):
            by_dict = answer(lambda: edgeworker.validate_host_update(host, changes, ctx, strict=strict))
            by_context = answer(lambda: edgeworker.validate_host_update(host, changes, shared, strict=strict))
            assert by_context == by_dict, (host, changes)


def test_the_answers_cover_errors_and_warnings() -> None:
    """The comparisons above are not vacuous: among them are the rules a dict is read for."""
    codes = set()
    for ctx in CONTEXTS:
        for request in REQUESTS:
            result = answer(lambda: edgeworker.validate_host_add(request, ctx))
            if result[0] == "rejected":
                codes.update(v["code"] for v in result[2] + result[3])
            elif result[0] == "ok":
                codes.update(w["code"] for w in result[1]["warnings"])
    for code in ("hostname.duplicate", "mgmt_mac.duplicate", "mgmt_ip.duplicate", "bm_ip.duplicate",
                 "personality.controllers_full", "hostname.not_expected", "mgmt_ip.allocated",
                 "hostname.shadows_platform_name", "host.no_unlocked_controller"):
        assert code in codes, code


BAD_ROWS_PLUS: List[Dict[str, str]] = [
    {"name": "controller-mgmt", "address": "192.168.204.2"},
    {"name": "controller-0-mgmt", "address": "192.168.204.3"},
    {"name": "controller-1-mgmt", "address": "192.168.204.4"},
    {"name": "storage-1-mgmt", "address": "192.168.204.41"},
    {"name": "storage-2-mgmt", "address": "192.168.204.42"},
    {"name": "edge-1-mgmt", "address": "192.168.204.21"},
    {"name": "nfs-mgmt", "address": "192.168.204.22"},
    {"name": "edge-1-cluster-host", "address": "192.168.206.21"},
]

BAD_CONTEXTS: List[Dict[str, Any]] = [
    {"sytem": {}},
    {"system": {"mode": "triplex"}},
    {"mgmt_network": {"dynamic": "yes"}},
    {"mgmt_network": []},
    {"hosts": {}},
    {"hosts": [{"uuid": "u"}]},
    {"hosts": [{"mgmt_mac": None}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "colour": "red", "hostname": 5}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "hostname": "a" * 300}]},
    {"hosts": ["x"]},
    # Of every host, the fields that decide whether it matters are read: a bad one of a host
    # the request cannot meet is still an error.
    {"hosts": CONTROLLERS + [{"hostname": "edge-9", "mgmt_mac": "08:00:27:zz:00:09"}]},
    {"hosts": CONTROLLERS + [{"hostname": "edge 9", "mgmt_mac": "08:00:27:aa:00:09"}]},
    {"hosts": CONTROLLERS + [{"hostname": "edge-9"}]},
    # Two hosts the request meets, holding the same key.
    {"hosts": [{"hostname": "edge-1", "mgmt_mac": "08:00:27:aa:00:08"},
               {"hostname": "edge-1", "mgmt_mac": "08:00:27:aa:00:09"}]},
    # Python types JSON has no word for: TypeError, before any rule.
    {"hosts": [{1: 2}]},
    {"hosts": b"x"},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "hostname": "\ud800"}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "hostname": float("nan")}]},
]

# A dict is read for the request: what only a host or row the request cannot meet gets
# wrong is not looked for. `Context(dict)` checks the whole snapshot.
SNAPSHOT_ONLY: List[Dict[str, Any]] = [
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01"}, {"mgmt_mac": "08:00:27:AA:00:01"}]},
    {"hosts": [{"hostname": "edge-8", "mgmt_mac": "08:00:27:aa:00:01"},
               {"hostname": "edge-8", "mgmt_mac": "08:00:27:aa:00:02"}]},
    {"addresses": [{"name": "a", "address": "10.0.0.1"}, {"name": "b", "address": "10.0.0.1"}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "colour": "red"}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "administrative": "Locked", "uuid": 5}]},
    {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "availability": b"x"}]},
]


@pytest.mark.parametrize("ctx", BAD_CONTEXTS, ids=range(len(BAD_CONTEXTS)))
def test_errors_are_the_same_for_the_dict_and_the_context(ctx: Dict[str, Any]) -> None:
    by_dict = answer(lambda: edgeworker.validate_host_add(edge(), ctx))
    by_context = answer(lambda: Context(ctx))
    assert by_dict[0] in ("ContextError", "TypeError"), by_dict
    assert by_context == by_dict


@pytest.mark.parametrize("ctx", SNAPSHOT_ONLY, ids=range(len(SNAPSHOT_ONLY)))
def test_a_dict_is_checked_for_what_the_request_reads(ctx: Dict[str, Any]) -> None:
    assert answer(lambda: Context(ctx))[0] in ("ContextError", "TypeError")
    assert edgeworker.validate_host_add(edge(), ctx)["effect"] == "create"
    # The same host met by the request is read whole, and refused as the snapshot is.
    hosts = ctx.get("hosts")
    if hosts:
        met = edge(mgmt_mac=hosts[-1]["mgmt_mac"], hostname=hosts[-1].get("hostname", "edge-1"))
        assert answer(lambda: edgeworker.validate_host_add(met, ctx))[0] in ("ContextError", "TypeError")


def test_several_problems_in_a_dict_are_still_an_error() -> None:
    """With problems in the top level and in a host, the dict reports one of them (its top
    level first); `Context(dict)` the first in the dict's order."""
    ctx = {"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "hostname": float("nan")}], "system": {"mode": "x"}}
    assert answer(lambda: edgeworker.validate_host_add(edge(), ctx))[0] == "ContextError"
    assert answer(lambda: Context(ctx))[0] == "TypeError"


def test_a_bad_field_of_any_host_names_its_path() -> None:
    hosts = CONTROLLERS + [{"hostname": "edge-9", "mgmt_mac": "08:00:27:aa:00:9"}]
    with pytest.raises(ContextError) as err:
        edgeworker.validate_host_add(edge(), {"hosts": hosts})
    assert str(err.value) == (
        "context: hosts[2].mgmt_mac: a MAC address is six pairs of hex digits separated by ':' or by '-'")
    assert err.value.code == "context.invalid"


# Fields of every host (and row) read only for some requests: a bad one is an error for a
# request that reads it, exactly as for the snapshot, and not looked at by others.
READ_FOR: List[Tuple[Dict[str, Any], Dict[str, Any]]] = [
    ({"addresses": [{"name": "a"}]}, edge(mgmt_ip="192.168.204.9")),
    ({"hosts": [{"mgmt_mac": "08:00:27:aa:00:01", "personality": "Edgeworker"}]}, edge(personality=None)),
    ({"addresses": [{"name": "a", "address": "10.0.0.256"}]}, edge(personality="controller", hostname=None)),
    ({"hosts": CONTROLLERS + [{"mgmt_mac": "08:00:27:aa:00:09", "mgmt_ip": "10.0.0"}]}, edge(mgmt_ip="192.168.204.9")),
    ({"hosts": CONTROLLERS + [{"mgmt_mac": "08:00:27:aa:00:09", "bm_ip": 7}]}, edge(bm_ip="10.0.0.9")),
    ({"hosts": CONTROLLERS + [{"mgmt_mac": "08:00:27:aa:00:09", "personality": "Storage"}]}, edge(personality="storage", hostname=None)),
    ({"addresses": ROWS + [{"name": "edge-9-mgmt", "address": "10.0.0.256"}]}, edge(mgmt_ip="192.168.204.9")),
]


@pytest.mark.parametrize("ctx,request_", READ_FOR, ids=range(len(READ_FOR)))
def test_a_field_read_for_the_request_is_checked_in_every_host(ctx: Dict[str, Any], request_: Dict[str, Any]) -> None:
    by_dict = answer(lambda: edgeworker.validate_host_add(request_, ctx))
    by_context = answer(lambda: Context(ctx))
    assert by_dict[0] == "ContextError", by_dict
    assert by_context == by_dict
    assert edgeworker.validate_host_add(edge(), ctx)["effect"] == "create"


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
