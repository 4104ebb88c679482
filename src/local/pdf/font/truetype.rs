//! The embedded font program's own `cmap`, read backwards: glyph id → Unicode, for fonts
//! whose strings carry glyph ids (CIDFontType2 with `/CIDToGIDMap`, symbolic TrueType)
//! and no ToUnicode map.

use std::collections::HashMap;

use ttf_parser::{PlatformId, RawFace, Tag, cmap};

/// The code points looked up in the font's Unicode subtables: what an invoice can print
/// (Latin, punctuation, CJK symbols, ideographs, full-width forms). Looking up a fixed
/// repertoire bounds the work whatever ranges a hostile `cmap` claims; a code point outside
/// it would be judged implausible anyway.
const REPERTOIRE: &[(u32, u32)] = &[
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x0370, 0x03FF),
    (0x0400, 0x04FF),
    (0x2000, 0x206F),
    (0x2100, 0x21FF),
    (0x2460, 0x24FF),
    (0x2500, 0x25FF),
    (0x2E80, 0x2FDF),
    (0x3000, 0x303F),
    (0x3200, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
];

/// Subtables looked at; fonts carry two or three, a hostile one may declare 65 535.
const MAX_SUBTABLES: usize = 8;

/// Glyph id → the character the font's Unicode `cmap` subtables give it; where several
/// characters share a glyph, the first in [`REPERTOIRE`] order wins (ASCII before CJK).
/// Empty when the data is not a TrueType/OpenType font or has no Unicode subtable.
pub(super) fn unicode_by_glyph(font: &[u8]) -> HashMap<u16, char> {
    let mut map = HashMap::new();
    let Some(table) = cmap_table(font) else {
        return map;
    };
    let subtables = table
        .subtables
        .into_iter()
        .take(MAX_SUBTABLES)
        .filter(|s| s.is_unicode() && searchable(s));
    for subtable in subtables {
        for &(first, last) in REPERTOIRE {
            for code_point in first..=last {
                if let (Some(glyph), Some(c)) =
                    (subtable.glyph_index(code_point), char::from_u32(code_point))
                    && glyph.0 != 0
                {
                    map.entry(glyph.0).or_insert(c);
                }
            }
        }
    }
    map
}

/// Glyph id of a simple symbolic TrueType font's one-byte code: the (3,0) subtable maps
/// codes at 0xF000 + code (or the bare code), the (1,0) Macintosh subtable the bare code
/// (ISO 32000-1 §9.6.6.4).
pub(super) fn symbolic_glyph(font: &[u8], code: u8) -> Option<u16> {
    let table = cmap_table(font)?;
    let code = u32::from(code);
    table
        .subtables
        .into_iter()
        .take(MAX_SUBTABLES)
        .find_map(|s| {
            let candidates: &[u32] = match (s.platform_id, s.encoding_id) {
                (PlatformId::Windows, 0) => &[0xF000 + code, code],
                (PlatformId::Macintosh, 0) => &[code],
                _ => &[],
            };
            candidates
                .iter()
                .find_map(|&c| s.glyph_index(c))
                .map(|g| g.0)
                .filter(|&g| g != 0)
        })
}

/// True for the subtable formats that look up in logarithmic time (4 and 12); format 13
/// searches its groups one by one.
fn searchable(subtable: &cmap::Subtable) -> bool {
    matches!(
        subtable.format,
        cmap::Format::SegmentMappingToDeltaValues(_) | cmap::Format::SegmentedCoverage(_)
    )
}

/// The `cmap` table of a font program; only the table directory needs to be sound (subset
/// fonts embedded in PDFs often lack tables a full parser insists on).
fn cmap_table(font: &[u8]) -> Option<cmap::Table<'_>> {
    let raw = RawFace::parse(font, 0).ok()?;
    cmap::Table::parse(raw.table(Tag::from_bytes(b"cmap"))?)
}
