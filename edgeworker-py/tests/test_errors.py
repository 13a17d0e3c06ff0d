"""The exception hierarchy sysinv relies on: ValueError at the root, verbatim messages,
attributes that survive pickling (sysinv's RPC and multiprocessing pickle exceptions)."""

import pickle

import pytest

import edgeworker
from edgeworker import (
    AddressPoolError,
    ContextError,
    DhcpError,
    EdgeworkerError,
    HostValidationError,
    InputTooDeepError,
    OperationNotSupportedError,
    PlanError,
    PoolExhaustedError,
    UnknownNameError,
)

VIOLATION = {
    "code": "hostname.reserved",
    "field": "hostname",
    "message": "controller-0 Reject attempt to configure invalid hostname for personality edgeworker.",
    "status": 400,
}


def test_every_error_is_a_value_error():
    for cls in (HostValidationError, OperationNotSupportedError, AddressPoolError, PoolExhaustedError, PlanError, ContextError,
                UnknownNameError, DhcpError, InputTooDeepError):
        assert issubclass(cls, EdgeworkerError)
    assert issubclass(EdgeworkerError, ValueError)
    assert issubclass(PoolExhaustedError, AddressPoolError)


def test_host_validation_error_str_is_the_first_sysinv_message():
    err = HostValidationError([VIOLATION, dict(VIOLATION, code="x")], [])
    assert str(err) == VIOLATION["message"]
    assert err.status == 400


@pytest.mark.parametrize(
    "err",
    [
        HostValidationError([VIOLATION], [dict(VIOLATION, code="hostname.not_dns_compatible")]),
        OperationNotSupportedError("host-upgrade rejected: Not supported for EDGEWORKER node.", "operation.not_supported"),
        AddressPoolError("Address 10.0.0.2 is already allocated", "address.allocated", 409),
        PoolExhaustedError("Address pool management has no available addresses", "pool.exhausted", 409),
        PlanError("node edge-1: field os: unsupported", "plan.unsupported_os", "edge-1", "os"),
        ContextError("context: hosts[0].mgmt_mac: not a MAC address", "context.invalid"),
        DhcpError("row 1: invalid name", "dhcp.invalid_name"),
        InputTooDeepError('request["location"]: nested too deeply (limit 128)', "input.too_deep"),
        UnknownNameError('operation "x": not a host operation', "operation.unknown", "operation"),
        PlanError("controller: field join: bad", "plan.invalid_field", field="join"),
    ],
)
def test_errors_pickle_with_their_attributes(err):
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err)
    assert str(again) == str(err)
    assert vars(again) == vars(err)


def test_version_is_the_crate_version():
    assert isinstance(edgeworker.__version__, str) and edgeworker.__version__.count(".") == 2


def test_raised_errors_pickle_too():
    """Errors the compiled module raised, not only ones built in Python."""
    with pytest.raises(HostValidationError) as info:
        edgeworker.validate_host_add({"personality": "edgeworker"})
    again = pickle.loads(pickle.dumps(info.value))
    assert (again.errors, again.warnings, str(again)) == (info.value.errors, info.value.warnings, str(info.value))
    with pytest.raises(ContextError) as ctx:
        edgeworker.validate_host_add({}, {"hosts": 1})
    again = pickle.loads(pickle.dumps(ctx.value))
    assert (again.code, str(again)) == (ctx.value.code, str(ctx.value))


def test_attributes_come_from_positional_or_named_arguments_with_defaults():
    err = AddressPoolError("Address 10.0.0.2 is already allocated", code="mgmt_ip.allocated", status=409)
    assert (str(err), err.code, err.status) == ("Address 10.0.0.2 is already allocated", "mgmt_ip.allocated", 409)
    assert AddressPoolError("bad pool", "pool.invalid_network").status == 400
    plan_error = PlanError("nodes[0]: field os: unsupported", "plan.unsupported_os", None, "os")
    assert (plan_error.node, plan_error.field) == (None, "os")
    assert err.args == ("Address 10.0.0.2 is already allocated", "mgmt_ip.allocated", 409)


@pytest.mark.parametrize(
    "build,fragment",
    [
        (lambda: ContextError("context: x"), "missing argument code"),
        (lambda: ContextError("m", "context.invalid", "extra"), "at most 2 arguments"),
        (lambda: ContextError("m", "context.invalid", code="context.invalid"), "code given twice"),
        (lambda: PlanError("m", "plan.x", colour="red"), "unexpected argument colour"),
        (lambda: HostValidationError([]), "at least one violation"),
    ],
)
def test_a_wrongly_built_exception_is_a_type_error_naming_the_problem(build, fragment):
    with pytest.raises(TypeError) as info:
        build()
    assert fragment in str(info.value)


def test_every_raised_error_has_the_cores_code():
    """One attribute for every kind: a caller can log e.code whatever it caught."""
    calls = [
        (lambda: edgeworker.validate_host_add({"personality": "edgeworker"}), "hostname.missing"),
        (lambda: edgeworker.validate_host_add({}, {"hosts": 1}), "context.invalid"),
        (lambda: edgeworker.check_operation("edgeworker", "host-upgrade"), "operation.not_supported"),
        (lambda: edgeworker.supports("edgeworker", "upgrade"), "operation.unknown"),
        (lambda: edgeworker.AddressPool("m", "10.0.0.0/33"), "pool.invalid_network"),
        (lambda: edgeworker.AddressPool("m", "10.0.0.0/24", rows=[("a-mgmt", "10.0.0.999")]), "address.invalid"),
        (lambda: edgeworker.dnsmasq_hosts([("a b-mgmt", "10.0.0.2")], {}), "dhcp.invalid_name"),
        (lambda: edgeworker.dnsmasq_addn_hosts([("a-mgmt", "10.0.0.2")]), "dhcp.no_controller_row"),
        (lambda: edgeworker.skew_check("one", "1.29.0"), "plan.invalid_version"),
    ]
    for call, code in calls:
        with pytest.raises(EdgeworkerError) as info:
            call()
        assert info.value.code == code, (code, info.value)
        again = pickle.loads(pickle.dumps(info.value))
        assert (type(again), again.code, str(again)) == (type(info.value), code, str(info.value))
