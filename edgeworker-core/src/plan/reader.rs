//! The nodes array read from a stream, one node at a time: memory holds the validated
//! [`Node`]s, never the whole text or a `Value` of it (about ten times the text's size).

use std::fmt;
use std::io::{BufReader, Read};

use serde::de::{self, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::error::{PlanError, Problem, Subject};
use super::input::{Node, finish_nodes};
use crate::json::DepthGuard;

/// Why [`read_nodes`] found no nodes: the text, or what it says.
///
/// ```
/// use edgeworker_core::plan::{NodesError, read_nodes};
/// // The CLI answers the first with exit 3 (the file), the second with exit 1 (a rule).
/// assert!(matches!(read_nodes(&b"[1,"[..]), Err(NodesError::Json(_))));
/// let Err(NodesError::Invalid(err)) = read_nodes(&b"{}"[..]) else { panic!() };
/// assert_eq!(err.to_string(), "nodes: .: must be an array of node objects");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodesError {
    /// The text cannot be read, is not JSON or is nested deeper than
    /// [`crate::json::MAX_NESTING`]; the message has the line and column.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// JSON, but not valid nodes: the first problem, as [`super::parse_nodes`] reports it.
    #[error(transparent)]
    Invalid(PlanError),
}

/// Reads the nodes array from `reader` as [`super::parse_nodes`] reads it from a `Value`,
/// with the same errors, a node at a time: each element is parsed, validated and dropped
/// before the next is read. Syntax errors anywhere in the text come before problems with
/// the nodes, as when the whole text is parsed first.
///
/// ```
/// use edgeworker_core::plan::{NodesError, read_nodes};
/// let text = br#"[{"hostname": "edge-1", "mgmt_ip": "192.168.204.50",
///     "mgmt_mac": "08:00:27:aa:00:01", "os": {"id": "ubuntu", "version": "22.04"},
///     "arch": "amd64", "ssh_user": "sysadmin"}]"#;
/// let nodes = read_nodes(&text[..])?;
/// assert_eq!(nodes[0].hostname().as_str(), "edge-1");
/// let Err(NodesError::Invalid(err)) = read_nodes(&b"[]"[..]) else { panic!() };
/// assert_eq!(err.code(), "plan.no_nodes");
/// let Err(NodesError::Json(err)) = read_nodes(&b"[{]"[..]) else { panic!() };
/// assert_eq!(err.to_string(), "key must be a string at line 1 column 3");
/// # Ok::<(), NodesError>(())
/// ```
///
/// # Errors
///
/// [`NodesError::Json`] for the text, [`NodesError::Invalid`] for the first invalid node
/// (or a duplicate, or no nodes at all).
pub fn read_nodes<R: Read>(reader: R) -> Result<Vec<Node>, NodesError> {
    // The guard refuses nesting beyond the limit before serde_json sees it; the buffer in
    // front lets serde_json take a byte at a time without a read call each.
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(
        1 << 16,
        DepthGuard::new(reader),
    ));
    de.disable_recursion_limit();
    let mut found = Found::default();
    (&mut de).deserialize_any(&mut found)?;
    de.end()?;
    if let Some(expected) = found.not_an_array {
        return Err(NodesError::Invalid(PlanError::new(
            Subject::Nodes,
            ".",
            Problem::WrongType { expected },
        )));
    }
    if found.count == 0 {
        return Err(NodesError::Invalid(PlanError::new(
            Subject::Nodes,
            ".",
            Problem::NoNodes,
        )));
    }
    finish_nodes(found.nodes, found.invalid).map_err(NodesError::Invalid)
}

/// What the text held: the valid nodes up to the first invalid one, that one's error, how
/// many elements there were, or that it was no array.
#[derive(Default)]
struct Found {
    nodes: Vec<Node>,
    invalid: Option<PlanError>,
    count: usize,
    not_an_array: Option<&'static str>,
}

const EXPECTED: &str = "an array of node objects";

impl<'de> Visitor<'de> for &mut Found {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            if self.invalid.is_some() {
                // The rest is only read for its syntax, which still comes first.
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    return Ok(());
                }
            } else {
                let Some(value) = seq.next_element::<Value>()? else {
                    return Ok(());
                };
                match Node::from_value(self.count, value) {
                    Ok(node) => self.nodes.push(node),
                    Err(error) => self.invalid = Some(error),
                }
            }
            self.count += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.not_an_array = Some(EXPECTED);
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.not_an_array = Some(EXPECTED);
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.not_an_array = Some(EXPECTED);
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.not_an_array = Some(EXPECTED);
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.not_an_array = Some(EXPECTED);
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_an_array = Some(EXPECTED);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_an_array = Some(EXPECTED);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::parse_nodes;
    use serde_json::json;

    fn node(i: u8) -> Value {
        json!({"hostname": format!("edge-{i}"), "mgmt_ip": format!("192.168.204.{}", 50 + i),
            "mgmt_mac": format!("08:00:27:aa:00:{i:02x}"), "os": {"id": "ubuntu", "version": "22.04"},
            "arch": "amd64", "ssh_user": "sysadmin"})
    }

    /// The stream and the `Value` give the same nodes and the same first error.
    fn same(value: &Value) {
        let text = value.to_string();
        let streamed = read_nodes(text.as_bytes());
        match (streamed, parse_nodes(value.clone())) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(NodesError::Invalid(a)), Err(b)) => assert_eq!(a, b),
            (a, b) => panic!("{text}: streamed {a:?}, parsed {b:?}"),
        }
    }

    #[test]
    fn the_stream_reads_what_the_value_reads() {
        let mut bad = node(2);
        bad["arch"] = json!("mips");
        for value in [
            json!([node(1), node(2)]),
            json!([]),
            json!({"a": 1}),
            json!("nodes"),
            json!(null),
            json!([node(1), node(1)]),
            json!([node(1), bad.clone(), node(1)]),
            json!([node(1), node(1), bad]),
            json!([node(1), 5]),
        ] {
            same(&value);
        }
    }

    #[test]
    fn syntax_comes_before_an_invalid_node() {
        let text = r#"[{"hostname": "x_y"}, {"a": }]"#;
        assert!(matches!(
            read_nodes(text.as_bytes()),
            Err(NodesError::Json(_))
        ));
        assert!(matches!(read_nodes(&b"[] x"[..]), Err(NodesError::Json(_))));
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused_with_its_position() {
        let deep = format!("[{}", "[".repeat(1_000_000));
        let Err(NodesError::Json(err)) = read_nodes(deep.as_bytes()) else {
            panic!("read")
        };
        assert_eq!(
            err.to_string(),
            "nested too deeply (limit 128) at line 1 column 129"
        );
    }
}
