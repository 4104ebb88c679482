//! A small, lenient element tree over quick-xml for the OFD parts.
//!
//! Elements are matched by *local* name: real invoice files use undeclared prefixes
//! (`<:eInvoice xmlns:="">` with `ofd:ObjectRef` children), which a namespace-checking
//! parser would reject. Nesting depth is capped so hostile input cannot exhaust the stack
//! (building is iterative, but dropping a tree recurses).

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// Deepest element nesting accepted; real OFD parts nest fewer than 10 levels.
const MAX_DEPTH: usize = 64;

/// One XML element with its attributes, child elements and direct text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    /// Local name (prefix removed).
    pub name: String,
    /// Attributes by local name, in document order.
    pub attrs: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Concatenated direct text and CDATA, entities resolved.
    pub text: String,
}

/// Why an XML part could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum XmlError {
    /// The parser rejected the text.
    #[error("{0}")]
    Syntax(String),
    /// Elements nest deeper than [`MAX_DEPTH`].
    #[error("elements nest deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// The part has no root element.
    #[error("no root element")]
    Empty,
}

impl Element {
    /// The value of the attribute with this local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child with this local name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// This element and all elements below it, depth first in document order.
    pub fn descendants(&self) -> Descendants<'_> {
        Descendants { stack: vec![self] }
    }
}

/// Depth-first iterator over an element subtree.
pub(crate) struct Descendants<'a> {
    stack: Vec<&'a Element>,
}

impl<'a> Iterator for Descendants<'a> {
    type Item = &'a Element;

    fn next(&mut self) -> Option<&'a Element> {
        let next = self.stack.pop()?;
        self.stack.extend(next.children.iter().rev());
        Some(next)
    }
}

/// Parses UTF-8 XML (a byte-order mark is skipped; invalid sequences become U+FFFD).
pub(crate) fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let mut reader = Reader::from_str(&text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError::Syntax(format!("at byte {}: {e}", reader.error_position())))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                stack.push(element(&start)?);
            }
            Event::Empty(start) => attach(&mut stack, &mut root, element(&start)?),
            Event::End(_) => {
                if let Some(done) = stack.pop() {
                    attach(&mut stack, &mut root, done);
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(c) => push_text(&mut stack, &c.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => predefined_entity(&r),
                };
                if let Some(c) = resolved {
                    push_text(&mut stack, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    // An unclosed root still yields what was read; quick-xml reports mismatched tags itself.
    while let Some(done) = stack.pop() {
        attach(&mut stack, &mut root, done);
    }
    root.ok_or(XmlError::Empty)
}

fn element(start: &BytesStart<'_>) -> Result<Element, XmlError> {
    let mut attrs = Vec::new();
    for attr in start.attributes().with_checks(false) {
        let attr = attr.map_err(|e| XmlError::Syntax(e.to_string()))?;
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| XmlError::Syntax(e.to_string()))?;
        attrs.push((
            attr.key.local_name().as_ref().to_owned(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        name: start.local_name().as_ref().to_owned(),
        attrs,
        ..Element::default()
    })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, done: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(done),
        None => {
            // Keep the first root; anything after it is ignored.
            root.get_or_insert(done);
        }
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(current) = stack.last_mut() {
        current.text.push_str(text);
    }
}

fn predefined_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_local_names_attributes_and_entities() {
        let root = parse(
            br#"<?xml version="1.0"?><ofd:Page xmlns:ofd="x"><ofd:Text ID="7">a&lt;b&#x4e2d;</ofd:Text><ofd:Empty ofd:k="v"/></ofd:Page>"#,
        )
        .unwrap();
        assert_eq!(root.name, "Page");
        assert_eq!(root.child_text("Text"), Some("a<b中"));
        assert_eq!(root.child("Text").unwrap().attr("ID"), Some("7"));
        assert_eq!(root.child("Empty").unwrap().attr("k"), Some("v"));
        assert_eq!(root.descendants().count(), 3);
    }

    #[test]
    fn tolerates_the_malformed_prefixes_real_invoices_use() {
        let root = parse(
            br#"<?xml version="1.0"?><:eInvoice xmlns:=""><InvoiceNo><ofd:ObjectRef PageRef="1">70</ofd:ObjectRef></InvoiceNo></:eInvoice>"#,
        )
        .unwrap();
        assert_eq!(root.name, "eInvoice");
        let r = root.child("InvoiceNo").unwrap().child("ObjectRef").unwrap();
        assert_eq!((r.attr("PageRef"), r.text.as_str()), (Some("1"), "70"));
    }

    #[test]
    fn refuses_deep_nesting_and_garbage() {
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(deep.as_bytes()), Err(XmlError::TooDeep));
        assert!(matches!(parse(b"<a></b>"), Err(XmlError::Syntax(_))));
        assert_eq!(parse(b"just text"), Err(XmlError::Empty));
    }
}
