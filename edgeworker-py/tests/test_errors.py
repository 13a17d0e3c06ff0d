"""The exception hierarchy sysinv relies on: ValueError at the root, verbatim messages,
attributes that survive pickling (sysinv's RPC and multiprocessing pickle exceptions)."""

import pickle

import pytest

import edgeworker
from edgeworker import (
    AddressPoolError,
    ContextError,
    EdgeworkerError,
    HostValidationError,
    OperationNotSupportedError,
    PlanError,
    PoolExhaustedError,
)

VIOLATION = {
    "code": "hostname.reserved",
    "field": "hostname",
    "message": "controller-0 Reject attempt to configure invalid hostname for personality edgeworker.",
    "status": 400,
}


def test_every_error_is_a_value_error():
    for cls in (HostValidationError, OperationNotSupportedError, AddressPoolError, PoolExhaustedError, PlanError, ContextError):
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
