//! An independent reading of YAML text: the parser's event stream flattened into scalars
//! with their path, role (key or value) and tag, so a target can say where every string
//! ended up and whether it is data (`!unsafe`) or something Ansible would template.

use granit_parser::{Event, Parser};

/// One scalar of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// Where: keys and sequence indexes from the root, joined by `/`.
    pub path: Vec<String>,
    /// A mapping key rather than a value.
    pub is_key: bool,
    /// The tag as written (`!unsafe`), if any.
    pub tag: Option<String>,
    /// The scalar's text after YAML unescaping.
    pub value: String,
}

enum Frame {
    Seq(usize),
    /// The key being filled, `None` while a key is expected.
    Map(Option<String>),
}

/// Parses `text` as exactly one YAML document and returns its scalars in document order.
///
/// # Errors
///
/// The parser's error, more than one document, an alias, a non-scalar key or a tagged
/// collection, each as text.
pub fn scalars(text: &str) -> Result<Vec<Scalar>, String> {
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, _span) = event.map_err(|e| e.to_string())?;
        let is_seq = matches!(event, Event::SequenceStart(..));
        match event {
            Event::DocumentStart(..) => documents += 1,
            Event::Scalar(value, _style, _anchor, tag) => {
                let tag = tag.map(|t| t.to_string());
                match stack.last_mut() {
                    Some(Frame::Map(key @ None)) => {
                        out.push(Scalar {
                            path: path.clone(),
                            is_key: true,
                            tag,
                            value: value.to_string(),
                        });
                        *key = Some(value.to_string());
                    }
                    _ => {
                        let mut at = path.clone();
                        at.push(segment(stack.last()));
                        out.push(Scalar {
                            path: at,
                            is_key: false,
                            tag,
                            value: value.to_string(),
                        });
                        advance(&mut stack);
                    }
                }
            }
            Event::SequenceStart(_, _, tag) | Event::MappingStart(_, _, tag) => {
                if tag.is_some() {
                    return Err(format!("tagged collection at {}", path.join("/")));
                }
                if matches!(stack.last(), Some(Frame::Map(None))) {
                    return Err(format!("a collection as a key at {}", path.join("/")));
                }
                if !stack.is_empty() {
                    path.push(segment(stack.last()));
                }
                stack.push(if is_seq {
                    Frame::Seq(0)
                } else {
                    Frame::Map(None)
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                if !stack.is_empty() {
                    path.pop();
                    advance(&mut stack);
                }
            }
            Event::Alias(_) | Event::UnresolvedAlias(_) => {
                return Err(format!("an alias at {}", path.join("/")));
            }
            _ => {}
        }
    }
    if documents != 1 {
        return Err(format!("{documents} documents"));
    }
    Ok(out)
}

fn segment(frame: Option<&Frame>) -> String {
    match frame {
        Some(Frame::Seq(i)) => i.to_string(),
        Some(Frame::Map(Some(key))) => key.clone(),
        Some(Frame::Map(None)) | None => String::new(),
    }
}

fn advance(stack: &mut [Frame]) {
    match stack.last_mut() {
        Some(Frame::Seq(i)) => *i += 1,
        Some(Frame::Map(key)) => *key = None,
        None => {}
    }
}
