"""Shared helpers: the requests, contexts and hosts the tests start from, and the CLI for
differential checks (the same core behind two surfaces must answer the same)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]

CONTROLLERS = [
    {
        "hostname": f"controller-{n}",
        "personality": "controller",
        "subfunctions": "controller",
        "mgmt_mac": f"08:00:27:aa:00:0{n + 1}",
        "mgmt_ip": f"192.168.204.{3 + n}",
        "uuid": f"3d6e2a40-1b7c-4f0e-9a51-6c2f8d0e0a0{n}",
        "invprovision": "provisioned",
        "administrative": "unlocked",
        "operational": "enabled",
        "availability": "available",
    }
    for n in (0, 1)
]

ROWS = [
    {"name": "controller-mgmt", "address": "192.168.204.2"},
    {"name": "controller-0-mgmt", "address": "192.168.204.3"},
    {"name": "controller-1-mgmt", "address": "192.168.204.4"},
]

DISCOVERED = {"mgmt_mac": "08:00:27:dd:00:01", "uuid": "d-1"}
EDGE_2 = {
    "hostname": "edge-2",
    "personality": "edgeworker",
    "subfunctions": "edgeworker",
    "mgmt_mac": "08:00:27:dd:00:02",
    "uuid": "e-2",
    "invprovision": "unprovisioned",
}
EDGE_3 = dict(EDGE_2, hostname="edge-3", mgmt_mac="08:00:27:dd:00:03", uuid="e-3", invprovision="provisioned")


def edge(**overrides: Any) -> Dict[str, Any]:
    """A valid edgeworker request; an override of None removes the field."""
    request: Dict[str, Any] = {"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:01"}
    for key, value in overrides.items():
        if value is None:
            request.pop(key, None)
        else:
            request[key] = value
    return request


def context(**overrides: Any) -> Dict[str, Any]:
    """The built-in context written out (so the CLI gets the same), with top-level overrides."""
    ctx: Dict[str, Any] = {
        "system": {"mode": "duplex", "type": "Standard"},
        "mgmt_network": {"dynamic": True},
        "hosts": copy.deepcopy(CONTROLLERS),
        "addresses": copy.deepcopy(ROWS),
    }
    ctx.update(copy.deepcopy(overrides))
    return ctx


def static(**overrides: Any) -> Dict[str, Any]:
    return context(mgmt_network={"dynamic": False}, **overrides)


def with_hosts(*hosts: Dict[str, Any], **overrides: Any) -> Dict[str, Any]:
    return context(hosts=copy.deepcopy(CONTROLLERS) + [copy.deepcopy(h) for h in hosts], **overrides)


class Cli:
    """`edgeworker-cli validate --format json`, for comparing with the binding."""

    def __init__(self, binary: str, tmp: Path) -> None:
        self.binary = binary
        self.tmp = tmp

    def validate(self, request: Any, ctx: Optional[Dict[str, Any]], *args: str) -> Dict[str, Any]:
        req = self.tmp / "request.json"
        req.write_text(json.dumps(request))
        cmd = [self.binary, "validate", "--format", "json", *args]
        if ctx is not None:
            path = self.tmp / "context.json"
            path.write_text(json.dumps(ctx))
            cmd += ["--context", str(path)]
        done = subprocess.run(cmd + [str(req)], capture_output=True, text=True, check=False)
        assert done.returncode in (0, 1), done.stderr
        report = json.loads(done.stdout)
        # Every CLI JSON object names its shape's version; the rest is the binding's answer.
        assert report.pop("schema") == 1, report
        return report


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The CLI binary: $EDGEWORKER_CLI (scripts/test-python sets it), else target/debug."""
    given = os.environ.get("EDGEWORKER_CLI")
    if given:
        assert Path(given).is_file(), f"EDGEWORKER_CLI={given} does not exist"
        return Cli(given, tmp_path)
    binary = ROOT / "target" / "debug" / "edgeworker-cli"
    if not binary.is_file():
        pytest.skip(f"edgeworker-cli not built at {binary} (cargo build -p edgeworker-cli)")
    return Cli(str(binary), tmp_path)
