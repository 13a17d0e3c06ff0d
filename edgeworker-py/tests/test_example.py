"""examples/sysinv_integration.py: runnable, and its pieces behave as sysinv needs."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "sysinv_integration.py"


def load():
    spec = importlib.util.spec_from_file_location("sysinv_integration", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_runs(tmp_path):
    done = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "host-add refused (400): controller-0 Reject attempt to configure invalid hostname for personality edgeworker." in out
    assert "host-add accepted: edge-1 (create)" in out
    assert "host-upgrade refused (400): host-upgrade rejected: Not supported for EDGEWORKER node." in out
    assert "3c:ec:ef:10:20:01,edge-1,192.168.204." in out


def test_the_semantic_check_raises_sysinv_error_with_sysinv_text():
    example = load()
    api = example.HostApi(example.CONTEXT)
    with pytest.raises(example.ClientSideError) as info:
        api.semantic_check_host_add({"hostname": "edge-1", "personality": "edgeworker"})
    assert info.value.msg == "Host-add Rejected: Must provide MAC Address of the host mgmt interface"
    assert info.value.status_code == 400


def test_configure_allocates_and_rewrites_dnsmasq(tmp_path: Path):
    example = load()
    rows = [(r["name"], r["address"]) for r in example.CONTEXT["addresses"]]
    conductor = example.Conductor(dict(example.CONTEXT["mgmt_network"]["pool"], order="sequential"), rows, tmp_path)
    first = conductor.configure_edgeworker({"hostname": "edge-1", "mgmt_mac": "3c:ec:ef:10:20:01"})
    second = conductor.configure_edgeworker({"hostname": "edge-2", "mgmt_mac": "3c:ec:ef:10:20:02"})
    assert (first, second) == ("192.168.204.5", "192.168.204.6")
    # Configuring again keeps the address (a conductor restart re-runs configure).
    assert conductor.configure_edgeworker({"hostname": "edge-1", "mgmt_mac": "3c:ec:ef:10:20:01"}) == first
    assert (tmp_path / "dnsmasq.hosts").read_text().splitlines() == [
        "controller,192.168.204.2",
        "controller-0,192.168.204.3",
        "controller-1,192.168.204.4",
        "3c:ec:ef:10:20:01,edge-1,192.168.204.5,1d",
        "3c:ec:ef:10:20:02,edge-2,192.168.204.6,1d",
    ]
    assert (tmp_path / "dnsmasq.addn_hosts").read_text().splitlines()[-1] == "192.168.204.6 edge-2"
    assert conductor.delete_host("edge-1") == first
    assert "edge-1" not in (tmp_path / "dnsmasq.hosts").read_text()
    assert not list(tmp_path.glob("*.tmp"))


def test_static_configure_records_the_given_address(tmp_path: Path):
    example = load()
    conductor = example.Conductor(example.CONTEXT["mgmt_network"]["pool"], [], tmp_path, dynamic=False)
    assert conductor.configure_edgeworker({"hostname": "edge-7", "mgmt_mac": "3c:ec:ef:10:20:07", "mgmt_ip": "192.168.204.77"}) == "192.168.204.77"
    assert (tmp_path / "dnsmasq.addn_hosts").read_text() == "192.168.204.77 edge-7\n"
