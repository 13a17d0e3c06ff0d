"""dnsmasq lines: the stx.5.0 formats, IPv6 in brackets, and refusal (never escaping) of
anything that could add an entry to the files."""

from __future__ import annotations

import warnings

import pytest

import edgeworker
from edgeworker import AddressPool, DhcpError, DhcpWarning, EdgeworkerError


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
    # sysinv manager.py _generate_dnsmasq_hosts_file: one pxecontroller line.
    assert edgeworker.dnsmasq_addn_hosts(rows) == ["192.168.204.2 pxecontroller"]


def test_sysinv_generate_dnsmasq_hosts_file_prefers_the_pxeboot_row():
    rows = [("controller-mgmt", "192.168.204.2"), ("controller-pxeboot", "169.254.202.2")]
    assert edgeworker.dnsmasq_addn_hosts(rows) == ["169.254.202.2 pxecontroller"]
    with pytest.raises(DhcpError) as info:
        edgeworker.dnsmasq_addn_hosts([("edge-1-mgmt", "10.0.0.5")])
    assert info.value.code == "dhcp.no_controller_row"


def test_ipv6_addresses_are_bracketed_in_the_hosts_file():
    rows = [("edge-6-mgmt", "fd00::6"), ("gateway", "fd00::1")]
    assert edgeworker.dnsmasq_hosts(rows, {"edge-6": "08:00:27:aa:00:06"}) == ["08:00:27:aa:00:06,edge-6,[fd00::6],1d", "gateway,[fd00::1]"]


def test_empty_rows_give_no_lines():
    assert edgeworker.dnsmasq_hosts([], {}) == []


def test_a_name_dnsmasq_would_misread_is_left_out_with_a_warning():
    rows = [("3600-mgmt", "192.168.204.9"), ("12h-mgmt", "192.168.204.10"), ("edge-1-mgmt", "192.168.204.11")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lines = edgeworker.dnsmasq_hosts(rows, {"3600": "08:00:27:aa:00:01"})
    assert lines == ["08:00:27:aa:00:01,192.168.204.9,1d", "edge-1,192.168.204.11"]
    assert [w.category for w in caught] == [DhcpWarning, DhcpWarning]
    assert str(caught[0].message) == (
        'address row "3600-mgmt": host name "3600" is left out of its DHCP reservation: '
        "dnsmasq would read it as a lease time"
    )
    assert "(no MAC: no line at all)" in str(caught[1].message)
    assert DhcpWarning.code == "dhcp.name_omitted"
    # Warnings turned into errors by the caller surface as the warning class.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DhcpWarning)
        with pytest.raises(DhcpWarning):
            edgeworker.dnsmasq_hosts(rows, {})


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


def test_hosts_refuses_a_newline_with_the_cores_message():
    with pytest.raises(DhcpError) as info:
        edgeworker.dnsmasq_hosts([("edge-1\nevil-mgmt", "10.0.0.5")], {})
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


# --- release profiles (RULES §7) --------------------------------------------------------

STX10_ROWS = [("controller-mgmt", "192.168.204.2"), ("controller-0-mgmt", "192.168.204.3"),
              ("controller-platform-nfs-mgmt", "192.168.204.5"), ("edge-1-mgmt", "192.168.204.77")]


def test_stx10_reserves_no_management_address_afa45530c():
    """sysinv afa45530c: no reservation; the node is named by a NoReservationWarning."""
    macs = {"controller-0": "08:00:27:aa:00:01", "edge-1": "08:00:27:aa:00:09"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert edgeworker.dnsmasq_hosts(STX10_ROWS, macs, profile="stx10") == []
    assert [w.category for w in caught] == [edgeworker.NoReservationWarning]
    assert issubclass(edgeworker.NoReservationWarning, DhcpWarning)
    assert edgeworker.NoReservationWarning.code == "dhcp.no_reservation"
    assert str(caught[0].message) == (
        'host "edge-1": profile stx10 gives its management address 192.168.204.77 no DHCP reservation: '
        "configure it statically on the node")
    assert edgeworker.dnsmasq_hosts(STX10_ROWS, macs, profile="classic") == edgeworker.dnsmasq_hosts(STX10_ROWS, macs)


def test_stx10_addn_hosts_name_every_management_row_afa45530c():
    assert edgeworker.dnsmasq_addn_hosts(STX10_ROWS, profile="stx10") == [
        "192.168.204.2 pxecontroller",
        "192.168.204.2 controller.internal controller registry.local controller-platform-nfs",
        "192.168.204.3 controller-0.internal controller-0",
        "192.168.204.77 edge-1.internal edge-1",
    ]
    assert edgeworker.dnsmasq_addn_hosts(STX10_ROWS, profile="stx10", aio_simplex=True) == [
        "192.168.204.2 pxecontroller",
        "192.168.204.2 controller.internal controller registry.local controller-platform-nfs controller-0.internal",
        "192.168.204.77 edge-1.internal edge-1",
    ]
    assert edgeworker.dnsmasq_addn_hosts(STX10_ROWS, aio_simplex=True) == ["192.168.204.2 pxecontroller"]


def test_an_unknown_dhcp_profile_is_an_unknown_name():
    with pytest.raises(edgeworker.UnknownNameError) as info:
        edgeworker.dnsmasq_addn_hosts(STX10_ROWS, profile="stx9")
    assert info.value.code == "profile.unknown"
    with pytest.raises(TypeError):
        edgeworker.dnsmasq_addn_hosts(STX10_ROWS, aio_simplex=1)
