//! Files embedded in a PDF — the `/EmbeddedFiles` name tree of the catalog and the
//! associated files (`/AF`) of the catalog and its pages — from which the XML invoice data
//! (12306's railway XBRL `rai_issuer_*.xml`, a 数电 XML) is taken.
//!
//! The walk is bounded: name-tree depth, the number of file specifications looked at, and
//! each file's decompressed size.

use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::super::LocalLimits;
use super::super::structured::Structured;
use super::super::xml::{self, Element};

/// Deepest `/Kids` nesting of the name tree followed.
const MAX_TREE_DEPTH: usize = 8;
/// Most file specifications examined per document.
const MAX_FILE_SPECS: usize = 64;
/// Largest embedded file read; invoice XML is a few kilobytes.
const MAX_FILE_BYTES: usize = 4 << 20;

/// An embedded XML holding invoice data.
pub(super) struct Attachment {
    /// The file name the PDF gives it (`/UF`, else `/F`), or `embedded file <n>`.
    pub name: String,
    /// Its parsed tree.
    pub root: Element,
    /// What it holds.
    pub kind: Structured,
}

/// Every embedded file that is a 数电 XML or an e-ticket XBRL, in document order.
pub(super) fn invoice_attachments(doc: &Document, limits: &LocalLimits) -> Vec<Attachment> {
    let mut specs = Vec::new();
    let mut seen = HashSet::new();
    if let Ok(catalog) = doc.catalog() {
        if let Some(names) = resolve_dict(doc, catalog.get(b"Names").ok())
            && let Some(tree) = resolve_dict(doc, names.get(b"EmbeddedFiles").ok())
        {
            name_tree(doc, tree, 0, &mut specs, &mut seen);
        }
        associated(doc, catalog, &mut specs, &mut seen);
    }
    for page in doc.get_pages().into_values() {
        if let Ok(page) = doc.get_dictionary(page) {
            associated(doc, page, &mut specs, &mut seen);
        }
    }
    let limit =
        MAX_FILE_BYTES.min(usize::try_from(limits.max_uncompressed_bytes).unwrap_or(usize::MAX));
    specs
        .into_iter()
        .enumerate()
        .filter_map(|(index, spec)| attachment(doc, spec, index, limit))
        .collect()
}

/// Collects the file specifications of a name tree node and its kids.
fn name_tree<'a>(
    doc: &'a Document,
    node: &'a Dictionary,
    depth: usize,
    specs: &mut Vec<&'a Dictionary>,
    seen: &mut HashSet<ObjectId>,
) {
    if depth > MAX_TREE_DEPTH {
        return;
    }
    if let Ok(Object::Array(pairs)) = node.get(b"Names").map(|o| deref(doc, o)) {
        // `[name₁ spec₁ name₂ spec₂ …]`
        for spec in pairs.iter().skip(1).step_by(2) {
            push_spec(doc, spec, specs, seen);
        }
    }
    if let Ok(Object::Array(kids)) = node.get(b"Kids").map(|o| deref(doc, o)) {
        for kid in kids {
            if let Object::Reference(id) = kid
                && !seen.insert(*id)
            {
                continue;
            }
            if let Some(kid) = resolve_dict(doc, Some(kid)) {
                name_tree(doc, kid, depth + 1, specs, seen);
            }
        }
    }
}

/// Collects the `/AF` file specifications of a catalog or page.
fn associated<'a>(
    doc: &'a Document,
    dict: &'a Dictionary,
    specs: &mut Vec<&'a Dictionary>,
    seen: &mut HashSet<ObjectId>,
) {
    if let Ok(Object::Array(files)) = dict.get(b"AF").map(|o| deref(doc, o)) {
        for spec in files {
            push_spec(doc, spec, specs, seen);
        }
    }
}

/// Adds a file specification once (the same one is often in both the tree and `/AF`).
fn push_spec<'a>(
    doc: &'a Document,
    spec: &'a Object,
    specs: &mut Vec<&'a Dictionary>,
    seen: &mut HashSet<ObjectId>,
) {
    if specs.len() >= MAX_FILE_SPECS {
        return;
    }
    if let Object::Reference(id) = spec
        && !seen.insert(*id)
    {
        return;
    }
    if let Some(dict) = resolve_dict(doc, Some(spec)) {
        specs.push(dict);
    }
}

/// The embedded file of a specification, when it is invoice XML.
fn attachment(doc: &Document, spec: &Dictionary, index: usize, limit: usize) -> Option<Attachment> {
    let files = resolve_dict(doc, spec.get(b"EF").ok())?;
    let stream = [&b"UF"[..], b"F"]
        .iter()
        .find_map(|key| deref(doc, files.get(key).ok()?).as_stream().ok())?;
    let bytes = stream.decompressed_content_with_limit(limit).ok()?;
    let root = xml::parse(&bytes).ok()?;
    let kind = Structured::of(&root).ok()?;
    let name = [&b"UF"[..], b"F"]
        .iter()
        .find_map(|key| spec.get(key).ok().and_then(|o| file_name(deref(doc, o))))
        .unwrap_or_else(|| format!("embedded file {index}"));
    Some(Attachment { name, root, kind })
}

/// A PDF text string as text (UTF-16BE with a byte-order mark, else byte-per-character).
fn file_name(object: &Object) -> Option<String> {
    let Object::String(bytes, _) = object else {
        return None;
    };
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => {
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .filter_map(|pair| pair.try_into().ok().map(u16::from_be_bytes))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        None => Some(String::from_utf8_lossy(bytes).into_owned()),
    }
}

fn deref<'a>(doc: &'a Document, object: &'a Object) -> &'a Object {
    doc.dereference(object).map_or(object, |(_, o)| o)
}

fn resolve_dict<'a>(doc: &'a Document, object: Option<&'a Object>) -> Option<&'a Dictionary> {
    deref(doc, object?).as_dict().ok()
}
