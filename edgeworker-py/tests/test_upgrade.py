"""upgrade_plan(): the core's upgrade plan through Python, equal to the CLI's renderings,
and PlanError naming the node."""

from __future__ import annotations

import json
import pickle
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

import edgeworker
from edgeworker import PlanError

from conftest import ROOT

EXAMPLES = ROOT / "examples"


def controller() -> Dict[str, Any]:
    return json.loads((EXAMPLES / "upgrade" / "controller.json").read_text())


def nodes() -> List[Dict[str, Any]]:
    return json.loads((EXAMPLES / "plan" / "nodes.json").read_text())


def kube_nodes() -> Dict[str, Any]:
    return json.loads((EXAMPLES / "upgrade" / "kube-nodes.json").read_text())


def test_the_example_upgrade_goes_one_minor_at_a_time():
    plan = edgeworker.upgrade_plan(controller(), nodes(), kube_nodes())
    assert len(plan) == 3  # edge-centos-1 is at the target: left alone
    assert repr(plan) == 'UpgradePlan(nodes=3, kubernetes_version="1.30.1")'
    data = json.loads(plan.to_json())
    assert (data["schema"], data["kind"]) == (1, "upgrade")
    assert data["steps"] == plan.steps
    debian = data["nodes"][1]
    assert debian["path"] == ["1.29.0", "1.30.1"]
    assert [p["at"] for p in debian["skew"]] == ["before", "after 1.29.0", "after 1.30.1"]
    assert "1.28.4 -> 1.29.0 -> 1.30.1" in plan.to_text()


def test_renderings_equal_the_clis(tmp_path: Path, cli):
    plan = edgeworker.upgrade_plan(controller(), nodes(), kube_nodes())
    base = [cli.binary, "upgrade-plan", "--controller", str(EXAMPLES / "upgrade" / "controller.json"),
            "--nodes", str(EXAMPLES / "plan" / "nodes.json"),
            "--kube-nodes", str(EXAMPLES / "upgrade" / "kube-nodes.json")]
    as_json = subprocess.run(base + ["--format", "json"], capture_output=True, text=True, check=True).stdout
    assert plan.to_json() + "\n" == as_json
    as_text = subprocess.run(base + ["--format", "text"], capture_output=True, text=True, check=True).stdout
    assert plan.to_text() == as_text
    subprocess.run(base + ["--format", "ansible", "--out", str(tmp_path / "cli")], capture_output=True, check=True)
    plan.write_ansible(tmp_path / "py")
    for name in ("playbook.yml", "inventory.yml", "ansible.cfg"):
        assert (tmp_path / "py" / name).read_text() == (tmp_path / "cli" / name).read_text()


def with_kubelet(name: str, version: Any) -> Dict[str, Any]:
    view = kube_nodes()
    for item in view["items"]:
        if item["metadata"]["name"] == name:
            item["status"]["nodeInfo"]["kubeletVersion"] = version
    return view


@pytest.mark.parametrize(
    "view,code,node,field",
    [
        (with_kubelet("edge-rocky-1", "v1.31.0"), "upgrade.downgrade", "edge-rocky-1", "kubernetes_version"),
        (with_kubelet("edge-rocky-1", "v2.0.0"), "upgrade.major_version", "edge-rocky-1", "kubernetes_version"),
        (with_kubelet("edge-debian-1", "latest"), "upgrade.invalid_kubelet_version", "edge-debian-1", "kube_nodes"),
        ({"items": []}, "upgrade.unknown_node", "edge-ubuntu-1", "kube_nodes"),
        ({"kind": "NodeList"}, "upgrade.invalid_kube_nodes", None, "kube_nodes"),
        (with_kubelet("edge-debian-1", 7), "upgrade.invalid_kube_nodes", None, "kube_nodes"),
    ],
)
def test_refusals_name_the_node(view, code, node, field):
    with pytest.raises(PlanError) as info:
        edgeworker.upgrade_plan(controller(), nodes(), view)
    err = info.value
    assert (err.code, err.node, err.field) == (code, node, field)
    assert (node or "kube-nodes") in str(err)
    again = pickle.loads(pickle.dumps(err))
    assert (again.code, again.node, again.field, str(again)) == (err.code, err.node, err.field, str(err))


def test_invalid_plan_inputs_are_the_plans_errors():
    c = dict(controller(), max_unavailable="0%")
    with pytest.raises(PlanError) as info:
        edgeworker.upgrade_plan(c, nodes(), kube_nodes())
    assert (info.value.code, info.value.node, info.value.field) == (
        "plan.invalid_max_unavailable", None, "max_unavailable")


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError, match="kube_nodes"):
        edgeworker.upgrade_plan(controller(), nodes(), [])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="nodes"):
        edgeworker.upgrade_plan(controller(), {}, kube_nodes())  # type: ignore[arg-type]
