//! A tiny element tree over quick-xml's event reader, shared by the TCX and GPX readers.
//!
//! Names are kept without their namespace prefix (`gpxtpx:hr` and `ns3:hr` are both
//! `hr`) and compared ASCII-case-insensitively, so GPX 1.0 and 1.1, any extension prefix
//! and sloppy exporters all read the same. Text is trimmed; entities are resolved.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

/// Deeper nesting than this is not a training file; refusing it keeps recursion bounded.
const MAX_DEPTH: usize = 256;

#[derive(Debug, Default)]
pub(crate) struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.is(name))
    }

    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.is(name))
    }

    /// The trimmed text of the first child called `name`, when not empty.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
    }

    /// A number in the first child called `name`.
    pub fn child_num(&self, name: &str) -> Option<f64> {
        self.child_text(name)?
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first element called `name` anywhere below this one (depth first).
    pub fn descendant(&self, name: &str) -> Option<&Node> {
        for c in &self.children {
            if c.is(name) {
                return Some(c);
            }
            if let Some(d) = c.descendant(name) {
                return Some(d);
            }
        }
        None
    }
}

fn local(name: &[u8]) -> String {
    let name = match name.iter().rposition(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    };
    String::from_utf8_lossy(name).into_owned()
}

fn start_node(e: &quick_xml::events::BytesStart<'_>) -> Node {
    let mut node = Node {
        name: local(e.name().as_ref()),
        ..Node::default()
    };
    for a in e.attributes().flatten() {
        let key = local(a.key.as_ref());
        let value = a
            .unescape_value()
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
        node.attrs.push((key, value));
    }
    node
}

/// Parses a whole document and returns its root element. `format` ("TCX", "GPX") starts
/// every error message.
pub(crate) fn parse(bytes: &[u8], format: &str) -> Result<Node, String> {
    // A UTF-8 byte order mark, and whitespace Strava puts before the declaration.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let bytes = &bytes[start..];
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(format!(
            "{format}: UTF-16 files are not supported; save it as UTF-8"
        ));
    }

    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| match e {
            // Every syntax error quick-xml has is "… not closed before end of input".
            quick_xml::Error::Syntax(_) => {
                format!("truncated: {format} ends in the middle of a tag (file cut short?)")
            }
            e => format!(
                "{format}: malformed XML at byte {}: {e}",
                reader.error_position()
            ),
        })?;
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "{format}: elements nested more than {MAX_DEPTH} deep"
                    ));
                }
                if root.is_some() && stack.is_empty() {
                    return Err(format!("{format}: more than one root element"));
                }
                stack.push(start_node(&e));
            }
            Event::Empty(e) => {
                let node = start_node(&e);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err(format!("{format}: more than one root element")),
                }
            }
            Event::End(_) => {
                let mut node = stack
                    .pop()
                    .ok_or_else(|| format!("{format}: unexpected closing tag"))?;
                let trimmed = node.text.trim();
                if trimmed.len() != node.text.len() {
                    node.text = trimmed.to_string();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                if let Some(node) = stack.last_mut() {
                    let text = t
                        .decode()
                        .map_err(|e| format!("{format}: text is not valid UTF-8: {e}"))?;
                    node.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(node) = stack.last_mut() {
                    let text = t
                        .decode()
                        .map_err(|e| format!("{format}: text is not valid UTF-8: {e}"))?;
                    node.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(node) = stack.last_mut() {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        node.text.push(c);
                    } else if let Ok(name) = r.decode() {
                        match resolve_predefined_entity(&name) {
                            Some(s) => node.text.push_str(s),
                            None => {
                                node.text.push('&');
                                node.text.push_str(&name);
                                node.text.push(';');
                            }
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if let Some(open) = stack.first() {
        return Err(format!(
            "truncated: {format} ends before <{}> is closed (file cut short?)",
            open.name
        ));
    }
    root.ok_or_else(|| format!("{format}: no XML element in the file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_entities_and_bom() {
        let doc = "\u{feff}<?xml version=\"1.0\"?>\n<a:root x:k=\"v&amp;w\"><b>  1 &lt; 2 &#65; </b><ns3:hr>120</ns3:hr><e/></a:root>";
        let root = parse(doc.as_bytes(), "T").unwrap();
        assert!(root.is("ROOT"));
        assert_eq!(root.attr("k"), Some("v&w"));
        assert_eq!(root.child_text("b"), Some("1 < 2 A"));
        assert_eq!(root.child_num("hr"), Some(120.0));
        assert!(root.child("e").is_some());
    }

    #[test]
    fn truncated_and_mismatched() {
        let e = parse(b"<root><a>1</a><b>", "GPX").unwrap_err();
        assert!(e.starts_with("truncated: GPX ends before <root>"), "{e}");
        let e = parse(b"<root><a>1</a><b x=\"1", "GPX").unwrap_err();
        assert_eq!(
            e,
            "truncated: GPX ends in the middle of a tag (file cut short?)"
        );
        let e = parse(b"<root><a>1</b></root>", "GPX").unwrap_err();
        assert!(e.starts_with("GPX: malformed XML"), "{e}");
        let e = parse(b"   ", "GPX").unwrap_err();
        assert_eq!(e, "GPX: no XML element in the file");
    }
}
