"""Exceptions raised by :mod:`edgeworker`.

They are plain Python classes (the compiled module raises them) so that they pickle with
their attributes and sysinv can catch them like any other ``ValueError``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

Violation = Dict[str, Any]


class EdgeworkerError(ValueError):
    """The root of every error this package raises on bad input or a broken rule."""


class HostValidationError(EdgeworkerError):
    """A host-add or host-update request breaks one or more rules.

    ``errors`` lists every violation in sysinv's order, each a dict with ``code``, ``field``,
    ``message`` and ``status``; ``str(e)`` is the first message, the exact text sysinv answers,
    so a caller can ``raise ClientSideError(str(e))`` unchanged.
    """

    def __init__(self, errors: Sequence[Violation], warnings: Sequence[Violation] = ()) -> None:
        self.errors: List[Violation] = list(errors)
        self.warnings: List[Violation] = list(warnings)
        super().__init__(self.errors, self.warnings)

    def __str__(self) -> str:
        return str(self.errors[0]["message"]) if self.errors else "invalid host"

    @property
    def status(self) -> int:
        """The HTTP status sysinv would answer for the first violation (400 or 409)."""
        return int(self.errors[0]["status"]) if self.errors else 400


class OperationNotSupportedError(EdgeworkerError):
    """The operation is not available for the host's personality; the message is sysinv's."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        self.code = code
        self.status = status
        super().__init__(message, code, status)

    def __str__(self) -> str:
        return str(self.args[0])


class ContextError(EdgeworkerError):
    """A context (or a stored host) that is well typed Python but not one the core can use.

    ``code`` is the core's (``context.invalid``, ``context.unknown_field``,
    ``context.duplicate``); the message names the argument and the path inside it, such as
    ``context: hosts[3].mgmt_mac: ...``.
    """

    def __init__(self, message: str, code: str) -> None:
        self.code = code
        super().__init__(message, code)

    def __str__(self) -> str:
        return str(self.args[0])


class AddressPoolError(EdgeworkerError):
    """An address pool is invalid, or an allocation, reservation or release broke a rule."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        self.code = code
        self.status = status
        super().__init__(message, code, status)

    def __str__(self) -> str:
        return str(self.args[0])


class PoolExhaustedError(AddressPoolError):
    """The pool has no free address left (``pool.exhausted``, status 409)."""


class DhcpError(EdgeworkerError):
    """Address rows or MAC addresses that cannot be written to dnsmasq's files safely
    (``code``: ``dhcp.invalid_name``, ``dhcp.invalid_host``, ``dhcp.invalid_mac``,
    ``dhcp.duplicate_host``), or no controller row for the additional-hosts file
    (``dhcp.no_controller_row``); refused, never escaped."""

    def __init__(self, message: str, code: str) -> None:
        self.code = code
        super().__init__(message, code)

    def __str__(self) -> str:
        return str(self.args[0])


class DhcpWarning(UserWarning):
    """A host name left out of a dnsmasq hosts-file line because dnsmasq would read it as
    something else (``3600``, ``12h``, ``ignore``, an IPv4 address); the reservation by MAC
    stays. Issued with ``warnings.warn``; the rendered lines are still returned."""

    code = "dhcp.name_omitted"


class PlanError(EdgeworkerError):
    """A provisioning input is invalid; ``node`` and ``field`` say where."""

    def __init__(
        self, message: str, code: str, node: Optional[str] = None, field: Optional[str] = None
    ) -> None:
        self.code = code
        self.node = node
        self.field = field
        super().__init__(message, code, node, field)

    def __str__(self) -> str:
        return str(self.args[0])


__all__ = [
    "AddressPoolError",
    "ContextError",
    "DhcpError",
    "DhcpWarning",
    "EdgeworkerError",
    "HostValidationError",
    "OperationNotSupportedError",
    "PlanError",
    "PoolExhaustedError",
]
