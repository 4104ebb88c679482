//! Advance widths: `/Widths` by code for simple fonts, `/W` and `/DW` by CID for CID fonts.

use lopdf::{Dictionary, Document, Object};

use super::standard;

/// Width of a glyph a CID font does not list, in glyph-space units (1/1000 em).
const DEFAULT_CID_WIDTH: f64 = 1000.0;
/// Width of a code a simple font does not list (no `/MissingWidth`): half an em, about a
/// Latin letter.
const DEFAULT_SIMPLE_WIDTH: f64 = 500.0;
/// Most CIDs one `/W` array may list width by width; a range form costs one entry.
const MAX_LISTED: usize = 1 << 16;

/// Advance widths by character code (simple fonts) or CID (composite fonts).
#[derive(Debug, Default)]
pub(super) struct Widths {
    first: u32,
    listed: Vec<f64>,
    /// `/W` ranges of a CID font: (first CID, last CID, width), sorted by first CID.
    ranges: Vec<(u32, u32, f64)>,
    default: f64,
}

impl Widths {
    /// `/FirstChar` and `/Widths` of a simple font (a standard font's metrics when it lists
    /// none); unlisted codes take `/MissingWidth`.
    pub(super) fn simple(doc: &Document, font: &Dictionary) -> Widths {
        let listed: Vec<f64> = array(doc, font.get(b"Widths").ok())
            .map(|a| a.iter().map(|w| number(doc, w).unwrap_or(0.0)).collect())
            .unwrap_or_default();
        let first = font
            .get(b"FirstChar")
            .ok()
            .and_then(|o| number(doc, o))
            .map_or(0, |f| f.max(0.0) as u32);
        let missing = font
            .get_deref(b"FontDescriptor", doc)
            .and_then(Object::as_dict)
            .ok()
            .and_then(|d| number(doc, d.get(b"MissingWidth").ok()?))
            .filter(|w| *w > 0.0);
        let standard = listed
            .is_empty()
            .then(|| font.get(b"BaseFont").and_then(Object::as_name).ok())
            .flatten()
            .and_then(standard::widths);
        let (first, listed, default) = match standard {
            Some((first, listed, default)) => (first, listed, default.or(missing)),
            None => (first, listed, missing),
        };
        Widths {
            first,
            listed,
            ranges: Vec::new(),
            default: default.unwrap_or(DEFAULT_SIMPLE_WIDTH),
        }
    }

    /// `/W` and `/DW` of a descendant CID font (`None` when the Type0 font has none).
    pub(super) fn cid(doc: &Document, cid_font: Option<&Dictionary>) -> Widths {
        let Some(cid_font) = cid_font else {
            return Widths {
                default: DEFAULT_CID_WIDTH,
                ..Widths::default()
            };
        };
        let default = cid_font
            .get(b"DW")
            .ok()
            .and_then(|o| number(doc, o))
            .unwrap_or(DEFAULT_CID_WIDTH);
        let mut ranges = array(doc, cid_font.get(b"W").ok())
            .map(|w| w_ranges(doc, w, default))
            .unwrap_or_default();
        ranges.sort_by_key(|r| r.0);
        Widths {
            first: 0,
            listed: Vec::new(),
            ranges,
            default,
        }
    }

    /// Width of a code (simple fonts) or CID (composite fonts); `None` — a CID the font's
    /// encoding does not reveal — takes the default.
    pub(super) fn of(&self, key: Option<u32>) -> f64 {
        let Some(key) = key else {
            return self.default;
        };
        if let Some(w) = key
            .checked_sub(self.first)
            .and_then(|i| self.listed.get(i as usize))
        {
            return *w;
        }
        // The last range starting at or before `key` is the only candidate when ranges do
        // not overlap; overlapping ones (malformed) resolve to that one too.
        let after = self.ranges.partition_point(|r| r.0 <= key);
        after
            .checked_sub(1)
            .map(|i| self.ranges[i])
            .filter(|r| key <= r.1)
            .map_or(self.default, |r| r.2)
    }
}

/// Reads a `/W` array: `c [w1 w2 …]` lists widths from CID c, `c_first c_last w` gives one
/// width to a range. A listed width that is not a number takes `default`; reading stops at
/// the first malformed entry.
fn w_ranges(doc: &Document, w: &[Object], default: f64) -> Vec<(u32, u32, f64)> {
    let mut ranges = Vec::new();
    let mut i = 0;
    while i + 1 < w.len() && ranges.len() < MAX_LISTED {
        let Some(start) = number(doc, &w[i]).filter(|n| *n >= 0.0).map(|n| n as u32) else {
            break;
        };
        if let Some(list) = array(doc, Some(&w[i + 1])) {
            for (k, width) in list.iter().take(MAX_LISTED).enumerate() {
                let cid = start.saturating_add(k as u32);
                ranges.push((cid, cid, number(doc, width).unwrap_or(default)));
            }
            i += 2;
        } else if let (Some(end), Some(width)) = (
            number(doc, &w[i + 1]).filter(|n| *n >= 0.0),
            w.get(i + 2).and_then(|o| number(doc, o)),
        ) {
            ranges.push((start, end as u32, width));
            i += 3;
        } else {
            break;
        }
    }
    ranges
}

/// An array, through one reference.
pub(super) fn array<'a>(doc: &'a Document, object: Option<&'a Object>) -> Option<&'a Vec<Object>> {
    doc.dereference(object?).ok()?.1.as_array().ok()
}

/// A number, through one reference.
pub(super) fn number(doc: &Document, object: &Object) -> Option<f64> {
    match doc.dereference(object).ok()?.1 {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}
