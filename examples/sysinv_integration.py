#!/usr/bin/env python3
"""How sysinv's host API and conductor would call ``edgeworker``.

Two places in sysinv change:

- the host API's semantic check of ``system host-add`` / ``host-update`` asks
  ``edgeworker.validate_host_add`` and turns a ``HostValidationError`` into sysinv's
  ``ClientSideError`` with ``str(e)``: the exact text sysinv answers today, and its status;
- the conductor's configure step allocates the management address from the pool (or records
  the static one) and rewrites dnsmasq's hosts and additional-hosts files.

Runnable on its own (``python examples/sysinv_integration.py``): it plays one host-add that
is refused, one that is accepted and configured, and prints the dnsmasq files it wrote.
The stand-ins for sysinv's own classes are marked as such.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import edgeworker


class ClientSideError(Exception):
    """Stand-in for ``wsme.exc.ClientSideError(msg, status_code=400)``."""

    def __init__(self, msg: str, status_code: int = 400) -> None:
        super().__init__(msg)
        self.msg = msg
        self.status_code = status_code


class HostApi:
    """The parts of ``sysinv.api.controllers.v1.host.HostController`` that change."""

    def __init__(self, context: Dict[str, Any]) -> None:
        # In sysinv this is read from the database per request: system mode and type, the
        # management network and its pool, the hosts and the pool's address rows.
        self.context = context

    def semantic_check_host_add(self, host: Dict[str, Any]) -> Mapping[str, Any]:
        """Replaces ``_do_post``'s checks: returns the normalized host, or raises sysinv's
        error with sysinv's message."""
        try:
            result = edgeworker.validate_host_add(host, self.context)
        except edgeworker.HostValidationError as e:
            raise ClientSideError(str(e), status_code=e.status) from e
        for warning in result["warnings"]:
            # sysinv logs these; an operator sees them in sysinv.log.
            print(f"warning: {warning['code']}: {warning['message']}", file=sys.stderr)
        return result

    def check_operation(self, host: Dict[str, Any], operation: str) -> None:
        """The guard in front of host-upgrade, kube-host-upgrade, power and reset actions."""
        try:
            edgeworker.check_operation(host["personality"], operation)
        except edgeworker.OperationNotSupportedError as e:
            raise ClientSideError(str(e), status_code=e.status) from e


class Conductor:
    """The parts of ``sysinv.conductor.manager.ConductorManager`` that change."""

    def __init__(self, pool: Dict[str, Any], rows: List[Any], dnsmasq_dir: Path, dynamic: bool = True) -> None:
        # The pool as sysinv stores it (address_pools) and its rows (addresses table).
        self.pool = edgeworker.AddressPool(
            pool["name"], pool["network"], ranges=pool.get("ranges"), order=pool.get("order", "random"), rows=rows
        )
        self.dnsmasq_dir = dnsmasq_dir
        self.dynamic = dynamic
        self.macs: Dict[str, str] = {}

    def configure_edgeworker(self, host: Dict[str, Any]) -> str:
        """``_allocate_addresses_for_host`` + ``_update_host_dnsmasq``: the host's management
        address, then both dnsmasq files rewritten."""
        name = f"{host['hostname']}-mgmt"
        if self.dynamic:
            address = self.pool.allocate(name)
        else:
            self.pool.reserve(name, host["mgmt_ip"])
            address = host["mgmt_ip"]
        self.macs[host["hostname"]] = host["mgmt_mac"]
        self.write_dnsmasq()
        return address

    def delete_host(self, hostname: str) -> Optional[str]:
        released = self.pool.release(f"{hostname}-mgmt")
        self.macs.pop(hostname, None)
        self.write_dnsmasq()
        return released

    def write_dnsmasq(self) -> None:
        rows = self.pool.rows()
        write_atomically(self.dnsmasq_dir / "dnsmasq.hosts", edgeworker.dnsmasq_hosts(rows, self.macs))
        write_atomically(self.dnsmasq_dir / "dnsmasq.addn_hosts", edgeworker.dnsmasq_addn_hosts(rows))


def write_atomically(path: Path, lines: List[str]) -> None:
    """dnsmasq may read at any moment: write aside, then rename over."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines))
    os.replace(tmp, path)


CONTEXT: Dict[str, Any] = {
    "system": {"mode": "duplex", "type": "Standard"},
    "mgmt_network": {
        "dynamic": True,
        "pool": {"name": "management", "network": "192.168.204.0/24", "ranges": [["192.168.204.2", "192.168.204.254"]]},
    },
    "hosts": [
        {"hostname": "controller-0", "personality": "controller", "subfunctions": "controller",
         "mgmt_mac": "08:00:27:aa:00:01", "mgmt_ip": "192.168.204.3", "invprovision": "provisioned"},
        {"hostname": "controller-1", "personality": "controller", "subfunctions": "controller",
         "mgmt_mac": "08:00:27:aa:00:02", "mgmt_ip": "192.168.204.4", "invprovision": "provisioned"},
    ],
    "addresses": [
        {"name": "controller-mgmt", "address": "192.168.204.2"},
        {"name": "controller-0-mgmt", "address": "192.168.204.3"},
        {"name": "controller-1-mgmt", "address": "192.168.204.4"},
    ],
}


def main(dnsmasq_dir: Path) -> int:
    api = HostApi(CONTEXT)
    rows = [(row["name"], row["address"]) for row in CONTEXT["addresses"]]
    conductor = Conductor(CONTEXT["mgmt_network"]["pool"], rows, dnsmasq_dir)

    try:
        api.semantic_check_host_add({"hostname": "controller-0", "personality": "edgeworker", "mgmt_mac": "3c:ec:ef:10:20:09"})
    except ClientSideError as e:
        print(f"host-add refused ({e.status_code}): {e.msg}")

    accepted = api.semantic_check_host_add({"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "3C:EC:EF:10:20:01"})
    host = accepted["host"]
    print(f"host-add accepted: {host['hostname']} ({accepted['effect']})")
    address = conductor.configure_edgeworker(host)
    print(f"configured {host['hostname']}: management address {address}")

    try:
        api.check_operation(host, "host-upgrade")
    except ClientSideError as e:
        print(f"host-upgrade refused ({e.status_code}): {e.msg}")

    for name in ("dnsmasq.hosts", "dnsmasq.addn_hosts"):
        print(f"--- {name}")
        print((dnsmasq_dir / name).read_text(), end="")
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        sys.exit(main(Path(tmp)))
