"""The exception hierarchy sysinv relies on: ValueError at the root, verbatim messages,
attributes that survive pickling (sysinv's RPC and multiprocessing pickle exceptions)."""

import pickle

import pytest

import edgeworker
from edgeworker import (
    AddressPoolError,
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
    for cls in (HostValidationError, OperationNotSupportedError, AddressPoolError, PoolExhaustedError, PlanError):
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
    ],
)
def test_errors_pickle_with_their_attributes(err):
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err)
    assert str(again) == str(err)
    assert vars(again) == vars(err)


def test_version_is_the_crate_version():
    assert isinstance(edgeworker.__version__, str) and edgeworker.__version__.count(".") == 2
