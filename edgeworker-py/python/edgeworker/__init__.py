"""StarlingX edgeworker hosts for sysinv: validation, management addresses, DHCP, plans.

A thin layer over the Rust crate ``edgeworker-core``; every rule lives there.
"""

from edgeworker._edgeworker import (
    PERSONALITIES,
    AddressPool,
    Context,
    Plan,
    __version__,
    check_operation,
    dnsmasq_addn_hosts,
    dnsmasq_hosts,
    plan,
    skew_check,
    supports,
    validate_host_add,
    validate_host_update,
)
from edgeworker._errors import (
    AddressPoolError,
    ContextError,
    DhcpError,
    EdgeworkerError,
    HostValidationError,
    OperationNotSupportedError,
    PlanError,
    PoolExhaustedError,
)

__all__ = [
    "PERSONALITIES",
    "AddressPool",
    "AddressPoolError",
    "Context",
    "ContextError",
    "DhcpError",
    "EdgeworkerError",
    "HostValidationError",
    "OperationNotSupportedError",
    "Plan",
    "PlanError",
    "PoolExhaustedError",
    "__version__",
    "check_operation",
    "dnsmasq_addn_hosts",
    "dnsmasq_hosts",
    "plan",
    "skew_check",
    "supports",
    "validate_host_add",
    "validate_host_update",
]
