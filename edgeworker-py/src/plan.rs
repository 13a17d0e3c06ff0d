//! The provisioning plan (PROVISIONING.md) and the version-skew check.

use std::path::PathBuf;

use edgeworker_core::plan::{self as core, KubeVersion, Problem, Secrets};
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
