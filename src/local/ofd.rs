//! OFD e-invoices (GB/T 33190 zip + XML).
//!
//! Per document (`OFD.xml` `DocBody` → `DocRoot`):
//! 0. a 数电 XML or railway/air e-ticket XBRL attachment (listed by `Attachments.xml` or
//!    under `Attachs/`) — the authoritative data, read by [`super::structured`];
//! 1. `Attachs/original_invoice.xml` (e-invoice 2019 schema) — every field and line item;
//! 2. `Tags/CustomTag.xml` — the same element names pointing at page `TextObject`s, the only
//!    structured source on 数电 invoices;
//! 3. `OFD.xml` `CustomData` entries (发票号码, 合计金额, …);
//! 4. the QR image resource (PNG/JPEG, or JBIG2 through the pure-Rust decoder).
//!
//! The archive is read into memory only, under [`LocalLimits`], while it is decompressed.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::rc::Rc;

use crate::domain::amount_words;
use crate::domain::qr::InvoiceQr;
use crate::invoice::Invoice;

use super::crosscheck;
use super::fields::{Draft, Field, ItemField};
use super::jbig2::{self, Jbig2Source};
use super::layout::{Page, read_page};
use super::ofd_page;
use super::pages::continue_invoice;
use super::structured::Structured;
use super::xml::{self, Element};
use super::{LocalError, LocalLimits, check_ratio, qr_image};

/// Vertical distance (mm) within which text objects count as the same table row.
const ROW_TOLERANCE_MM: f64 = 2.0;

/// Reads every document of an OFD file.
pub(super) fn recognize(bytes: &[u8], limits: &LocalLimits) -> Result<Vec<Invoice>, LocalError> {
    let package = Package::read(bytes, limits)?;
    if package.get("OFD.xml").is_none() {
        return Err(LocalError::Unsupported {
            what: "zip archive without OFD.xml (not an OFD document)".to_owned(),
        });
    }
    let root = package.xml("OFD.xml")?;
    let invoices = root
        .children_named("DocBody")
        .map(|body| read_document(&package, body, limits))
        .collect::<Result<Vec<_>, _>>()?;
    if invoices.is_empty() {
        return Err(part_error("OFD.xml", "no DocBody element"));
    }
    Ok(invoices)
}

/// The archive's bytes, recording where the zip reader's latest read ended, so that an
/// entry's inflated size can be compared with the compressed bytes consumed so far — a bomb
/// shows its ratio from its first megabytes, not only once its whole size is known.
struct Tracked<'a> {
    cursor: Cursor<&'a [u8]>,
    read_to: Rc<Cell<u64>>,
}

impl Read for Tracked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.cursor.read(buf)?;
        self.read_to.set(self.cursor.position());
        Ok(n)
    }
}

impl Seek for Tracked<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.cursor.seek(pos)
    }
}

/// The archive's files, read into memory under the limits.
struct Package {
    parts: BTreeMap<String, Vec<u8>>,
}

impl Package {
    fn read(bytes: &[u8], limits: &LocalLimits) -> Result<Package, LocalError> {
        // Refuse a huge central directory before the zip reader allocates for it.
        if let Some(count) = declared_entry_count(bytes)
            && count > limits.max_zip_entries as u64
        {
            return Err(LocalError::TooManyEntries {
                count,
                limit: limits.max_zip_entries,
            });
        }
        let read_to = Rc::new(Cell::new(0));
        let tracked = Tracked {
            cursor: Cursor::new(bytes),
            read_to: Rc::clone(&read_to),
        };
        let mut archive = zip::ZipArchive::new(tracked).map_err(archive_error)?;
        if archive.len() > limits.max_zip_entries {
            return Err(LocalError::TooManyEntries {
                count: archive.len() as u64,
                limit: limits.max_zip_entries,
            });
        }
        let mut parts = BTreeMap::new();
        let mut total = 0u64;
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).map_err(archive_error)?;
            let name = entry.name().map_err(archive_error)?.into_owned();
            let path = safe_entry_path(&name)?;
            if entry.is_dir() || path.is_empty() {
                continue;
            }
            let remaining = limits.max_uncompressed_bytes.saturating_sub(total);
            if entry.size() > remaining {
                return Err(LocalError::UncompressedTooLarge {
                    what: format!("entry {name} (declared size)"),
                    limit: limits.max_uncompressed_bytes,
                });
            }
            let start = entry.data_start().unwrap_or_default();
            let consumed = || read_to.get().saturating_sub(start);
            let data = read_entry(&mut entry, &name, &consumed, &mut total, limits)?;
            parts.insert(path, data);
        }
        Ok(Package { parts })
    }

    /// A part by path (exact, then ASCII case-insensitive as some producers vary case).
    fn get(&self, path: &str) -> Option<&[u8]> {
        self.parts
            .get(path)
            .or_else(|| {
                self.parts
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(path))
                    .map(|(_, v)| v)
            })
            .map(Vec::as_slice)
    }

    fn xml(&self, path: &str) -> Result<Element, LocalError> {
        let bytes = self
            .get(path)
            .ok_or_else(|| part_error(path, "missing from the archive"))?;
        xml::parse(bytes).map_err(|e| part_error(path, &e.to_string()))
    }
}

/// Decompresses one entry, enforcing the total-size and ratio limits as bytes arrive;
/// `consumed` tells how many compressed bytes have been read so far.
fn read_entry(
    entry: &mut impl Read,
    name: &str,
    consumed: &dyn Fn() -> u64,
    total: &mut u64,
    limits: &LocalLimits,
) -> Result<Vec<u8>, LocalError> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let n = entry.read(&mut chunk).map_err(|e| LocalError::Archive {
            reason: format!("{name}: {e}"),
        })?;
        if n == 0 {
            return Ok(data);
        }
        *total += n as u64;
        if *total > limits.max_uncompressed_bytes {
            return Err(LocalError::UncompressedTooLarge {
                what: "the archive".to_owned(),
                limit: limits.max_uncompressed_bytes,
            });
        }
        data.extend_from_slice(chunk.get(..n).unwrap_or_default());
        check_ratio(name, data.len() as u64, consumed(), limits)?;
    }
}

/// The entry count an End Of Central Directory record declares (`None` for zip64/absent).
fn declared_entry_count(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let tail_start = bytes.len().saturating_sub(22 + u16::MAX as usize);
    let tail = bytes.get(tail_start..)?;
    let at = tail.windows(4).rposition(|w| w == EOCD)?;
    let field = tail.get(at + 10..at + 12)?;
    let count = u16::from_le_bytes([*field.first()?, *field.get(1)?]);
    (count != u16::MAX).then_some(u64::from(count))
}

/// Normalises an entry name, refusing absolute paths and `..` components.
fn safe_entry_path(name: &str) -> Result<String, LocalError> {
    let unsafe_name = || LocalError::UnsafeEntryName {
        name: name.to_owned(),
    };
    let unified = name.replace('\\', "/");
    let has_drive = unified.as_bytes().get(1) == Some(&b':');
    if unified.starts_with('/') || has_drive || unified.contains('\0') {
        return Err(unsafe_name());
    }
    let mut parts = Vec::new();
    for segment in unified.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(unsafe_name()),
            s => parts.push(s),
        }
    }
    Ok(parts.join("/"))
}

fn archive_error(e: zip::result::ZipError) -> LocalError {
    LocalError::Archive {
        reason: e.to_string(),
    }
}

fn part_error(part: &str, reason: &str) -> LocalError {
    LocalError::OfdPart {
        part: part.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Resolves an OFD location: absolute (`/Doc_0/x`) from the package root, else relative to
/// `dir` (which ends with `/` or is empty). Climbing above the root stays at the root.
fn resolve(dir: &str, location: &str) -> String {
    let location = location.trim().replace('\\', "/");
    let joined = match location.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("{dir}{location}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The directory part of a path, with its trailing `/` (empty at the root).
fn parent_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| path.get(..=i).unwrap_or(""))
}

/// One OFD document being read.
struct DocumentReader<'a> {
    package: &'a Package,
    /// Path of `Document.xml`.
    path: String,
    document: Element,
    limits: &'a LocalLimits,
}

fn read_document(
    package: &Package,
    body: &Element,
    limits: &LocalLimits,
) -> Result<Invoice, LocalError> {
    let root = body
        .child_text("DocRoot")
        .ok_or_else(|| part_error("OFD.xml", "DocBody has no DocRoot"))?;
    let path = resolve("", root);
    let reader = DocumentReader {
        package,
        document: package.xml(&path)?,
        path,
        limits,
    };
    let mut draft = Draft::new();
    let pages = reader.page_index()?;
    let attached = reader.apply_structured_attachments(&mut draft);
    let printed = Printed {
        original: reader.original_invoice()?,
        tags: reader.custom_tags()?,
        pages: &pages,
        body,
    };
    if attached {
        let mut shadow = Draft::new();
        printed.apply(&mut shadow, true);
        crosscheck::record(&mut draft, &shadow.finish(), "ofd");
    }
    let graph_code = printed.apply(&mut draft, !attached);
    draft.people_from_remark();
    if let Some(title) = pages.title() {
        draft.set(
            Field::Title,
            &title.text,
            format!("ofd-page:TextObject[{}]", title.id),
        );
    }
    if let Some(words) = pages.amount_in_words() {
        let source = format!("ofd-page:TextObject[{}]", words.id);
        draft.set(Field::TotalInWords, &words.text, source);
    }
    reader.apply_qr(&mut draft, &pages, graph_code.as_deref());
    draft.infer_kind_from_title();
    Ok(draft.finish())
}

/// What an OFD document states besides its XML/XBRL attachments.
struct Printed<'a> {
    original: Option<Element>,
    tags: Vec<Element>,
    pages: &'a PageIndex,
    body: &'a Element,
}

impl Printed<'_> {
    /// Applies `original_invoice.xml`, the custom tags and custom data, and — without the
    /// first two, when `page_text` — the page text read by its layout. Returns the
    /// `GraphCode` of `original_invoice.xml`.
    fn apply(&self, draft: &mut Draft, page_text: bool) -> Option<String> {
        let graph_code = self
            .original
            .as_ref()
            .and_then(|o| apply_original_invoice(draft, o));
        for tags in &self.tags {
            apply_custom_tags(draft, tags, self.pages);
        }
        apply_custom_data(draft, self.body);
        if self.original.is_none() && self.tags.is_empty() && page_text {
            read_pages(draft, &self.pages.layouts);
        }
        graph_code
    }
}

/// Reads the page text by its layout: the first page into the draft, each further page on
/// its own, continuing the invoice (its items follow the first page's, in order).
fn read_pages(draft: &mut Draft, layouts: &[Page]) {
    let Some((first, rest)) = layouts.split_first() else {
        return;
    };
    read_page(first, draft, "ofd-text");
    for layout in rest {
        let mut page = Draft::new();
        read_page(layout, &mut page, "ofd-text");
        continue_invoice(&mut draft.invoice, page.finish());
    }
}

impl DocumentReader<'_> {
    fn dir(&self) -> &str {
        parent_dir(&self.path)
    }

    fn common<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Element> {
        self.document
            .child("CommonData")
            .into_iter()
            .flat_map(move |c| c.children_named(name))
    }

    /// `original_invoice.xml`, located through `Attachments.xml` (or the usual path).
    fn original_invoice(&self) -> Result<Option<Element>, LocalError> {
        let mut candidates = Vec::new();
        if let Some(list) = self.document.child_text("Attachments") {
            let list_path = resolve(self.dir(), list);
            if let Some(bytes) = self.package.get(&list_path)
                && let Ok(attachments) = xml::parse(bytes)
            {
                for a in attachments.children_named("Attachment") {
                    let named = a.attr("Name") == Some("original_invoice");
                    if let Some(loc) = a.child_text("FileLoc")
                        && (named || loc.ends_with("original_invoice.xml"))
                    {
                        candidates.push(resolve(parent_dir(&list_path), loc));
                    }
                }
            }
        }
        candidates.push(resolve(self.dir(), "Attachs/original_invoice.xml"));
        match candidates
            .into_iter()
            .find(|p| self.package.get(p).is_some())
        {
            Some(path) => self.package.xml(&path).map(Some),
            None => Ok(None),
        }
    }

    /// Attachment parts: those `Attachments.xml` lists, then any other XML under `Attachs/`.
    fn attachment_paths(&self) -> Vec<String> {
        let mut paths = Vec::new();
        if let Some(list) = self.document.child_text("Attachments") {
            let list_path = resolve(self.dir(), list);
            if let Some(attachments) = self
                .package
                .get(&list_path)
                .and_then(|b| xml::parse(b).ok())
            {
                paths.extend(
                    attachments
                        .children_named("Attachment")
                        .filter_map(|a| a.child_text("FileLoc"))
                        .map(|loc| resolve(parent_dir(&list_path), loc)),
                );
            }
        }
        let folder = resolve(self.dir(), "Attachs") + "/";
        for part in self.package.parts.keys() {
            let xml_file = part.to_ascii_lowercase().ends_with(".xml");
            if part.starts_with(&folder) && xml_file && !paths.contains(part) {
                paths.push(part.clone());
            }
        }
        paths
    }

    /// Reads every attached 数电 XML or e-ticket XBRL into the draft, ahead of all other
    /// sources; their paths go to `extra["local:attachments"]`. True when one was read.
    fn apply_structured_attachments(&self, draft: &mut Draft) -> bool {
        let mut read = Vec::new();
        for path in self.attachment_paths() {
            let Some(root) = self.package.get(&path).and_then(|b| xml::parse(b).ok()) else {
                continue;
            };
            if let Ok(kind) = Structured::of(&root) {
                kind.apply(draft, &root);
                read.push(path);
            }
        }
        if !read.is_empty() {
            draft.extra("local:attachments".to_owned(), &read.join(", "));
        }
        !read.is_empty()
    }

    /// Every `CustomTag` file listed by `CustomTags.xml`.
    fn custom_tags(&self) -> Result<Vec<Element>, LocalError> {
        let Some(list) = self.document.child_text("CustomTags") else {
            return Ok(Vec::new());
        };
        let list_path = resolve(self.dir(), list);
        if self.package.get(&list_path).is_none() {
            return Ok(Vec::new());
        }
        let index = self.package.xml(&list_path)?;
        index
            .children_named("CustomTag")
            .filter_map(|t| t.child_text("FileLoc"))
            .map(|loc| self.package.xml(&resolve(parent_dir(&list_path), loc)))
            .collect()
    }

    /// Text objects, image objects and media resources of all pages and templates.
    fn page_index(&self) -> Result<PageIndex, LocalError> {
        let mut index = PageIndex::default();
        let templates: HashMap<&str, &str> = self
            .common("TemplatePage")
            .filter_map(|t| Some((t.attr("ID")?, t.attr("BaseLoc")?)))
            .collect();
        let pages = self
            .document
            .child("Pages")
            .into_iter()
            .flat_map(|p| p.children_named("Page"));
        let default_size = ofd_page::physical_box(
            self.document
                .child("CommonData")
                .and_then(|c| c.child("PageArea")),
        )
        .unwrap_or(A4_MM);
        for (number, page) in pages.enumerate() {
            let Some(loc) = page.attr("BaseLoc") else {
                continue;
            };
            let path = resolve(self.dir(), loc);
            let content = self.package.xml(&path)?;
            let mut drawn = Vec::new();
            for template in content.children_named("Template") {
                let base = template.attr("TemplateID").and_then(|id| templates.get(id));
                if let Some(base) = base {
                    let template_path = resolve(self.dir(), base);
                    let template_content = self.package.xml(&template_path)?;
                    if index.loaded.insert(template_path.clone(), ()).is_none() {
                        index.add_content(number, &template_content);
                    }
                    drawn.push(template_content);
                }
            }
            drawn.push(content.clone());
            let size = ofd_page::physical_box(content.child("Area")).unwrap_or(default_size);
            index.layouts.push(ofd_page::layout_page(
                &drawn.iter().collect::<Vec<_>>(),
                size,
            ));
            for res in content.children_named("PageRes") {
                self.add_resources(&mut index, &resolve(parent_dir(&path), &res.text))?;
            }
            index.add_content(number, &content);
        }
        for name in ["DocumentRes", "PublicRes"] {
            let locations: Vec<String> = self.common(name).map(|r| r.text.clone()).collect();
            for loc in locations {
                self.add_resources(&mut index, &resolve(self.dir(), &loc))?;
            }
        }
        Ok(index)
    }

    fn add_resources(&self, index: &mut PageIndex, path: &str) -> Result<(), LocalError> {
        if self.package.get(path).is_none() {
            return Ok(());
        }
        let res = self.package.xml(path)?;
        let base = match res.attr("BaseLoc") {
            Some(b) => format!("{}/", resolve(parent_dir(path), b)),
            None => parent_dir(path).to_owned(),
        };
        for media in res.descendants().filter(|e| e.name == "MultiMedia") {
            if let (Some(id), Some(file)) = (media.attr("ID"), media.child_text("MediaFile")) {
                index
                    .media
                    .entry(id.to_owned())
                    .or_insert_with(|| resolve(&base, file));
            }
        }
        Ok(())
    }

    /// Decodes the QR image (falling back to `GraphCode`) and merges what it says.
    fn apply_qr(&self, draft: &mut Draft, pages: &PageIndex, graph_code: Option<&str>) {
        let mut skipped = Vec::new();
        let mut decoded = None;
        for path in pages.image_candidates() {
            match self.decode_qr_image(&path) {
                Ok(Some(payload)) => {
                    decoded = Some((path, payload));
                    break;
                }
                Ok(None) => {}
                Err(reason) => skipped.push(format!("{path}: {reason}")),
            }
        }
        match (decoded, graph_code) {
            (Some((path, payload)), graph) => {
                draft.extra("local:qr_source".to_owned(), &format!("image:{path}"));
                if let Some(graph) = graph.filter(|g| g.trim() != payload.raw()) {
                    draft.extra("ofd-xml:GraphCode".to_owned(), graph);
                }
                draft.merge_qr(&payload);
            }
            (None, Some(graph)) => {
                draft.extra("local:qr_source".to_owned(), "ofd-xml:GraphCode");
                match InvoiceQr::parse(graph) {
                    Ok(payload) => draft.merge_qr(&payload),
                    Err(e) => draft.issue("qr_payload", "ofd-xml:GraphCode", graph, |lang| {
                        e.message(lang)
                    }),
                }
            }
            (None, None) => {}
        }
        if !skipped.is_empty() {
            draft.extra("local:qr_image".to_owned(), &skipped.join("; "));
        }
    }

    /// `Ok(Some)` for an invoice QR, `Ok(None)` when the image holds none, `Err(reason)`
    /// when the image cannot be examined (unknown format, corrupt, over the limits).
    fn decode_qr_image(&self, path: &str) -> Result<Option<InvoiceQr>, String> {
        let bytes = self.package.get(path).ok_or("missing from the archive")?;
        let texts = if bytes.starts_with(b"\x97JB2") || path.to_ascii_lowercase().ends_with(".jb2")
        {
            let gray = jbig2::decode_gray(&Jbig2Source::File(bytes), self.limits)
                .map_err(|e| e.to_string())?;
            qr_image::decode_gray(&gray)
        } else {
            qr_image::decode_qr_image(bytes, self.limits).map_err(|e| e.to_string())?
        };
        Ok(texts.iter().find_map(|t| InvoiceQr::parse(t).ok()))
    }
}

/// Applies `original_invoice.xml`; returns its `GraphCode` (the QR payload as issued).
fn apply_original_invoice(draft: &mut Draft, root: &Element) -> Option<String> {
    let mut graph_code = None;
    let mut rows = 0;
    walk_rows(root, None, &mut rows, &mut |element, row| {
        if !element.children.is_empty() {
            return;
        }
        let source = format!("ofd-xml:{}", element.name);
        let text = element.text.trim();
        match (row, ItemField::from_ofd_element(&element.name)) {
            (Some(row), Some(field)) => draft.set_item(row, field, text, source),
            _ => match Field::from_ofd_element(&element.name) {
                Some(field) => draft.set(field, text, source),
                None if element.name == "GraphCode" && !text.is_empty() => {
                    graph_code = Some(text.to_owned());
                }
                None => draft.extra(source, text),
            },
        }
    });
    graph_code
}

/// Visits every element with the line-item row it sits in (`GoodsInfo` elements number
/// the rows in document order).
fn walk_rows(
    element: &Element,
    row: Option<usize>,
    rows: &mut usize,
    visit: &mut dyn FnMut(&Element, Option<usize>),
) {
    let row = if element.name == "GoodsInfo" {
        *rows += 1;
        Some(*rows - 1)
    } else {
        row
    };
    visit(element, row);
    for child in &element.children {
        walk_rows(child, row, rows, visit);
    }
}

/// Applies one `CustomTag.xml`: each tag lists `ObjectRef`s to page text objects.
fn apply_custom_tags(draft: &mut Draft, tags: &Element, pages: &PageIndex) {
    let mut loose_items: Vec<(ItemField, &TextObject)> = Vec::new();
    let mut rows = 0;
    walk_rows(tags, None, &mut rows, &mut |element, row| {
        let refs: Vec<&TextObject> = element
            .children_named("ObjectRef")
            .filter_map(|r| pages.texts.get(r.text.trim()))
            .collect();
        if refs.is_empty() {
            return;
        }
        let source = format!("ofd-tags:{}", element.name);
        let text = joined(&refs);
        match (row, ItemField::from_ofd_element(&element.name)) {
            (Some(row), Some(field)) => draft.set_item(row, field, &text, source),
            (None, Some(field)) => loose_items.extend(refs.into_iter().map(|t| (field, t))),
            _ => match Field::from_ofd_element(&element.name) {
                Some(field) => draft.set(field, &text, source),
                None => draft.extra(source, &text),
            },
        }
    });
    for ((row, field), texts) in rows_by_position(&loose_items) {
        let source = format!("ofd-tags:{}", ofd_item_element(field));
        draft.set_item(row, field, &joined(&texts), source);
    }
}

/// Groups line-item text objects listed without `GoodsInfo` rows (数电 tags) into rows:
/// each `Amount` object starts a row, and an object belongs to the last row starting at or
/// above it (so wrapped item names join their row).
fn rows_by_position<'a>(
    items: &[(ItemField, &'a TextObject)],
) -> BTreeMap<(usize, ItemField), Vec<&'a TextObject>> {
    let anchor_field = [ItemField::Amount, ItemField::Name]
        .into_iter()
        .find(|f| items.iter().any(|(g, _)| g == f));
    let mut anchors: Vec<(usize, f64)> = items
        .iter()
        .filter(|(f, _)| Some(*f) == anchor_field)
        .map(|(_, t)| (t.page, t.y))
        .collect();
    anchors.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut grouped: BTreeMap<(usize, ItemField), Vec<&TextObject>> = BTreeMap::new();
    for (field, text) in items {
        let row = anchors
            .iter()
            .rposition(|(page, y)| (*page, *y - ROW_TOLERANCE_MM) <= (text.page, text.y))
            .unwrap_or(0);
        grouped.entry((row, *field)).or_default().push(text);
    }
    for texts in grouped.values_mut() {
        texts.sort_by(|a, b| {
            (a.page.cmp(&b.page))
                .then(a.y.total_cmp(&b.y))
                .then(a.x.total_cmp(&b.x))
        });
    }
    grouped
}

fn ofd_item_element(field: ItemField) -> &'static str {
    match field {
        ItemField::Name => "Item",
        ItemField::Spec => "Specification",
        ItemField::Unit => "MeasurementDimension",
        ItemField::Quantity => "Quantity",
        ItemField::UnitPrice => "Price",
        ItemField::Amount => "Amount",
        ItemField::TaxRate => "TaxScheme",
        ItemField::Tax => "TaxAmount",
    }
}

fn joined(texts: &[&TextObject]) -> String {
    texts.iter().map(|t| t.text.as_str()).collect()
}

/// `OFD.xml` `CustomData` entries of one document.
fn apply_custom_data(draft: &mut Draft, body: &Element) {
    let entries = body
        .child("DocInfo")
        .and_then(|i| i.child("CustomDatas"))
        .into_iter()
        .flat_map(|c| c.children_named("CustomData"));
    for entry in entries {
        let Some(name) = entry.attr("Name") else {
            continue;
        };
        let source = format!("ofd-custom:{name}");
        match Field::from_custom_data(name) {
            Some(field) => draft.set(field, &entry.text, source),
            None => draft.extra(source, &entry.text),
        }
    }
}

/// A `TextObject` of a page or template.
#[derive(Debug, Clone)]
struct TextObject {
    id: String,
    /// 0-based page the object was found on (templates count for their first page).
    page: usize,
    x: f64,
    y: f64,
    size: f64,
    text: String,
}

/// An `ImageObject`'s resource and placement.
#[derive(Debug, Clone)]
struct ImageObject {
    resource: String,
    width: f64,
    height: f64,
}

#[derive(Debug, Default)]
struct PageIndex {
    /// Text objects by ID (IDs are unique within an OFD document).
    texts: HashMap<String, TextObject>,
    images: Vec<ImageObject>,
    /// Media files by resource ID.
    media: HashMap<String, String>,
    /// Templates already indexed.
    loaded: HashMap<String, ()>,
    /// Every page's positioned text (template included), for the layout reader.
    layouts: Vec<Page>,
}

impl PageIndex {
    fn add_content(&mut self, page: usize, content: &Element) {
        for element in content.descendants() {
            let boundary = element
                .attr("Boundary")
                .map(parse_boundary)
                .unwrap_or_default();
            match element.name.as_str() {
                "TextObject" => {
                    let Some(id) = element.attr("ID") else {
                        continue;
                    };
                    let text: String = element
                        .children_named("TextCode")
                        .map(|c| c.text.as_str())
                        .collect();
                    let size = element.attr("Size").and_then(|s| s.trim().parse().ok());
                    self.texts.entry(id.to_owned()).or_insert(TextObject {
                        id: id.to_owned(),
                        page,
                        x: boundary[0],
                        y: boundary[1],
                        size: size.unwrap_or(0.0),
                        text,
                    });
                }
                "ImageObject" => {
                    if let Some(resource) = element.attr("ResourceID") {
                        self.images.push(ImageObject {
                            resource: resource.to_owned(),
                            width: boundary[2],
                            height: boundary[3],
                        });
                    }
                }
                _ => {}
            }
        }
    }

    /// Media paths worth trying as the QR image: square placements first.
    fn image_candidates(&self) -> Vec<String> {
        let mut images: Vec<&ImageObject> = self.images.iter().collect();
        images.sort_by_key(|i| (i.width - i.height).abs() > 1.0);
        let mut paths: Vec<String> = Vec::new();
        for image in images {
            if let Some(path) = self.media.get(&image.resource)
                && !paths.contains(path)
            {
                paths.push(path.clone());
            }
        }
        paths
    }

    /// The 大写 total: the text written only in capital numerals (`伍佰贰拾陆圆整`).
    fn amount_in_words(&self) -> Option<&TextObject> {
        let mut found: Vec<&TextObject> = self
            .texts
            .values()
            .filter(|t| t.text.contains(['圆', '元', '角', '分']))
            .filter(|t| t.text.trim().chars().all(amount_words::is_word_character))
            .collect();
        found.sort_by(|a, b| a.page.cmp(&b.page).then(a.y.total_cmp(&b.y)));
        found.into_iter().next()
    }

    /// The printed title: the largest text naming a 发票.
    fn title(&self) -> Option<&TextObject> {
        self.texts
            .values()
            .filter(|t| t.text.contains("发票") && t.text.chars().count() <= 40)
            .max_by(|a, b| a.size.total_cmp(&b.size).then(b.id.cmp(&a.id)))
    }
}

/// The page size when neither the page nor the document names one.
const A4_MM: (f64, f64) = (210.0, 297.0);

/// `x y w h` in millimetres; missing numbers read as 0.
fn parse_boundary(s: &str) -> [f64; 4] {
    let mut out = [0.0; 4];
    for (slot, part) in out.iter_mut().zip(s.split_whitespace()) {
        *slot = part.parse().unwrap_or(0.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_are_normalised_or_refused() {
        assert_eq!(
            safe_entry_path("Doc_0/./Res/a.png").unwrap(),
            "Doc_0/Res/a.png"
        );
        assert_eq!(
            safe_entry_path("Doc_0\\Pages\\p.xml").unwrap(),
            "Doc_0/Pages/p.xml"
        );
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "\\\\server\\x",
            "C:x",
            "a\0b",
        ] {
            assert!(
                matches!(
                    safe_entry_path(bad),
                    Err(LocalError::UnsafeEntryName { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn locations_resolve_relative_to_their_part_or_the_root() {
        assert_eq!(
            resolve("Doc_0/", "Pages/Page_0/Content.xml"),
            "Doc_0/Pages/Page_0/Content.xml"
        );
        assert_eq!(
            resolve("Doc_0/Tags/", "/Doc_0/Res/x.png"),
            "Doc_0/Res/x.png"
        );
        assert_eq!(resolve("Doc_0/Tags/", "../Res/x.png"), "Doc_0/Res/x.png");
        // Climbing above the root stays inside the package.
        assert_eq!(resolve("", "../../OFD.xml"), "OFD.xml");
        assert_eq!(parent_dir("Doc_0/Document.xml"), "Doc_0/");
        assert_eq!(parent_dir("OFD.xml"), "");
    }

    #[test]
    fn end_of_central_directory_count_is_read_without_parsing_entries() {
        let mut eocd = vec![0u8; 30];
        eocd.extend_from_slice(b"PK\x05\x06\0\0\0\0\x34\x12\x34\x12");
        eocd.extend_from_slice(&[0; 10]);
        assert_eq!(declared_entry_count(&eocd), Some(0x1234));
        assert_eq!(declared_entry_count(b"no zip here"), None);
    }

    #[test]
    fn flat_item_tags_group_into_rows_by_position() {
        let text = |id: &str, page, y, text: &str| TextObject {
            id: id.to_owned(),
            page,
            x: 0.0,
            y,
            size: 3.0,
            text: text.to_owned(),
        };
        let objects = [
            text("a", 0, 56.0, "*服务*技术服"),
            text("b", 0, 60.5, "务费"),
            text("c", 0, 56.1, "100.00"),
            text("d", 0, 65.0, "*软件*授权"),
            text("e", 0, 65.1, "200.00"),
            text("f", 1, 10.0, "*运输*运费"),
            text("g", 1, 10.1, "5.00"),
        ];
        let fields = [
            ItemField::Name,
            ItemField::Name,
            ItemField::Amount,
            ItemField::Name,
            ItemField::Amount,
            ItemField::Name,
            ItemField::Amount,
        ];
        let items: Vec<(ItemField, &TextObject)> = fields.into_iter().zip(&objects).collect();
        let rows = rows_by_position(&items);
        let names: Vec<String> = (0..3)
            .map(|row| joined(&rows[&(row, ItemField::Name)]))
            .collect();
        assert_eq!(names, ["*服务*技术服务费", "*软件*授权", "*运输*运费"]);
        assert_eq!(joined(&rows[&(2, ItemField::Amount)]), "5.00");
    }
}
