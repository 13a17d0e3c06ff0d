"""StarlingX edgeworker hosts for sysinv: validation, management addresses, DHCP, plans.

A thin layer over the Rust crate ``edgeworker-core``; every rule lives there.
"""

from edgeworker._errors import (
    AddressPoolError,
    EdgeworkerError,
    HostValidationError,
    OperationNotSupportedError,
    PlanError,
    PoolExhaustedError,
)
from edgeworker._edgeworker import __version__

__all__ = [
    "AddressPoolError",
    "EdgeworkerError",
    "HostValidationError",
    "OperationNotSupportedError",
    "PlanError",
    "PoolExhaustedError",
    "__version__",
]
