//! A small YAML document tree, serialized by serde-saphyr, and the `!unsafe` scalar for
//! documents streamed without a tree.
//!
//! The tree separates our own text ([`Yaml::Str`], which may be a Jinja template over our
//! own variables) from data that came from input ([`Yaml::Data`], emitted with the `!unsafe`
//! tag so Ansible never templates it). [`UnsafeTag`] emits data the same way for the
//! inventory, which is serialized straight from the plan. Quoting and escaping are the
//! library's: nothing here pastes strings into YAML.

use std::borrow::Cow;
use std::cell::Cell;

use serde::ser::{SerializeMap as _, SerializeSeq as _};
use serde::{Serialize, Serializer};
use serde_saphyr::Tagged;

/// Ansible's tag for a value that must never be templated.
pub(crate) const UNSAFE_TAG: &str = "!unsafe";

/// One YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Yaml {
    /// Our text: a constant, or a template referencing only our own variables.
    Str(String),
    /// Text derived from input, tagged `!unsafe`.
    Data(String),
    Bool(bool),
    Int(i64),
    Seq(Vec<Yaml>),
    /// Keys are ours (borrowed constants), or validated hostnames (inventory names).
    Map(Vec<(Cow<'static, str>, Yaml)>),
}

impl Serialize for Yaml {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Str(s) => serializer.serialize_str(s),
            Self::Data(s) => Tagged(s.as_str(), Some(UNSAFE_TAG.to_owned())).serialize(serializer),
            Self::Bool(b) => serializer.serialize_bool(*b),
            Self::Int(i) => serializer.serialize_i64(*i),
            Self::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Self::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

/// Our text.
pub(crate) fn s(text: impl Into<String>) -> Yaml {
    Yaml::Str(text.into())
}

/// A mapping from `(key, value)` pairs, in order.
pub(crate) fn map<const N: usize>(entries: [(&'static str, Yaml); N]) -> Yaml {
    Yaml::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), v))
            .collect(),
    )
}

/// A list of our strings.
pub(crate) fn strs(items: &[&str]) -> Yaml {
    Yaml::Seq(items.iter().map(|i| s(*i)).collect())
}

impl Yaml {
    /// Adds an entry to a mapping (no-op on other nodes, which builders never extend).
    pub(crate) fn with(mut self, key: &'static str, value: Yaml) -> Self {
        // A key set twice replaces the first value in place: a mapping never repeats a key.
        if let Self::Map(entries) = &mut self {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((Cow::Borrowed(key), value)),
            }
        }
        self
    }
}

/// Emits input-derived text as `!unsafe` scalars through serde-saphyr's [`Tagged`], for
/// documents serialized without a [`Yaml`] tree (the inventory).
///
/// `Tagged` owns its tag as a `String`; one is lent to every value in turn instead of
/// allocating one per value, which mattered at 10,000 nodes.
pub(crate) struct UnsafeTag(Cell<Option<String>>);

impl UnsafeTag {
    pub(crate) fn new() -> Self {
        Self(Cell::new(Some(UNSAFE_TAG.to_owned())))
    }

    /// `text` as a serializable `!unsafe` scalar.
    pub(crate) fn value<'t>(&'t self, text: &'t str) -> UnsafeValue<'t> {
        UnsafeValue { text, tag: self }
    }
}

/// A scalar of text derived from input; see [`UnsafeTag::value`].
pub(crate) struct UnsafeValue<'t> {
    text: &'t str,
    tag: &'t UnsafeTag,
}

impl Serialize for UnsafeValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The cell is empty only while a value is being serialized, and values do not nest.
        let tag = self.tag.0.take().unwrap_or_else(|| UNSAFE_TAG.to_owned());
        let tagged = Tagged(self.text, Some(tag));
        let result = tagged.serialize(serializer);
        self.tag.0.set(tagged.1);
        result
    }
}

/// The document as YAML text; `capacity` is a size estimate (large inventories would
/// otherwise spend their time regrowing the buffer).
pub(crate) fn to_string(
    doc: &impl Serialize,
    capacity: usize,
) -> Result<String, serde_saphyr::ser::Error> {
    let mut out = String::with_capacity(capacity);
    serde_saphyr::to_fmt_writer(&mut out, doc)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A streamed `!unsafe` value is written exactly as the tree writes one, and the lent
    /// tag comes back after every value.
    #[test]
    fn streamed_unsafe_values_match_the_tree() {
        struct Streamed<'a>(&'a [&'a str], &'a UnsafeTag);
        impl Serialize for Streamed<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (i, text) in self.0.iter().enumerate() {
                    map.serialize_entry(&format!("k{i}"), &self.1.value(text))?;
                }
                map.end()
            }
        }
        let texts = [
            "{{ lookup('pipe', 'id') }}",
            "a: b\n- c\n\"q\" 'q' #x",
            "1.29",
            "",
            "line\nbreak\n",
            " lead",
            "yes",
        ];
        let tree = Yaml::Map(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| (Cow::Owned(format!("k{i}")), Yaml::Data((*t).to_owned())))
                .collect(),
        );
        let tag = UnsafeTag::new();
        assert_eq!(
            to_string(&Streamed(&texts, &tag), 0).unwrap(),
            to_string(&tree, 0).unwrap()
        );
        assert_eq!(tag.0.take().as_deref(), Some(UNSAFE_TAG));
    }

    #[test]
    fn data_is_tagged_unsafe_and_quoted_by_the_library() {
        let doc = map([
            ("plain", s("{{ edgeworker_x }}")),
            ("data", Yaml::Data("{{ lookup('pipe', 'id') }}".into())),
            ("tricky", Yaml::Data("a: b\n- c\n\"q\" 'q' #x".into())),
            ("number_like", Yaml::Data("1.29".into())),
        ]);
        let text = to_string(&doc, 0).unwrap();
        assert!(text.contains("data: !unsafe "), "{text}");
        assert!(text.contains("tricky: !unsafe "), "{text}");
        // Parsed back, every value is the exact string, and no value became a key.
        let back: std::collections::BTreeMap<String, Tagged<String>> =
            serde_saphyr::from_str(&text).unwrap();
        assert_eq!(back.len(), 4, "{text}");
        assert_eq!(back["tricky"].0, "a: b\n- c\n\"q\" 'q' #x");
        assert_eq!(back["tricky"].1.as_deref(), Some("!unsafe"));
        assert_eq!(back["number_like"].0, "1.29");
        assert_eq!(back["plain"].1, None);
    }
}
