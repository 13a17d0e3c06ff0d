"""dnsmasq lines: the stx.5.0 formats, IPv6 in brackets, and refusal (never escaping) of
anything that could add an entry to the files."""

from __future__ import annotations

import pytest

import edgeworker
from edgeworker import AddressPool, DhcpError, EdgeworkerError


def test_hosts_and_addn_hosts_from_a_pool():
    pool = AddressPool("management", "192.168.204.0/24", order="sequential",
                       rows=[("controller-mgmt", "192.168.204.2"), ("controller-0-mgmt", "192.168.204.3")])
    pool.allocate("edge-1-mgmt")
    rows = pool.rows()
    assert edgeworker.dnsmasq_hosts(rows, {"edge-1": "08:00:27:AA:00:01", "absent": "08:00:27:aa:00:99"}) == [
        "controller,192.168.204.2",
        "controller-0,192.168.204.3",
        "08:00:27:aa:00:01,edge-1,192.168.204.1,1d",
    ]
    assert edgeworker.dnsmasq_addn_hosts(rows) == [
        "192.168.204.2 controller",
        "192.168.204.3 controller-0",
        "192.168.204.1 edge-1",
    ]


def test_ipv6_addresses_are_bracketed_in_the_hosts_file():
    rows = [("edge-6-mgmt", "fd00::6"), ("gateway", "fd00::1")]
    assert edgeworker.dnsmasq_hosts(rows, {"edge-6": "08:00:27:aa:00:06"}) == ["08:00:27:aa:00:06,edge-6,[fd00::6],1d", "gateway,[fd00::1]"]
    assert edgeworker.dnsmasq_addn_hosts(dict(rows)) == ["fd00::6 edge-6", "fd00::1 gateway"]


def test_empty_rows_give_no_lines():
    assert edgeworker.dnsmasq_hosts([], {}) == []
    assert edgeworker.dnsmasq_addn_hosts(()) == []


@pytest.mark.parametrize(
    "rows,macs,code",
    [
        ([("edge-1\nevil-mgmt", "10.0.0.5")], {}, "dhcp.invalid_name"),
        ([("edge 1-mgmt", "10.0.0.5")], {}, "dhcp.invalid_name"),
        ([("edge-1-mgmt", "10.0.0.5")], {"edge-1": "08:00:27:aa:00:01,evil"}, "dhcp.invalid_mac"),
        ([("edge-1-mgmt", "10.0.0.5")], {"edge,1": "08:00:27:aa:00:01"}, "dhcp.invalid_host"),
    ],
)
def test_injection_is_refused(rows, macs, code):
    with pytest.raises(DhcpError) as info:
        edgeworker.dnsmasq_hosts(rows, macs)
    assert info.value.code == code
    assert isinstance(info.value, EdgeworkerError)


def test_addn_hosts_refuses_a_newline_with_the_cores_message():
    with pytest.raises(DhcpError) as info:
        edgeworker.dnsmasq_addn_hosts([("edge-1\nevil-mgmt", "10.0.0.5")])
    assert str(info.value) == 'address row "edge-1\\nevil-mgmt": host name may only contain letters, numbers, underscores, periods and hyphens'


@pytest.mark.parametrize(
    "call,fragments",
    [
        (lambda: edgeworker.dnsmasq_hosts("edge-1-mgmt", {}), ["rows", "expected a list"]),
        (lambda: edgeworker.dnsmasq_hosts([("edge-1-mgmt", "10.0.0.5")], [("edge-1", "08:00:27:aa:00:01")]), ["macs", "expected dict"]),
        (lambda: edgeworker.dnsmasq_hosts([("edge-1-mgmt", "10.0.0.5")], {"edge-1": 8}), ['macs["edge-1"]', "expected str, not int"]),
        (lambda: edgeworker.dnsmasq_hosts([("edge-1-mgmt", "10.0.0.5")], {1: "x"}), ["macs", "expected str, not int"]),
        (lambda: edgeworker.dnsmasq_addn_hosts([["edge-1-mgmt"]]), ["rows[0]", "pair"]),
        (lambda: edgeworker.dnsmasq_addn_hosts(None), ["rows", "NoneType"]),
    ],
)
def test_wrong_argument_types(call, fragments):
    with pytest.raises(TypeError) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_a_row_address_that_is_no_address():
    with pytest.raises(edgeworker.AddressPoolError) as info:
        edgeworker.dnsmasq_addn_hosts([("edge-1-mgmt", "10.0.0.500")])
    assert info.value.code == "address.invalid"
    assert str(info.value) == 'rows[0]: "10.0.0.500" is not an IP address'
