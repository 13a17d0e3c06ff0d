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

import os
from typing import Any, Literal, Mapping, Sequence, TypedDict, final

__all__ = [
    "PERSONALITIES",
    "AddressPool",
    "Context",
    "Plan",
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

@final
class Context:
    """A host-add context read, checked and indexed once, for any number of calls.

    ``context`` is a dict of the shape every ``context`` argument takes (system, management
    network, hosts, address rows). Pass the ``Context`` wherever a function takes a
    ``context``: it answers exactly as the dict would, without reading the dict again, so a
    call costs the same whatever the number of hosts. The ``Context`` is immutable (a later
    change to the dict does not reach it) and may be shared between threads. An invalid
    context raises what the functions raise for it: ``ContextError`` or ``TypeError``.
    """

    def __new__(cls, context: dict[str, Any]) -> Context: ...
    def __len__(self) -> int:
        """The number of hosts in the context."""

def validate_host_add(
    request: dict[str, Any], context: dict[str, Any] | Context | None = None, *, strict: bool = False
) -> _HostAddResult:
    """Validates a host-add request as sysinv's host API does.

    ``request`` holds sysinv's host-add fields; a field of the wrong JSON type or an unknown
    field is a rule violation (``request.invalid_type``, ``request.unknown_field``), not a
    ``TypeError``. ``context`` is the system, management network, hosts and address rows: a
    dict, read on every call, or a :class:`Context` read once (``None``: a Standard duplex
    system with two controllers and dynamic 192.168.204.0/24). ``strict`` turns the
    hostname warnings into errors.

    Returns ``{"host": {...}, "warnings": [...], "effect": "create" | "update_discovered"}``,
    the shapes of ``edgeworker-cli validate --format json``. Raises
    ``HostValidationError`` (``.errors`` in sysinv's order, ``str(e)`` sysinv's message),
    ``ContextError``, or ``TypeError``.
    """

def validate_host_update(
    host: dict[str, Any],
    changes: dict[str, Any],
    context: dict[str, Any] | Context | None = None,
    *,
    strict: bool = False,
) -> _HostUpdateResult:
    """Validates a host-update change set against the stored ``host`` (a host record, as in
    ``context["hosts"]``); ``context`` as for :func:`validate_host_add`.

    Returns ``{"host": {...}, "warnings": [...], "effect": "update", "configure": bool}``:
    the host as it will be stored, and whether the conductor must now configure it (its
    personality is newly set). Raises ``HostValidationError``, ``ContextError`` (also for a
    ``host`` that is not a host record), or ``TypeError``.
    """

@final
class AddressPool:
    """An address pool and its rows (``name`` → address), safe to share between threads.

    ``network`` is ``address/prefix``; ``ranges`` inclusive ``(start, end)`` pairs (default:
    the network's first to last host); ``order`` ``"random"`` or ``"sequential"``; ``rows``
    the existing rows, a list of ``(name, address)`` pairs or a dict. An invalid pool raises
    ``AddressPoolError`` with the core's ``pool.*`` code; conflicting rows the allocation
    errors below; an address that is no IP address ``AddressPoolError`` ``address.invalid``.
    Every operation takes O(log rows), whatever the pool's size (an IPv6 /64 included).
    """

    def __new__(
        cls,
        name: str,
        network: str,
        ranges: Sequence[tuple[str, str] | list[str]] | None = None,
        order: str = "random",
        rows: Sequence[tuple[str, str]] | Mapping[str, str] | None = None,
    ) -> AddressPool: ...
    @property
    def name(self) -> str: ...
    @property
    def network(self) -> str: ...
    def allocate(self, name: str, *, order: str | None = None, seed: int | None = None) -> str:
        """The address ``name`` holds, else a free one: the lowest (``sequential``) or one
        drawn uniformly from all free addresses (``random``); ``order=None`` is the pool's.
        ``seed`` (0 to 2**64-1) makes a random draw reproducible. Raises
        ``PoolExhaustedError`` (``pool.exhausted``, 409) when none is free, and
        ``AddressPoolError`` (``address.invalid_name``) for a name outside the host-name
        alphabet."""
    def reserve(self, name: str, address: str) -> None:
        """Records ``name`` → ``address`` (static addressing); asking again for the same row
        is a no-op. Raises ``AddressPoolError``: ``mgmt_ip.allocated`` (409),
        ``mgmt_ip.name_allocated`` (409), ``mgmt_ip.out_of_pool`` (400), with sysinv's
        messages."""
    def release(self, name: str) -> str | None:
        """Removes ``name``'s row; the address it held, or ``None``."""
    def address_of(self, name: str) -> str | None:
        """The address ``name`` holds, or ``None``."""
    def free_count(self) -> int:
        """How many addresses of the ranges no row holds; exact for any pool size."""
    def rows(self) -> list[tuple[str, str]]:
        """The rows ``(name, address)`` in row order: those given, then those added."""
    def __contains__(self, key: object, /) -> bool:
        """``address in pool``: whether a row holds ``address`` (a str; text that is no
        address is in no pool)."""
    def __len__(self) -> int:
        """The number of rows."""

def dnsmasq_hosts(rows: Sequence[tuple[str, str]] | Mapping[str, str], macs: Mapping[str, str]) -> list[str]:
    """dnsmasq ``dhcp-hostsfile`` lines, one per row in row order: ``<mac>,<host>,<ip>,1d``
    for hosts in ``macs`` (host name → MAC), else ``<host>,<ip>``; IPv6 in brackets. The host
    is the row name without ``-mgmt``. A name or MAC that could break the file raises
    ``DhcpError`` (``dhcp.*``)."""

def dnsmasq_addn_hosts(rows: Sequence[tuple[str, str]] | Mapping[str, str]) -> list[str]:
    """dnsmasq ``addn-hosts`` lines, ``<ip> <host>``, one per row in row order."""

class _SkewVerdict(TypedDict):
    allowed: bool
    reason: str

@final
class Plan:
    """A validated provisioning plan (built by :func:`plan`)."""

    @property
    def steps(self) -> list[dict[str, Any]]:
        """Every step in run order (the ``steps`` of :meth:`to_json`, secrets redacted):
        ``id``, ``number``, ``side``, ``title``, ``node``, ``actions``, ``guard``, ..."""
    def to_json(self, *, reveal_secrets: bool = False) -> str:
        """The plan as JSON text (``"schema": 1``), as ``edgeworker-cli plan --format json``
        prints it; a given join token shows as ``<redacted>`` unless ``reveal_secrets``."""
    def to_text(self) -> str:
        """Numbered steps per side and node, for a person to review."""
    def write_ansible(self, directory: str | os.PathLike[str]) -> None:
        """Writes ``playbook.yml`` and ``inventory.yml`` into ``directory`` (created if
        missing), each completely or not at all; a file there that edgeworker did not render
        is never replaced. Raises ``PlanError`` (``plan.write_refused``,
        ``plan.write_failed``)."""
    def __len__(self) -> int:
        """The number of nodes."""

def plan(controller: dict[str, Any], nodes: list[dict[str, Any]]) -> Plan:
    """Validates the controller facts and the nodes (PROVISIONING.md §1) and builds their
    plan. The first invalid input raises ``PlanError`` with ``code``, ``node`` (its hostname,
    or ``nodes[<i>]``; ``None`` for the controller) and ``field``."""

def skew_check(control_plane: str, kubelet: str) -> _SkewVerdict:
    """Kubernetes' version-skew policy: ``{"allowed": bool, "reason": str}``. A version that
    is not ``1.29.2`` or ``v1.29.2`` raises ``PlanError`` (``plan.invalid_version``, field
    ``control_plane`` or ``kubelet``)."""
