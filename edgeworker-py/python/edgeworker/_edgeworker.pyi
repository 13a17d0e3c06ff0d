"""Type stubs of the compiled module (checked by mypy.stubtest).

Argument conventions, for every function here:

- An argument of the wrong Python type (a list where a dict is required, a dict key that is
  not a ``str``, ``bytes``, NaN, an int beyond 64 bits, nesting deeper than 128 levels)
  raises ``TypeError`` naming the argument and the path inside it
  (``context["hosts"][2]: keys must be str, not int``).
- A well-typed value the core refuses raises an ``EdgeworkerError`` subclass whose message
  and ``code`` are the core's: ``ContextError`` for a context or stored host the core cannot
  read (``context.invalid``, ``context.unknown_field``, ``context.duplicate``),
  ``HostValidationError`` for a request that breaks a rule.
- Nothing raises ``PanicException``.
"""

from typing import Any, Literal, TypedDict

__all__ = [
    "PERSONALITIES",
    "__version__",
    "check_operation",
    "supports",
    "validate_host_add",
    "validate_host_update",
]

__version__: str
PERSONALITIES: tuple[str, ...]
"""``('controller', 'worker', 'storage', 'edgeworker')``."""

class _Violation(TypedDict):
    code: str
    field: str | None
    message: str
    status: int

class _HostAddResult(TypedDict):
    host: dict[str, Any]
    warnings: list[_Violation]
    effect: Literal["create", "update_discovered"]

class _HostUpdateResult(TypedDict):
    host: dict[str, Any]
    warnings: list[_Violation]
    effect: Literal["update"]
    configure: bool

def supports(personality: str, operation: str) -> bool:
    """Whether a host of ``personality`` may undergo ``operation`` now.

    ``operation`` is one of ``host-upgrade``, ``host-downgrade``,
    ``kube-host-upgrade-kubelet``, ``kube-host-upgrade-control-plane``, ``power-on``,
    ``power-off``, ``reset``, ``reinstall``, ``lock``, ``unlock``, ``interface-modify``,
    ``label-assign``. An unknown personality or operation raises ``EdgeworkerError``.
    """

def check_operation(personality: str, operation: str) -> None:
    """Returns if the operation is allowed; else raises ``OperationNotSupportedError`` with
    sysinv's refusal text and code ``operation.not_supported`` or
    ``operation.not_yet_supported``."""

def validate_host_add(
    request: dict[str, Any], context: dict[str, Any] | None = None, *, strict: bool = False
) -> _HostAddResult:
    """Validates a host-add request as sysinv's host API does.

    ``request`` holds sysinv's host-add fields; a field of the wrong JSON type or an unknown
    field is a rule violation (``request.invalid_type``, ``request.unknown_field``), not a
    ``TypeError``. ``context`` is the system, management network, hosts and address rows
    (``None``: a Standard duplex system with two controllers and dynamic
    192.168.204.0/24). ``strict`` turns the hostname warnings into errors.

    Returns ``{"host": {...}, "warnings": [...], "effect": "create" | "update_discovered"}``,
    the shapes of ``edgeworker-cli validate --format json``. Raises
    ``HostValidationError`` (``.errors`` in sysinv's order, ``str(e)`` sysinv's message),
    ``ContextError``, or ``TypeError``.
    """

def validate_host_update(
    host: dict[str, Any],
    changes: dict[str, Any],
    context: dict[str, Any] | None = None,
    *,
    strict: bool = False,
) -> _HostUpdateResult:
    """Validates a host-update change set against the stored ``host`` (a host record, as in
    ``context["hosts"]``).

    Returns ``{"host": {...}, "warnings": [...], "effect": "update", "configure": bool}``:
    the host as it will be stored, and whether the conductor must now configure it (its
    personality is newly set). Raises ``HostValidationError``, ``ContextError`` (also for a
    ``host`` that is not a host record), or ``TypeError``.
    """
