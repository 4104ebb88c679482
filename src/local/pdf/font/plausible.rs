//! Whether decoded text can be trusted as what the page shows.
//!
//! Real producers' fonts map to a narrow repertoire: ASCII, CJK punctuation and full-width
//! forms, and ideographs within GBK (every character a Chinese invoice system can issue is
//! in GBK). A font whose map leaves that repertoire — private-use code points, controls,
//! U+FFFD, or glyph ids taken for code points (which land in Latin Extended, IPA, Greek,
//! Cyrillic, Hebrew, Arabic …), as when a file is re-printed through macOS Quartz — shows
//! glyphs its text does not describe.

use encoding_rs::GBK;

use super::cmap::Code;

/// Share of a font's mapped codes that must be implausible before the whole font is
/// distrusted: a few private-use glyphs (logos, the GBK user-defined area that whole-font
/// maps list) stay below it, a map built from glyph ids is far above it.
const GARBLED_SHARE: usize = 4;
/// Fewest implausible codes that make a font garbled, so one odd glyph of a tiny subset
/// does not condemn it.
const GARBLED_MIN: usize = 3;

/// True when `c` can stand on an invoice as decoded text: printable ASCII, Latin-1 signs
/// (¥, ×, ·), general punctuation, letterlike and number forms (℃, №, Ⅱ, ①), anything in
/// GBK, and Kangxi/CJK radicals (some producers print 电⼦ with U+2F26 for 子). Fonts that do
/// not claim to be Chinese (`chinese` false) may also map Latin Extended letters and
/// ligatures. Never plausible: controls, invisible format characters, private use,
/// noncharacters, U+FFFD.
pub(super) fn plausible_char(c: char, chinese: bool) -> bool {
    let u = u32::from(c);
    match u {
        0x20..=0x7E | 0xA0..=0xFF => true,
        // General punctuation without its invisible format characters (zero-width and
        // bidirectional controls, U+200B–U+200F, U+2028–U+202F, U+205F–U+206F).
        0x2000..=0x200A | 0x2010..=0x2027 | 0x2030..=0x205E => true,
        0x2100..=0x218F | 0x2460..=0x24FF | 0x2E80..=0x2FDF => true,
        0x0100..=0x024F | 0xFB00..=0xFB06 if !chinese => true,
        _ if c.is_control() || is_private_or_nonchar(u) => false,
        _ => in_gbk(c),
    }
}

/// True when every character of `text` is plausible (and there is one).
pub(super) fn plausible(text: &str, chinese: bool) -> bool {
    !text.is_empty() && text.chars().all(|c| plausible_char(c, chinese))
}

/// True for text a garbled font still proves: digits and the ASCII punctuation of numbers,
/// dates and codes. The failures seen garble ideographs and keep digits, and a field reader
/// can check digits against the QR and checksums.
pub(super) fn numeric(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " .,-:/%()*+".contains(c))
}

/// Verdict over a font's ToUnicode map: garbled when at least [`GARBLED_MIN`] entries,
/// and a 1/[`GARBLED_SHARE`] share of them, map to implausible text. One-byte control codes
/// mapped to themselves are not counted: ReportLab reserves codes 0–127 of every subset
/// font as an identity block, controls included, and never shows them.
pub(super) fn garbled<'t>(
    entries: impl Iterator<Item = (&'t Code, &'t String)>,
    chinese: bool,
) -> bool {
    let (mut total, mut bad) = (0usize, 0usize);
    for (&(len, code), text) in entries {
        let placeholder = len == 1 && text.chars().eq(char::from_u32(code)) && code < 0x80;
        if placeholder && text.chars().all(char::is_control) {
            continue;
        }
        total += 1;
        if !plausible(text, chinese) {
            bad += 1;
        }
    }
    bad >= GARBLED_MIN && bad * GARBLED_SHARE >= total
}

fn is_private_or_nonchar(u: u32) -> bool {
    matches!(u, 0xE000..=0xF8FF | 0xF0000.. | 0xFDD0..=0xFDEF | 0xFFFD) || u & 0xFFFE == 0xFFFE
}

/// True when GBK can encode `c` (the repertoire of GB 2312 and GBK: all CJK Unified
/// Ideographs through U+9FA5, CJK and full-width punctuation, kana, Greek, Cyrillic,
/// pinyin letters, box drawing).
fn in_gbk(c: char) -> bool {
    let mut buf = [0u8; 4];
    let (_, _, unmappable) = GBK.encode(c.encode_utf8(&mut buf));
    !unmappable
}
