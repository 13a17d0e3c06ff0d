//! Reading one JSON object field by field, so every error names its field.
//!
//! serde's derive reports a wrong type without saying which field had it; plan inputs must
//! name the node and the field, so objects are read here by hand.

use serde_json::{Map, Value};

use super::error::{PlanError, Problem, Subject};

/// One JSON object being read: the fields not yet taken are unknown when [`Fields::finish`]
/// is called.
///
/// The error context (subject, node name, path) is kept borrowed and only turned into
/// owned text when an error is made: a fleet of valid nodes pays nothing for it.
pub(crate) struct Fields<'a> {
    subject: Subject,
    /// The node's hostname once known, for [`Subject::Node`] errors.
    hostname: Option<&'a str>,
    prefix: &'static str,
    map: Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// Starts reading `value`, which must be an object; `prefix` is the dotted path of the
    /// object itself (empty at the top).
    pub(crate) fn new(
        subject: Subject,
        prefix: &'static str,
        value: Value,
    ) -> Result<Self, PlanError> {
        Self::with_hostname(subject, None, prefix, value)
    }

    fn with_hostname(
        subject: Subject,
        hostname: Option<&'a str>,
        prefix: &'static str,
        value: Value,
    ) -> Result<Self, PlanError> {
        match value {
            Value::Object(map) => Ok(Self {
                subject,
                hostname,
                prefix,
                map,
            }),
            _ => Err(PlanError::new(
                named(subject, hostname),
                if prefix.is_empty() { "." } else { prefix },
                Problem::WrongType {
                    expected: "an object",
                },
            )),
        }
    }

    /// Starts reading `value`, the object in field `prefix` of this one, with the same
    /// subject.
    pub(crate) fn nested(
        &self,
        prefix: &'static str,
        value: Value,
    ) -> Result<Fields<'a>, PlanError> {
        Fields::with_hostname(self.subject.clone(), self.hostname, prefix, value)
    }

    /// Names the subject's node once its hostname is known.
    pub(crate) fn set_hostname(&mut self, hostname: &'a str) {
        self.hostname = Some(hostname);
    }

    /// The dotted path of `name` inside this object.
    pub(crate) fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    /// An error about field `name`.
    pub(crate) fn error(&self, name: &str, problem: Problem) -> PlanError {
        PlanError::new(
            named(self.subject.clone(), self.hostname),
            self.path(name),
            problem,
        )
    }

    /// Takes a field; absent and `null` are both `None`.
    pub(crate) fn optional(&mut self, name: &str) -> Option<Value> {
        match self.map.remove(name) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// Takes a required field.
    pub(crate) fn required(&mut self, name: &str) -> Result<Value, PlanError> {
        self.optional(name)
            .ok_or_else(|| self.error(name, Problem::Missing))
    }

    /// Takes a required string.
    pub(crate) fn string(&mut self, name: &str) -> Result<String, PlanError> {
        let value = self.required(name)?;
        self.as_string(name, value)
    }

    /// Takes an optional string.
    pub(crate) fn optional_string(&mut self, name: &str) -> Result<Option<String>, PlanError> {
        self.optional(name)
            .map(|v| self.as_string(name, v))
            .transpose()
    }

    /// Takes an optional array of strings; absent is empty.
    pub(crate) fn strings(&mut self, name: &str) -> Result<Vec<String>, PlanError> {
        let Some(value) = self.optional(name) else {
            return Ok(Vec::new());
        };
        let wrong = || {
            self.error(
                name,
                Problem::WrongType {
                    expected: "an array of strings",
                },
            )
        };
        let Value::Array(items) = value else {
            return Err(wrong());
        };
        items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(wrong()),
            })
            .collect()
    }

    /// Takes an optional non-negative integer.
    pub(crate) fn optional_u32(
        &mut self,
        name: &str,
        min: u32,
        max: u32,
    ) -> Result<Option<u32>, PlanError> {
        let Some(value) = self.optional(name) else {
            return Ok(None);
        };
        let Some(n) = value.as_i64() else {
            return Err(self.error(
                name,
                Problem::WrongType {
                    expected: "an integer",
                },
            ));
        };
        match u32::try_from(n) {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(self.error(
                name,
                Problem::Range {
                    value: i128::from(n),
                    min,
                    max,
                },
            )),
        }
    }

    fn as_string(&self, name: &str, value: Value) -> Result<String, PlanError> {
        match value {
            Value::String(s) => Ok(s),
            _ => Err(self.error(
                name,
                Problem::WrongType {
                    expected: "a string",
                },
            )),
        }
    }

    /// Ends reading: any field left over is unknown (a typo must not be silently ignored).
    pub(crate) fn finish(self) -> Result<(), PlanError> {
        match self.map.keys().next() {
            Some(name) => Err(self.error(name, Problem::Unknown)),
            None => Ok(()),
        }
    }
}

/// The subject, naming its node when the hostname is known.
fn named(subject: Subject, hostname: Option<&str>) -> Subject {
    match (subject, hostname) {
        (Subject::Node { index, .. }, Some(name)) => Subject::Node {
            index,
            hostname: Some(name.to_owned()),
        },
        (subject, _) => subject,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn wrong_types_missing_and_unknown_fields_are_named() {
        let mut f = Fields::new(
            Subject::Controller,
            "proxy",
            json!({"http": 3, "extra": true, "no_proxy": ["a", 1]}),
        )
        .unwrap();
        let err = f.optional_string("http").unwrap_err();
        assert_eq!(err.field(), "proxy.http");
        assert_eq!(err.code(), "plan.wrong_type");
        assert_eq!(f.string("https").unwrap_err().code(), "plan.missing_field");
        assert_eq!(
            f.strings("no_proxy").unwrap_err().to_string(),
            "controller: proxy.no_proxy: must be an array of strings"
        );
        let err = f.finish().unwrap_err();
        assert_eq!(
            (err.field(), err.code()),
            ("proxy.extra", "plan.unknown_field")
        );
    }

    #[test]
    fn integers_are_range_checked() {
        let mut f = Fields::new(Subject::Controller, "", json!({"a": 0, "b": -1, "c": 5})).unwrap();
        assert_eq!(
            f.optional_u32("a", 1, 10).unwrap_err().code(),
            "plan.out_of_range"
        );
        assert_eq!(
            f.optional_u32("b", 1, 10).unwrap_err().code(),
            "plan.out_of_range"
        );
        assert_eq!(f.optional_u32("c", 1, 10).unwrap(), Some(5));
        assert_eq!(f.optional_u32("d", 1, 10).unwrap(), None);
    }

    #[test]
    fn non_objects_are_refused() {
        let err = Fields::new(Subject::Nodes, "", json!([1])).err().unwrap();
        assert_eq!(err.to_string(), "nodes: .: must be an object");
    }
}
