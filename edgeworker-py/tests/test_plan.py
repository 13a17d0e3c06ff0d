"""plan() and skew_check(): the core's plan through Python, equal to the CLI's renderings,
and PlanError naming node and field."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

import edgeworker
from edgeworker import PlanError

from conftest import ROOT

EXAMPLES = ROOT / "examples" / "plan"


def controller() -> Dict[str, Any]:
    return json.loads((EXAMPLES / "controller.json").read_text())


def nodes() -> List[Dict[str, Any]]:
    return json.loads((EXAMPLES / "nodes.json").read_text())


def test_the_example_fleet_plans_in_run_order():
    plan = edgeworker.plan(controller(), nodes())
    assert len(plan) == 4
    ids = [step["id"] for step in plan.steps]
    assert ids[0] == "controller.lock" and ids[-1] == "controller.cleanup"
    assert ids.count("node.k8s_join") == 4
    assert repr(plan) == 'Plan(nodes=4, kubernetes_version="1.29.2")'
    data = json.loads(plan.to_json())
    assert data["schema"] == 1
    assert data["steps"] == plan.steps
    assert "edge-rocky-1" in plan.to_text()


def test_renderings_equal_the_clis(tmp_path: Path, cli):
    plan = edgeworker.plan(controller(), nodes())
    base = [cli.binary, "plan", "--controller", str(EXAMPLES / "controller.json"), "--nodes", str(EXAMPLES / "nodes.json")]
    as_json = subprocess.run(base + ["--format", "json"], capture_output=True, text=True, check=True).stdout
    assert plan.to_json() + "\n" == as_json
    as_text = subprocess.run(base + ["--format", "text"], capture_output=True, text=True, check=True).stdout
    assert plan.to_text() == as_text
    subprocess.run(base + ["--format", "ansible", "--out", str(tmp_path / "cli")], capture_output=True, check=True)
    plan.write_ansible(tmp_path / "py")
    plan.write_ansible(str(tmp_path / "py"))  # again, over its own files; str or PathLike
    for name in ("playbook.yml", "inventory.yml"):
        assert (tmp_path / "py" / name).read_text() == (tmp_path / "cli" / name).read_text()


def test_a_given_token_is_redacted_unless_revealed():
    facts = dict(controller(), join={"token": "abcdef.0123456789abcdef",
                                      "ca_cert_hash": "sha256:" + "a" * 64})
    plan = edgeworker.plan(facts, nodes())
    assert "abcdef.0123456789abcdef" not in plan.to_json()
    assert "abcdef.0123456789abcdef" not in json.dumps(plan.steps)
    assert "abcdef.0123456789abcdef" not in plan.to_text()
    assert "abcdef.0123456789abcdef" in plan.to_json(reveal_secrets=True)


def test_write_ansible_never_replaces_a_foreign_file(tmp_path: Path):
    (tmp_path / "playbook.yml").write_text("mine\n")
    with pytest.raises(PlanError) as info:
        edgeworker.plan(controller(), nodes()).write_ansible(tmp_path)
    assert info.value.code == "plan.write_refused"
    assert (info.value.node, info.value.field) == (None, None)
    assert (tmp_path / "playbook.yml").read_text() == "mine\n"


@pytest.mark.parametrize(
    "change,code,node,field",
    [
        (lambda c, n: n[2].update(os={"id": "windows", "version": "11"}), "plan.unsupported_os", "edge-centos-1", "os"),
        (lambda c, n: n[1].update(mgmt_mac="nope"), "plan.invalid_mac", "edge-debian-1", "mgmt_mac"),
        (lambda c, n: n[0].update(hostname="Edge_1"), "plan.invalid_hostname", "nodes[0]", "hostname"),
        (lambda c, n: c.update(kubernetes_version="latest"), "plan.invalid_version", None, "kubernetes_version"),
        (lambda c, n: c.pop("apiserver"), "plan.missing_field", None, "apiserver"),
        (lambda c, n: n[3].update(colour="red"), "plan.unknown_field", "edge-rocky-1", "colour"),
        (lambda c, n: n.clear(), "plan.no_nodes", None, None),
        (lambda c, n: c.update(mgmt_addressing="manual"), "plan.invalid_choice", None, "mgmt_addressing"),
        (lambda c, n: c.update(mgmt_gateway="192.168.204.1"), "plan.unused_field", None, "mgmt_gateway"),
    ],
)
def test_invalid_inputs_name_node_and_field(change, code, node, field):
    c, n = controller(), nodes()
    change(c, n)
    with pytest.raises(PlanError) as info:
        edgeworker.plan(c, n)
    err = info.value
    assert err.code == code
    assert err.node == node
    if field is not None:
        assert err.field == field
    assert str(err)
    again = pickle.loads(pickle.dumps(err))
    assert (again.code, again.node, again.field, str(again)) == (err.code, err.node, err.field, str(err))


def test_static_addressing_configures_the_planned_address():
    c = dict(controller(), mgmt_addressing="static", mgmt_gateway="192.168.204.1")
    plan = edgeworker.plan(c, nodes())
    text = plan.to_text()
    assert "Address=192.168.204.50/24\nGateway=192.168.204.1" in text.replace("\n        | ", "\n")
    assert "DHCP=ipv4" not in text
    network = [s for s in plan.steps if s["id"] == "node.network"][0]
    stanzas = [a for a in network["actions"] if a["kind"] == "management_stanza"]
    assert stanzas and "address 192.168.204.50/24" in stanzas[0]["content"]


@pytest.mark.parametrize(
    "control_plane,kubelet,allowed",
    [("1.29.2", "1.26.0", True), ("v1.29.2", "v1.29.9", True), ("1.27.0", "1.24.9", False), ("1.29.2", "1.30.0", False)],
)
def test_skew_check(control_plane, kubelet, allowed):
    verdict = edgeworker.skew_check(control_plane, kubelet)
    assert verdict["allowed"] is allowed
    assert set(verdict) == {"allowed", "reason"} and verdict["reason"]


def test_skew_check_names_the_bad_version():
    with pytest.raises(PlanError) as info:
        edgeworker.skew_check("1.29.2", "latest")
    assert (info.value.code, info.value.node, info.value.field) == ("plan.invalid_version", None, "kubelet")
    assert str(info.value).startswith('kubelet: "latest" is not a Kubernetes release version')


@pytest.mark.parametrize(
    "call,fragments",
    [
        (lambda: edgeworker.plan([], []), ["controller", "expected dict, not list"]),
        (lambda: edgeworker.plan(controller(), tuple(nodes())), ["nodes", "expected list, not tuple"]),
        (lambda: edgeworker.plan(controller(), [dict(nodes()[0], labels={1: "x"})]), ['nodes[0]["labels"]', "keys must be str"]),
        (lambda: edgeworker.plan(dict(controller(), dns_servers=[float("nan")]), nodes()), ['controller["dns_servers"][0]', "NaN"]),
        (lambda: edgeworker.plan(controller(), nodes()).write_ansible(3), ["directory", "not int"]),
        (lambda: edgeworker.plan(controller(), nodes()).to_json(reveal_secrets="yes"), ["reveal_secrets", "expected bool"]),
        (lambda: edgeworker.skew_check(1.29, "1.29.0"), ["control_plane", "expected str, not float"]),
    ],
)
def test_wrong_argument_types(call, fragments):
    with pytest.raises(TypeError) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_a_wrong_json_shape_inside_is_the_cores_plan_error():
    with pytest.raises(PlanError) as info:
        edgeworker.plan(controller(), [42])
    assert info.value.code == "plan.wrong_type"
