//! PDF invoices: the QR image XObject and the positioned text layer, and the invoice XML
//! embedded as a file (`/EmbeddedFiles`, `/AF`; see [`embedded`]), which, being the
//! authoritative data, is read into the first page's invoice ahead of everything else.
//!
//! Per page, image XObjects (Flate gray/RGB/Indexed incl. 1-bit, with `/SMask` composited
//! over white; DCT via the JPEG decoder; JBIG2 with its globals), then unfiltered inline
//! images, then QR codes drawn as filled rectangles are searched for the invoice QR (a URL
//! payload is read too). The content stream is interpreted glyph by glyph
//! (`content`: positions from the font's widths, spacing and matrices; stroked and thin
//! filled paths as rules), decoded through the font ([`font`]: ToUnicode, predefined CJK
//! CMaps, the embedded cmap), and the page — flipped to y-down — is read by the layout reader
//! (`local::layout`). A 销货清单 page or a further page of the same invoice continues the
//! invoice before it. Objects inside `/ObjStm` are resolved by lopdf when
//! the file is loaded. Form XObjects are followed with a visited set and a depth cap, so a
//! self-referencing graph ends. A page without a usable text layer still yields its QR fields.
//!
//! Parsing a content stream costs far more memory than the stream's bytes (lopdf keeps every
//! operation with room for operands: ~300 bytes per byte of `q q q …`), so the content read
//! per page — page content and forms together — is capped at [`MAX_PAGE_CONTENT_BYTES`]. A
//! page over the cap has its text layer skipped (noted in `extra["local:pdf_text"]`); its QR
//! image is still read. For the same reason object streams are read only up to
//! [`MAX_LOAD_STREAM_BYTES`] each.

mod content;
mod embedded;
mod font;
mod image;
mod inline;
mod vector;

use std::cell::Cell;

use lopdf::content::{Content, Operation};
use lopdf::{DecompressError, Dictionary, Document, LoadOptions, Object, ObjectId, Stream};

use crate::invoice::Invoice;

use self::content::PageView;
use super::crosscheck;
use super::fields::Draft;
use super::layout::read_page;
use super::pages::add_page;
use super::{LocalError, LocalLimits, qr_image};

/// Pages read from one PDF; invoices are one or two pages, batches rarely exceed this.
const MAX_PAGES: usize = 64;
/// Deepest chain of Form XObjects followed.
const MAX_FORM_DEPTH: usize = 8;
/// Most graphics-state saves (`q`) kept; deeper nesting is ignored, not followed.
const MAX_STATE_STACK: usize = 64;
/// Content-stream bytes parsed per page, page content and Form XObjects together. Invoice
/// pages hold tens of kilobytes; parsing this much costs at most ~150 MiB.
const MAX_PAGE_CONTENT_BYTES: usize = 512 << 10;
/// Bytes an object or cross-reference stream may decompress to while the file loads. Real
/// ones hold kilobytes; the objects parsed from one cost up to ~120 bytes per byte.
const MAX_LOAD_STREAM_BYTES: usize = 2 << 20;

/// Reads every page holding invoice data.
pub(super) fn recognize(bytes: &[u8], limits: &LocalLimits) -> Result<Vec<Invoice>, LocalError> {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_LOAD_STREAM_BYTES.min(stream_limit(limits))),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| load_error(&e))?;
    let mut invoices = Vec::new();
    // Why pages gave nothing: skipped text layers first, they explain the most.
    let mut skipped = Vec::new();
    let mut qr_errors = Vec::new();
    let mut attachments = Some(embedded::invoice_attachments(&doc, limits));
    for (number, page) in doc.get_pages().into_iter().take(MAX_PAGES) {
        let reader = PageReader::new(&doc, page, limits)?;
        let mut draft = Draft::new();
        let content = reader.page_content();
        let layout = reader.layout_page(&content);
        if let Some(attachments) = attachments.take().filter(|a| !a.is_empty()) {
            apply_attachments(&mut draft, &attachments);
            let mut shadow = Draft::new();
            read_page(&layout, &mut shadow, "pdf-text");
            crosscheck::record(&mut draft, &shadow.finish(), "pdf");
        }
        read_page(&layout, &mut draft, "pdf-text");
        if reader.over_budget.get() {
            let note = format!("not read: its content exceeds {MAX_PAGE_CONTENT_BYTES} bytes");
            draft.extra("local:pdf_text".to_owned(), &note);
            skipped.push(LocalError::UncompressedTooLarge {
                what: format!("the content of page {number}"),
                limit: MAX_PAGE_CONTENT_BYTES as u64,
            });
        }
        let (qr_source, texts) = reader.page_qr(&content)?;
        match qr_image::first_invoice_payload(&texts) {
            Ok(payload) => {
                draft.extra("local:qr_source".to_owned(), qr_source);
                draft.merge_qr(&payload);
            }
            Err(e) => qr_errors.push(e),
        }
        draft.infer_kind_from_title();
        add_page(&mut invoices, draft.finish());
    }
    if invoices.is_empty() {
        return Err(skipped.into_iter().chain(qr_errors).next().unwrap_or(
            LocalError::NothingFound {
                reason: "the PDF has no pages".to_owned(),
            },
        ));
    }
    Ok(invoices)
}

/// Reads the embedded invoice XML into the draft, naming the files in
/// `extra["local:attachments"]`.
fn apply_attachments(draft: &mut Draft, attachments: &[embedded::Attachment]) {
    for attachment in attachments {
        attachment.kind.apply(draft, &attachment.root);
    }
    let names: Vec<&str> = attachments.iter().map(|a| a.name.as_str()).collect();
    draft.extra("local:attachments".to_owned(), &names.join(", "));
}

/// Bound on any single decompressed stream.
fn stream_limit(limits: &LocalLimits) -> usize {
    usize::try_from(limits.max_uncompressed_bytes).unwrap_or(usize::MAX)
}

/// One page: its resources and content, walked with the limits in force.
struct PageReader<'a> {
    doc: &'a Document,
    /// How user space shows on the page.
    view: PageView,
    resources: Vec<&'a Dictionary>,
    content: Vec<Operation>,
    limits: &'a LocalLimits,
    /// Content bytes the page's forms may still have parsed.
    budget: Cell<usize>,
    /// Set when some content was left unparsed for exceeding [`MAX_PAGE_CONTENT_BYTES`].
    over_budget: Cell<bool>,
    /// The page content as bytes: filtered inline images are read from it (lopdf skips them).
    raw: Vec<u8>,
}

impl<'a> PageReader<'a> {
    fn new(doc: &'a Document, page: ObjectId, limits: &'a LocalLimits) -> Result<Self, LocalError> {
        let (raw, over_budget) = match doc.get_page_content_with_limit(page, MAX_PAGE_CONTENT_BYTES)
        {
            Ok(raw) => (raw, false),
            Err(e) if is_over_limit(&e) => (Vec::new(), true),
            Err(e) => return Err(pdf_error(&e)),
        };
        // A page whose content does not parse still has images worth reading.
        let content = Content::decode(&raw)
            .map(|c| c.operations)
            .unwrap_or_default();
        let (direct, referenced) = doc.get_page_resources(page).map_err(|e| pdf_error(&e))?;
        let mut resources: Vec<&Dictionary> = direct.into_iter().collect();
        resources.extend(
            referenced
                .into_iter()
                .filter_map(|id| doc.get_dictionary(id).ok()),
        );
        Ok(PageReader {
            view: page_view(doc, page),
            doc,
            resources,
            content,
            limits,
            budget: Cell::new(MAX_PAGE_CONTENT_BYTES.saturating_sub(raw.len())),
            over_budget: Cell::new(over_budget),
            raw,
        })
    }

    /// A form's content, charged to the page's budget; `None` when it does not decode or
    /// does not fit what is left.
    fn form_content(&self, form: &Stream) -> Option<Vec<u8>> {
        match form.decompressed_content_with_limit(self.budget.get()) {
            Ok(data) => {
                self.budget.set(self.budget.get() - data.len());
                Some(data)
            }
            Err(e) => {
                if is_over_limit(&e) {
                    self.over_budget.set(true);
                }
                None
            }
        }
    }

    /// Bound on any single decompressed stream.
    fn stream_limit(&self) -> usize {
        stream_limit(self.limits)
    }
}

/// Why the file did not load.
fn load_error(e: &lopdf::Error) -> LocalError {
    if is_over_limit(e) {
        return LocalError::UncompressedTooLarge {
            what: "an object or cross-reference stream".to_owned(),
            limit: MAX_LOAD_STREAM_BYTES as u64,
        };
    }
    pdf_error(e)
}

/// True when lopdf refused a stream for decompressing past the limit it was given.
fn is_over_limit(e: &lopdf::Error) -> bool {
    matches!(
        e,
        lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. })
    )
}

fn pdf_error(e: &lopdf::Error) -> LocalError {
    LocalError::Pdf {
        reason: e.to_string(),
    }
}

fn deref_dict<'a>(doc: &'a Document, object: Option<&'a Object>) -> Option<&'a Dictionary> {
    doc.dereference(object?).ok()?.1.as_dict().ok()
}

/// The page's visible box and rotation, looked up through inherited attributes; an
/// upright US Letter page when absent.
fn page_view(doc: &Document, page: ObjectId) -> PageView {
    let mut area = None;
    let mut rotate = None;
    let mut dict = doc.get_dictionary(page).ok();
    for _ in 0..MAX_FORM_DEPTH * 4 {
        let Some(d) = dict else { break };
        let get = |key: &[u8]| {
            d.get(key)
                .ok()
                .and_then(|o| doc.dereference(o).ok())
                .map(|(_, o)| o)
        };
        for key in [&b"CropBox"[..], b"MediaBox"] {
            let values = get(key)
                .and_then(|o| o.as_array().ok())
                .map(|a| a.iter().filter_map(content::number).collect::<Vec<_>>());
            if area.is_none()
                && let Some([x0, y0, x1, y1]) = values.as_deref()
            {
                area = Some([x0.min(*x1), y0.min(*y1), x0.max(*x1), y0.max(*y1)]);
            }
        }
        rotate = rotate.or_else(|| get(b"Rotate").and_then(|o| o.as_i64().ok()));
        dict = get(b"Parent").and_then(|o| o.as_dict().ok());
    }
    PageView {
        area: area.unwrap_or([0.0, 0.0, 612.0, 792.0]),
        // Multiples of 90 only; anything else is drawn upright, as viewers do.
        rotate: rotate
            .map_or(0, |r| r.rem_euclid(360))
            .try_into()
            .map_or(0, |r: u16| r - r % 90),
    }
}
