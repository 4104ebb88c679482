//! Fonts as the content interpreter needs them: a shown string split into glyph codes, each
//! with its text and its advance width.

use lopdf::{Dictionary, Document, Encoding, Object};

/// Width of a glyph the font does not list, in glyph-space units (1/1000 em).
const DEFAULT_WIDTH: f64 = 1000.0;

/// One glyph of a shown string.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Glyph {
    /// What the glyph stands for; empty when the font gives no way to know.
    pub text: String,
    /// Horizontal advance in glyph-space units (1/1000 of the font size).
    pub width: f64,
    /// The single-byte code 32, to which word spacing (`Tw`) applies.
    pub word_space: bool,
}

/// A font resource, ready to decode strings shown with it.
pub(super) struct Font<'a> {
    encoding: Option<Encoding<'a>>,
    /// Bytes per character code: 2 for composite (Type0) fonts, else 1.
    code_bytes: usize,
    widths: Widths,
}

impl<'a> Font<'a> {
    /// Reads a font dictionary; what cannot be read falls back to defaults.
    pub(super) fn load(doc: &'a Document, font: &'a Dictionary, stream_limit: usize) -> Self {
        let composite = matches!(font.get(b"Subtype").and_then(Object::as_name), Ok(b"Type0"));
        Font {
            encoding: font.get_font_encoding_with_limit(doc, stream_limit).ok(),
            code_bytes: if composite { 2 } else { 1 },
            widths: if composite {
                Widths::composite(doc, font)
            } else {
                Widths::simple(doc, font)
            },
        }
    }

    /// The glyphs of a string shown with this font, in order.
    pub(super) fn glyphs(&self, bytes: &[u8]) -> Vec<Glyph> {
        bytes
            .chunks(self.code_bytes)
            .map(|code| {
                let value = code.iter().fold(0u32, |v, b| (v << 8) | u32::from(*b));
                let text = self
                    .encoding
                    .as_ref()
                    .and_then(|e| Document::decode_text(e, code).ok())
                    .unwrap_or_default();
                Glyph {
                    text,
                    width: self.widths.of(value),
                    word_space: self.code_bytes == 1 && value == 32,
                }
            })
            .collect()
    }
}

/// Advance widths by character code (simple fonts) or CID (composite fonts).
#[derive(Debug, Default)]
struct Widths {
    first: u32,
    listed: Vec<f64>,
    /// `/W` ranges of a CID font: (first CID, last CID, width).
    ranges: Vec<(u32, u32, f64)>,
    default: f64,
}

impl Widths {
    fn simple(doc: &Document, font: &Dictionary) -> Widths {
        let number = |o: &Object| resolve_number(doc, o);
        let listed = array(doc, font.get(b"Widths").ok())
            .map(|a| a.iter().map(|w| number(w).unwrap_or(0.0)).collect())
            .unwrap_or_default();
        let first = font
            .get(b"FirstChar")
            .ok()
            .and_then(&number)
            .map_or(0, |f| f.max(0.0) as u32);
        Widths {
            first,
            listed,
            ranges: Vec::new(),
            default: DEFAULT_WIDTH / 2.0,
        }
    }

    fn composite(doc: &Document, font: &Dictionary) -> Widths {
        let descendant = array(doc, font.get(b"DescendantFonts").ok())
            .and_then(|a| a.first())
            .and_then(|d| doc.dereference(d).ok())
            .and_then(|(_, d)| d.as_dict().ok());
        let Some(cid_font) = descendant else {
            return Widths {
                default: DEFAULT_WIDTH,
                ..Widths::default()
            };
        };
        let default = cid_font
            .get(b"DW")
            .ok()
            .and_then(|o| resolve_number(doc, o))
            .unwrap_or(DEFAULT_WIDTH);
        let mut ranges = Vec::new();
        if let Some(w) = array(doc, cid_font.get(b"W").ok()) {
            let mut i = 0;
            while i + 1 < w.len() {
                let Some(start) = resolve_number(doc, &w[i]).map(|n| n as u32) else {
                    break;
                };
                if let Some(list) = array(doc, Some(&w[i + 1])) {
                    for (k, width) in list.iter().enumerate() {
                        let cid = start + k as u32;
                        ranges.push((cid, cid, resolve_number(doc, width).unwrap_or(default)));
                    }
                    i += 2;
                } else if let (Some(end), Some(width)) = (
                    resolve_number(doc, &w[i + 1]),
                    w.get(i + 2).and_then(|o| resolve_number(doc, o)),
                ) {
                    ranges.push((start, end as u32, width));
                    i += 3;
                } else {
                    break;
                }
            }
        }
        Widths {
            first: 0,
            listed: Vec::new(),
            ranges,
            default,
        }
    }

    fn of(&self, code: u32) -> f64 {
        if let Some(w) = code
            .checked_sub(self.first)
            .and_then(|i| self.listed.get(i as usize))
        {
            return *w;
        }
        self.ranges
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&code))
            .map_or(self.default, |(_, _, w)| *w)
    }
}

fn array<'a>(doc: &'a Document, object: Option<&'a Object>) -> Option<&'a Vec<Object>> {
    doc.dereference(object?).ok()?.1.as_array().ok()
}

fn resolve_number(doc: &Document, object: &Object) -> Option<f64> {
    match doc.dereference(object).ok()?.1 {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}
