//! PDF invoices: the QR image XObject and the positioned text layer.
//!
//! Per page, image XObjects (Flate gray/RGB/Indexed incl. 1-bit, with `/SMask` composited
//! over white; DCT via the JPEG decoder) are searched for the invoice QR, and the text layer
//! is extracted with positions — through `/ToUnicode`, or as UCS-2 code units for legacy
//! e-invoice fonts (`/Encoding /UniGB-UCS2-H`, no ToUnicode) — then grouped into lines and
//! mapped by label (发票代码, 发票号码, …). Objects inside `/ObjStm` are resolved by lopdf when
//! the file is loaded. Form XObjects are followed with a visited set and a depth cap, so a
//! self-referencing graph ends. A page without a usable text layer still yields its QR fields.
//!
//! Parsing a content stream costs far more memory than the stream's bytes (lopdf keeps every
//! operation with room for operands: ~300 bytes per byte of `q q q …`), so the content read
//! per page — page content and forms together — is capped at [`MAX_PAGE_CONTENT_BYTES`]. A
//! page over the cap has its text layer skipped (noted in `extra["local:pdf_text"]`); its QR
//! image is still read. For the same reason object streams are read only up to
//! [`MAX_LOAD_STREAM_BYTES`] each.

use std::cell::Cell;
use std::collections::{BTreeMap, HashSet};

use image::{GrayImage, Luma};
use lopdf::content::{Content, Operation};
use lopdf::{
    DecompressError, Dictionary, Document, Encoding, LoadOptions, Object, ObjectId, Stream,
};

use crate::invoice::Invoice;

use super::fields::{Draft, Field, ItemField};
use super::{LocalError, LocalLimits, check_ratio, qr_image};

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
    for (number, page) in doc.get_pages().into_iter().take(MAX_PAGES) {
        let reader = PageReader::new(&doc, page, limits)?;
        let mut draft = Draft::new();
        apply_text(&mut draft, &reader.text_lines());
        if reader.over_budget.get() {
            let note = format!("not read: its content exceeds {MAX_PAGE_CONTENT_BYTES} bytes");
            draft.extra("local:pdf_text".to_owned(), &note);
            skipped.push(LocalError::UncompressedTooLarge {
                what: format!("the content of page {number}"),
                limit: MAX_PAGE_CONTENT_BYTES as u64,
            });
        }
        match qr_image::first_invoice_payload(&reader.qr_texts()?) {
            Ok(payload) => {
                draft.extra("local:qr_source".to_owned(), "pdf-image");
                draft.merge_qr(&payload);
            }
            Err(e) => qr_errors.push(e),
        }
        draft.infer_kind_from_title();
        let invoice = draft.finish();
        if invoice.number.is_some() || invoice.qr_payload.is_some() {
            invoices.push(invoice);
        }
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

/// Bound on any single decompressed stream.
fn stream_limit(limits: &LocalLimits) -> usize {
    usize::try_from(limits.max_uncompressed_bytes).unwrap_or(usize::MAX)
}

/// One page: its resources and content, walked with the limits in force.
struct PageReader<'a> {
    doc: &'a Document,
    resources: Vec<&'a Dictionary>,
    content: Vec<Operation>,
    limits: &'a LocalLimits,
    /// Content bytes the page's forms may still have parsed.
    budget: Cell<usize>,
    /// Set when some content was left unparsed for exceeding [`MAX_PAGE_CONTENT_BYTES`].
    over_budget: Cell<bool>,
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
            doc,
            resources,
            content,
            limits,
            budget: Cell::new(MAX_PAGE_CONTENT_BYTES.saturating_sub(raw.len())),
            over_budget: Cell::new(over_budget),
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

    /// Texts of the QR codes found in the page's images (and in its forms' images).
    fn qr_texts(&self) -> Result<Vec<String>, LocalError> {
        let mut seen = HashSet::new();
        let mut texts = Vec::new();
        for resources in &self.resources {
            self.collect_image_qr(resources, 0, &mut seen, &mut texts)?;
            if !texts.is_empty() {
                break;
            }
        }
        Ok(texts)
    }

    fn collect_image_qr(
        &self,
        resources: &Dictionary,
        depth: usize,
        seen: &mut HashSet<ObjectId>,
        texts: &mut Vec<String>,
    ) -> Result<(), LocalError> {
        let Some(xobjects) = deref_dict(self.doc, resources.get(b"XObject").ok()) else {
            return Ok(());
        };
        for (_, entry) in xobjects.iter() {
            let Ok((id, Object::Stream(stream))) = self.doc.dereference(entry) else {
                continue;
            };
            if let Some(id) = id
                && !seen.insert(id)
            {
                continue;
            }
            match stream.dict.get(b"Subtype").and_then(Object::as_name) {
                Ok(b"Image") => {
                    if let Some(gray) = self.image_to_gray(stream)? {
                        texts.extend(qr_image::decode_gray(&gray));
                    }
                }
                Ok(b"Form") if depth < MAX_FORM_DEPTH => {
                    if let Some(inner) = deref_dict(self.doc, stream.dict.get(b"Resources").ok()) {
                        self.collect_image_qr(inner, depth + 1, seen, texts)?;
                    }
                }
                _ => {}
            }
            if !texts.is_empty() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// An image XObject as grayscale; `None` for encodings not worth decoding here
    /// (JBIG2, CCITT, JPEG 2000, unusual color spaces).
    fn image_to_gray(&self, stream: &Stream) -> Result<Option<GrayImage>, LocalError> {
        let dict = &stream.dict;
        let dim = |key: &[u8]| {
            dict.get(key)
                .ok()
                .and_then(|o| o.as_i64().ok())
                .and_then(|v| u32::try_from(v).ok())
                .filter(|v| *v > 0)
        };
        let (Some(width), Some(height)) = (dim(b"Width"), dim(b"Height")) else {
            return Ok(None);
        };
        qr_image::check_pixels(width, height, self.limits)?;
        let filters: Vec<&[u8]> = stream.filters().unwrap_or_default();
        if filters.last() == Some(&&b"DCTDecode"[..]) {
            if filters.len() != 1 {
                return Ok(None);
            }
            // Embedded JPEG: decoded (and its size re-checked) by the image reader.
            return Ok(qr_image::load_gray(&stream.content, self.limits).ok());
        }
        if filters
            .iter()
            .any(|f| matches!(*f, b"JBIG2Decode" | b"CCITTFaxDecode" | b"JPXDecode"))
        {
            return Ok(None);
        }
        let data = self.decompress(stream, "image XObject")?;
        let Some(color) = ColorModel::of(self.doc, dict) else {
            return Ok(None);
        };
        let mut gray = color.to_gray(&data, width, height);
        if let Some(gray) = gray.as_mut()
            && let Some(mask) = self.soft_mask(dict, width, height)?
        {
            composite_over_white(gray, &mask);
        }
        Ok(gray)
    }

    /// The `/SMask` of an image as alpha, when it has the image's size.
    fn soft_mask(
        &self,
        dict: &Dictionary,
        width: u32,
        height: u32,
    ) -> Result<Option<GrayImage>, LocalError> {
        let Ok((_, Object::Stream(mask))) = dict
            .get(b"SMask")
            .map_or(Err(()), |o| self.doc.dereference(o).map_err(|_| ()))
        else {
            return Ok(None);
        };
        let data = self.decompress(mask, "soft mask")?;
        let bits = mask
            .dict
            .get(b"BitsPerComponent")
            .and_then(Object::as_i64)
            .unwrap_or(8);
        Ok(ColorModel::Gray { bits }.to_gray(&data, width, height))
    }

    fn decompress(&self, stream: &Stream, what: &str) -> Result<Vec<u8>, LocalError> {
        let limit = stream_limit(self.limits);
        let data = stream.decompressed_content_with_limit(limit).map_err(|_| {
            LocalError::UncompressedTooLarge {
                what: what.to_owned(),
                limit: self.limits.max_uncompressed_bytes,
            }
        })?;
        check_ratio(
            what,
            data.len() as u64,
            stream.content.len() as u64,
            self.limits,
        )?;
        Ok(data)
    }

    /// The page's text, as lines top to bottom.
    fn text_lines(&self) -> Vec<Line> {
        let mut runs = Vec::new();
        let fonts = self.fonts(&self.resources);
        let mut walker = TextWalker::new(&fonts, &mut runs);
        walker.run(&self.content);
        self.form_text(
            &self.resources,
            Matrix::IDENTITY,
            0,
            &mut HashSet::new(),
            &mut runs,
        );
        lines_from_runs(runs)
    }

    /// Text drawn inside Form XObjects (some generators put the whole invoice in one).
    fn form_text(
        &self,
        resources: &[&'a Dictionary],
        ctm: Matrix,
        depth: usize,
        seen: &mut HashSet<ObjectId>,
        runs: &mut Vec<Run>,
    ) {
        if depth >= MAX_FORM_DEPTH {
            return;
        }
        for res in resources {
            let Some(xobjects) = deref_dict(self.doc, res.get(b"XObject").ok()) else {
                continue;
            };
            for (_, entry) in xobjects.iter() {
                let Ok((Some(id), Object::Stream(form))) = self.doc.dereference(entry) else {
                    continue;
                };
                let is_form = matches!(
                    form.dict.get(b"Subtype").and_then(Object::as_name),
                    Ok(b"Form")
                );
                if !is_form || !seen.insert(id) {
                    continue;
                }
                let Some(data) = self.form_content(form) else {
                    continue;
                };
                let inner: Vec<&Dictionary> =
                    deref_dict(self.doc, form.dict.get(b"Resources").ok())
                        .into_iter()
                        .collect();
                let fonts = self.fonts(if inner.is_empty() { resources } else { &inner });
                if let Ok(content) = Content::decode(&data) {
                    let mut walker = TextWalker::new(&fonts, runs);
                    walker.ctm = form_matrix(&form.dict).multiply(&ctm);
                    walker.run(&content.operations);
                }
                self.form_text(&inner, ctm, depth + 1, seen, runs);
            }
        }
    }

    /// Font encodings by resource name.
    fn fonts(&self, resources: &[&'a Dictionary]) -> BTreeMap<Vec<u8>, Encoding<'a>> {
        let mut fonts = BTreeMap::new();
        for res in resources {
            let Some(dict) = deref_dict(self.doc, res.get(b"Font").ok()) else {
                continue;
            };
            for (name, font) in dict.iter() {
                let Ok(font) = self.doc.dereference(font).and_then(|(_, f)| f.as_dict()) else {
                    continue;
                };
                if let Ok(encoding) =
                    font.get_font_encoding_with_limit(self.doc, stream_limit(self.limits))
                {
                    fonts.entry(name.clone()).or_insert(encoding);
                }
            }
        }
        fonts
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

fn form_matrix(dict: &Dictionary) -> Matrix {
    match dict.get(b"Matrix").and_then(Object::as_array) {
        Ok(values) => Matrix::from_operands(values).unwrap_or(Matrix::IDENTITY),
        Err(_) => Matrix::IDENTITY,
    }
}

/// How an image XObject's samples map to gray.
enum ColorModel {
    Gray {
        bits: i64,
    },
    Rgb,
    Cmyk,
    /// `[/Indexed base hival lookup]`: palette of gray levels.
    Indexed {
        bits: i64,
        palette: Vec<u8>,
    },
}

impl ColorModel {
    fn of(doc: &Document, dict: &Dictionary) -> Option<ColorModel> {
        let bits = dict
            .get(b"BitsPerComponent")
            .and_then(Object::as_i64)
            .unwrap_or(1);
        if matches!(dict.get(b"ImageMask").and_then(Object::as_bool), Ok(true)) {
            return Some(ColorModel::Gray { bits: 1 });
        }
        let space = doc.dereference(dict.get(b"ColorSpace").ok()?).ok()?.1;
        match space {
            Object::Name(name) => Self::named(name, bits),
            Object::Array(parts) => {
                let family = parts.first()?.as_name().ok()?;
                match family {
                    b"Indexed" => Self::indexed(doc, parts, bits),
                    b"ICCBased" => {
                        let (_, profile) = doc.dereference(parts.get(1)?).ok()?;
                        let n = profile
                            .as_stream()
                            .ok()?
                            .dict
                            .get(b"N")
                            .ok()?
                            .as_i64()
                            .ok()?;
                        Self::components(n, bits)
                    }
                    other => Self::named(other, bits),
                }
            }
            _ => None,
        }
    }

    fn named(name: &[u8], bits: i64) -> Option<ColorModel> {
        match name {
            b"DeviceGray" | b"CalGray" | b"G" => Some(ColorModel::Gray { bits }),
            b"DeviceRGB" | b"CalRGB" | b"RGB" => Self::components(3, bits),
            b"DeviceCMYK" | b"CMYK" => Self::components(4, bits),
            _ => None,
        }
    }

    fn components(n: i64, bits: i64) -> Option<ColorModel> {
        match (n, bits) {
            (1, _) => Some(ColorModel::Gray { bits }),
            (3, 8) => Some(ColorModel::Rgb),
            (4, 8) => Some(ColorModel::Cmyk),
            _ => None,
        }
    }

    fn indexed(doc: &Document, parts: &[Object], bits: i64) -> Option<ColorModel> {
        let (_, base) = doc.dereference(parts.get(1)?).ok()?;
        let channels = match base {
            Object::Name(n) if n.as_slice() == b"DeviceGray" => 1,
            Object::Name(n) if n.as_slice() == b"DeviceCMYK" => 4,
            _ => 3,
        };
        let (_, lookup) = doc.dereference(parts.get(3)?).ok()?;
        let table = match lookup {
            Object::String(bytes, _) => bytes.clone(),
            Object::Stream(s) => s.decompressed_content().ok()?,
            _ => return None,
        };
        let palette = table.chunks_exact(channels).map(to_luma).collect();
        Some(ColorModel::Indexed { bits, palette })
    }

    /// Converts packed samples (rows padded to whole bytes) to gray; `None` when short.
    fn to_gray(&self, data: &[u8], width: u32, height: u32) -> Option<GrayImage> {
        let (channels, bits) = match self {
            ColorModel::Gray { bits } | ColorModel::Indexed { bits, .. } => (1, *bits),
            ColorModel::Rgb => (3, 8),
            ColorModel::Cmyk => (4, 8),
        };
        let bits = u64::try_from(bits)
            .ok()
            .filter(|b| matches!(b, 1 | 2 | 4 | 8))?;
        let row_bytes = (u64::from(width) * channels * bits).div_ceil(8);
        if (data.len() as u64) < row_bytes * u64::from(height) {
            return None;
        }
        let row_bytes = usize::try_from(row_bytes).ok()?;
        let sample = |row: &[u8], index: usize| -> u8 {
            let bit = index * bits as usize;
            let byte = row.get(bit / 8).copied().unwrap_or(0);
            let shift = 8 - bits as usize - bit % 8;
            (byte >> shift) & ((1u16 << bits) - 1) as u8
        };
        let max = ((1u16 << bits) - 1) as u8;
        Some(GrayImage::from_fn(width, height, |x, y| {
            let row = data.get(y as usize * row_bytes..).unwrap_or_default();
            let x = x as usize;
            let value = match self {
                ColorModel::Gray { .. } => {
                    (u16::from(sample(row, x)) * 255 / u16::from(max).max(1)) as u8
                }
                ColorModel::Indexed { palette, .. } => palette
                    .get(usize::from(sample(row, x)))
                    .copied()
                    .unwrap_or(255),
                ColorModel::Rgb => to_luma(row.get(x * 3..x * 3 + 3).unwrap_or(&[255; 3])),
                ColorModel::Cmyk => to_luma(row.get(x * 4..x * 4 + 4).unwrap_or(&[0; 4])),
            };
            Luma([value])
        }))
    }
}

/// Luma of a gray, RGB or CMYK sample.
fn to_luma(c: &[u8]) -> u8 {
    match *c {
        [g] => g,
        [r, g, b] => ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000) as u8,
        [c, m, y, k] => {
            let ink = (u32::from(c) * 3 + u32::from(m) * 6 + u32::from(y)) / 10 + u32::from(k);
            255u32.saturating_sub(ink) as u8
        }
        _ => 255,
    }
}

/// Paints the image over a white page through its alpha mask.
fn composite_over_white(image: &mut GrayImage, alpha: &GrayImage) {
    for (pixel, a) in image.pixels_mut().zip(alpha.pixels()) {
        let (v, a) = (u32::from(pixel.0[0]), u32::from(a.0[0]));
        pixel.0[0] = ((v * a + 255 * (255 - a)) / 255) as u8;
    }
}

/// A 2D affine matrix `[a b c d e f]` as in PDF.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Matrix([f64; 6]);

impl Matrix {
    const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    fn from_operands(operands: &[Object]) -> Option<Matrix> {
        let mut m = [0.0; 6];
        if operands.len() != 6 {
            return None;
        }
        for (slot, o) in m.iter_mut().zip(operands) {
            *slot = number(o)?;
        }
        Some(Matrix(m))
    }

    fn translate(x: f64, y: f64) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, x, y])
    }

    /// `self × other` (apply `self` first).
    fn multiply(&self, other: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = other.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    fn scale(&self) -> f64 {
        self.0[2].hypot(self.0[3])
    }
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

/// A piece of text drawn at one position.
#[derive(Debug, Clone)]
struct Run {
    x: f64,
    y: f64,
    size: f64,
    text: String,
}

/// Walks content operators, tracking the text and graphics matrices.
struct TextWalker<'w, 'a> {
    fonts: &'w BTreeMap<Vec<u8>, Encoding<'a>>,
    runs: &'w mut Vec<Run>,
    ctm: Matrix,
    saved: Vec<Matrix>,
    tm: Matrix,
    line: Matrix,
    font: Option<&'w Encoding<'a>>,
    size: f64,
    leading: f64,
}

impl<'w, 'a> TextWalker<'w, 'a> {
    fn new(fonts: &'w BTreeMap<Vec<u8>, Encoding<'a>>, runs: &'w mut Vec<Run>) -> Self {
        TextWalker {
            fonts,
            runs,
            ctm: Matrix::IDENTITY,
            saved: Vec::new(),
            tm: Matrix::IDENTITY,
            line: Matrix::IDENTITY,
            font: None,
            size: 0.0,
            leading: 0.0,
        }
    }

    fn run(&mut self, operations: &[Operation]) {
        for op in operations {
            let args = &op.operands;
            let num = |i: usize| args.get(i).and_then(number);
            match op.operator.as_str() {
                "q" if self.saved.len() < MAX_STATE_STACK => self.saved.push(self.ctm),
                "Q" => self.ctm = self.saved.pop().unwrap_or(self.ctm),
                "cm" => {
                    if let Some(m) = Matrix::from_operands(args) {
                        self.ctm = m.multiply(&self.ctm);
                    }
                }
                "BT" => {
                    self.tm = Matrix::IDENTITY;
                    self.line = Matrix::IDENTITY;
                }
                "Tf" => {
                    self.font = args
                        .first()
                        .and_then(|n| n.as_name().ok())
                        .and_then(|n| self.fonts.get(n));
                    self.size = num(1).unwrap_or(0.0);
                }
                "TL" => self.leading = num(0).unwrap_or(0.0),
                "Td" | "TD" => {
                    let (x, y) = (num(0).unwrap_or(0.0), num(1).unwrap_or(0.0));
                    if op.operator == "TD" {
                        self.leading = -y;
                    }
                    self.next_line(x, y);
                }
                "Tm" => {
                    if let Some(m) = Matrix::from_operands(args) {
                        self.tm = m;
                        self.line = m;
                    }
                }
                "T*" => self.next_line(0.0, -self.leading),
                "Tj" => self.show(args.first()),
                "'" => {
                    self.next_line(0.0, -self.leading);
                    self.show(args.first());
                }
                "\"" => {
                    self.next_line(0.0, -self.leading);
                    self.show(args.get(2));
                }
                "TJ" => {
                    if let Some(Object::Array(parts)) = args.first() {
                        self.show_array(parts);
                    }
                }
                _ => {}
            }
        }
    }

    fn next_line(&mut self, x: f64, y: f64) {
        self.line = Matrix::translate(x, y).multiply(&self.line);
        self.tm = self.line;
    }

    fn show(&mut self, string: Option<&Object>) {
        if let Some(Object::String(bytes, _)) = string {
            let text = self.decode(bytes);
            self.emit(text);
        }
    }

    fn show_array(&mut self, parts: &[Object]) {
        let mut text = String::new();
        for part in parts {
            match part {
                Object::String(bytes, _) => text.push_str(&self.decode(bytes)),
                // A large negative kerning is a word gap the generator drew with TJ.
                other if number(other).is_some_and(|n| n < -300.0) => text.push(' '),
                _ => {}
            }
        }
        self.emit(text);
    }

    fn decode(&self, bytes: &[u8]) -> String {
        let decoded = self.font.and_then(|f| Document::decode_text(f, bytes).ok());
        decoded.unwrap_or_else(|| bytes.iter().map(|&b| char::from(b)).collect())
    }

    /// Records a run at the current position and advances by an estimated width
    /// (1 em for CJK, ½ em otherwise) so a following `Tj` lands after it.
    fn emit(&mut self, text: String) {
        let at = self.tm.multiply(&self.ctm);
        let em: f64 = text
            .chars()
            .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
            .sum();
        if !text.trim().is_empty() {
            self.runs.push(Run {
                x: at.0[4],
                y: at.0[5],
                size: (self.size * at.scale()).abs(),
                text,
            });
        }
        self.tm = Matrix::translate(em * self.size, 0.0).multiply(&self.tm);
    }
}

/// A line of text: runs sharing a baseline, left to right.
#[derive(Debug, Clone)]
struct Line {
    y: f64,
    runs: Vec<Run>,
}

impl Line {
    /// The line's text with all whitespace removed (legacy layouts space out labels,
    /// `名    称`) and without the one-character runs of the vertical side captions
    /// (`购`/`买`/`方`, `销`/`售`/`方`, `信`/`息`), which would otherwise glue onto the
    /// value printed left of them.
    fn compact(&self) -> String {
        self.runs
            .iter()
            .filter(|run| !is_side_caption(run.text.trim()))
            .flat_map(|run| run.text.chars().filter(|c| !c.is_whitespace()))
            .collect()
    }
}

fn is_side_caption(text: &str) -> bool {
    let mut chars = text.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if "购买方销售信息".contains(c))
}

/// Groups runs into lines (top to bottom) by baseline proximity.
fn lines_from_runs(mut runs: Vec<Run>) -> Vec<Line> {
    runs.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
    let mut lines: Vec<Line> = Vec::new();
    for run in runs {
        let tolerance = (run.size * 0.4).max(1.0);
        match lines.last_mut() {
            Some(line) if (line.y - run.y).abs() <= tolerance => line.runs.push(run),
            _ => lines.push(Line {
                y: run.y,
                runs: vec![run],
            }),
        }
    }
    for line in &mut lines {
        line.runs.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    lines
}

/// Labels that end the value of the label before them on the same line.
const LABELS: &[&str] = &[
    "发票代码",
    "发票号码",
    "开票日期",
    "校验码",
    "机器编号",
    "名称",
    "纳税人识别号",
    "统一社会信用代码",
    "地址、电话",
    "地址电话",
    "开户行及账号",
    "收款人",
    "复核",
    "开票人",
    "密码区",
    "购买方",
    "销售方",
    "备注",
];

/// Maps labelled values of the text lines onto the draft.
fn apply_text(draft: &mut Draft, lines: &[Line]) {
    let compacted: Vec<String> = lines.iter().map(Line::compact).collect();
    let single = |label: &'static str, field: Field, draft: &mut Draft| {
        if let Some(value) = labelled_values(&compacted, label).into_iter().next() {
            draft.set(field, &value, format!("pdf-text:{label}"));
        }
    };
    single("发票代码", Field::Code, draft);
    single("发票号码", Field::Number, draft);
    single("开票日期", Field::Date, draft);
    single("机器编号", Field::MachineCode, draft);
    single("收款人", Field::Payee, draft);
    single("复核", Field::Reviewer, draft);
    single("开票人", Field::Issuer, draft);
    if let Some(check) = labelled_values(&compacted, "校验码").into_iter().next() {
        let digits: String = check
            .chars()
            .filter(char::is_ascii_digit)
            .take(20)
            .collect();
        draft.set(Field::CheckCode, &digits, "pdf-text:校验码".to_owned());
    }
    // Buyer comes first in reading order in both layouts (legacy: above; 数电: left).
    let pairs: [(&[&'static str], Field, Field); 4] = [
        (&["名称"], Field::BuyerName, Field::SellerName),
        // Also matches the 数电 label 统一社会信用代码/纳税人识别号.
        (&["纳税人识别号"], Field::BuyerTaxId, Field::SellerTaxId),
        (
            &["地址、电话", "地址电话"],
            Field::BuyerAddressPhone,
            Field::SellerAddressPhone,
        ),
        (
            &["开户行及账号"],
            Field::BuyerBankAccount,
            Field::SellerBankAccount,
        ),
    ];
    for (labels, buyer, seller) in pairs {
        let Some((label, values)) = labels
            .iter()
            .map(|l| (*l, labelled_values(&compacted, l)))
            .find(|(_, v)| !v.is_empty())
        else {
            continue;
        };
        let mut values = values.into_iter();
        let source = format!("pdf-text:{label}");
        if let Some(v) = values.next() {
            draft.set(buyer, &tax_id_or_text(buyer, &v), source.clone());
        }
        if let Some(v) = values.next() {
            draft.set(seller, &tax_id_or_text(seller, &v), source);
        }
    }
    apply_totals(draft, &compacted);
    apply_title(draft, lines);
    apply_items(draft, lines);
}

/// Tax IDs end where the first non-ID character begins (the next column's text).
fn tax_id_or_text(field: Field, value: &str) -> String {
    if matches!(field, Field::BuyerTaxId | Field::SellerTaxId) {
        value
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect()
    } else {
        value.to_owned()
    }
}

/// Every value written after `label:` (colon required), up to the next known label.
fn labelled_values(lines: &[String], label: &str) -> Vec<String> {
    let mut values = Vec::new();
    for line in lines {
        let mut rest = line.as_str();
        while let Some(at) = rest.find(label) {
            let after = rest.get(at + label.len()..).unwrap_or_default();
            rest = after;
            let Some(value) = after.strip_prefix([':', '：']) else {
                continue;
            };
            let end = LABELS
                .iter()
                .filter_map(|l| value.find(l))
                .min()
                .unwrap_or(value.len());
            let value = value.get(..end).unwrap_or(value);
            values.push(value.trim_end_matches(['/', ';', '；']).to_owned());
        }
    }
    values
}

/// 合计 (amount, tax) and 价税合计 (words and figures).
fn apply_totals(draft: &mut Draft, lines: &[String]) {
    for line in lines {
        if let Some(rest) = line.split_once("价税合计").map(|(_, r)| r) {
            let words: String = rest
                .chars()
                .skip_while(|c| !is_capital_numeral(*c))
                .take_while(|c| is_capital_numeral(*c))
                .collect();
            draft.set(
                Field::TotalInWords,
                &words,
                "pdf-text:价税合计(大写)".to_owned(),
            );
            let figures = rest.split_once("小写").map_or(rest, |(_, r)| r);
            if let Some(total) = money_values(figures).first() {
                draft.set(Field::Total, total, "pdf-text:价税合计(小写)".to_owned());
            }
        } else if line.starts_with("合计") {
            let values = money_values(line);
            if let [amount, tax, ..] = values.as_slice() {
                draft.set(Field::Amount, amount, "pdf-text:合计".to_owned());
                draft.set(Field::Tax, tax, "pdf-text:合计".to_owned());
            }
        }
    }
}

fn is_capital_numeral(c: char) -> bool {
    "零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整负".contains(c)
}

/// Amounts written with a currency sign (`¥526.00`, `￥-3.00`).
fn money_values(text: &str) -> Vec<String> {
    text.split(['¥', '￥'])
        .skip(1)
        .filter_map(|part| {
            let number: String = part
                .chars()
                .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | ','))
                .collect();
            (!number.is_empty()).then_some(number)
        })
        .collect()
}

/// The title: the largest run that names a 发票.
fn apply_title(draft: &mut Draft, lines: &[Line]) {
    let title = lines
        .iter()
        .flat_map(|l| &l.runs)
        .filter(|r| r.text.contains("发票") && r.text.chars().count() <= 40)
        .max_by(|a, b| a.size.total_cmp(&b.size));
    if let Some(run) = title {
        let text: String = run.text.chars().filter(|c| !c.is_whitespace()).collect();
        draft.set(Field::Title, &text, "pdf-text:title".to_owned());
    }
}

/// Item columns by header text, in the order they appear left to right.
const ITEM_HEADERS: &[(&str, ItemField)] = &[
    ("名称", ItemField::Name),
    ("规格型号", ItemField::Spec),
    ("单位", ItemField::Unit),
    ("数量", ItemField::Quantity),
    ("单价", ItemField::UnitPrice),
    ("金额", ItemField::Amount),
    ("税率", ItemField::TaxRate),
    ("征收率", ItemField::TaxRate),
    ("税额", ItemField::Tax),
];

/// Line items: rows between the header line (with 金额 and 税率/税额) and the 合计 line,
/// each run assigned to the header column whose start is nearest at or left of it.
fn apply_items(draft: &mut Draft, lines: &[Line]) {
    let compact: Vec<String> = lines.iter().map(Line::compact).collect();
    let Some(header_at) = compact
        .iter()
        .position(|t| t.contains("金额") && t.contains("税额") && !t.contains("合计"))
    else {
        return;
    };
    let Some(header) = lines.get(header_at) else {
        return;
    };
    let columns = header_columns(header);
    if columns.is_empty() {
        return;
    }
    let mut row = 0usize;
    for (line, text) in lines.iter().zip(&compact).skip(header_at + 1) {
        if text.starts_with("合计") || text.contains("价税合计") {
            break;
        }
        let cells = assign_cells(line, &columns);
        let starts_row = cells.iter().any(|(f, _)| *f == ItemField::Amount);
        let continues_name = !starts_row && cells.iter().all(|(f, _)| *f == ItemField::Name);
        let index = match (starts_row, continues_name) {
            (true, _) => row,
            (false, true) => match row.checked_sub(1) {
                Some(previous) => previous,
                None => continue,
            },
            (false, false) => continue,
        };
        for (field, value) in cells {
            let source = format!("pdf-text:{}", header_label(field));
            if continues_name {
                append_item_name(draft, index, &value, source);
            } else {
                draft.set_item(index, field, &value, source);
            }
        }
        if starts_row {
            row += 1;
        }
    }
}

/// Column starts (x) of the header runs that name an item field.
fn header_columns(header: &Line) -> Vec<(f64, ItemField)> {
    let mut columns = Vec::new();
    for run in &header.runs {
        let label: String = run.text.chars().filter(|c| !c.is_whitespace()).collect();
        for (name, field) in ITEM_HEADERS {
            if label.ends_with(name) || label == *name {
                columns.push((run.x, *field));
                break;
            }
        }
    }
    columns.sort_by(|a, b| a.0.total_cmp(&b.0));
    columns
}

/// Each run of a row goes to the column starting nearest at or left of it (numbers are
/// right-aligned inside their column, so they start right of the header).
fn assign_cells(line: &Line, columns: &[(f64, ItemField)]) -> Vec<(ItemField, String)> {
    let mut cells: Vec<(ItemField, String)> = Vec::new();
    for run in &line.runs {
        let column = columns
            .iter()
            .rev()
            .find(|(x, _)| *x <= run.x + 1.0)
            .or(columns.first());
        let Some((_, field)) = column else {
            continue;
        };
        let text = run.text.trim();
        match cells.iter_mut().find(|(f, _)| f == field) {
            Some((_, existing)) => existing.push_str(text),
            None => cells.push((*field, text.to_owned())),
        }
    }
    cells
}

fn header_label(field: ItemField) -> &'static str {
    ITEM_HEADERS
        .iter()
        .find(|(_, f)| *f == field)
        .map_or("item", |(name, _)| name)
}

/// Wrapped item names continue on the next line.
fn append_item_name(draft: &mut Draft, index: usize, more: &str, source: String) {
    let Some(item) = draft.invoice.items.get_mut(index) else {
        return;
    };
    match &mut item.name {
        Some(name) => name.push_str(more.trim()),
        None => draft.set_item(index, ItemField::Name, more, source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(x: f64, y: f64, text: &str) -> Run {
        Run {
            x,
            y,
            size: 9.0,
            text: text.to_owned(),
        }
    }

    #[test]
    fn matrices_compose_in_pdf_order() {
        let scale = Matrix([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        let moved = Matrix::translate(10.0, 5.0).multiply(&scale);
        assert_eq!(moved.0, [2.0, 0.0, 0.0, 2.0, 20.0, 10.0]);
        assert_eq!(scale.scale(), 2.0);
    }

    #[test]
    fn runs_group_into_lines_top_down_left_to_right() {
        let lines = lines_from_runs(vec![
            run(300.0, 500.0, "b"),
            run(10.0, 501.5, "a"),
            run(10.0, 480.0, "c"),
        ]);
        let texts: Vec<String> = lines.iter().map(Line::compact).collect();
        assert_eq!(texts, ["ab", "c"]);
        // A vertical side caption between two columns does not glue onto the value.
        let captioned = lines_from_runs(vec![
            run(10.0, 400.0, "名称:甲公司"),
            run(200.0, 400.0, "销"),
            run(220.0, 400.0, "名称:乙公司"),
        ]);
        assert_eq!(captioned[0].compact(), "名称:甲公司名称:乙公司");
    }

    #[test]
    fn labelled_values_need_a_colon_and_stop_at_the_next_label() {
        let lines = [
            "货物或应税劳务、服务名称规格型号".to_owned(),
            "名称:甲公司名称：乙公司".to_owned(),
            "收款人:张三复核:李四".to_owned(),
        ];
        assert_eq!(labelled_values(&lines, "名称"), ["甲公司", "乙公司"]);
        assert_eq!(labelled_values(&lines, "收款人"), ["张三"]);
        assert_eq!(labelled_values(&lines, "复核"), ["李四"]);
    }

    #[test]
    fn money_values_follow_currency_signs() {
        assert_eq!(money_values("合计¥200.00¥26.00"), ["200.00", "26.00"]);
        assert_eq!(money_values("（小写）￥-3.50"), ["-3.50"]);
        assert!(money_values("合计").is_empty());
    }

    #[test]
    fn one_bit_indexed_samples_unpack_through_the_palette() {
        let model = ColorModel::Indexed {
            bits: 1,
            palette: vec![0, 255],
        };
        // 3 px wide: rows padded to a byte; 0b101..... then 0b010.....
        let gray = model.to_gray(&[0b1010_0000, 0b0100_0000], 3, 2).unwrap();
        let pixels: Vec<u8> = gray.pixels().map(|p| p.0[0]).collect();
        assert_eq!(pixels, [255, 0, 255, 0, 255, 0]);
        assert!(model.to_gray(&[0], 3, 2).is_none(), "short data is refused");
    }

    #[test]
    fn soft_mask_composites_over_white() {
        let mut image = GrayImage::from_pixel(2, 1, Luma([0]));
        let alpha = GrayImage::from_raw(2, 1, vec![255, 0]).unwrap();
        composite_over_white(&mut image, &alpha);
        assert_eq!(image.as_raw(), &[0, 255]);
    }
}
