#!/usr/bin/env python3
"""How sysinv's host API and conductor would call ``edgeworker``: a pattern to copy.

Three places in sysinv change:

- the host API's semantic check of ``system host-add`` / ``host-update`` asks
  ``edgeworker.validate_host_add`` with a context read from the database for that request,
  and turns a ``HostValidationError`` into sysinv's ``ClientSideError`` with ``str(e)``
  (the exact text sysinv answers today) and ``e.status``;
- the conductor's configure step gives the host its management address and rewrites
  dnsmasq's hosts and additional-hosts files;
- the provisioning of edgeworker nodes renders their plan as an Ansible playbook.

**Allocation across conductors.** ``edgeworker.AddressPool`` is a calculation over the rows
it is given, not a store: two conductors (or two workers of one) each holding a pool would
hand out the same address. So the conductor never keeps a pool between requests. For every
allocation it reads the pool's rows from the database, builds the pool from them, picks an
address, and inserts the row; the database decides a race: a unique constraint on the
address in its pool and on the row name refuses the second of two conductors that picked
the same address, and that conductor reads the rows again and picks anew. In sysinv that is
the ``addresses`` table, the read and the insert in one transaction of its session, with the
unique constraints in its schema (add them where the schema lacks them). The Rust crate's
``AddressStore`` (compare-and-swap with retry) does the same job for a file; it is not part
of the Python module because sysinv's database already is such a store.

Runnable on its own (``python3 examples/sysinv_integration.py``): sqlite3 stands in for
sysinv's database; the stand-ins for sysinv's own classes are marked as such. It plays a
refused host-add (and the exception crossing a process boundary, pickled), two accepted
edgeworkers configured by two conductors that race for one address, a refused
host-upgrade, the dnsmasq files, and the provisioning plan.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import edgeworker

POOL = "management"
# How often a conductor reads the rows again after losing a race for an address.
ATTEMPTS = 5


class ClientSideError(Exception):
    """Stand-in for ``wsme.exc.ClientSideError(msg, status_code=400)``."""

    def __init__(self, msg: str, status_code: int = 400) -> None:
        super().__init__(msg)
        self.msg = msg
        self.status_code = status_code


class AllocationContended(Exception):
    """Stand-in for the sysinv exception the conductor raises when it keeps losing races."""


class Database:
    """Stand-in for sysinv's database: the system, the management pool, the hosts and the
    pool's address rows. The two UNIQUE constraints on ``addresses`` are what makes
    allocation safe across conductors."""

    SCHEMA = """
        CREATE TABLE address_pools (name TEXT PRIMARY KEY, network TEXT NOT NULL,
                                    ranges TEXT NOT NULL, alloc_order TEXT NOT NULL);
        CREATE TABLE hosts (id INTEGER PRIMARY KEY, hostname TEXT UNIQUE, personality TEXT,
                            subfunctions TEXT, mgmt_mac TEXT UNIQUE, mgmt_ip TEXT,
                            invprovision TEXT NOT NULL);
        CREATE TABLE addresses (id INTEGER PRIMARY KEY, pool TEXT NOT NULL, name TEXT NOT NULL,
                                address TEXT NOT NULL,
                                UNIQUE (pool, address), UNIQUE (pool, name));
    """

    def __init__(self, path: str = ":memory:", create: bool = True) -> None:
        # Autocommit mode: every transaction below is explicit (BEGIN ... COMMIT). One
        # connection per conductor (and per thread), as sysinv has one session per worker.
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        if create:
            self.db.executescript(self.SCHEMA)
        self.system = {"mode": "duplex", "type": "Standard"}
        # The management network's addressing: dynamic (allocated) or static (given).
        self.dynamic = True

    def add_pool(self, name: str, network: str, ranges: List[List[str]], order: str) -> None:
        self.db.execute("INSERT INTO address_pools VALUES (?, ?, ?, ?)", (name, network, json.dumps(ranges), order))

    def add_host(self, host: Mapping[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO hosts (hostname, personality, subfunctions, mgmt_mac, mgmt_ip, invprovision) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (host.get("hostname"), host.get("personality"), host.get("subfunctions"), host.get("mgmt_mac"),
             host.get("mgmt_ip"), host.get("invprovision", "unprovisioned")),
        )

    def pool(self, name: str) -> Dict[str, Any]:
        network, ranges, order = self.db.execute(
            "SELECT network, ranges, alloc_order FROM address_pools WHERE name = ?", (name,)
        ).fetchone()
        return {"name": name, "network": network, "ranges": json.loads(ranges), "order": order}

    def rows(self, pool: str) -> List[Tuple[str, str]]:
        """The pool's address rows in row order (dnsmasq's files follow it)."""
        return [(str(n), str(a)) for n, a in self.db.execute(
            "SELECT name, address FROM addresses WHERE pool = ? ORDER BY id", (pool,))]

    def insert_row(self, pool: str, name: str, address: str) -> None:
        """One row, in its own transaction; ``sqlite3.IntegrityError`` when the address or
        the name is taken (sysinv: the session's transaction and its unique constraints)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("INSERT INTO addresses (pool, name, address) VALUES (?, ?, ?)", (pool, name, address))
        except sqlite3.IntegrityError:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def delete_row(self, pool: str, name: str) -> None:
        self.db.execute("DELETE FROM addresses WHERE pool = ? AND name = ?", (pool, name))

    def hosts(self) -> List[Dict[str, Any]]:
        cursor = self.db.execute(
            "SELECT hostname, personality, subfunctions, mgmt_mac, mgmt_ip, invprovision FROM hosts ORDER BY id")
        names = [column[0] for column in cursor.description]
        return [{k: v for k, v in zip(names, row) if v is not None} for row in cursor]

    def context(self) -> Dict[str, Any]:
        """What the host API reads for one semantic check, in ``edgeworker``'s shape."""
        return {
            "system": self.system,
            "mgmt_network": {"dynamic": self.dynamic, "pool": self.pool(POOL)},
            "hosts": self.hosts(),
            "addresses": [{"name": n, "address": a} for n, a in self.rows(POOL)],
        }


class HostApi:
    """The parts of ``sysinv.api.controllers.v1.host.HostController`` that change."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def semantic_check_host_add(self, host: Dict[str, Any]) -> Mapping[str, Any]:
        """Replaces ``_do_post``'s checks: returns the result (the normalized host in
        ``result["host"]``), or raises sysinv's error with sysinv's message."""
        try:
            # The context is read per request, so the check sees every host added before it.
            result = edgeworker.validate_host_add(host, self.db.context())
        except edgeworker.HostValidationError as e:
            raise ClientSideError(str(e), status_code=e.status) from e
        for warning in result["warnings"]:
            # sysinv logs these; an operator sees them in sysinv.log.
            print(f"warning: {warning['code']}: {warning['message']}", file=sys.stderr)
        return result

    def check_operation(self, host: Mapping[str, Any], operation: str) -> None:
        """The guard in front of host-upgrade, kube-host-upgrade, power and reset actions."""
        try:
            edgeworker.check_operation(host["personality"], operation)
        except edgeworker.OperationNotSupportedError as e:
            raise ClientSideError(str(e), status_code=e.status) from e


class Conductor:
    """The parts of ``sysinv.conductor.manager.ConductorManager`` that change. It keeps no
    pool: every allocation starts from the database rows."""

    def __init__(self, db: Database, dnsmasq_dir: Path, name: str = "conductor-0",
                 before_insert: Optional[Callable[[str], None]] = None) -> None:
        self.db = db
        self.dnsmasq_dir = dnsmasq_dir
        self.name = name
        # A test hook: runs between reading the rows and inserting the new one, where another
        # conductor may insert its own.
        self.before_insert = before_insert

    def pool(self) -> edgeworker.AddressPool:
        """The management pool as the database holds it now: built for one operation, then
        dropped, so it never drifts from the rows other conductors write."""
        spec = self.db.pool(POOL)
        return edgeworker.AddressPool(spec["name"], spec["network"], ranges=spec["ranges"],
                                      order=spec["order"], rows=self.db.rows(POOL))

    def allocate_mgmt_address(self, hostname: str) -> str:
        """``_allocate_addresses_for_host``: the address of the row ``<hostname>-mgmt``, new
        if the host has none. Safe with any number of conductors (see the module's text)."""
        name = f"{hostname}-mgmt"
        for _ in range(ATTEMPTS):
            pool = self.pool()
            held = pool.address_of(name)
            if held is not None:
                return held  # configure ran before (a conductor restart): same address
            address = pool.allocate(name)
            if self.before_insert is not None:
                self.before_insert(address)
            try:
                self.db.insert_row(POOL, name, address)
            except sqlite3.IntegrityError:
                print(f"{self.name}: {address} was taken since the rows were read; reading them again")
                continue
            return address
        raise AllocationContended(f"no management address for {hostname} after {ATTEMPTS} attempts")

    def reserve_mgmt_address(self, hostname: str, address: str) -> str:
        """Static addressing: the row ``<hostname>-mgmt`` with the given address, checked by
        the pool's rules (``AddressPoolError`` with sysinv's message), then inserted under the
        same unique constraints."""
        name = f"{hostname}-mgmt"
        pool = self.pool()
        held = pool.address_of(name)
        pool.reserve(name, address)
        if held is None:
            self.db.insert_row(POOL, name, address)
        return address

    def configure_edgeworker(self, host: Mapping[str, Any]) -> str:
        """The configure step: the management address, then both dnsmasq files."""
        if self.db.dynamic:
            address = self.allocate_mgmt_address(host["hostname"])
        else:
            address = self.reserve_mgmt_address(host["hostname"], host["mgmt_ip"])
        self.write_dnsmasq()
        return address

    def delete_host(self, hostname: str) -> None:
        self.db.delete_row(POOL, f"{hostname}-mgmt")
        self.db.db.execute("DELETE FROM hosts WHERE hostname = ?", (hostname,))
        self.write_dnsmasq()

    def write_dnsmasq(self) -> None:
        """``_update_host_dnsmasq``: both files from the database, every host's MAC included
        (controllers too: a host missing from ``macs`` loses its DHCP reservation)."""
        rows = self.db.rows(POOL)
        macs = {h["hostname"]: h["mgmt_mac"] for h in self.db.hosts() if "hostname" in h and "mgmt_mac" in h}
        write_atomically(self.dnsmasq_dir / "dnsmasq.hosts", edgeworker.dnsmasq_hosts(rows, macs))
        write_atomically(self.dnsmasq_dir / "dnsmasq.addn_hosts", edgeworker.dnsmasq_addn_hosts(rows))

    def provision(self, controller: Dict[str, Any], nodes: List[Dict[str, Any]], out: Path) -> edgeworker.Plan:
        """The edgeworker nodes' plan, written as ``playbook.yml`` and ``inventory.yml``."""
        plan = edgeworker.plan(controller, nodes)
        plan.write_ansible(out)
        return plan


def write_atomically(path: Path, lines: List[str]) -> None:
    """dnsmasq may read at any moment: write aside, then rename over."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines))
    os.replace(tmp, path)


CONTROLLERS: List[Dict[str, Any]] = [
    {"hostname": f"controller-{n}", "personality": "controller", "subfunctions": "controller",
     "mgmt_mac": f"08:00:27:aa:00:0{n + 1}", "mgmt_ip": f"192.168.204.{n + 3}", "invprovision": "provisioned"}
    for n in (0, 1)
]

# What the platform's own rows hold before any edgeworker exists.
PLATFORM_ROWS = [("controller-mgmt", "192.168.204.2"), ("controller-0-mgmt", "192.168.204.3"),
                 ("controller-1-mgmt", "192.168.204.4")]

# The controller facts of the provisioning plan (in sysinv: the system's Kubernetes version,
# the floating address, DNS, NTP, the local registry).
CONTROLLER_FACTS: Dict[str, Any] = {
    "kubernetes_version": "1.29.2",
    "apiserver": "192.168.204.2:6443",
    "mgmt_floating_address": "192.168.204.2",
    "mgmt_subnet": "192.168.204.0/24",
    "dns_servers": ["192.168.204.2"],
    "ntp_servers": ["192.168.204.2"],
    "registry": "registry.local:9001",
    "proxy": None,
    "join": None,
}

# What the operator tells about a node the platform does not install.
NODE_FACTS: Dict[str, Any] = {"os": {"id": "ubuntu", "version": "22.04"}, "arch": "amd64", "ssh_user": "sysadmin",
                              "python": "/usr/bin/python3", "labels": {"site": "plant-a"}, "kubelet_version": None}


def new_database(path: str = ":memory:", order: str = "sequential") -> Database:
    """The database as a freshly installed duplex system has it."""
    db = Database(path)
    db.add_pool(POOL, "192.168.204.0/24", [["192.168.204.2", "192.168.204.254"]], order)
    for host in CONTROLLERS:
        db.add_host(host)
    for name, address in PLATFORM_ROWS:
        db.insert_row(POOL, name, address)
    return db


def main(workdir: Path) -> int:
    # Sequential order keeps this run's addresses the same every time; sysinv pools are
    # usually random, which changes nothing below.
    db = new_database(str(workdir / "sysinv.db"))
    api = HostApi(db)
    conductor = Conductor(db, workdir, "conductor-0")

    try:
        api.semantic_check_host_add({"hostname": "controller-0", "personality": "edgeworker",
                                     "mgmt_mac": "3c:ec:ef:10:20:09"})
    except ClientSideError as e:
        print(f"host-add refused ({e.status_code}): {e.msg}")
        # An RPC or a worker process hands the exception on pickled: nothing is lost.
        cause = e.__cause__
        assert isinstance(cause, edgeworker.HostValidationError)
        again = pickle.loads(pickle.dumps(cause))
        print(f"pickled {type(again).__name__}: code {again.code}, status {again.status}, "
              f"{len(again.errors)} error(s), message intact: {str(again) == str(cause)}")

    for n in (1, 2, 3):
        accepted = api.semantic_check_host_add(
            {"hostname": f"edge-{n}", "personality": "edgeworker", "mgmt_mac": f"3C:EC:EF:10:20:0{n}"})
        print(f"host-add accepted: {accepted['host']['hostname']} ({accepted['effect']})")
        db.add_host(accepted["host"])

    print(f"conductor-0 configured edge-1: management address {conductor.configure_edgeworker({'hostname': 'edge-1'})}")

    # conductor-1 configures edge-3 at the moment conductor-0, configuring edge-2, has read
    # the rows and picked an address: both pick the same, the unique constraint refuses
    # conductor-0's row, and conductor-0 reads the rows again.
    other = Conductor(db, workdir, "conductor-1")

    def race(_picked: str) -> None:
        conductor.before_insert = None
        print(f"conductor-1 configured edge-3: management address {other.configure_edgeworker({'hostname': 'edge-3'})}")

    conductor.before_insert = race
    print(f"conductor-0 configured edge-2: management address {conductor.configure_edgeworker({'hostname': 'edge-2'})}")

    try:
        api.check_operation({"personality": "edgeworker"}, "host-upgrade")
    except ClientSideError as e:
        print(f"host-upgrade refused ({e.status_code}): {e.msg}")

    for name in ("dnsmasq.hosts", "dnsmasq.addn_hosts"):
        print(f"--- {name}")
        print((workdir / name).read_text(), end="")

    rows = dict(db.rows(POOL))
    nodes = [dict(NODE_FACTS, hostname=h["hostname"], mgmt_ip=rows[f"{h['hostname']}-mgmt"], mgmt_mac=h["mgmt_mac"])
             for h in db.hosts() if h.get("personality") == "edgeworker"]
    plan = conductor.provision(CONTROLLER_FACTS, nodes, workdir / "ansible")
    written = sorted(p.name for p in (workdir / "ansible").iterdir())
    print(f"plan: {len(plan)} nodes, Kubernetes {CONTROLLER_FACTS['kubernetes_version']}; written: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        sys.exit(main(Path(tmp)))
