//! The Ansible inventory, serialized by serde-saphyr straight from the plan.
//!
//! Shape: controller-level values as `all` variables; the controller host in its own group;
//! the nodes in one child group of [`NODE_GROUP`] per OS release and architecture (in order
//! of first appearance; whose variables say those and the profile), each node with its own
//! values. Grouping keeps per-node data small.
//!
//! The inventory is the one document that grows with the fleet (10,000 nodes make about
//! 4 MB). It is therefore not built as a [`Yaml`] tree: the `Serialize` impls below borrow
//! the plan's values and hand them to the YAML library as they go, so a node costs no
//! owned strings of ours. Every value derived from input is still a scalar tagged
//! `!unsafe` by the library ([`UnsafeTag`]); only the small constant parts are trees.

use std::cell::Cell;
use std::collections::BTreeMap;

use serde::ser::{SerializeMap as _, SerializeSeq as _};
use serde::{Serialize, Serializer};

use crate::plan::Plan;
use crate::plan::builder::{
    CONTROLLER_HOST, ControllerStrings, MinorStrings, NodeStrings, OsStrings, Secrets,
};
use crate::plan::input::{Controller, Node};
use crate::plan::os::{Arch, OsFamily, OsRelease};
use crate::plan::render::yaml::{UnsafeTag, Yaml, map, s};
use crate::plan::values::{LabelKey, LabelValue};

use super::ansible::{CONTROLLER_GROUP, NODE_GROUP};

/// Bytes of inventory per node, to size the output buffer once (a node of the benchmark
/// fleet takes about 370).
pub(crate) const BYTES_PER_NODE: usize = 512;

/// The inventory of a plan, ready to serialize.
pub(crate) struct Inventory<'a> {
    controller: ControllerStrings,
    groups: Vec<Group<'a>>,
    tag: UnsafeTag,
    /// Reused for each `key=value` label.
    label: Cell<String>,
    /// An upgrade's minors (`edgeworker_upgrade_minors`, each node naming its own by
    /// position); `None` for a provisioning plan.
    minors: Option<&'a [MinorStrings]>,
}

/// The nodes of one OS release and architecture, in input order.
struct Group<'a> {
    os: &'static OsRelease,
    arch: Arch,
    nodes: Vec<(&'a Node, &'a [usize])>,
}

impl<'a> Inventory<'a> {
    pub(crate) fn new(plan: &'a Plan) -> Self {
        Self::build(
            plan.controller(),
            plan.nodes().iter().map(|p| (p.node(), &[][..])),
            None,
        )
    }

    /// The inventory of `nodes`, each with the positions of its minors in `minors` (an
    /// upgrade) or none (provisioning, `minors` is `None`).
    pub(crate) fn build(
        controller: &Controller,
        nodes: impl Iterator<Item = (&'a Node, &'a [usize])>,
        minors: Option<&'a [MinorStrings]>,
    ) -> Self {
        let mut groups: Vec<Group<'a>> = Vec::new();
        for (node, path) in nodes {
            // A handful of groups at most (releases × architectures): a scan is cheapest.
            match groups
                .iter_mut()
                .find(|g| std::ptr::eq(g.os, node.os()) && g.arch == node.arch())
            {
                Some(group) => group.nodes.push((node, path)),
                None => groups.push(Group {
                    os: node.os(),
                    arch: node.arch(),
                    nodes: vec![(node, path)],
                }),
            }
        }
        Self {
            controller: ControllerStrings::concrete(controller, Secrets::Redact),
            groups,
            tag: UnsafeTag::new(),
            label: Cell::new(String::new()),
            minors,
        }
    }
}

/// The inventory key of an OS family (the playbook's handlers test it).
pub(crate) fn family_key(family: OsFamily) -> &'static str {
    match family {
        OsFamily::DebianLike => "debian_like",
        OsFamily::RhelLike => "rhel_like",
    }
}

/// The group of the nodes of one OS release and architecture, named from the table (never
/// from input).
fn release_group(os: &OsRelease, arch: Arch) -> String {
    format!(
        "{NODE_GROUP}_{}_{}_{arch}",
        os.id,
        os.version.replace('.', "_")
    )
}

/// A one-entry mapping.
struct Entry<'k, V>(&'k str, V);

impl<V: Serialize> Serialize for Entry<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.0, &self.1)?;
        map.end()
    }
}

impl Serialize for Inventory<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Entry("all", All(self)).serialize(serializer)
    }
}

/// `all`: the controller's values and the two groups.
struct All<'i, 'a>(&'i Inventory<'a>);

impl Serialize for All<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let inventory = self.0;
        let mut map = serializer.serialize_map(Some(2))?;
        let vars = inventory.controller.vars();
        map.serialize_entry("vars", &DataVars(&vars, &inventory.tag, inventory.minors))?;
        map.serialize_entry("children", &Children(inventory))?;
        map.end()
    }
}

/// Variables whose values all came from input, and an upgrade's minors.
struct DataVars<'v>(
    &'v [(&'static str, &'v str)],
    &'v UnsafeTag,
    Option<&'v [MinorStrings]>,
);

impl Serialize for DataVars<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len() + 1))?;
        for (var, value) in self.0 {
            map.serialize_entry(var, &self.1.value(value))?;
        }
        if let Some(minors) = self.2 {
            map.serialize_entry(UPGRADE_MINORS, &Minors(minors, self.1))?;
        }
        map.end()
    }
}

/// The `all` variable listing an upgrade's minors, each a mapping of `!unsafe` values.
pub(crate) const UPGRADE_MINORS: &str = "edgeworker_upgrade_minors";
/// The node variable listing the positions of its minors in [`UPGRADE_MINORS`], in order.
pub(crate) const UPGRADE_PATH: &str = "edgeworker_upgrade";

struct Minors<'v>(&'v [MinorStrings], &'v UnsafeTag);

impl Serialize for Minors<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for minor in self.0 {
            seq.serialize_element(&MinorMap(minor, self.1))?;
        }
        seq.end()
    }
}

struct MinorMap<'v>(&'v MinorStrings, &'v UnsafeTag);

impl Serialize for MinorMap<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let vars = self.0.vars();
        let mut map = serializer.serialize_map(Some(vars.len()))?;
        for (key, value) in vars {
            map.serialize_entry(key, &self.1.value(value))?;
        }
        map.end()
    }
}

/// The controller's group and the nodes' groups.
struct Children<'i, 'a>(&'i Inventory<'a>);

impl Serialize for Children<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let controller_host = map([
            ("ansible_connection", s("local")),
            (
                "ansible_python_interpreter",
                s("{{ ansible_playbook_python }}"),
            ),
        ]);
        let controller = Entry("hosts", Entry(CONTROLLER_HOST, controller_host));
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry(CONTROLLER_GROUP, &controller)?;
        map.serialize_entry(NODE_GROUP, &Entry("children", Groups(self.0)))?;
        map.end()
    }
}

/// One child group per release and architecture.
struct Groups<'i, 'a>(&'i Inventory<'a>);

impl Serialize for Groups<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let inventory = self.0;
        let mut map = serializer.serialize_map(Some(inventory.groups.len()))?;
        for group in &inventory.groups {
            map.serialize_entry(
                &release_group(group.os, group.arch),
                &GroupBody(group, inventory),
            )?;
        }
        map.end()
    }
}

/// A group's variables (the profile and the release) and its hosts.
struct GroupBody<'i, 'a>(&'i Group<'a>, &'i Inventory<'a>);

impl Serialize for GroupBody<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (group, inventory) = (self.0, self.1);
        let release = OsStrings::concrete(group.os, group.arch);
        let vars = release.vars().into_iter().fold(
            map([
                ("edgeworker_profile", s(group.os.profile().key())),
                ("edgeworker_family", s(family_key(group.os.family))),
            ]),
            |vars, (var, value)| vars.with(var, Yaml::Data(value.to_owned())),
        );
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("vars", &vars)?;
        map.serialize_entry("hosts", &Hosts(&group.nodes, inventory))?;
        map.end()
    }
}

/// The nodes of a group, by inventory name (the validated hostname).
struct Hosts<'i, 'a>(&'i [(&'a Node, &'a [usize])], &'i Inventory<'a>);

impl Serialize for Hosts<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        let Some((first, _)) = self.0.first() else {
            return map.end();
        };
        // One set of buffers for the node values, refilled from node to node.
        let mut strings = NodeStrings::concrete(first);
        for (node, path) in self.0 {
            strings.refill(node);
            let host = Host {
                node,
                path,
                strings: &strings,
                inventory: self.1,
            };
            map.serialize_entry(node.hostname().as_str(), &host)?;
        }
        map.end()
    }
}

/// One node's connection and values.
struct Host<'i, 'a> {
    node: &'a Node,
    path: &'a [usize],
    strings: &'i NodeStrings,
    inventory: &'i Inventory<'a>,
}

impl Serialize for Host<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (node, tag) = (self.node, &self.inventory.tag);
        let vars = self.strings.vars();
        let mut map = serializer.serialize_map(Some(5 + vars.len()))?;
        map.serialize_entry("ansible_host", &tag.value(&self.strings.mgmt_ip))?;
        map.serialize_entry("ansible_user", &tag.value(node.ssh_user().as_str()))?;
        map.serialize_entry(
            "ansible_python_interpreter",
            &tag.value(node.python().as_str()),
        )?;
        for (var, value) in vars {
            map.serialize_entry(var, &tag.value(value))?;
        }
        map.serialize_entry("edgeworker_labels", &Labels(node.labels(), self.inventory))?;
        if self.inventory.minors.is_some() {
            map.serialize_entry(UPGRADE_PATH, self.path)?;
        }
        map.end()
    }
}

/// A node's labels as `key=value` items, the arguments of `kubectl label`.
struct Labels<'i, 'a>(&'a BTreeMap<LabelKey, LabelValue>, &'i Inventory<'a>);

impl Serialize for Labels<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (labels, inventory) = (self.0, self.1);
        let mut text = inventory.label.take();
        let mut seq = serializer.serialize_seq(Some(labels.len()))?;
        for (key, value) in labels {
            text.clear();
            text.push_str(key.as_str());
            text.push('=');
            text.push_str(value.as_str());
            seq.serialize_element(&inventory.tag.value(&text))?;
        }
        inventory.label.set(text);
        seq.end()
    }
}
