"""Host-add, host-update and the operation gate from Python: every violation code the core
has that Python can reach, with sysinv's exact message, and the same answers as the CLI."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Tuple

import pytest

import edgeworker
from edgeworker import ContextError, EdgeworkerError, HostValidationError, OperationNotSupportedError, UnknownNameError

from conftest import DISCOVERED, EDGE_2, EDGE_3, ROOT, context, edge, static, with_hosts

V = Tuple[str, Optional[str], str, int]


def v(code: str, field: Optional[str], message: str, status: int = 400) -> Dict[str, Any]:
    return {"code": code, "field": field, "message": message, "status": status}


# (id, request, context, strict, the first error)
ADD_CASES: List[Tuple[str, Dict[str, Any], Dict[str, Any], bool, Dict[str, Any]]] = [
    # sysinv host.py _block_add_host_semantic_checks
    ("no unlocked-enabled controller", edge(personality=None),
     context(hosts=[{"hostname": "controller-0", "personality": "controller", "mgmt_mac": "08:00:27:aa:00:01",
                     "administrative": "locked", "operational": "disabled"}]), False,
     v("host.no_unlocked_controller", None,
       "Provisioning request for new host '08:00:27:bb:00:01' is not permitted while there is no "
       "unlocked-enabled controller. Unlock controller-0, wait for it to enable and then retry.")),
    # sysinv host.py _semantic_check_vsc_controllers
    ("vsc_controllers on an edgeworker", edge(vsc_controllers="10.0.0.1,10.0.0.2"), context(), False,
     v("vsc_controllers.not_applicable", "vsc_controllers", "The vsc_controllers property is not applicable to this host.")),
    ("vsc_controllers not two", edge(personality="worker", vsc_controllers="10.0.0.1"),
     context(system={"mode": "duplex", "type": "Standard", "vswitch_type": "nuage_vrs"}), False,
     v("vsc_controllers.invalid", "vsc_controllers",
       "Rejected: two VSC controllers (active and standby) must be specified (comma separated).")),
    ("simplex", edge(), context(system={"mode": "simplex", "type": "All-in-one"}), False,
     v("system.simplex", None, "Host-add Rejected: Adding a host on a simplex system is not allowed.")),
    ("mgmt_ip with dynamic", edge(mgmt_ip="192.168.204.50"), context(), False,
     v("mgmt_ip.not_allowed", "mgmt_ip",
       "Host-add Rejected: Cannot specify a mgmt_ip when dynamic address allocation is configured")),
    ("no mgmt_ip with static", edge(), static(), False,
     v("mgmt_ip.required", "mgmt_ip",
       "Host-add Rejected: Cannot add a worker host without specifying a mgmt_ip when static address allocation is configured.")),
    ("no hostname", edge(hostname=None), context(), False,
     v("hostname.missing", "hostname", "Host-add Rejected. Must provide a hostname for a node of personality edgeworker")),
    ("bad hostname chars", edge(hostname="edge 1"), context(), False,
     v("hostname.invalid_chars", "hostname", "Name may only contain letters, numbers, underscores, periods and hyphens.")),
    ("trailing newline", edge(hostname="edge-1\n"), context(), False,
     v("hostname.invalid_chars", "hostname", "Name may only contain letters, numbers, underscores, periods and hyphens.")),
    ("hostname too long", edge(hostname="a" * 256), context(), False,
     v("hostname.too_long", "hostname", "Name restricted to at most 255 characters.")),
    ("reserved hostname", edge(hostname="storage-9"), context(), False,
     v("hostname.reserved", "hostname", "storage-9 Reject attempt to configure invalid hostname for personality edgeworker.")),
    ("controller name", edge(personality="controller", hostname="controller-2"), context(), False,
     v("hostname.invalid_for_personality", "hostname",
       "Host with personality=controller can only have a hostname from ['controller-0', 'controller-1']")),
    ("no mac", edge(mgmt_mac=None), context(), False,
     v("mgmt_mac.missing", "mgmt_mac", "Host-add Rejected: Must provide MAC Address of the host mgmt interface")),
    ("bad mac", edge(mgmt_mac="08:00:27:bb:00"), context(), False,
     v("mgmt_mac.invalid", "mgmt_mac", "Host-add Rejected: Must provide a valid format of a MAC Address")),
    ("personality case", edge(personality="Edgeworker"), context(), False,
     v("personality.invalid", "personality", "edge-1: Reject attempt to configure with invalid personality=Edgeworker ")),
    ("storage on all-in-one", edge(personality="storage", hostname="storage-0"),
     context(system={"mode": "duplex", "type": "All-in-one"}), False,
     v("personality.incompatible", "personality", "Personality [storage] for host is not compatible with installed software. ")),
    # sysinv host.py _controller_storage_node_setup (the default context has both controllers)
    ("third controller", edge(personality="controller", hostname="controller-1"), context(), False,
     v("personality.controllers_full", "personality",
       "Two controller nodes have already been configured. This host can not be configured as a controller.")),
    ("storage name out of turn", edge(personality="storage", hostname="storage-3"), context(), False,
     v("hostname.not_expected", "hostname",
       "Storage name storage-3 not allowed.  Expected storage-0. Storage nodes can be one of: storage-#.")),
    ("duplicate hostname", edge(hostname="edge-2"), with_hosts(EDGE_2), False,
     v("hostname.duplicate", "hostname", "Host-add Rejected: Hostname already exists")),
    ("duplicate mgmt_ip", edge(mgmt_ip="192.168.204.3"), static(), False,
     v("mgmt_ip.duplicate", "mgmt_ip", "Host-add Rejected: Host with mgmt_ip 192.168.204.3 already exists")),
    ("duplicate mac", edge(mgmt_mac="08:00:27:AA:00:01"), context(), False,
     v("mgmt_mac.duplicate", "mgmt_mac", "Host-add Rejected: Host with mgmt_mac 08:00:27:AA:00:01 already exists")),
    ("bmc on edgeworker", edge(bm_type="ipmi"), context(), False,
     v("bmc.unsupported", "bm_type", "Host-add Rejected: Board management is not supported for personality edgeworker")),
    ("bad bm_type", edge(personality="worker", bm_type="foo"), context(), False,
     v("bm_type.invalid", "bm_type",
       "edge-1: Rejected: 'foo' is not a supported board management type. Must be one of ['none', 'dynamic', 'ipmi', 'redfish']")),
    ("bmc without user", edge(personality="worker", bm_type="ipmi", bm_ip="10.0.0.9"), context(), False,
     v("bm_username.missing", "bm_username", "edge-1: Rejected: Board Management controller username is not configured.")),
    ("bad bm_ip", edge(personality="worker", bm_type="ipmi", bm_ip="ten", bm_username="root"), context(), False,
     v("bm_ip.invalid", "bm_ip", "edge-1: Rejected: Board Management controller IP Address is not valid.")),
    ("duplicate bm_ip", edge(personality="worker", bm_type="ipmi", bm_ip="10.0.0.9", bm_username="root"),
     with_hosts(dict(EDGE_2, personality="worker", subfunctions="worker", bm_ip="10.0.0.9")), False,
     v("bm_ip.duplicate", "bm_ip", "Host-add Rejected: bm_ip 10.0.0.9 already exists")),
    # RULES §7, profile stx10: sysinv master's BMC checks (bbf53dcc5, 89226d45c)
    ("stx10: bm_username too long", edge(personality="worker", bm_type="ipmi", bm_ip="10.0.0.9", bm_username="u" * 17),
     context(profile="stx10", oam_family=4), False,
     v("bm_username.too_long", "bm_username",
       "edge-1: Rejected: Board management controller username is not valid. Cannot be longer than 16 characters.")),
    ("stx10: bm_username whitespace", edge(bm_type="none", bm_username="a user"), context(profile="stx10"), False,
     v("bm_username.whitespace", "bm_username",
       "edge-1: Rejected: Board management controller username is not valid. Whitespace characters are not permitted.")),
    ("stx10: bm_password alone", edge(bm_password="secret"), context(profile="stx10"), False,
     v("bm_password.no_username", "bm_password",
       "edge-1 Rejected: Board management controller password change attempt without corresponding username.")),
    ("stx10: bm_password whitespace", edge(bm_username="root", bm_password="two words"), context(profile="stx10"), False,
     v("bm_password.whitespace", "bm_password",
       "edge-1: Rejected: Board management controller password is not valid. Whitespace characters are not permitted.")),
    ("stx10: no OAM network", edge(personality="worker", bm_type="ipmi", bm_ip="10.0.0.9", bm_username="root"),
     context(profile="stx10"), False,
     v("bm_ip.no_oam_network", "bm_ip", "Rejected: OAM network does not exist.")),
    ("stx10: BMC of the other family", edge(personality="worker", bm_type="ipmi", bm_ip="10.0.0.9", bm_username="root"),
     context(profile="stx10", oam_family=6), False,
     v("bm_ip.wrong_family", "bm_ip",
       "Rejected: Board management controller IP address must be the same version as OAM primary address.")),
    ("not an ip", edge(mgmt_ip="not-an-ip"), static(), False,
     v("mgmt_ip.invalid", "mgmt_ip", "Host-add Rejected: Invalid mgmt_ip 'not-an-ip'")),
    ("ip of a row", edge(mgmt_ip="192.168.204.2"), static(), False,
     v("mgmt_ip.allocated", "mgmt_ip", "Address 192.168.204.2 is already allocated", 409)),
    ("row of the name", edge(mgmt_ip="192.168.204.31"),
     static(addresses=[{"name": "edge-1-mgmt", "address": "192.168.204.30"}]), False,
     v("mgmt_ip.name_allocated", "mgmt_ip", "Address edge-1-mgmt is already allocated", 409)),
    ("outside the pool", edge(mgmt_ip="192.168.205.9"), static(), False,
     v("mgmt_ip.out_of_pool", "mgmt_ip", "IP address 192.168.205.9 is not within address pool ranges")),
    ("bad subfunction", edge(subfunctions="storage"), context(), False,
     v("subfunctions.invalid", "subfunctions", "Host-add Rejected: Invalid subfunction 'storage'")),
    ("unknown field", edge(colour="blue"), context(), False,
     v("request.unknown_field", "colour", "Unknown attribute for argument host: colour")),
    ("wrong json type", edge(hostname=5), context(), False,
     v("request.invalid_type", "hostname", "Field hostname must be a string, not a number")),
    ("strict: not a dns name", edge(hostname="Edge_1"), context(), True,
     v("hostname.not_dns_compatible", "hostname", "")),
    ("strict: dnsmasq would misread", edge(hostname="3600"), context(), True,
     v("hostname.not_dhcp_compatible", "hostname", "")),
    ("strict: platform name", edge(hostname="localhost"), context(), True,
     v("hostname.shadows_platform_name", "hostname", "")),
]

CONTROLLER_0 = context()["hosts"][0]

# (id, stored host, changes, context, the first error)
UPDATE_CASES: List[Tuple[str, Dict[str, Any], Dict[str, Any], Dict[str, Any], Dict[str, Any]]] = [
    ("restricted", CONTROLLER_0, {"mgmt_ip": "192.168.204.9"}, context(),
     v("field.restricted", "mgmt_ip", "Change mgmt_ip contains restricted field")),
    ("provisioned", EDGE_3, {"hostname": "edge-30"}, with_hosts(EDGE_3),
     v("host.provisioned", None,
       "The following fields can not be modified because this host edge-3 has been configured: hostname, personality, subfunctions")),
    ("personality set", EDGE_2, {"personality": "worker"}, with_hosts(EDGE_2),
     v("personality.immutable", "personality",
       "Can not change personality after it has been set. Host edge-2 must be deleted and re-added in order to change the personality.")),
    ("hostname set", EDGE_2, {"hostname": "edge-20"}, with_hosts(EDGE_2),
     v("hostname.immutable", "hostname",
       "The hostname field can not be modified because the hostname edge-2 has already been configured. If changing hostname is required, please delete this host, then readd.")),
    ("subfunctions set", EDGE_2, {"subfunctions": "lowlatency"}, with_hosts(EDGE_2),
     v("subfunctions.immutable", "subfunctions",
       "Can not change subfunctions after it has been set. Host edge-2 must be deleted and re-added in order to change the subfunctions.")),
    ("name without personality", DISCOVERED, {"hostname": "edge-9"}, with_hosts(DISCOVERED),
     v("host.incomplete", None, "Please provision 'hostname' and 'personality'.")),
    ("duplicate name", DISCOVERED, {"hostname": "edge-2", "personality": "edgeworker"}, with_hosts(DISCOVERED, EDGE_2),
     v("hostname.duplicate", "hostname", "Host-add Rejected: Hostname already exists")),
    ("simplex", DISCOVERED, {"hostname": "edge-9", "personality": "edgeworker"},
     with_hosts(DISCOVERED, system={"mode": "simplex", "type": "All-in-one"}),
     v("system.simplex", None, "Host-add Rejected: Adding a host on a simplex system is not allowed.")),
]


def first_error(call: Any) -> Dict[str, Any]:
    with pytest.raises(HostValidationError) as info:
        call()
    err = info.value
    assert err.errors, "a rejection without errors"
    assert str(err) == err.errors[0]["message"]
    return err.errors[0]


@pytest.mark.parametrize("name,request_,ctx,strict,expected", ADD_CASES, ids=[c[0] for c in ADD_CASES])
def test_every_host_add_code(name, request_, ctx, strict, expected):
    got = first_error(lambda: edgeworker.validate_host_add(request_, ctx, strict=strict))
    if expected["message"]:
        assert got == expected
    else:  # our own warning texts: the code, field and status are the contract
        assert {k: got[k] for k in ("code", "field", "status")} == {k: expected[k] for k in ("code", "field", "status")}
        assert got["message"]


@pytest.mark.parametrize("name,host,changes,ctx,expected", UPDATE_CASES, ids=[c[0] for c in UPDATE_CASES])
def test_every_host_update_code(name, host, changes, ctx, expected):
    assert first_error(lambda: edgeworker.validate_host_update(host, changes, ctx)) == expected


def test_every_reachable_core_code_is_covered():
    """The core's code list, read from its source, against the codes this file reaches.
    `request.duplicate_field` cannot be reached: a Python dict has no duplicate keys."""
    source = (ROOT / "edgeworker-core" / "src" / "violation.rs").read_text()
    core = set(re.findall(r'=> "([a-z_]+\.[a-z_]+)"', source))
    assert len(core) > 30, core
    reached = {c[4]["code"] for c in ADD_CASES} | {c[4]["code"] for c in UPDATE_CASES}
    reached |= {"bmc.ignored", "mgmt_ip.ignored", "operation.not_supported", "operation.not_yet_supported"}  # tested below
    assert core - reached == {"request.duplicate_field"}


def test_a_valid_edgeworker_has_the_cli_shape():
    result = edgeworker.validate_host_add(edge(mgmt_mac="08-00-27-BB-00-01", location={"locn": "rack 3"}))
    assert result == {
        "host": {
            "hostname": "edge-1", "personality": "edgeworker", "subfunctions": "edgeworker",
            "mgmt_mac": "08-00-27-bb-00-01", "mgmt_ip": None, "bm_type": "none",
            "bm_ip": None, "bm_username": None, "location": {"locn": "rack 3"},
        },
        "warnings": [],
        "effect": "create",
    }


def test_a_static_address_is_canonical():
    result = edgeworker.validate_host_add(edge(mgmt_ip="192.168.204.40"), static())
    assert result["host"]["mgmt_ip"] == "192.168.204.40"


def test_adding_a_discovered_mac_updates_that_host():
    result = edgeworker.validate_host_add(edge(mgmt_mac="08:00:27:DD:00:01"), with_hosts(DISCOVERED))
    assert result["effect"] == "update_discovered"
    assert result["host"]["uuid"] == "d-1"


def test_ignored_bmc_fields_are_a_warning_and_dropped():
    result = edgeworker.validate_host_add(edge(bm_type="none", bm_ip="10.0.0.9", bm_username="root", bm_password="x"))
    assert [w["code"] for w in result["warnings"]] == ["bmc.ignored"]
    assert result["host"]["bm_ip"] is None and result["host"]["bm_username"] is None
    # Address and user without a type mean sysinv's `dynamic`: refused for an edgeworker.
    with pytest.raises(HostValidationError) as info:
        edgeworker.validate_host_add(edge(bm_ip="10.0.0.9", bm_username="root"))
    assert info.value.errors[0]["code"] == "bmc.unsupported"


def test_hostname_warnings_become_errors_only_when_strict():
    request = edge(hostname="Edge_1")
    lenient = edgeworker.validate_host_add(request)
    assert [w["code"] for w in lenient["warnings"]] == ["hostname.not_dns_compatible"]
    err = first_error(lambda: edgeworker.validate_host_add(request, strict=True))
    assert err == lenient["warnings"][0]


def test_all_errors_come_in_sysinv_order_with_the_warnings():
    with pytest.raises(HostValidationError) as info:
        edgeworker.validate_host_add({"personality": "edgeworker", "bm_ip": "10.0.0.1"})
    assert [e["code"] for e in info.value.errors] == ["hostname.missing", "mgmt_mac.missing"]
    assert [w["code"] for w in info.value.warnings] == ["bmc.ignored"]
    assert info.value.status == 400


def test_an_update_that_sets_the_personality_asks_to_configure():
    result = edgeworker.validate_host_update(
        DISCOVERED, {"hostname": "edge-9", "personality": "edgeworker"}, with_hosts(DISCOVERED)
    )
    assert result["effect"] == "update"
    assert result["configure"] is True
    assert result["host"]["hostname"] == "edge-9"
    assert result["host"]["personality"] == "edgeworker"
    again = edgeworker.validate_host_update(EDGE_2, {"location": {"locn": "x"}}, with_hosts(EDGE_2))
    assert again["configure"] is False


def test_an_update_returns_every_validated_change():
    """RULES §3: the result is the normalized changes, BMC and pass-through fields included
    (a HostRecord alone dropped bm_type, bm_username and the pass-through fields)."""
    result = edgeworker.validate_host_update(
        DISCOVERED,
        {"hostname": "edge-9", "personality": "edgeworker", "subfunctions": "lowlatency",
         "console": "ttyS1,115200", "location": {"locn": "rack 2"}, "ttys_dcd": True,
         "bm_ip": "10.0.0.9", "bm_password": "secret"},
        with_hosts(DISCOVERED),
    )
    # An edgeworker has no board management: bm_type none, the BMC fields dropped (bmc.ignored).
    assert [w["code"] for w in result["warnings"]] == ["bmc.ignored"]
    assert result["changes"] == {
        "hostname": "edge-9", "personality": "edgeworker", "subfunctions": "edgeworker,lowlatency",
        "bm_type": "none", "console": "ttyS1,115200", "location": {"locn": "rack 2"}, "ttys_dcd": True,
    }
    assert "secret" not in repr(result)
    worker = dict(DISCOVERED, hostname="worker-9", personality="worker")
    result = edgeworker.validate_host_update(
        worker, {"bm_type": "ipmi", "bm_ip": "10.0.0.9", "bm_username": "root"}, with_hosts(worker)
    )
    assert result["changes"] == {"bm_type": "ipmi", "bm_ip": "10.0.0.9", "bm_username": "root"}


@pytest.mark.parametrize("name,request_,ctx,strict,expected", ADD_CASES, ids=[c[0] for c in ADD_CASES])
def test_the_cli_answers_the_same(cli, name, request_, ctx, strict, expected):
    flags = ["--strict"] if strict else []
    report = cli.validate(request_, ctx, *flags)
    with pytest.raises(HostValidationError) as info:
        edgeworker.validate_host_add(request_, ctx, strict=strict)
    assert report["valid"] is False
    assert report["errors"] == info.value.errors
    assert report["warnings"] == info.value.warnings


def test_the_cli_accepts_the_same(cli):
    for request, ctx in [(edge(), context()), (edge(bm_ip="10.0.0.9"), context()), (edge(mgmt_ip="192.168.204.40"), static()),
                         (edge(mgmt_mac="08:00:27:dd:00:01"), with_hosts(DISCOVERED)), (edge(hostname="Edge_1"), context())]:
        report = cli.validate(request, ctx)
        ours = edgeworker.validate_host_add(request, ctx)
        assert report == {"valid": True, "errors": [], **ours}


@pytest.mark.parametrize("name,host,changes,ctx,expected", UPDATE_CASES, ids=[c[0] for c in UPDATE_CASES])
def test_the_cli_updates_the_same(cli, name, host, changes, ctx, expected):
    report = cli.validate(changes, ctx, "--update", host["uuid"])
    with pytest.raises(HostValidationError) as info:
        edgeworker.validate_host_update(host, changes, ctx)
    assert (report["errors"], report["warnings"]) == (info.value.errors, info.value.warnings)


# --- personalities and the operation gate ---------------------------------------------

def test_personalities():
    assert edgeworker.PERSONALITIES == ("controller", "worker", "storage", "edgeworker")


@pytest.mark.parametrize(
    "operation,message",
    [
        ("host-upgrade", "host-upgrade rejected: Not supported for EDGEWORKER node."),
        ("host-downgrade", "host-downgrade rejected: Not supported for EDGEWORKER node."),
        ("kube-host-upgrade-kubelet", "This host does not have a kubelet."),
        ("kube-host-upgrade-control-plane", "This host does not have a kubernetes control plane."),
    ],
)
def test_edgeworker_refusals_carry_sysinv_text(operation, message):
    assert edgeworker.supports("edgeworker", operation) is False
    assert edgeworker.supports("worker", operation) is (operation != "kube-host-upgrade-control-plane")
    with pytest.raises(OperationNotSupportedError) as info:
        edgeworker.check_operation("edgeworker", operation)
    assert str(info.value) == message
    assert (info.value.code, info.value.status) == ("operation.not_supported", 400)


def test_stx10_ignores_mgmt_ip_with_a_warning():
    """RULES §7, sysinv 937449c0a: hosts have no mgmt_ip from stx.10.0 on."""
    request = edge(mgmt_ip="192.168.204.50")
    with pytest.raises(HostValidationError) as info:
        edgeworker.validate_host_add(request, context())
    assert info.value.errors[0]["code"] == "mgmt_ip.not_allowed"
    for ctx in (context(profile="stx10"), edgeworker.Context(context(profile="stx10"))):
        result = edgeworker.validate_host_add(request, ctx)
        assert [w["code"] for w in result["warnings"]] == ["mgmt_ip.ignored"]
        assert result["warnings"][0]["field"] == "mgmt_ip"
        assert result["host"]["mgmt_ip"] is None


def test_stx10_accepts_the_host_attributes_of_its_era():
    """sysinv b05dfdbe8, 9ac218170, 6c6e8c192 add; d7ecf4606 removes."""
    assert edgeworker.validate_host_add(edge(sw_version="25.09"), context(profile="stx10"))["effect"] == "create"
    assert first_error(lambda: edgeworker.validate_host_add(edge(sw_version="25.09"), context()))["code"] == (
        "request.unknown_field")
    assert first_error(lambda: edgeworker.validate_host_add(edge(software_load="x"), context(profile="stx10")))[
        "code"] == "request.unknown_field"


@pytest.mark.parametrize("personality", edgeworker.PERSONALITIES)
@pytest.mark.parametrize("operation", ["host-upgrade", "host-downgrade"])
def test_stx10_deprecates_host_upgrade_for_everyone(personality, operation):
    """RULES §7, sysinv c904e3f5c: `This API is deprecated.`, status 400 here."""
    assert edgeworker.supports(personality, operation, profile="stx10") is False
    with pytest.raises(OperationNotSupportedError) as info:
        edgeworker.check_operation(personality, operation, profile="stx10")
    assert (str(info.value), info.value.code, info.value.status) == (
        "This API is deprecated.", "operation.not_supported", 400)
    assert edgeworker.supports(personality, operation, profile="classic") == edgeworker.supports(personality, operation)


def test_an_unknown_profile_is_an_unknown_name_or_a_context_error():
    with pytest.raises(UnknownNameError) as info:
        edgeworker.supports("worker", "lock", profile="stx9")
    assert (info.value.code, info.value.argument) == ("profile.unknown", "profile")
    assert str(info.value) == 'profile "stx9": not a profile: expected classic or stx10'
    with pytest.raises(TypeError):
        edgeworker.check_operation("worker", "lock", profile=10)
    for ctx in ({"profile": "stx9"}, {"oam_family": 5}):
        with pytest.raises(ContextError) as cinfo:
            edgeworker.validate_host_add(edge(), ctx)
        assert cinfo.value.code == "context.invalid"
        assert str(cinfo.value).startswith("context: " + next(iter(ctx))), str(cinfo.value)


def test_later_phase_operations_are_not_yet_supported():
    with pytest.raises(OperationNotSupportedError) as info:
        edgeworker.check_operation("edgeworker", "lock")
    assert info.value.code == "operation.not_yet_supported"
    assert str(info.value)
    assert edgeworker.check_operation("worker", "lock") is None
    assert edgeworker.supports("worker", "lock") is True


@pytest.mark.parametrize(
    "personality,operation,code,message",
    [
        ("Edgeworker", "lock", "personality.invalid",
         'personality "Edgeworker": not one of the personalities controller, worker, storage, edgeworker'),
        ("edgeworker", "host_upgrade", "operation.unknown", 'operation "host_upgrade": not a host operation'),
        ("", "", "personality.invalid",
         'personality "": not one of the personalities controller, worker, storage, edgeworker'),
    ],
)
def test_unknown_names_are_unknown_name_errors_with_the_cores_code(personality, operation, code, message):
    for call in (edgeworker.supports, edgeworker.check_operation):
        with pytest.raises(UnknownNameError) as info:
            call(personality, operation)
        assert isinstance(info.value, EdgeworkerError)
        assert (info.value.code, info.value.argument, str(info.value)) == (code, code.split(".")[0], message)


# --- contexts -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "ctx,code,where",
    [
        ({"hosts": 5}, "context.invalid", "context: hosts: "),
        ({"colour": 1}, "context.unknown_field", "context: colour"),
        ({"hosts": [{"mgmt_mac": "nope"}]}, "context.invalid", "context: hosts[0].mgmt_mac: "),
        ({"mgmt_network": {"pool": {"name": "m", "network": "10.0.0.0/24", "order": "chaotic"}}}, "context.invalid",
         "context: mgmt_network.pool: "),
        # Two hosts with the request's MAC: both matter to it, so the duplicate is seen.
        ({"hosts": [{"mgmt_mac": "08:00:27:bb:00:01"}, {"mgmt_mac": "08:00:27:BB:00:01"}]}, "context.duplicate",
         "context: hosts[1].mgmt_mac: "),
    ],
)
def test_a_context_the_core_refuses_is_a_context_error(ctx, code, where):
    with pytest.raises(ContextError) as info:
        edgeworker.validate_host_add(edge(), ctx)
    assert info.value.code == code
    assert str(info.value).startswith(where), str(info.value)


def test_a_stored_host_that_is_no_host_record_is_a_context_error():
    with pytest.raises(ContextError) as info:
        edgeworker.validate_host_update({"hostname": "edge-2"}, {}, None)
    assert info.value.code == "context.invalid"
    assert str(info.value).startswith("host: "), str(info.value)


def test_none_context_is_the_empty_system():
    """None, an empty dict and a dict of the empty system's parts are one context: no hosts
    and no rows, so nothing the example's controllers hold is taken, and checks 0-4 (which
    need a controller) do not run."""
    empty = {"system": {"mode": "duplex", "type": "Standard"}, "mgmt_network": {"dynamic": True},
             "hosts": [], "addresses": []}
    taken_mac = edge(mgmt_mac="08:00:27:aa:00:01")  # controller-0's MAC in the example
    for ctx in (None, {}, empty, edgeworker.Context({})):
        assert edgeworker.validate_host_add(taken_mac, ctx) == edgeworker.validate_host_add(taken_mac, empty)
        # With no controller, an absent personality is _validate_hostname's, not check 0's.
        assert first_error(lambda: edgeworker.validate_host_add(edge(personality=None), ctx))["code"] == (
            "personality.invalid")
    assert first_error(lambda: edgeworker.validate_host_add(taken_mac, context()))["code"] == "mgmt_mac.duplicate"


def test_absent_context_keys_are_the_empty_system_s_parts():
    """A dict that gives only the system has no hosts: the example's are not filled in."""
    simplex = {"system": {"mode": "simplex", "type": "All-in-one"}}
    assert len(edgeworker.Context(simplex)) == 0
    # No controller yet: the simplex check (check 4) does not run, as in sysinv.
    assert edgeworker.validate_host_add(edge(), simplex)["effect"] == "create"
    with pytest.raises(HostValidationError) as info:
        edgeworker.validate_host_add(edge(), context(**simplex))
    assert info.value.errors[0]["code"] == "system.simplex"


def test_a_batch_answers_as_the_cli_does_for_json_lines(cli, tmp_path):
    """validate_host_add_batch: each accepted host joins the context (the second add of one
    host is its duplicate), and each report is the CLI's JSON Lines report of that line."""
    requests = [
        edge(),
        edge(),
        edge(hostname="edge-2", mgmt_mac="08:00:27:bb:00:02", colour="blue"),
        edge(hostname="Edge_3", mgmt_mac="08:00:27:bb:00:03"),
    ]
    reports = edgeworker.validate_host_add_batch(requests)
    assert [r["valid"] for r in reports] == [True, False, False, True]
    assert [e["code"] for e in reports[1]["errors"]] == ["hostname.duplicate", "mgmt_mac.duplicate"]
    assert [r["index"] for r in reports] == [0, 1, 2, 3]
    lines = tmp_path / "batch.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in requests))
    import subprocess
    done = subprocess.run([cli.binary, "validate", "--format", "json", str(lines)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr
    # The CLI's reports add their schema version and line number to the binding's.
    cli_reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r.pop("schema") for r in cli_reports] == [1] * len(requests)
    assert [r.pop("line") for r in cli_reports] == [1, 2, 3, 4]
    assert cli_reports == reports
    # strict and a reused Context as for validate_host_add.
    strict = edgeworker.validate_host_add_batch(requests[3:], edgeworker.Context(context()), strict=True)
    assert strict[0]["valid"] is False and strict[0]["errors"][0]["code"] == "hostname.not_dns_compatible"
    with pytest.raises(TypeError):
        edgeworker.validate_host_add_batch([edge(), "nope"])


def test_stx10_context_rows_are_matched_by_name_and_family():
    """RULES §7 (sysinv fcebab8ef): a dual-stack host has one row per family, one name."""
    rows = context()["addresses"] + [{"name": "controller-mgmt", "address": "fd00:204::2"}]
    for ctx in (context(profile="stx10", addresses=rows), edgeworker.Context(context(profile="stx10", addresses=rows))):
        assert edgeworker.validate_host_add(edge(), ctx)["effect"] == "create"
    # Classic matches rows by name: the whole snapshot is refused, and so is a dict whose
    # duplicate rows matter to the request (the floating `controller` address's name).
    for refused in (lambda: edgeworker.Context(context(addresses=rows)),
                    lambda: edgeworker.validate_host_add(edge(hostname="controller"), context(addresses=rows))):
        with pytest.raises(ContextError) as info:
            refused()
        assert info.value.code == "context.duplicate"
