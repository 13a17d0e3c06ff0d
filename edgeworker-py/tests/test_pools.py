"""AddressPool: IPv4 and IPv6, both orders, exhaustion, static reservations, exact free
counts for pools beyond 2**64, and the errors with their codes, statuses and messages."""

from __future__ import annotations

import ipaddress
import pickle

import pytest

import edgeworker
from edgeworker import AddressPool, AddressPoolError, EdgeworkerError, PoolExhaustedError

ROWS = [("controller-mgmt", "192.168.204.2"), ("controller-0-mgmt", "192.168.204.3"), ("controller-1-mgmt", "192.168.204.4")]


def management(**kwargs) -> AddressPool:
    return AddressPool("management", "192.168.204.0/24", **kwargs)


def test_sequential_allocation_takes_the_lowest_free_address():
    pool = management(order="sequential", rows=ROWS)
    assert pool.allocate("edge-1-mgmt") == "192.168.204.1"
    assert pool.allocate("edge-2-mgmt") == "192.168.204.5"
    # Configuring a host again keeps its address.
    assert pool.allocate("edge-1-mgmt") == "192.168.204.1"
    assert pool.address_of("edge-2-mgmt") == "192.168.204.5"
    assert pool.free_count() == 254 - 5


def test_the_default_range_and_explicit_ranges():
    assert management().free_count() == 254
    pool = management(ranges=[("192.168.204.10", "192.168.204.11"), ["192.168.204.20", "192.168.204.20"]], order="sequential")
    assert [pool.allocate(f"h{i}-mgmt") for i in range(3)] == ["192.168.204.10", "192.168.204.11", "192.168.204.20"]
    assert pool.free_count() == 0


def test_random_allocation_is_reproducible_with_a_seed_and_stays_in_the_ranges():
    draws = []
    for _ in range(2):
        pool = management(rows=ROWS)
        draws.append([pool.allocate(f"edge-{i}-mgmt", seed=i) for i in range(50)])
    assert draws[0] == draws[1]
    assert len(set(draws[0])) == 50
    assert all(ipaddress.ip_address(a) in ipaddress.ip_network("192.168.204.0/24") for a in draws[0])
    assert not set(draws[0]) & {a for _, a in ROWS}
    # Without a seed the pool draws from its own generator; the order argument overrides.
    pool = management(rows=ROWS)
    assert pool.allocate("x-mgmt", order="sequential") == "192.168.204.1"
    assert pool.allocate("y-mgmt") not in {"192.168.204.1", "192.168.204.2", "192.168.204.3", "192.168.204.4"}


def test_exhaustion_is_a_409_with_sysinv_text():
    pool = AddressPool("tiny", "10.0.0.0/30")
    pool.allocate("a-mgmt")
    pool.allocate("b-mgmt")
    with pytest.raises(PoolExhaustedError) as info:
        pool.allocate("c-mgmt")
    err = info.value
    assert isinstance(err, AddressPoolError) and isinstance(err, ValueError)
    assert (err.code, err.status, str(err)) == ("pool.exhausted", 409, "Address pool tiny has no available addresses")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is PoolExhaustedError and (again.code, again.status, str(again)) == (err.code, err.status, str(err))
    # A release frees an address again.
    assert pool.release("a-mgmt") in ("10.0.0.1", "10.0.0.2")
    assert pool.allocate("c-mgmt")


@pytest.mark.parametrize(
    "name,address,code,status,message",
    [
        ("edge-2-mgmt", "192.168.204.3", "mgmt_ip.allocated", 409, "Address 192.168.204.3 is already allocated"),
        ("controller-0-mgmt", "192.168.204.9", "mgmt_ip.name_allocated", 409, "Address controller-0-mgmt is already allocated"),
        ("edge-2-mgmt", "10.9.9.9", "mgmt_ip.out_of_pool", 400, "IP address 10.9.9.9 is not within address pool ranges"),
        ("edge 2", "192.168.204.9", "address.invalid_name", 400, None),
        ("edge-2-mgmt", "192.168.204.999", "address.invalid", 400, 'address: "192.168.204.999" is not an IP address'),
    ],
)
def test_reserve_refusals(name, address, code, status, message):
    pool = management(rows=ROWS)
    with pytest.raises(AddressPoolError) as info:
        pool.reserve(name, address)
    assert type(info.value) is AddressPoolError
    assert (info.value.code, info.value.status) == (code, status)
    if message:
        assert str(info.value) == message
    assert pool.rows() == ROWS  # nothing half-done
    again = pickle.loads(pickle.dumps(info.value))
    assert (again.code, again.status, str(again)) == (code, status, str(info.value))


def test_reserve_release_rows_and_membership():
    pool = management(rows=dict(ROWS))
    pool.reserve("edge-7-mgmt", "192.168.204.77")
    pool.reserve("edge-7-mgmt", "192.168.204.77")  # the same row again: nothing changes
    assert pool.rows() == ROWS + [("edge-7-mgmt", "192.168.204.77")]
    assert len(pool) == 4
    assert "192.168.204.77" in pool
    assert "192.168.204.78" not in pool
    assert "not an address" not in pool
    assert "fd00::1" not in pool
    assert pool.release("edge-7-mgmt") == "192.168.204.77"
    assert pool.release("edge-7-mgmt") is None
    assert pool.address_of("edge-7-mgmt") is None
    assert "192.168.204.77" not in pool
    assert (pool.name, pool.network) == ("management", "192.168.204.0/24")
    assert repr(pool) == 'AddressPool("management", "192.168.204.0/24", order="random", rows=3, free=251)'


def test_ipv6_pools_count_exactly_beyond_64_bits():
    pool = AddressPool("management", "fd00::/64", order="sequential")
    assert pool.free_count() == 2**64 - 1
    assert pool.allocate("edge-1-mgmt") == "fd00::1"
    assert pool.free_count() == 2**64 - 2
    assert pool.allocate("edge-2-mgmt", order="random", seed=3) in pool
    huge = AddressPool("huge", "fd00::/8")
    assert huge.free_count() == 2**120 - 1
    assert isinstance(huge.free_count(), int)
    assert ipaddress.ip_address(huge.allocate("a-mgmt", seed=1)) in ipaddress.ip_network("fd00::/8")


def test_ipv6_rows_and_reservations():
    pool = AddressPool("m6", "fd00:204::/120", rows=[("controller-mgmt", "fd00:204::2")])
    pool.reserve("edge-1-mgmt", "fd00:204::50")
    assert pool.rows() == [("controller-mgmt", "fd00:204::2"), ("edge-1-mgmt", "fd00:204::50")]
    with pytest.raises(AddressPoolError) as info:
        pool.reserve("edge-2-mgmt", "192.168.204.9")
    assert info.value.code == "mgmt_ip.out_of_pool"


@pytest.mark.parametrize(
    "args,kwargs,code",
    [
        (("m", "192.168.204.0/33"), {}, "pool.invalid_network"),
        (("m", "192.168.204.5/24"), {}, "pool.host_bits_set"),
        (("m", "192.168.204.0/31"), {}, "pool.network_too_small"),
        (("m", "192.168.204.0/24"), {"order": "fifo"}, "pool.invalid_order"),
        (("m", "192.168.204.0/24"), {"ranges": [("192.168.204.9", "192.168.204.2")]}, "pool.range_reversed"),
        (("m", "192.168.204.0/24"), {"ranges": [("192.168.204.2", "192.168.205.2")]}, "pool.range_outside_network"),
        (("m", "192.168.204.0/24"), {"ranges": [("192.168.204.2", "192.168.204.9"), ("192.168.204.5", "192.168.204.20")]},
         "pool.range_overlap"),
        (("m", "192.168.204.0/24"), {"ranges": []}, "pool.no_ranges"),
        # sysinv address_pool.py _check_valid_range
        (("m", "192.168.204.0/24"), {"ranges": [("192.168.204.0", "192.168.204.9")]}, "pool.range_includes_network"),
        (("m", "192.168.204.0/24"), {"ranges": [("192.168.204.9", "192.168.204.255")]}, "pool.range_includes_broadcast"),
        (("m", "192.168.204.0/24"), {"ranges": [("x", "192.168.204.9")]}, "pool.invalid_address"),
        (("m", "192.168.204.0/24"), {"ranges": [("fd00::1", "fd00::2")]}, "pool.mixed_family"),
        (("", "192.168.204.0/24"), {}, "pool.invalid_name"),
        (("m", "192.168.204.0/24"), {"rows": [("a-mgmt", "192.168.204.2"), ("b-mgmt", "192.168.204.2")]}, "mgmt_ip.allocated"),
        (("m", "192.168.204.0/24"), {"rows": [("a-mgmt", "192.168.204.2"), ("a-mgmt", "192.168.204.3")]}, "mgmt_ip.name_allocated"),
        (("m", "192.168.204.0/24"), {"rows": [("a-mgmt", "fd00::1")]}, "mgmt_ip.out_of_pool"),
        (("m", "192.168.204.0/24"), {"rows": [("a-mgmt", "nowhere")]}, "address.invalid"),
    ],
)
def test_invalid_pools_and_rows_are_address_pool_errors(args, kwargs, code):
    with pytest.raises(AddressPoolError) as info:
        AddressPool(*args, **kwargs)
    assert info.value.code == code
    assert info.value.status in (400, 409)
    assert str(info.value)


def test_sysinv_check_valid_range_messages_and_status():
    """sysinv address_pool.py _check_valid_range: its messages, and its 409."""
    for ranges, message in [
        ([("192.168.204.0", "192.168.204.9")], "Address pool range cannot include network address"),
        ([("192.168.204.9", "192.168.204.255")], "Address pool range cannot include broadcast address"),
    ]:
        with pytest.raises(AddressPoolError) as info:
            AddressPool("m", "192.168.204.0/24", ranges=ranges)
        assert str(info.value) == message
        assert info.value.status == 409


def test_pool_messages_are_the_cores():
    with pytest.raises(AddressPoolError) as info:
        management(order="fifo")
    assert str(info.value) == "Address pool allocation order fifo is not valid"
    with pytest.raises(AddressPoolError) as info:
        management().allocate("x-mgmt", order="fifo")
    assert info.value.code == "pool.invalid_order"


@pytest.mark.parametrize(
    "call,fragments",
    [
        (lambda: AddressPool(1, "10.0.0.0/24"), ["name", "expected str, not int"]),
        (lambda: AddressPool("m", None), ["network", "expected str, not NoneType"]),
        (lambda: AddressPool("m", "10.0.0.0/24", ranges="10.0.0.1-10.0.0.9"), ["ranges"]),
        (lambda: AddressPool("m", "10.0.0.0/24", ranges=[("10.0.0.1",)]), ["ranges"]),
        (lambda: AddressPool("m", "10.0.0.0/24", order=3), ["order", "expected str"]),
        (lambda: AddressPool("m", "10.0.0.0/24", rows=[("a-mgmt",)]), ["rows[0]", "pair"]),
        (lambda: AddressPool("m", "10.0.0.0/24", rows="a-mgmt"), ["rows", "expected a list"]),
        (lambda: AddressPool("m", "10.0.0.0/24", rows=[("a-mgmt", 5)]), ["rows[0]", "expected str, not int"]),
        (lambda: management().allocate(b"x-mgmt"), ["name", "bytes"]),
        (lambda: management().allocate("x-mgmt", seed=-1), ["seed", "2**64"]),
        (lambda: management().allocate("x-mgmt", seed=2**64), ["seed", "2**64"]),
        (lambda: management().allocate("x-mgmt", seed=1.5), ["seed", "expected int, not float"]),
        (lambda: management().allocate("x-mgmt", seed=True), ["seed", "expected int, not bool"]),
        (lambda: management().allocate("x-mgmt", 1), []),  # order and seed are keyword-only
        (lambda: management().reserve("x-mgmt", 3232287746), ["address", "expected str, not int"]),
        (lambda: management().release(None), ["name", "NoneType"]),
        (lambda: management().address_of(["x"]), ["name", "list"]),
        (lambda: 3232287746 in management(), ["address", "expected str, not int"]),
    ],
)
def test_wrong_argument_types_name_the_argument(call, fragments):
    with pytest.raises(TypeError) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_hostile_names_are_refused_not_crashed():
    pool = management()
    for name in ("", "a" * 100_000, "edge\n1-mgmt", "edge,1-mgmt", "edge-\u00e9-mgmt"):
        with pytest.raises(AddressPoolError) as info:
            pool.allocate(name)
        assert info.value.code == "address.invalid_name"
    with pytest.raises(TypeError):
        pool.allocate("edge-\ud800")
    assert pool.free_count() == 254


def test_errors_share_the_root():
    assert issubclass(AddressPoolError, EdgeworkerError)
    assert edgeworker.PoolExhaustedError is PoolExhaustedError


def test_stx10_rows_are_matched_by_name_and_family_fcebab8ef():
    """RULES §7 (sysinv fcebab8ef, dual-stack): sysinv's rows of both families go in; each
    pool keeps its family's. Classic refuses a row of the other family."""
    rows = [("controller-mgmt", "192.168.204.2"), ("controller-mgmt", "fd00:204::2"), ("edge-1-mgmt", "fd00:204::9")]
    v4 = AddressPool("management", "192.168.204.0/24", order="sequential", rows=rows, profile="stx10")
    assert v4.rows() == [("controller-mgmt", "192.168.204.2")]
    v6 = AddressPool("management-ipv6", "fd00:204::/64", order="sequential", rows=rows, profile="stx10")
    assert v6.rows() == [("controller-mgmt", "fd00:204::2"), ("edge-1-mgmt", "fd00:204::9")]
    assert v4.allocate("edge-1-mgmt") == "192.168.204.1"
    with pytest.raises(edgeworker.AddressPoolError) as info:
        AddressPool("management", "192.168.204.0/24", rows=rows)
    assert info.value.code == "mgmt_ip.out_of_pool"
    with pytest.raises(edgeworker.UnknownNameError):
        AddressPool("management", "192.168.204.0/24", profile="stx9")
