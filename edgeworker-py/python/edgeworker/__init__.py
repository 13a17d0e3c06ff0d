"""StarlingX edgeworker hosts for sysinv: validation, management addresses, DHCP, plans.

A thin layer over the Rust crate ``edgeworker-core``; every rule lives there.
"""

from edgeworker._edgeworker import (
    PERSONALITIES,
    __version__,
    check_operation,
    supports,
    validate_host_add,
    validate_host_update,
)
from edgeworker._errors import (
    AddressPoolError,
    ContextError,
    EdgeworkerError,
    HostValidationError,
    OperationNotSupportedError,
    PlanError,
    PoolExhaustedError,
)

__all__ = [
    "PERSONALITIES",
    "AddressPoolError",
    "ContextError",
    "EdgeworkerError",
    "HostValidationError",
    "OperationNotSupportedError",
    "PlanError",
    "PoolExhaustedError",
    "__version__",
    "check_operation",
    "supports",
    "validate_host_add",
    "validate_host_update",
]
