"""examples/sysinv_integration.py: runnable, and its pieces behave as sysinv needs them to:
sysinv's messages, a pool rebuilt from the database for every allocation, conductors that
race safely, every host's MAC in dnsmasq's file, a plan."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, List

import pytest

import edgeworker

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "sysinv_integration.py"

# What the example prints, every line: scripts/test-bullseye compares the run on Debian 11
# with the same file.
EXPECTED = EXAMPLE.with_suffix(".expected")


def load():
    spec = importlib.util.spec_from_file_location("sysinv_integration", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_runs_and_prints_what_sysinv_would(tmp_path):
    done = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == EXPECTED.read_text().splitlines()
    # The lines that matter most, spelled out here too.
    for line in (
        "host-add refused (400): controller-0 Reject attempt to configure invalid hostname for personality edgeworker.",
        "pickled HostValidationError: code hostname.reserved, status 400, 2 error(s), message intact: True",
        "conductor-0: 192.168.204.6 was taken since the rows were read; reading them again",
        "08:00:27:aa:00:01,controller-0,192.168.204.3,1d",
        "3c:ec:ef:10:20:02,edge-2,192.168.204.7,1d",
    ):
        assert line in done.stdout.splitlines()
    assert done.stdout.splitlines()[-1].startswith("plan: ")


def test_the_semantic_check_raises_sysinv_error_with_sysinv_text():
    example = load()
    api = example.HostApi(example.new_database())
    with pytest.raises(example.ClientSideError) as info:
        api.semantic_check_host_add({"hostname": "edge-1", "personality": "edgeworker"})
    assert info.value.msg == "Host-add Rejected: Must provide MAC Address of the host mgmt interface"
    assert info.value.status_code == 400
    assert isinstance(info.value.__cause__, edgeworker.HostValidationError)


def add_edge(example, db, n: int, **extra: str) -> Dict[str, str]:
    host = {"hostname": f"edge-{n}", "personality": "edgeworker", "mgmt_mac": f"3c:ec:ef:10:{n // 256:02x}:{n % 256:02x}",
            **extra}
    result = example.HostApi(db).semantic_check_host_add(host)
    db.add_host(result["host"])
    return host


def test_configure_allocates_and_writes_every_hosts_mac(tmp_path: Path):
    example = load()
    db = example.new_database()
    conductor = example.Conductor(db, tmp_path)
    first = conductor.configure_edgeworker(add_edge(example, db, 1))
    second = conductor.configure_edgeworker(add_edge(example, db, 2))
    assert (first, second) == ("192.168.204.5", "192.168.204.6")
    # Configuring again keeps the address (a conductor restart re-runs configure).
    assert conductor.configure_edgeworker({"hostname": "edge-1"}) == first
    assert (tmp_path / "dnsmasq.hosts").read_text().splitlines() == [
        "controller,192.168.204.2",
        "08:00:27:aa:00:01,controller-0,192.168.204.3,1d",
        "08:00:27:aa:00:02,controller-1,192.168.204.4,1d",
        "3c:ec:ef:10:00:01,edge-1,192.168.204.5,1d",
        "3c:ec:ef:10:00:02,edge-2,192.168.204.6,1d",
    ]
    # sysinv _generate_dnsmasq_hosts_file: the additional-hosts file names the controller only.
    assert (tmp_path / "dnsmasq.addn_hosts").read_text() == "192.168.204.2 pxecontroller\n"
    conductor.delete_host("edge-1")
    assert "edge-1" not in (tmp_path / "dnsmasq.hosts").read_text()
    assert db.rows(example.POOL)[-1] == ("edge-2-mgmt", second)
    assert not list(tmp_path.glob("*.tmp"))


def test_rows_written_by_others_are_seen_by_the_next_allocation(tmp_path: Path):
    """No pool outlives an operation: a row another conductor (or sysinv itself) inserted
    is never handed out again, as a long-lived pool would."""
    example = load()
    db = example.new_database()
    conductor = example.Conductor(db, tmp_path)
    assert conductor.configure_edgeworker(add_edge(example, db, 1)) == "192.168.204.5"
    db.insert_row(example.POOL, "controller-platform-nfs-mgmt", "192.168.204.6")
    assert conductor.configure_edgeworker(add_edge(example, db, 2)) == "192.168.204.7"


def test_conductors_in_threads_never_share_an_address(tmp_path: Path):
    example = load()
    path = str(tmp_path / "sysinv.db")
    db = example.new_database(path, order="random")
    hosts = [add_edge(example, db, n) for n in range(1, 25)]
    got: Dict[str, str] = {}
    failures: List[BaseException] = []

    def conductor(worker: int) -> None:
        try:
            mine = example.Conductor(example.Database(path, create=False), tmp_path, f"conductor-{worker}")
            for host in hosts[worker::4]:
                got[host["hostname"]] = mine.allocate_mgmt_address(host["hostname"])
        except BaseException as err:  # reported below, with the worker's traceback lost
            failures.append(err)

    threads = [threading.Thread(target=conductor, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    assert len(got) == 24 and len(set(got.values())) == 24
    stored = dict(db.rows(example.POOL))
    assert all(stored[f"{h}-mgmt"] == a for h, a in got.items())


def test_static_addressing_reserves_the_given_address(tmp_path: Path):
    example = load()
    db = example.new_database()
    db.dynamic = False
    conductor = example.Conductor(db, tmp_path)
    host = add_edge(example, db, 7, mgmt_ip="192.168.204.77")
    assert conductor.configure_edgeworker(host) == "192.168.204.77"
    assert conductor.configure_edgeworker(host) == "192.168.204.77"
    assert "3c:ec:ef:10:00:07,edge-7,192.168.204.77,1d" in (tmp_path / "dnsmasq.hosts").read_text().splitlines()
    with pytest.raises(edgeworker.AddressPoolError) as info:
        conductor.reserve_mgmt_address("edge-8", "192.168.204.77")
    assert info.value.code == "mgmt_ip.allocated"


def test_the_plan_is_written_for_the_configured_nodes(tmp_path: Path):
    example = load()
    db = example.new_database()
    conductor = example.Conductor(db, tmp_path)
    address = conductor.configure_edgeworker(add_edge(example, db, 1))
    node = dict(example.NODE_FACTS, hostname="edge-1", mgmt_ip=address, mgmt_mac="3c:ec:ef:10:00:01")
    plan = conductor.provision(example.CONTROLLER_FACTS, [node], tmp_path / "ansible")
    assert len(plan) == 1
    assert sorted(p.name for p in (tmp_path / "ansible").iterdir()) == ["ansible.cfg", "inventory.yml", "playbook.yml"]
    assert address in (tmp_path / "ansible" / "inventory.yml").read_text()
