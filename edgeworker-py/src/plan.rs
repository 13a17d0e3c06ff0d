//! The provisioning plan (PROVISIONING.md) and the version-skew check.

use std::path::PathBuf;

use edgeworker_core::plan::{self as core, KubeVersion, Problem, Secrets};
use edgeworker_core::upgrade;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{self, bool_arg, str_arg, to_json};
use crate::errors;

/// A validated provisioning plan: its steps, and its JSON, text and Ansible renderings.
///
/// Built by ``plan(controller, nodes)``; it has no constructor of its own. ``len(plan)``
/// is the number of nodes.
#[pyclass(frozen, module = "edgeworker._edgeworker", name = "Plan")]
pub struct Plan {
    plan: core::Plan,
}

/// Validates the controller facts and the nodes and builds their provisioning plan.
///
/// ``controller``: the StarlingX controller's facts (``kubernetes_version``,
/// ``apiserver``, ``mgmt_subnet``, ``registry``, ``proxy``, ``join``, ...); ``nodes``: one
/// dict per edgeworker node (``hostname``, ``mgmt_ip``, ``os``, ``arch``, ``ssh_user``,
/// ``labels``, ...): the shapes ``edgeworker-cli plan`` reads from its JSON files.
///
/// Returns a ``Plan``. The first invalid input raises ``PlanError`` with ``code``, ``node``
/// (its hostname, or ``nodes[<i>]``; ``None`` for the controller) and ``field``;
/// ``TypeError`` for a controller that is not a dict or nodes that are not a list.
#[pyfunction]
pub fn plan(
    py: Python<'_>,
    controller: &Bound<'_, PyAny>,
    nodes: &Bound<'_, PyAny>,
) -> PyResult<Plan> {
    if !controller.is_instance_of::<PyDict>() {
        return Err(convert::type_error("controller", "dict", controller));
    }
    if !nodes.is_instance_of::<PyList>() {
        return Err(convert::type_error("nodes", "list", nodes));
    }
    let controller = to_json(controller, "controller")?;
    let nodes = to_json(nodes, "nodes")?;
    // Many nodes make validation and step building long: without the GIL.
    py.detach(move || core::Plan::from_values(controller, nodes))
        .map(|plan| Plan { plan })
        .map_err(|err| errors::plan(py, &err))
}

#[pymethods]
impl Plan {
    /// Every step in run order, as dicts (the ``steps`` of ``to_json``, secrets redacted):
    /// ``id``, ``number``, ``side``, ``title``, ``node``, ``actions``, ``guard``, ...
    #[getter]
    fn steps<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let steps = py.detach(|| serde_json::to_value(self.plan.steps(Secrets::Redact)));
        let steps =
            steps.map_err(|err| pyo3::exceptions::PyValueError::new_err(err.to_string()))?;
        convert::to_py(py, &steps)
    }

    /// The plan as JSON text (``"schema": 1``), as ``edgeworker-cli plan --format json``
    /// prints it; a given join token shows as ``<redacted>`` unless ``reveal_secrets``.
    #[pyo3(
        signature = (*, reveal_secrets = None),
        text_signature = "($self, *, reveal_secrets=False)"
    )]
    fn to_json(
        &self,
        py: Python<'_>,
        reveal_secrets: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let secrets = if bool_arg(reveal_secrets, "reveal_secrets")? {
            Secrets::Reveal
        } else {
            Secrets::Redact
        };
        py.detach(|| serde_json::to_string_pretty(&self.plan.to_json(secrets)))
            .map_err(|err| pyo3::exceptions::PyValueError::new_err(err.to_string()))
    }

    /// Numbered steps per side and node, for a person to review.
    fn to_text(&self, py: Python<'_>) -> String {
        py.detach(|| self.plan.to_text())
    }

    /// Writes ``playbook.yml`` and ``inventory.yml`` into ``directory``.
    ///
    /// The directory is created if missing; each file is written completely or not at all,
    /// and a file there that edgeworker did not render is never replaced. Raises
    /// ``PlanError`` (``plan.write_refused``, ``plan.write_failed``, ``plan.render_failed``)
    /// and ``TypeError`` for a directory that is not a str or path.
    fn write_ansible(&self, py: Python<'_>, directory: &Bound<'_, PyAny>) -> PyResult<()> {
        let directory: PathBuf = directory
            .extract()
            .map_err(|_| convert::type_error("directory", "str or os.PathLike", directory))?;
        py.detach(|| self.plan.write_ansible(&directory))
            .map_err(|err| errors::plan_write(py, &err))
    }

    /// How many nodes the plan provisions.
    fn __len__(&self) -> usize {
        self.plan.nodes().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Plan(nodes={}, kubernetes_version={:?})",
            self.plan.nodes().len(),
            self.plan.controller().kubernetes_version().to_string()
        )
    }
}

/// Kubernetes' version-skew policy: may a kubelet of version ``kubelet`` join a control
/// plane of version ``control_plane``?
///
/// Returns ``{"allowed": bool, "reason": str}``. A version that is not ``1.29.2`` or
/// ``v1.29.2`` raises ``PlanError`` (``plan.invalid_version``, ``field`` the argument's
/// name).
///
/// >>> skew_check("1.33.0", "1.32.4")["allowed"]
/// True
#[pyfunction]
pub fn skew_check<'py>(
    py: Python<'py>,
    control_plane: &Bound<'py, PyAny>,
    kubelet: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let version = |arg: &Bound<'py, PyAny>, what: &str| -> PyResult<KubeVersion> {
        let text = str_arg(arg, what)?;
        KubeVersion::parse(&text).ok_or_else(|| {
            errors::plan_argument(
                py,
                what,
                &Problem::Version {
                    value: text.into_owned(),
                },
            )
        })
    };
    let control_plane = version(control_plane, "control_plane")?;
    let kubelet = version(kubelet, "kubelet")?;
    convert::serialized(py, &core::skew_check(&control_plane, &kubelet))
}

/// A validated Kubernetes upgrade of edgeworker nodes: each node's versions and skew, the
/// steps, and the JSON, text and Ansible renderings.
///
/// Built by ``upgrade_plan(controller, nodes, kube_nodes)``; it has no constructor of its
/// own. ``len(plan)`` is the number of nodes to upgrade (nodes at the target are left alone).
#[pyclass(frozen, module = "edgeworker._edgeworker", name = "UpgradePlan")]
pub struct UpgradePlan {
    plan: upgrade::UpgradePlan,
}

/// Plans the upgrade of the nodes' kubelet and kubeadm to the control plane's version.
///
/// ``controller``: the controller's facts as for ``plan`` (its ``kubernetes_version`` is the
/// control plane's and the target; ``max_unavailable`` the nodes upgraded at once);
/// ``nodes``: the nodes as for ``plan``; ``kube_nodes``: the cluster's view, the output of
/// ``kubectl get nodes -o json`` as a dict (``items[].metadata.name``,
/// ``items[].status.nodeInfo.kubeletVersion``).
///
/// Returns an ``UpgradePlan``. Raises ``PlanError`` with ``code``, ``node`` and ``field``:
/// an invalid input as ``plan`` does; ``upgrade.unknown_node`` for a node the cluster does
/// not know, ``upgrade.invalid_kubelet_version`` for a version there that does not parse,
/// ``upgrade.invalid_kube_nodes`` for a ``kube_nodes`` that is not a node list (``field``
/// ``kube_nodes``), ``upgrade.downgrade``, ``upgrade.major_version`` or
/// ``upgrade.target_newer_than_control_plane`` for a node the policy refuses. ``TypeError``
/// for arguments of the wrong type.
#[pyfunction]
pub fn upgrade_plan(
    py: Python<'_>,
    controller: &Bound<'_, PyAny>,
    nodes: &Bound<'_, PyAny>,
    kube_nodes: &Bound<'_, PyAny>,
) -> PyResult<UpgradePlan> {
    if !controller.is_instance_of::<PyDict>() {
        return Err(convert::type_error("controller", "dict", controller));
    }
    if !nodes.is_instance_of::<PyList>() {
        return Err(convert::type_error("nodes", "list", nodes));
    }
    if !kube_nodes.is_instance_of::<PyDict>() {
        return Err(convert::type_error("kube_nodes", "dict", kube_nodes));
    }
    let controller = to_json(controller, "controller")?;
    let nodes = to_json(nodes, "nodes")?;
    let kube_nodes = to_json(kube_nodes, "kube_nodes")?;
    py.detach(move || upgrade::UpgradePlan::from_values(controller, nodes, kube_nodes))
        .map(|plan| UpgradePlan { plan })
        .map_err(|err| errors::upgrade(py, &err))
}

#[pymethods]
impl UpgradePlan {
    /// Every step in run order, as dicts (the ``steps`` of ``to_json``).
    #[getter]
    fn steps<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let steps = py.detach(|| serde_json::to_value(self.plan.steps()));
        let steps =
            steps.map_err(|err| pyo3::exceptions::PyValueError::new_err(err.to_string()))?;
        convert::to_py(py, &steps)
    }

    /// The plan as JSON text (``"schema": 1``, ``"kind": "upgrade"``), as
    /// ``edgeworker-cli upgrade-plan --format json`` prints it.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| serde_json::to_string_pretty(&self.plan.to_json()))
            .map_err(|err| pyo3::exceptions::PyValueError::new_err(err.to_string()))
    }

    /// Each node's path and skew, then the steps per node, for a person to review.
    fn to_text(&self, py: Python<'_>) -> String {
        py.detach(|| self.plan.to_text())
    }

    /// Writes ``playbook.yml``, ``inventory.yml`` and ``ansible.cfg`` into ``directory``.
    ///
    /// As ``Plan.write_ansible``: created if missing, each file whole or not at all, a file
    /// edgeworker did not render never replaced; ``PlanError`` and ``TypeError`` likewise.
    fn write_ansible(&self, py: Python<'_>, directory: &Bound<'_, PyAny>) -> PyResult<()> {
        let directory: PathBuf = directory
            .extract()
            .map_err(|_| convert::type_error("directory", "str or os.PathLike", directory))?;
        py.detach(|| self.plan.write_ansible(&directory))
            .map_err(|err| errors::plan_write(py, &err))
    }

    /// How many nodes the plan upgrades.
    fn __len__(&self) -> usize {
        self.plan.to_upgrade().count()
    }

    fn __repr__(&self) -> String {
        format!(
            "UpgradePlan(nodes={}, kubernetes_version={:?})",
            self.plan.to_upgrade().count(),
            self.plan.target().to_string()
        )
    }
}
