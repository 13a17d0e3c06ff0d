"""The compiled part of the ``edgeworker`` package: a thin layer over ``edgeworker-core``.

Argument conventions, for every function here:

- An argument of the wrong Python type (a list where a dict is required, a dict key that is
  not a ``str``, ``bytes``, NaN, an int beyond 64 bits) raises ``TypeError`` naming the
  argument and the path inside it (``context["hosts"][2]: keys must be str, not int``).
- Dicts and lists nested deeper than 128 levels (the limit the CLI sets for JSON text)
  raise ``InputTooDeepError`` (code ``input.too_deep``) naming the path, never
  ``RecursionError``.
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
    "UpgradePlan",
    "__version__",
    "check_operation",
    "dnsmasq_addn_hosts",
    "dnsmasq_hosts",
    "plan",
    "upgrade_plan",
    "skew_check",
    "supports",
    "validate_host_add",
    "validate_host_add_batch",
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

class _BatchReport(TypedDict):
    index: int
    valid: bool
    errors: list[_Violation]
    warnings: list[_Violation]
    host: dict[str, Any] | None
    effect: Literal["create", "update_discovered"] | None

class _HostUpdateResult(TypedDict):
    changes: dict[str, Any]
    host: dict[str, Any]
    warnings: list[_Violation]
    effect: Literal["update"]
    configure: bool

def supports(personality: str, operation: str, *, profile: str | None = "classic") -> bool:
    """Whether a host of ``personality`` may undergo ``operation`` now.

    ``personality`` is one of ``PERSONALITIES``; ``operation`` one of ``host-upgrade``,
    ``host-downgrade``, ``kube-host-upgrade-kubelet``, ``kube-host-upgrade-control-plane``,
    ``power-on``, ``power-off``, ``reset``, ``reinstall``, ``lock``, ``unlock``,
    ``interface-modify``, ``label-assign``. ``profile``: the release profile whose rules
    apply, ``"classic"`` (stx.5.0 to stx.8.0) or ``"stx10"`` (stx.10.0 to master, where
    ``host-upgrade`` and ``host-downgrade`` are deprecated for every personality).

    Raises ``UnknownNameError`` for a name that is neither (``code``
    ``personality.invalid``, ``operation.unknown`` or ``profile.unknown``), ``TypeError``
    for a non-str.

    >>> supports("edgeworker", "host-upgrade")
    False
    >>> supports("worker", "lock")
    True
    >>> supports("worker", "host-upgrade", profile="stx10")
    False
    """

def check_operation(personality: str, operation: str, *, profile: str | None = "classic") -> None:
    """Returns if a host of ``personality`` may undergo ``operation``, else raises.

    The guard sysinv puts in front of host-upgrade, kube-host-upgrade, power and reset
    actions; names and ``profile`` as for ``supports``.

    Raises ``OperationNotSupportedError`` with sysinv's refusal text, ``code``
    ``operation.not_supported`` or ``operation.not_yet_supported`` and ``status`` 400;
    ``UnknownNameError`` for an unknown name.

    >>> check_operation("edgeworker", "host-upgrade")
    Traceback (most recent call last):
    edgeworker._errors.OperationNotSupportedError: host-upgrade rejected: Not supported for EDGEWORKER node.
    >>> check_operation("worker", "host-upgrade", profile="stx10")
    Traceback (most recent call last):
    edgeworker._errors.OperationNotSupportedError: This API is deprecated.
    """

@final
class Context:
    """A host-add context read, checked and indexed once, for any number of calls.

    ``context`` is a dict of the shape every ``context`` argument takes (system, management
    network, hosts, address rows). The whole snapshot is checked: every field of every host
    and row, and that host names, MACs, uuids, management and BMC addresses, and row names
    and addresses are unique. Pass the ``Context`` wherever a function takes a ``context``:
    it answers exactly as the dict would, without reading the dict again, so a call costs the
    same whatever the number of hosts. The ``Context`` is immutable (a later change to the
    dict does not reach it) and may be shared between threads. An invalid context raises
    what the functions raise for it: ``ContextError`` or ``TypeError``.
    """

    def __new__(cls, context: dict[str, Any]) -> Context: ...
    def __len__(self) -> int: ...

def validate_host_add(
    request: dict[str, Any], context: dict[str, Any] | Context | None = None, *, strict: bool = False
) -> _HostAddResult:
    """Validates a host-add request as sysinv's host API does.

    Arguments:

    - ``request``: sysinv's host-add fields (``hostname``, ``personality``, ``mgmt_mac``,
      ``mgmt_ip``, ``bm_*``, ...). A field of the wrong JSON type or an unknown field is a
      rule violation (``request.invalid_type``, ``request.unknown_field``), not a
      ``TypeError``.
    - ``context``: what sysinv reads from its database for the check: ``system`` (mode,
      type and ``vswitch_type``), ``mgmt_network`` (``dynamic`` and its ``pool``), ``hosts``
      (the host records) and ``addresses`` (the pool's rows, ``name`` and ``address``); a
      ``Context`` read once, or a dict, read on every call for what the request needs: of
      every host, the fields that decide whether it can matter to the request (``hostname``
      and ``mgmt_mac`` always; ``personality``, ``mgmt_ip``, ``bm_ip`` when the request
      reaches controllers, storage hosts or addresses) and of every row its ``name`` (its
      ``address`` when the request reaches addresses) are read and checked; the hosts and
      rows that can matter are read whole. Fields of hosts that cannot matter are not
      checked, nor are duplicates among them: ``Context(dict)`` checks the whole snapshot
      and is the way to reuse it. ``None`` is the empty system:
      a Standard duplex system with a dynamic management network 192.168.204.0/24 and no
      hosts or address rows; a key left out of the dict is that part of the empty system.
      ``profile`` names the release whose rules apply: ``"classic"`` (the default;
      stx.5.0 to stx.8.0) or ``"stx10"`` (stx.10.0 to master: ``mgmt_ip`` ignored with
      the warning ``mgmt_ip.ignored``, sysinv's later BMC checks, whose BMC address family
      check reads ``oam_family``, 4 or 6, absent when the system has no OAM network).
    - ``strict``: the host-name warnings become errors.

    Returns ``{"host": {...}, "warnings": [...], "effect": "create" | "update_discovered"}``
    (the shapes of ``edgeworker-cli validate --format json``): the normalized host, the
    concerns that did not fail it (each a dict with ``code``, ``field``, ``message``,
    ``status``), and whether a new host is created or an auto-discovered one (same MAC)
    gets its identity.

    Raises:

    - ``HostValidationError``: the request breaks a rule; ``.errors`` lists every violation
      in sysinv's order, ``str(e)`` is sysinv's message and ``e.status`` its HTTP status.
    - ``ContextError``: a context the core cannot read (``context.*`` code; the message
      names the path inside ``context``).
    - ``TypeError``: an argument of the wrong Python type.

    >>> validate_host_add({"hostname": "edge-1", "personality": "edgeworker",
    ...                    "mgmt_mac": "08:00:27:AA:00:09"})["host"]["mgmt_mac"]
    '08:00:27:aa:00:09'
    """

def validate_host_add_batch(
    requests: list[dict[str, Any]], context: dict[str, Any] | Context | None = None, *, strict: bool = False
) -> list[_BatchReport]:
    """Validates host-add requests in order, as ``edgeworker-cli validate`` does a JSON Lines file.

    Each accepted host joins the context for the requests after it, so a later request with
    the same hostname or MAC is refused as a duplicate, as sysinv's own adds one after the
    other would be. ``context`` and ``strict`` as for ``validate_host_add``, except that a dict
    is read whole, as ``Context(dict)`` reads it; ``requests`` is a list of request dicts.

    Returns one dict per request, in order, the shape of a line of ``edgeworker-cli validate
    --format json``: ``index``, ``valid``, ``errors`` and ``warnings`` (violation dicts),
    ``host`` (the normalized host, or ``None``) and ``effect`` (``None`` when refused). A
    refused request raises nothing: its ``errors`` say why.

    Raises ``ContextError`` for a context the core cannot read, ``TypeError`` for an argument
    of the wrong Python type.

    >>> request = {"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:09"}
    >>> [r["valid"] for r in validate_host_add_batch([request, request])]
    [True, False]
    """

def validate_host_update(
    host: dict[str, Any],
    changes: dict[str, Any],
    context: dict[str, Any] | Context | None = None,
    *,
    strict: bool = False,
) -> _HostUpdateResult:
    """Validates a host-update change set against the stored host, as sysinv's host API does.

    Arguments:

    - ``host``: the stored host record, as in ``context["hosts"]``.
    - ``changes``: the fields to change (sysinv's patch, as a dict).
    - ``context``, ``strict``: as for ``validate_host_add`` (a dict is read for what the
      change set needs: the hosts and rows of its new name and BMC address, and the
      controllers' names).

    Returns ``{"changes": {...}, "host": {...}, "warnings": [...], "effect": "update",
    "configure": bool}``: the changes as validated and normalized (only the fields given;
    board management a personality ignores is ``bm_type: none`` with its other fields
    dropped; never the password), the host as it will be stored, and whether the conductor
    must now configure it (its personality is newly set: that is when its management
    address is allocated).

    Raises ``HostValidationError``, ``ContextError`` (also for a ``host`` that is not a host
    record), or ``TypeError``.
    """

@final
class AddressPool:
    """An address pool and its rows (row name to address), safe to share between threads.

    Arguments of ``AddressPool(name, network, ranges=None, order='random', rows=None, *, profile='classic')``:

    - ``name``: the pool's name (sysinv's ``address_pools.name``, such as ``management``).
    - ``network``: ``address/prefix``, IPv4 or IPv6.
    - ``ranges``: inclusive ``(start, end)`` pairs of addresses; ``None``: the network's
      first to last host address.
    - ``order``: ``'random'`` (uniform over the free addresses) or ``'sequential'``
      (lowest first).
    - ``rows``: the existing rows, a list of ``(name, address)`` pairs or a dict; sysinv
      passes its ``addresses`` rows of the pool.
    - ``profile``: ``'classic'`` (stx.5.0 to stx.8.0: a row of the other family is
      ``mgmt_ip.out_of_pool``) or ``'stx10'`` (stx.10.0 to master, dual-stack: rows are
      matched by name and family, so the other family's rows, its other pool's, are left
      out; sysinv ``fcebab8ef``).

    Raises ``AddressPoolError`` with the core's ``pool.*`` code for an invalid pool,
    ``address.invalid`` for a row address that is no IP address, the allocation errors
    (``mgmt_ip.*``) for rows that conflict; ``TypeError`` for wrong types. Every operation
    takes O(log rows), whatever the pool's size (an IPv6 /64 included).

    >>> pool = AddressPool("management", "192.168.204.0/24", order="sequential",
    ...                    rows=[("controller-mgmt", "192.168.204.1")])
    >>> pool.allocate("edge-1-mgmt")
    '192.168.204.2'
    """

    def __new__(
        cls,
        name: str,
        network: str,
        ranges: Sequence[tuple[str, str] | list[str]] | None = None,
        order: str = "random",
        rows: Sequence[tuple[str, str]] | Mapping[str, str] | None = None,
        *,
        profile: str | None = "classic",
    ) -> AddressPool: ...
    @property
    def name(self) -> str:
        """The pool's name."""
    @property
    def network(self) -> str:
        """The pool's network, ``address/prefix``."""
    def allocate(self, name: str, *, order: str | None = None, seed: int | None = None) -> str:
        """The address row ``name`` holds, else a new row with a free address.

        The free address is the lowest (``order='sequential'``) or one drawn uniformly from
        all free addresses (``'random'``); ``order=None`` is the pool's. ``seed`` (0 to
        2**64-1) makes a random draw reproducible.

        Raises ``PoolExhaustedError`` (``pool.exhausted``, 409) when none is free,
        ``AddressPoolError`` (``address.invalid_name``) for a name outside the host-name
        alphabet or longer than a host name with ``-mgmt``.
        """
    def reserve(self, name: str, address: str) -> None:
        """Records the row ``name`` to ``address`` (static addressing).

        Asking again for the same row is a no-op. Raises ``AddressPoolError``:
        ``mgmt_ip.allocated`` (409), ``mgmt_ip.name_allocated`` (409),
        ``mgmt_ip.out_of_pool`` (400), with sysinv's messages, and ``address.invalid`` for
        text that is no IP address.
        """
    def release(self, name: str) -> str | None:
        """Removes the row ``name``; returns the address it held, or ``None``."""
    def address_of(self, name: str) -> str | None:
        """The address the row ``name`` holds, or ``None``."""
    def free_count(self) -> int:
        """How many addresses of the ranges no row holds; exact for any pool size."""
    def rows(self) -> list[tuple[str, str]]:
        """The rows ``(name, address)`` in row order: those given, then those added."""
    def __contains__(self, key: object, /) -> bool: ...
    def __len__(self) -> int: ...

def dnsmasq_hosts(
    rows: Sequence[tuple[str, str]] | Mapping[str, str], macs: Mapping[str, str], *, profile: str | None = "classic"
) -> list[str]:
    """dnsmasq ``dhcp-hostsfile`` lines, one per row in row order.

    ``<mac>,<host>,<ip>,1d`` for hosts in ``macs`` (host name to MAC), else
    ``<host>,<ip>``; IPv6 addresses in brackets. The host is the row name without
    ``-mgmt``. Give every host's MAC, controllers included, or their reservations are lost.

    A host name dnsmasq would misread (``3600``, ``12h``, ``ignore``, an IPv4 address) is
    left out of its line (the reservation by MAC stays; without a MAC there is no line), with
    a ``DhcpWarning`` (``dhcp.name_omitted``) issued through ``warnings.warn``.

    ``profile``: ``"classic"`` (stx.5.0 to stx.8.0) writes the lines above; ``"stx10"``
    (stx.10.0 to master) reserves no management address (sysinv ``afa45530c``): no line, and
    one ``NoReservationWarning`` (``dhcp.no_reservation``) per node in ``macs`` that has a
    row, the controllers aside, whose address must then be configured on the node.

    Raises ``DhcpError`` (``dhcp.*``) for a name or MAC that could break the file (never
    escaped), ``AddressPoolError`` (``address.invalid``) for a row address that is no IP
    address, ``UnknownNameError`` (``profile.unknown``) for an unknown profile.

    >>> dnsmasq_hosts([("edge-1-mgmt", "192.168.204.5")], {"edge-1": "08:00:27:aa:00:09"})
    ['08:00:27:aa:00:09,edge-1,192.168.204.5,1d']
    """

def dnsmasq_addn_hosts(
    rows: Sequence[tuple[str, str]] | Mapping[str, str], *, profile: str | None = "classic", aio_simplex: bool = False
) -> list[str]:
    """dnsmasq ``addn-hosts`` file: the line ``<ip> pxecontroller``, and under ``stx10`` the
    management rows' names.

    The address is the row ``controller-pxeboot``'s when ``rows`` has it (a system with a
    pxeboot network), else ``controller-mgmt``'s, as sysinv writes the file. ``profile``
    ``"stx10"`` (sysinv ``afa45530c``) adds one line per management row in row order:
    ``controller-mgmt`` as ``<ip> controller.internal controller registry.local
    controller-platform-nfs`` (with ``aio_simplex``, an All-in-one simplex system, also
    ``controller-0.internal``, and ``controller-0-mgmt`` left out),
    ``controller-platform-nfs-mgmt`` left out, any other row as ``<ip> <name>.internal
    <name>``.

    Raises ``DhcpError`` (``dhcp.no_controller_row``) when neither row is there,
    ``AddressPoolError`` (``address.invalid``) for a row address that is no IP address,
    ``UnknownNameError`` (``profile.unknown``) for an unknown profile.

    >>> dnsmasq_addn_hosts({"controller-mgmt": "192.168.204.2", "edge-1-mgmt": "192.168.204.5"})
    ['192.168.204.2 pxecontroller']
    >>> dnsmasq_addn_hosts({"controller-mgmt": "192.168.204.2", "edge-1-mgmt": "192.168.204.5"},
    ...                    profile="stx10")[2]
    '192.168.204.5 edge-1.internal edge-1'
    """

class _SkewVerdict(TypedDict):
    allowed: bool
    reason: str

@final
class Plan:
    """A validated provisioning plan: its steps, and its JSON, text and Ansible renderings.

    Built by ``plan(controller, nodes)``; it has no constructor of its own. ``len(plan)``
    is the number of nodes.
    """

    @property
    def steps(self) -> list[dict[str, Any]]:
        """Every step in run order, as dicts (the ``steps`` of ``to_json``, secrets redacted):
        ``id``, ``number``, ``side``, ``title``, ``node``, ``actions``, ``guard``, ..."""
    def to_json(self, *, reveal_secrets: bool = False) -> str:
        """The plan as JSON text (``"schema": 1``), as ``edgeworker-cli plan --format json``
        prints it; a given join token shows as ``<redacted>`` unless ``reveal_secrets``."""
    def to_text(self) -> str:
        """Numbered steps per side and node, for a person to review."""
    def write_ansible(self, directory: str | os.PathLike[str]) -> None:
        """Writes ``playbook.yml`` and ``inventory.yml`` into ``directory``.

        The directory is created if missing; each file is written completely or not at all,
        and a file there that edgeworker did not render is never replaced. Raises
        ``PlanError`` (``plan.write_refused``, ``plan.write_failed``, ``plan.render_failed``)
        and ``TypeError`` for a directory that is not a str or path.
        """
    def __len__(self) -> int: ...

def plan(controller: dict[str, Any], nodes: list[dict[str, Any]]) -> Plan:
    """Validates the controller facts and the nodes and builds their provisioning plan.

    ``controller``: the StarlingX controller's facts (``kubernetes_version``,
    ``apiserver``, ``mgmt_subnet``, ``registry``, ``proxy``, ``join``, ...); ``nodes``: one
    dict per edgeworker node (``hostname``, ``mgmt_ip``, ``os``, ``arch``, ``ssh_user``,
    ``labels``, ...): the shapes ``edgeworker-cli plan`` reads from its JSON files.

    Returns a ``Plan``. The first invalid input raises ``PlanError`` with ``code``, ``node``
    (its hostname, or ``nodes[<i>]``; ``None`` for the controller) and ``field``;
    ``TypeError`` for a controller that is not a dict or nodes that are not a list.
    """

@final
class UpgradePlan:
    """A validated Kubernetes upgrade of edgeworker nodes: each node's versions and skew, the
    steps, and the JSON, text and Ansible renderings.

    Built by ``upgrade_plan(controller, nodes, kube_nodes)``; it has no constructor of its
    own. ``len(plan)`` is the number of nodes to upgrade (nodes at the target are left alone).
    """

    @property
    def steps(self) -> list[dict[str, Any]]:
        """Every step in run order, as dicts (the ``steps`` of ``to_json``)."""
    def to_json(self) -> str:
        """The plan as JSON text (``"schema": 1``, ``"kind": "upgrade"``), as
        ``edgeworker-cli upgrade-plan --format json`` prints it."""
    def to_text(self) -> str:
        """Each node's path and skew, then the steps per node, for a person to review."""
    def write_ansible(self, directory: str | os.PathLike[str]) -> None:
        """Writes ``playbook.yml``, ``inventory.yml`` and ``ansible.cfg`` into ``directory``.

        As ``Plan.write_ansible``: created if missing, each file whole or not at all, a file
        edgeworker did not render never replaced; ``PlanError`` and ``TypeError`` likewise.
        """
    def __len__(self) -> int: ...

def upgrade_plan(
    controller: dict[str, Any], nodes: list[dict[str, Any]], kube_nodes: dict[str, Any]
) -> UpgradePlan:
    """Plans the upgrade of the nodes' kubelet and kubeadm to the control plane's version.

    ``controller``: the controller's facts as for ``plan`` (its ``kubernetes_version`` is the
    control plane's and the target; ``max_unavailable`` the nodes upgraded at once);
    ``nodes``: the nodes as for ``plan``; ``kube_nodes``: the cluster's view, the output of
    ``kubectl get nodes -o json`` as a dict (``items[].metadata.name``,
    ``items[].status.nodeInfo.kubeletVersion``).

    Returns an ``UpgradePlan``. Raises ``PlanError`` with ``code``, ``node`` and ``field``:
    an invalid input as ``plan`` does; ``upgrade.unknown_node`` for a node the cluster does
    not know, ``upgrade.invalid_kubelet_version`` for a version there that does not parse,
    ``upgrade.invalid_kube_nodes`` for a ``kube_nodes`` that is not a node list (``field``
    ``kube_nodes``), ``upgrade.downgrade``, ``upgrade.major_version`` or
    ``upgrade.target_newer_than_control_plane`` for a node the policy refuses. ``TypeError``
    for arguments of the wrong type.
    """

def skew_check(control_plane: str, kubelet: str) -> _SkewVerdict:
    """Kubernetes' version-skew policy: may a kubelet of version ``kubelet`` join a control
    plane of version ``control_plane``?

    Returns ``{"allowed": bool, "reason": str}``. A version that is not ``1.29.2`` or
    ``v1.29.2`` raises ``PlanError`` (``plan.invalid_version``, ``field`` the argument's
    name).

    >>> skew_check("1.33.0", "1.32.4")["allowed"]
    True
    """
