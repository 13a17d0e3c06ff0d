//! What the earlier stages already know about the nodes a plan provisions: each node's
//! management address (the address state, `allocate`/`reserve`) and its MAC (the context,
//! sysinv's host records). `plan --state --context` fills a node's `mgmt_ip` and `mgmt_mac`
//! from them when the nodes file leaves them out, so an operator writes only what sysinv
//! does not know (OS, architecture, SSH user), and refuses a value the nodes file gives that
//! contradicts them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use clap::Args;
use edgeworker_core::address::{AllocatedPool, JsonFileStore, mgmt_row_name};
use edgeworker_core::mac::MacAddress;
use edgeworker_core::plan::Problem;
use serde_json::Value;

use crate::failure::Failure;
use crate::{context, input, state};

/// `--state` and `--context` of the commands that read a nodes file.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// The address state (as for `allocate`): a node without `mgmt_ip` takes its row's
    /// address, and one given must be that address. The nodes file is then read whole.
    #[arg(long, value_name = "STATE")]
    state: Option<PathBuf>,
    /// A context file (as for `validate`): a node without `mgmt_mac` takes its host's MAC,
    /// and one given must be that MAC; a host's recorded `mgmt_ip` must be the state's row
    /// address, and without `--state` gives the node's. The nodes file is then read whole.
    #[arg(long, value_name = "CTX")]
    context: Option<PathBuf>,
}

impl SourceArgs {
    /// Reads the sources given (exit 3 for their text), or `None` when none was.
    pub fn read(&self) -> Result<Option<Sources>, Failure> {
        if self.state.is_none() && self.context.is_none() {
            return Ok(None);
        }
        Sources::read(self.state.as_deref(), self.context.as_deref()).map(Some)
    }

    /// Whether the context is read from stdin (`-`), which another input may want too.
    pub fn reads_stdin(&self) -> bool {
        self.context.as_deref() == Some(Path::new("-"))
    }
}

/// The address state and the context's hosts (MAC and, when recorded, management address),
/// each when given.
pub struct Sources {
    state: Option<(PathBuf, AllocatedPool)>,
    context: Option<(PathBuf, KnownHosts)>,
}

/// The context's hosts by name: MAC and recorded management address.
type KnownHosts = HashMap<String, (MacAddress, Option<IpAddr>)>;

/// A field the sources give, for messages: its name and where it comes from.
struct Field<'a> {
    name: &'static str,
    from: String,
    source: &'a Path,
}

impl Sources {
    /// Reads the state file and the context file that were given (exit 3 for their text).
    fn read(state_path: Option<&Path>, context_path: Option<&Path>) -> Result<Self, Failure> {
        let state = match state_path {
            Some(path) => {
                let store = JsonFileStore::new(path);
                let (rows, _) = state::runtime()?.block_on(state::read(&store))?;
                Some((path.to_owned(), rows))
            }
            None => None,
        };
        let context = match context_path {
            Some(path) => {
                let macs = context::read(Some(path))?
                    .hosts()
                    .iter()
                    .filter_map(|host| {
                        let name = host.hostname.as_ref()?.to_string();
                        Some((name, (host.mgmt_mac, host.mgmt_ip)))
                    })
                    .collect();
                Some((path.to_owned(), macs))
            }
            None => None,
        };
        Ok(Self { state, context })
    }

    /// Fills every node's absent (or null) `mgmt_ip` and `mgmt_mac` from the sources, and
    /// refuses one given that contradicts them (exit 1, naming the node and the field). A
    /// node whose value cannot be read as an address or MAC is left for the plan's own
    /// checks to refuse, with their message.
    pub fn fill(&self, nodes: &mut Value) -> Result<(), Failure> {
        let Value::Array(nodes) = nodes else {
            return Ok(());
        };
        for (index, node) in nodes.iter_mut().enumerate() {
            let Some(node) = node.as_object_mut() else {
                continue;
            };
            let Some(hostname) = node.get("hostname").and_then(Value::as_str) else {
                continue;
            };
            let hostname = hostname.to_owned();
            let at = format!("node {hostname:?} (nodes[{index}])");
            let host = self
                .context
                .as_ref()
                .and_then(|(path, hosts)| Some((path, *hosts.get(&hostname)?)));
            let same_ip = |text: &str, known: &IpAddr| {
                text.parse::<IpAddr>().ok().map(|given| given == *known)
            };
            if let Some((path, rows)) = &self.state {
                let row = mgmt_row_name(&hostname);
                let known = rows.address_of(&row);
                // The two sources must agree before either is believed: sysinv records a
                // host's address in its row and in the host itself.
                if let (Some(in_state), Some((context_path, (_, Some(in_context))))) = (known, host)
                    && in_state != in_context
                {
                    return Err(Failure::invalid(format!(
                        "plan.contradicts_source: {at}: mgmt_ip: {} has {in_state} for row {row}, {} has {in_context} for host {hostname}",
                        input::label(path),
                        input::label(context_path)
                    )));
                }
                let field = Field {
                    name: "mgmt_ip",
                    from: format!("row {row}"),
                    source: path,
                };
                settle(node, &at, &field, known, same_ip)?;
            } else if let Some((path, (_, Some(known)))) = host {
                // Without a state, the context's record of the host gives the address.
                let field = Field {
                    name: "mgmt_ip",
                    from: format!("host {hostname}"),
                    source: path,
                };
                settle(node, &at, &field, Some(known), same_ip)?;
            }
            if let Some((path, _)) = &self.context {
                let field = Field {
                    name: "mgmt_mac",
                    from: format!("host {hostname}"),
                    source: path,
                };
                let known = host.map(|(_, (mac, _))| mac);
                // One MAC in any spelling, as the plan compares them.
                settle(node, &at, &field, known, |text, known| {
                    MacAddress::parse(text)
                        .ok()
                        .map(|given| given.octets() == known.octets())
                })?;
            }
        }
        Ok(())
    }
}

/// One field of one node: taken from the source when absent, checked against it when given
/// (`agrees`: whether the given text means the known value, `None` when it cannot be read).
fn settle<T: std::fmt::Display>(
    node: &mut serde_json::Map<String, Value>,
    at: &str,
    field: &Field<'_>,
    known: Option<T>,
    agrees: impl Fn(&str, &T) -> Option<bool>,
) -> Result<(), Failure> {
    let source = input::label(field.source);
    let given = node.get(field.name).filter(|value| !value.is_null());
    match (given, known) {
        (None, Some(known)) => {
            node.insert(field.name.to_owned(), Value::String(known.to_string()));
            Ok(())
        }
        (None, None) => Err(Failure::invalid(format!(
            "{}: {at}: {}: not given, and {source} has no {}",
            Problem::Missing.code(),
            field.name,
            field.from
        ))),
        (Some(value), Some(known)) => {
            let same = value
                .as_str()
                .and_then(|text| agrees(text, &known))
                .is_none_or(|same| same);
            if same {
                Ok(())
            } else {
                Err(Failure::invalid(format!(
                    "plan.contradicts_source: {at}: {}: {value} contradicts {source}, whose {} has {known}",
                    field.name, field.from
                )))
            }
        }
        (Some(_), None) => Ok(()),
    }
}
