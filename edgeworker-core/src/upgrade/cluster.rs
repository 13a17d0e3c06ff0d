//! The cluster's view of the nodes: the output of `kubectl get nodes -o json`.

use std::collections::HashMap;

use serde_json::Value;

use crate::excerpt::excerpt;
use crate::plan::KubeVersion;

use super::error::UpgradeError;

/// Each node's name and kubelet version as the cluster reports them. Only the nodes being
/// upgraded are held to the version format: a cluster's other nodes (the controllers) are
/// none of the plan's business.
///
/// ```
/// use edgeworker_core::upgrade::ClusterNodes;
/// use serde_json::json;
///
/// let cluster = ClusterNodes::from_value(json!({"kind": "NodeList", "items": [
///     {"metadata": {"name": "edge-1"}, "status": {"nodeInfo": {"kubeletVersion": "v1.29.2"}}},
/// ]}))?;
/// assert_eq!(cluster.kubelet("edge-1")?.to_string(), "1.29.2");
/// assert_eq!(cluster.kubelet("edge-2").unwrap_err().code(), "upgrade.unknown_node");
/// # Ok::<(), edgeworker_core::upgrade::UpgradeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterNodes {
    kubelets: HashMap<String, String>,
}

fn problem(at: impl Into<String>, problem: impl Into<String>) -> UpgradeError {
    UpgradeError::KubeNodes {
        at: at.into(),
        problem: problem.into(),
    }
}

impl ClusterNodes {
    /// Reads a `NodeList` (or kubectl's `List` of nodes): `.items[].metadata.name` and
    /// `.items[].status.nodeInfo.kubeletVersion`, both strings, names unique.
    ///
    /// # Errors
    ///
    /// [`UpgradeError::KubeNodes`] naming the item and the field.
    pub fn from_value(value: Value) -> Result<Self, UpgradeError> {
        let Value::Object(mut list) = value else {
            return Err(problem(
                ".",
                "must be an object with an items array (the output of kubectl get nodes -o json)",
            ));
        };
        let Some(Value::Array(items)) = list.remove("items") else {
            return Err(problem(
                "items",
                "must be an array (the output of kubectl get nodes -o json)",
            ));
        };
        let mut kubelets = HashMap::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = format!("items[{index}]");
            let Some(name) = item.pointer("/metadata/name").and_then(Value::as_str) else {
                return Err(problem(at, "metadata.name must be a string"));
            };
            let Some(version) = item
                .pointer("/status/nodeInfo/kubeletVersion")
                .and_then(Value::as_str)
            else {
                return Err(problem(
                    format!("node {:?} ({at})", excerpt(name)),
                    "status.nodeInfo.kubeletVersion must be a string",
                ));
            };
            if kubelets
                .insert(name.to_owned(), version.to_owned())
                .is_some()
            {
                return Err(problem(
                    format!("node {:?} ({at})", excerpt(name)),
                    "metadata.name appears twice",
                ));
            }
        }
        Ok(Self { kubelets })
    }

    /// The kubelet version the cluster reports for `node`.
    ///
    /// # Errors
    ///
    /// [`UpgradeError::UnknownNode`] when the cluster does not know the node,
    /// [`UpgradeError::KubeletVersion`] when its version is not a release version.
    pub fn kubelet(&self, node: &str) -> Result<KubeVersion, UpgradeError> {
        let text = self
            .kubelets
            .get(node)
            .ok_or_else(|| UpgradeError::UnknownNode {
                node: node.to_owned(),
            })?;
        KubeVersion::parse(text).ok_or_else(|| UpgradeError::KubeletVersion {
            node: node.to_owned(),
            value: text.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn item(name: &str, version: &str) -> Value {
        json!({"metadata": {"name": name}, "status": {"nodeInfo": {"kubeletVersion": version}}})
    }

    #[test]
    fn malformed_lists_name_the_item_and_field() {
        let err = |v: Value| ClusterNodes::from_value(v).unwrap_err().to_string();
        assert_eq!(
            err(json!([])),
            "kube-nodes: .: must be an object with an items array (the output of kubectl get nodes -o json)"
        );
        assert!(
            err(json!({"kind": "NodeList"})).starts_with("kube-nodes: items: must be an array")
        );
        assert_eq!(
            err(json!({"items": [item("a", "v1.29.2"), {"metadata": {}}]})),
            "kube-nodes: items[1]: metadata.name must be a string"
        );
        assert_eq!(
            err(json!({"items": [{"metadata": {"name": "edge-1"}, "status": {}}]})),
            "kube-nodes: node \"edge-1\" (items[0]): status.nodeInfo.kubeletVersion must be a string"
        );
        assert_eq!(
            err(json!({"items": [item("edge-1", "v1.29.2"), item("edge-1", "v1.29.2")]})),
            "kube-nodes: node \"edge-1\" (items[1]): metadata.name appears twice"
        );
    }

    #[test]
    fn versions_are_checked_only_for_the_nodes_asked_for() {
        let cluster = ClusterNodes::from_value(
            json!({"items": [item("controller-0", "v1.29.2+stx"), item("edge-1", "1.28.4")]}),
        )
        .unwrap();
        assert_eq!(cluster.kubelet("edge-1").unwrap().to_string(), "1.28.4");
        let err = cluster.kubelet("controller-0").unwrap_err();
        assert_eq!(err.code(), "upgrade.invalid_kubelet_version");
        assert_eq!(
            err.to_string(),
            "node \"controller-0\": status.nodeInfo.kubeletVersion \"v1.29.2+stx\" in kube-nodes is not a Kubernetes release version like v1.29.2"
        );
        assert_eq!(err.node(), Some("controller-0"));
    }
}
