"""Exceptions raised by :mod:`edgeworker`.

They are plain Python classes (the compiled module raises them) so that they pickle with
their attributes and sysinv can catch them like any other ``ValueError``. Every one has a
``code``: the stable code of the core (``pool.exhausted``, ``context.invalid``, ...); none is
made up in the binding.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, List, Optional, Sequence, Tuple

Violation = Dict[str, Any]

# The default of a constructor argument that has none.
_REQUIRED: Any = object()


class EdgeworkerError(ValueError):
    """The root of every error this package raises on bad input or a broken rule.

    ``EdgeworkerError(message, code, ...)``: ``str(e)`` is ``message``, ``code`` the core's
    stable code. A subclass lists the attributes after the message in ``_attributes``
    (name and default); they are set from the constructor's arguments, positional or by
    name, and travel in ``args``, so an exception pickles (sysinv's RPC and multiprocessing
    do) and compares with its attributes.
    """

    _attributes: ClassVar[Tuple[Tuple[str, Any], ...]] = (("code", _REQUIRED),)
    code: str

    def __init__(self, message: str, *values: Any, **named: Any) -> None:
        cls = type(self).__name__
        if len(values) > len(self._attributes):
            raise TypeError(f"{cls}: takes at most {len(self._attributes) + 1} arguments, got {len(values) + 1}")
        bound: List[Any] = []
        for i, (name, default) in enumerate(self._attributes):
            if i < len(values):
                if name in named:
                    raise TypeError(f"{cls}: {name} given twice")
                value = values[i]
            else:
                value = named.pop(name, default)
            if value is _REQUIRED:
                raise TypeError(f"{cls}: missing argument {name}")
            setattr(self, name, value)
            bound.append(value)
        if named:
            raise TypeError(f"{cls}: unexpected argument {sorted(named)[0]}")
        super().__init__(message, *bound)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class HostValidationError(EdgeworkerError):
    """A host-add or host-update request breaks one or more rules.

    ``errors`` lists every violation in sysinv's order, each a dict with ``code``, ``field``,
    ``message`` and ``status``; ``str(e)`` is the first message, the exact text sysinv answers,
    so a caller can ``raise ClientSideError(str(e), status_code=e.status)`` unchanged.
    ``code`` and ``status`` are the first violation's; ``warnings`` the concerns that did not
    fail the request.
    """

    def __init__(self, errors: Sequence[Violation], warnings: Sequence[Violation] = ()) -> None:
        # Built from the violations, not from a message: the one constructor that differs.
        self.errors: List[Violation] = list(errors)
        self.warnings: List[Violation] = list(warnings)
        if not self.errors:
            raise TypeError("HostValidationError: errors must hold at least one violation")
        self.code = str(self.errors[0]["code"])
        ValueError.__init__(self, self.errors, self.warnings)

    def __str__(self) -> str:
        return str(self.errors[0]["message"])

    @property
    def status(self) -> int:
        """The HTTP status sysinv would answer for the first violation (400 or 409)."""
        return int(self.errors[0]["status"])


class OperationNotSupportedError(EdgeworkerError):
    """The operation is not available for the host's personality; the message is sysinv's.

    ``OperationNotSupportedError(message, code, status=400)``; ``code`` is
    ``operation.not_supported`` or ``operation.not_yet_supported``.
    """

    _attributes = (("code", _REQUIRED), ("status", 400))
    status: int


class UnknownNameError(EdgeworkerError):
    """A personality, operation or profile name that is not one (``supports``,
    ``check_operation``).

    ``UnknownNameError(message, code, argument)``: ``code`` is ``personality.invalid``,
    ``operation.unknown`` or ``profile.unknown``, ``argument`` the argument's name; the
    message names both the argument and the value, such as ``operation "host_upgrade": not a host operation``.
    """

    _attributes = (("code", _REQUIRED), ("argument", None))
    argument: Optional[str]


class ContextError(EdgeworkerError):
    """A context (or a stored host) that is well typed Python but not one the core can use.

    ``ContextError(message, code)``; ``code`` is the core's (``context.invalid``,
    ``context.unknown_field``, ``context.duplicate``); the message names the argument and the
    path inside it, such as ``context: hosts[3].mgmt_mac: ...``.
    """


class InputTooDeepError(EdgeworkerError):
    """An argument whose dicts and lists nest deeper than 128 levels (a self-referencing dict
    among them): more than the core reads, from Python as from the CLI's JSON text.

    ``InputTooDeepError(message, code)``; ``code`` is ``input.too_deep``; the message names
    the argument and the path to the first dict or list too deep, then
    ``nested too deeply (limit 128)``.
    """


class AddressPoolError(EdgeworkerError):
    """An address pool is invalid, or an allocation, reservation or release broke a rule.

    ``AddressPoolError(message, code, status=400)``: ``pool.*`` for the pool itself,
    ``mgmt_ip.*`` and ``address.*`` for a row, ``status`` 409 for a conflict.
    """

    _attributes = (("code", _REQUIRED), ("status", 400))
    status: int


class PoolExhaustedError(AddressPoolError):
    """The pool has no free address left (``pool.exhausted``, status 409)."""


class DhcpError(EdgeworkerError):
    """Address rows or MAC addresses that cannot be written to dnsmasq's files safely.

    ``DhcpError(message, code)``; ``code`` is ``dhcp.invalid_name``, ``dhcp.invalid_host``,
    ``dhcp.invalid_mac`` or ``dhcp.duplicate_host`` (refused, never escaped), or
    ``dhcp.no_controller_row`` (no controller row for the additional-hosts file).
    """


class DhcpWarning(UserWarning):
    """A host name left out of a dnsmasq hosts-file line because dnsmasq would read it as
    something else (``3600``, ``12h``, ``ignore``, an IPv4 address); the reservation by MAC
    stays. Issued with ``warnings.warn``; the rendered lines are still returned."""

    code = "dhcp.name_omitted"


class NoReservationWarning(DhcpWarning):
    """A node the release profile gives no DHCP reservation (``profile="stx10"``, sysinv
    ``afa45530c``): its management address must be configured statically on the node.
    Issued with ``warnings.warn`` by ``dnsmasq_hosts``; the rendered lines are still
    returned."""

    code = "dhcp.no_reservation"


class PlanError(EdgeworkerError):
    """A provisioning input is invalid, or the plan could not be written.

    ``PlanError(message, code, node=None, field=None)``: ``node`` and ``field`` say where
    (``None`` when the problem is not one node's or one field's).
    """

    _attributes = (("code", _REQUIRED), ("node", None), ("field", None))
    node: Optional[str]
    field: Optional[str]


__all__ = [
    "AddressPoolError",
    "ContextError",
    "DhcpError",
    "DhcpWarning",
    "NoReservationWarning",
    "EdgeworkerError",
    "HostValidationError",
    "InputTooDeepError",
    "OperationNotSupportedError",
    "PlanError",
    "PoolExhaustedError",
    "UnknownNameError",
]
