"""StarlingX edgeworker hosts for sysinv: validation, management addresses, DHCP, plans.

A thin layer over the Rust crate ``edgeworker-core``; every rule and every message lives
there, so the answers are the same as ``edgeworker-cli``'s.

In the order data flows:

- ``validate_host_add(request, context=None, *, strict=False)`` and
  ``validate_host_update(host, changes, context=None, *, strict=False)``: sysinv's
  host-add / host-update checks. A refusal raises ``HostValidationError``; ``str(e)`` is
  sysinv's own message and ``e.status`` its HTTP status.
- ``supports(personality, operation, *, profile='classic')`` and
  ``check_operation(personality, operation, *, profile='classic')``: the operation gate
  (``OperationNotSupportedError`` with sysinv's refusal text).
- ``AddressPool(name, network, ranges=None, order='random', rows=None, *, profile='classic')``:
  a management pool built from the existing address rows; ``allocate``, ``reserve``,
  ``release``.
- ``dnsmasq_hosts(rows, macs, *, profile='classic')`` and
  ``dnsmasq_addn_hosts(rows, *, profile='classic', aio_simplex=False)``: dnsmasq's files.
- ``plan(controller, nodes)``: the provisioning plan (``Plan``: steps, JSON, text, Ansible);
  ``skew_check(control_plane, kubelet)``: Kubernetes' version-skew policy;
  ``upgrade_plan(controller, nodes, kube_nodes)``: the nodes' Kubernetes upgrade
  (``UpgradePlan``: each node's minors and skew, steps, JSON, text, Ansible).

Errors: a wrong Python type is a ``TypeError`` naming the argument; everything else is an
``EdgeworkerError`` (a ``ValueError``) with the core's stable ``code``, and pickles with its
attributes. ``help()`` on any name here gives its arguments, result and errors.

Example::

    import edgeworker

    try:
        result = edgeworker.validate_host_add(
            {"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:09"}
        )
    except edgeworker.HostValidationError as e:
        print(e.status, e)              # 400 and sysinv's message
    else:
        print(result["host"]["mgmt_mac"])  # 08:00:27:aa:00:09
"""

from edgeworker._edgeworker import (
    PERSONALITIES,
    AddressPool,
    Context,
    Plan,
    UpgradePlan,
    __version__,
    check_operation,
    dnsmasq_addn_hosts,
    dnsmasq_hosts,
    plan,
    skew_check,
    supports,
    upgrade_plan,
    validate_host_add,
    validate_host_add_batch,
    validate_host_update,
)
from edgeworker._errors import (
    AddressPoolError,
    ContextError,
    DhcpError,
    DhcpWarning,
    EdgeworkerError,
    HostValidationError,
    InputTooDeepError,
    NoReservationWarning,
    OperationNotSupportedError,
    PlanError,
    PoolExhaustedError,
    UnknownNameError,
)

__all__ = [
    "PERSONALITIES",
    "AddressPool",
    "AddressPoolError",
    "Context",
    "ContextError",
    "DhcpError",
    "DhcpWarning",
    "NoReservationWarning",
    "EdgeworkerError",
    "HostValidationError",
    "InputTooDeepError",
    "OperationNotSupportedError",
    "Plan",
    "PlanError",
    "PoolExhaustedError",
    "UnknownNameError",
    "UpgradePlan",
    "__version__",
    "check_operation",
    "dnsmasq_addn_hosts",
    "dnsmasq_hosts",
    "plan",
    "skew_check",
    "supports",
    "upgrade_plan",
    "validate_host_add",
    "validate_host_add_batch",
    "validate_host_update",
]
