//! Image XObjects as grayscale, searched for the invoice QR.

use std::borrow::Cow;
use std::collections::HashSet;

use image::GrayImage;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::super::jbig2::{self, Jbig2Source};
use super::super::qr_image::{self, Effort};
use super::super::{LocalError, check_ratio};
use super::content::PageContent;
use super::vector::vector_qr_texts;
use super::{MAX_FORM_DEPTH, PageReader, deref_dict, stream_limit};
use crate::domain::qr::InvoiceQr;

/// Appends the texts not already listed.
fn add_new(texts: &mut Vec<String>, more: Vec<String>) {
    for text in more {
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
}

/// True when an image's declared width and height are within 5 % of each other.
fn is_square(stream: &Stream) -> bool {
    let side = |key: &[u8]| stream.dict.get(key).and_then(Object::as_i64).unwrap_or(0);
    let (w, h) = (side(b"Width"), side(b"Height"));
    w > 0 && h > 0 && (w - h).abs() * 20 <= w.max(h)
}

/// Images of one page searched for the QR code; invoice pages hold a handful (QR, seals,
/// logos), so more are a hostile file's, not an invoice's.
const MAX_PAGE_IMAGES: usize = 32;

impl PageReader<'_> {
    /// The page's QR texts and where the invoice one was found. Cheapest first: square
    /// images (a QR code's own bitmap) read as they are, then codes drawn as vectors, then
    /// every image through the whole ladder. Searching goes on past QR codes that are no
    /// invoice payload (a shop's WeChat code), which stay in the list ahead of it.
    pub(super) fn page_qr(
        &self,
        content: &PageContent,
    ) -> Result<(&'static str, Vec<String>), LocalError> {
        let mut streams = Vec::new();
        let mut seen = HashSet::new();
        for resources in &self.resources {
            self.collect_images(resources, 0, &mut seen, &mut streams);
        }
        self.collect_inline_images(&mut streams);
        let (square, other): (Vec<_>, Vec<_>) = streams.into_iter().partition(|s| is_square(s));
        let mut images = Vec::new();
        for stream in &square {
            images.extend(self.image_to_gray(stream)?);
        }
        let mut texts = qr_image::decode_best_first(&images, Effort::Quick, has_invoice_payload);
        if has_invoice_payload(&texts) {
            return Ok(("pdf-image", texts));
        }
        add_new(&mut texts, vector_qr_texts(content));
        if has_invoice_payload(&texts) {
            return Ok(("pdf-vector", texts));
        }
        for stream in &other {
            images.extend(self.image_to_gray(stream)?);
        }
        add_new(
            &mut texts,
            qr_image::decode_best_first(&images, Effort::Thorough, has_invoice_payload),
        );
        Ok(("pdf-image", texts))
    }

    /// Inline images (`BI … ID … EI`) of the page content: unfiltered ones as lopdf parsed
    /// them, filtered ones (whose data lopdf skips) cut from the raw content. Those in forms
    /// are not searched.
    fn collect_inline_images(&self, streams: &mut Vec<Cow<'_, Stream>>) {
        let inline = self.content.iter().filter(|op| op.operator == "BI");
        let parsed = inline.clone().filter_map(|op| match op.operands.first() {
            Some(Object::Stream(image)) => Some(image.clone()),
            _ => None,
        });
        // A `BI` without its image is one lopdf skipped.
        let skipped = inline.clone().any(|op| op.operands.is_empty());
        let filtered = if skipped {
            super::inline::filtered_inline_images(&self.raw)
        } else {
            Vec::new()
        };
        for image in parsed
            .chain(filtered)
            .take(MAX_PAGE_IMAGES.saturating_sub(streams.len()))
        {
            let dict = expand_inline_dict(&image.dict);
            streams.push(Cow::Owned(Stream::new(dict, image.content)));
        }
    }

    /// The page's image XObjects, forms followed, at most [`MAX_PAGE_IMAGES`].
    fn collect_images<'s>(
        &'s self,
        resources: &'s Dictionary,
        depth: usize,
        seen: &mut HashSet<ObjectId>,
        streams: &mut Vec<Cow<'s, Stream>>,
    ) {
        let Some(xobjects) = deref_dict(self.doc, resources.get(b"XObject").ok()) else {
            return;
        };
        for (_, entry) in xobjects.iter() {
            if streams.len() >= MAX_PAGE_IMAGES {
                break;
            }
            let Ok((id, Object::Stream(stream))) = self.doc.dereference(entry) else {
                continue;
            };
            if let Some(id) = id
                && !seen.insert(id)
            {
                continue;
            }
            match stream.dict.get(b"Subtype").and_then(Object::as_name) {
                Ok(b"Image") => streams.push(Cow::Borrowed(stream)),
                Ok(b"Form") if depth < MAX_FORM_DEPTH => {
                    if let Some(inner) = deref_dict(self.doc, stream.dict.get(b"Resources").ok()) {
                        self.collect_images(inner, depth + 1, seen, streams);
                    }
                }
                _ => {}
            }
        }
    }

    /// An image (XObject or inline) as grayscale; `None` for encodings not worth decoding
    /// here (CCITT, JPEG 2000, unusual color spaces).
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
        if filters.last() == Some(&&b"JBIG2Decode"[..]) {
            return self.jbig2_to_gray(stream, filters.len());
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

    /// A `/JBIG2Decode` image (possibly behind other filters), with its `/JBIG2Globals`;
    /// `None` when the JBIG2 data does not decode (like a corrupt JPEG: the page goes on),
    /// an error when it declares more pixels than the limit (like any image XObject).
    fn jbig2_to_gray(
        &self,
        stream: &Stream,
        filters: usize,
    ) -> Result<Option<GrayImage>, LocalError> {
        let data = if filters == 1 {
            stream.content.clone()
        } else {
            // lopdf knows no JBIG2Decode: undo the filters before it, then decode here.
            self.decompress(&without_last_filter(stream), "JBIG2 image")?
        };
        let params = stream
            .dict
            .get(b"DecodeParms")
            .ok()
            .and_then(|p| self.doc.dereference(p).ok())
            .and_then(|(_, p)| match p {
                Object::Array(list) => list.last().and_then(|p| self.doc.dereference(p).ok()),
                _ => Some((None, p)),
            })
            .and_then(|(_, p)| p.as_dict().ok());
        let globals = match params.and_then(|p| p.get(b"JBIG2Globals").ok()) {
            Some(reference) => match self.doc.dereference(reference) {
                Ok((_, Object::Stream(globals))) => {
                    Some(self.decompress(globals, "JBIG2 globals")?)
                }
                _ => None,
            },
            None => None,
        };
        let source = Jbig2Source::Embedded {
            data: &data,
            globals: globals.as_deref(),
        };
        let mut gray = match jbig2::decode_gray(&source, self.limits) {
            Ok(gray) => gray,
            Err(e @ LocalError::ImageTooLarge { .. }) => return Err(e),
            Err(_) => return Ok(None),
        };
        if decode_inverts(&stream.dict) {
            image::imageops::invert(&mut gray);
        }
        Ok(Some(gray))
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
}

/// True when one of `texts` reads as an invoice QR payload.
fn has_invoice_payload(texts: &[String]) -> bool {
    texts.iter().any(|t| InvoiceQr::parse(t).is_ok())
}

/// An inline image's dictionary with its abbreviated keys and names (`/W`, `/CS /G`, `/F
/// /Fl`) spelled out, so it reads like an image XObject's.
fn expand_inline_dict(inline: &Dictionary) -> Dictionary {
    let mut dict = Dictionary::new();
    for (key, value) in inline.iter() {
        let key: &[u8] = match key.as_slice() {
            b"BPC" => b"BitsPerComponent",
            b"CS" => b"ColorSpace",
            b"D" => b"Decode",
            b"DP" => b"DecodeParms",
            b"F" => b"Filter",
            b"H" => b"Height",
            b"IM" => b"ImageMask",
            b"I" => b"Interpolate",
            b"W" => b"Width",
            other => other,
        };
        dict.set(key, expand_inline_names(value));
    }
    dict
}

/// Abbreviated filter and color-space names, also inside arrays (`[/I /RGB 1 <…>]`).
fn expand_inline_names(value: &Object) -> Object {
    match value {
        Object::Name(name) => {
            let full: &[u8] = match name.as_slice() {
                b"AHx" => b"ASCIIHexDecode",
                b"A85" => b"ASCII85Decode",
                b"LZW" => b"LZWDecode",
                b"Fl" => b"FlateDecode",
                b"RL" => b"RunLengthDecode",
                b"CCF" => b"CCITTFaxDecode",
                b"DCT" => b"DCTDecode",
                b"G" => b"DeviceGray",
                b"RGB" => b"DeviceRGB",
                b"CMYK" => b"DeviceCMYK",
                b"I" => b"Indexed",
                other => other,
            };
            Object::Name(full.to_vec())
        }
        Object::Array(items) => Object::Array(items.iter().map(expand_inline_names).collect()),
        other => other.clone(),
    }
}

/// The stream with its last filter (and that filter's parameters) removed.
fn without_last_filter(stream: &Stream) -> Stream {
    let mut dict = stream.dict.clone();
    let trimmed = |key: &[u8], dict: &mut Dictionary| {
        if let Ok(Object::Array(list)) = dict.get_mut(key) {
            list.pop();
        }
    };
    trimmed(b"Filter", &mut dict);
    trimmed(b"DecodeParms", &mut dict);
    Stream::new(dict, stream.content.clone())
}

/// True when the image's `/Decode` array maps samples the other way round (`[1 0]`).
fn decode_inverts(dict: &Dictionary) -> bool {
    let decode = dict.get(b"Decode").and_then(Object::as_array);
    matches!(decode.map(|d| d.first().and_then(super::content::number)), Ok(Some(v)) if v > 0.5)
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
        let mut pixels = Vec::with_capacity(width as usize * height as usize);
        for row in data.chunks(row_bytes.max(1)).take(height as usize) {
            self.row_to_gray(row, width as usize, bits as usize, &mut pixels);
        }
        GrayImage::from_raw(width, height, pixels)
    }

    /// Appends one row's `width` gray values: whole pixels at a time for 8-bit colour,
    /// unpacked samples for 1, 2 and 4 bits.
    fn row_to_gray(&self, row: &[u8], width: usize, bits: usize, out: &mut Vec<u8>) {
        match self {
            ColorModel::Rgb => out.extend(row.chunks_exact(3).take(width).map(to_luma)),
            ColorModel::Cmyk => out.extend(row.chunks_exact(4).take(width).map(to_luma)),
            ColorModel::Gray { .. } if bits == 8 => out.extend_from_slice(&row[..width]),
            ColorModel::Gray { .. } | ColorModel::Indexed { .. } => {
                let max = (1u16 << bits) - 1;
                out.extend((0..width).map(|x| {
                    let bit = x * bits;
                    let byte = row.get(bit / 8).copied().unwrap_or(0);
                    let value = (byte >> (8 - bits - bit % 8)) & max as u8;
                    match self {
                        ColorModel::Indexed { palette, .. } => {
                            palette.get(usize::from(value)).copied().unwrap_or(255)
                        }
                        _ => (u16::from(value) * 255 / max) as u8,
                    }
                }));
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

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
