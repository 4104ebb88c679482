//! Fonts as the content interpreter needs them: a shown string split into character codes,
//! each with its text, its advance width and whether that text can be trusted.
//!
//! A string splits by the font's code space: one byte for simple fonts; for composite
//! (Type0) fonts the encoding CMap's — two bytes for `Identity-H` and the UCS-2 CMaps, two
//! or four (surrogate pairs) for UTF-16, one below 0x80 and else two for GBK/GB-EUC, the
//! declared ranges of an embedded CMap — and the ToUnicode map's ranges when the encoding's
//! are unknown.
//!
//! Text per code, in order, the first plausible answer winning (else the first at all,
//! marked suspect): the `/ToUnicode` map; the predefined CMap (UCS-2/UTF-16 codes are
//! Unicode, GBK codes decode as GBK); the embedded TrueType's own `cmap` reversed (glyph id →
//! Unicode, for CIDFontType2 through `/CIDToGIDMap` and symbolic simple TrueType); the
//! simple font's encoding and `/Differences`.

mod cmap;
mod plausible;
mod truetype;
mod widths;

use std::collections::HashMap;

use encoding_rs::GBK;
use lopdf::{Dictionary, Document, Encoding, Object, Stream};

use self::cmap::{CMap, Code, CodeSpace, code_of, utf16_be};
use self::widths::{Widths, array};

/// Bytes a CMap stream (ToUnicode or encoding) may decompress to. A whole-font ToUnicode
/// map of 30 000 entries is ~600 KiB.
const MAX_CMAP_BYTES: usize = 2 << 20;
/// Bytes an embedded font program may decompress to; whole CJK TrueType fonts reach 20 MiB.
const MAX_FONT_PROGRAM_BYTES: usize = 32 << 20;
/// Bytes a `/CIDToGIDMap` stream may hold: two per CID, CIDs up to 65 535.
const MAX_CID_TO_GID_BYTES: usize = 2 << 16;

/// One glyph of a shown string.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Glyph {
    /// What the glyph stands for; empty when the font gives no way to know.
    pub text: String,
    /// Horizontal advance in glyph-space units (1/1000 of the font size).
    pub width: f64,
    /// A single-byte code 32, to which word spacing (`Tw`) applies.
    pub word_space: bool,
    /// The text cannot be trusted to be what the glyph shows: it holds an implausible
    /// character (see [`plausible::plausible_char`]), or it comes from a ToUnicode map that
    /// is garbled as a whole and is not [`plausible::numeric`]. Readers should not take
    /// such text as a name; digits of a garbled font are kept unflagged.
    pub suspect: bool,
}

/// The predefined encoding CMap a Type0 font names in `/Encoding`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Predefined {
    /// `Identity-H`/`-V`: two-byte codes that are the CIDs themselves.
    Identity,
    /// `Uni…-UCS2-…` and `Uni…-UTF16-…`: codes are UTF-16BE code units.
    Unicode,
    /// `GBK-EUC-…`, `GB-EUC-…` and their variants: codes are GBK bytes.
    Gbk,
    /// Simple fonts, embedded CMap streams and CMaps not known here.
    Other,
}

impl Predefined {
    fn from_name(name: &[u8]) -> Predefined {
        let name = String::from_utf8_lossy(name);
        if name.starts_with("Identity-") {
            Predefined::Identity
        } else if name.starts_with("Uni") && (name.contains("-UCS2") || name.contains("-UTF16")) {
            Predefined::Unicode
        } else if name.starts_with("GB") && name.contains("-EUC") {
            Predefined::Gbk
        } else {
            Predefined::Other
        }
    }

    /// The code space the CMap declares (`None` when not known here).
    fn codespace(self) -> Option<CodeSpace> {
        match self {
            Predefined::Identity => Some(CodeSpace::fixed(2)),
            Predefined::Unicode => Some(CodeSpace::from_ranges(&[
                (&[0x00, 0x00], &[0xD7, 0xFF]),
                (&[0xE0, 0x00], &[0xFF, 0xFF]),
                (&[0xD8, 0x00, 0xDC, 0x00], &[0xDB, 0xFF, 0xDF, 0xFF]),
            ])),
            Predefined::Gbk => Some(CodeSpace::from_ranges(&[
                (&[0x00], &[0x80]),
                (&[0x81, 0x40], &[0xFE, 0xFE]),
            ])),
            Predefined::Other => None,
        }
    }

    /// The Unicode text the CMap itself proves for a code.
    fn text(self, code: &[u8]) -> Option<String> {
        match self {
            Predefined::Unicode => Some(utf16_be(code)),
            Predefined::Gbk => {
                let (text, malformed) = GBK.decode_without_bom_handling(code);
                (!malformed).then(|| text.into_owned())
            }
            Predefined::Identity | Predefined::Other => None,
        }
    }
}

/// How a code reaches a glyph id of the embedded font program.
enum GlyphIds {
    None,
    /// CIDFontType2 with `/CIDToGIDMap /Identity` (or none): glyph id = CID.
    Identity,
    /// CIDFontType2 with a `/CIDToGIDMap` stream: glyph id by CID.
    Map(Vec<u16>),
    /// Symbolic simple TrueType: glyph id by one-byte code (0 = none).
    Codes(Box<[u16; 256]>),
}

/// Where a code's text came from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    ToUnicode,
    Predefined,
    Embedded,
    Simple,
}

/// A font resource, ready to decode strings shown with it.
pub(super) struct Font<'a> {
    /// A Type0 font (else a simple one).
    composite: bool,
    codes: CodeSpace,
    to_unicode: HashMap<Code, String>,
    predefined: Predefined,
    /// One-byte encoding of a simple font (lopdf's, with `/Differences`).
    simple: Option<Encoding<'a>>,
    glyph_ids: GlyphIds,
    /// The embedded font program's `cmap`, reversed.
    by_glyph: HashMap<u16, char>,
    widths: Widths,
    /// The descendant font uses the Adobe-GB1 character collection.
    gb1: bool,
    /// The font says it is Chinese (collection, CMap or name): it may map GBK text only.
    chinese: bool,
    /// The ToUnicode map as a whole is not to be trusted ([`plausible::garbled`]).
    garbled: bool,
}

impl<'a> Font<'a> {
    /// Reads a font dictionary; what cannot be read falls back to defaults. Streams are read
    /// up to `stream_limit` bytes (and the smaller caps above).
    pub(super) fn load(doc: &'a Document, font: &'a Dictionary, stream_limit: usize) -> Self {
        let stream = |object: Option<&Object>, cap: usize| -> Option<Vec<u8>> {
            let (_, object) = doc.dereference(object?).ok()?;
            decompressed(object.as_stream().ok()?, cap.min(stream_limit))
        };
        let composite = matches!(font.get(b"Subtype").and_then(Object::as_name), Ok(b"Type0"));
        let descendant = composite.then(|| descendant(doc, font)).flatten();
        let encoding = font
            .get(b"Encoding")
            .ok()
            .and_then(|e| doc.dereference(e).ok());
        let predefined = match encoding {
            Some((_, Object::Name(name))) if composite => Predefined::from_name(name),
            _ => Predefined::Other,
        };
        let embedded_codespace = match encoding {
            Some((_, Object::Stream(s))) if composite => decompressed(s, MAX_CMAP_BYTES)
                .map(|data| CMap::parse(&data).codespace)
                .unwrap_or_default(),
            _ => CodeSpace::default(),
        };
        let to_unicode = stream(font.get(b"ToUnicode").ok(), MAX_CMAP_BYTES)
            .map(|data| CMap::parse(&data))
            .unwrap_or_default();
        let codes = if !composite {
            CodeSpace::fixed(1)
        } else if !embedded_codespace.is_empty() {
            embedded_codespace
        } else if let Some(space) = predefined.codespace() {
            space
        } else if !to_unicode.codespace.is_empty() {
            to_unicode.codespace
        } else {
            CodeSpace::fixed(2)
        };
        let gb1 = descendant.is_some_and(|d| ordering(doc, d).as_deref() == Some(&b"GB1"[..]));
        let chinese = gb1 || claims_chinese(font, predefined);
        let garbled = plausible::garbled(to_unicode.unicode.values().map(String::as_str), chinese);
        let descriptor_owner = descendant.unwrap_or(font);
        let program = font_program(doc, descriptor_owner)
            .and_then(|s| decompressed(s, MAX_FONT_PROGRAM_BYTES.min(stream_limit)));
        let glyph_ids = match (&program, descendant) {
            (Some(_), Some(cid_font)) => cid_glyph_ids(doc, cid_font, &stream),
            (Some(program), None) if symbolic_truetype(doc, font) => {
                let mut ids = Box::new([0u16; 256]);
                for (code, id) in (0..=255u8).zip(ids.iter_mut()) {
                    *id = truetype::symbolic_glyph(program, code).unwrap_or(0);
                }
                GlyphIds::Codes(ids)
            }
            _ => GlyphIds::None,
        };
        let by_glyph = match (&program, &glyph_ids) {
            (Some(program), GlyphIds::Identity | GlyphIds::Map(_) | GlyphIds::Codes(_)) => {
                truetype::unicode_by_glyph(program)
            }
            _ => HashMap::new(),
        };
        Font {
            composite,
            codes,
            to_unicode: to_unicode.unicode,
            predefined,
            simple: (!composite)
                .then(|| simple_encoding(doc, font, stream_limit))
                .flatten(),
            glyph_ids,
            by_glyph,
            widths: if composite {
                Widths::cid(doc, descendant)
            } else {
                Widths::simple(doc, font)
            },
            gb1,
            chinese,
            garbled,
        }
    }

    /// The glyphs of a string shown with this font, in order.
    pub(super) fn glyphs(&self, bytes: &[u8]) -> Vec<Glyph> {
        self.codes
            .split(bytes)
            .into_iter()
            .map(|code| {
                let (text, source) = self.text(code);
                let suspect = !text.is_empty()
                    && (!plausible::plausible(&text, self.chinese)
                        || (self.garbled
                            && source == Some(Source::ToUnicode)
                            && !plausible::numeric(&text)));
                Glyph {
                    width: self.widths.of(self.width_key(code)),
                    word_space: code == [32],
                    text,
                    suspect,
                }
            })
            .collect()
    }

    /// A code's text and where it came from: the first plausible answer in source order,
    /// else the first answer at all. A garbled ToUnicode map is asked last.
    fn text(&self, code: &[u8]) -> (String, Option<Source>) {
        let order = if self.garbled {
            [
                Source::Predefined,
                Source::Embedded,
                Source::Simple,
                Source::ToUnicode,
            ]
        } else {
            [
                Source::ToUnicode,
                Source::Predefined,
                Source::Embedded,
                Source::Simple,
            ]
        };
        let mut fallback = None;
        for source in order {
            let Some(text) = self.text_from(source, code).filter(|t| !t.is_empty()) else {
                continue;
            };
            if plausible::plausible(&text, self.chinese) {
                return (text, Some(source));
            }
            fallback.get_or_insert((text, Some(source)));
        }
        fallback.unwrap_or((String::new(), None))
    }

    fn text_from(&self, source: Source, code: &[u8]) -> Option<String> {
        match source {
            Source::ToUnicode => self.to_unicode.get(&code_of(code)).cloned(),
            Source::Predefined => self.predefined.text(code),
            Source::Embedded => self
                .by_glyph
                .get(&self.glyph_id(code)?)
                .map(|c| c.to_string()),
            Source::Simple => Document::decode_text(self.simple.as_ref()?, code).ok(),
        }
    }

    /// The CID a code selects, where the encoding reveals it without tables: Identity and
    /// unknown CMaps are taken as code = CID.
    fn cid(&self, code: &[u8]) -> Option<u32> {
        match self.predefined {
            Predefined::Identity | Predefined::Other => Some(code_of(code).1),
            Predefined::Unicode | Predefined::Gbk => None,
        }
    }

    fn glyph_id(&self, code: &[u8]) -> Option<u16> {
        let id = match &self.glyph_ids {
            GlyphIds::None => None,
            GlyphIds::Identity => u16::try_from(self.cid(code)?).ok(),
            GlyphIds::Map(ids) => ids.get(usize::try_from(self.cid(code)?).ok()?).copied(),
            GlyphIds::Codes(ids) => match code {
                [byte] => Some(ids[usize::from(*byte)]),
                _ => None,
            },
        };
        id.filter(|&id| id != 0)
    }

    /// The key the font's widths are listed by: the code for simple fonts, the CID for
    /// composite ones. Adobe-GB1 puts proportional ASCII U+0020–U+007E at CIDs 1–95 in
    /// order, so with a Unicode or GBK CMap an ASCII code's CID is its character − 0x1F;
    /// other CIDs behind those CMaps need the CMap's tables and take `/DW` (`None`).
    fn width_key(&self, code: &[u8]) -> Option<u32> {
        if !self.composite {
            return Some(code_of(code).1);
        }
        match self.predefined {
            Predefined::Unicode | Predefined::Gbk if self.gb1 => {
                let text = self.predefined.text(code)?;
                match text.as_bytes() {
                    [c @ 0x20..=0x7E] => Some(u32::from(*c) - 0x1F),
                    _ => None,
                }
            }
            _ => self.cid(code),
        }
    }
}

/// A stream's content, decompressed up to `cap` bytes.
fn decompressed(stream: &Stream, cap: usize) -> Option<Vec<u8>> {
    if stream.dict.has(b"Filter") {
        stream.decompressed_content_with_limit(cap).ok()
    } else {
        (stream.content.len() <= cap).then(|| stream.content.clone())
    }
}

/// The first descendant (CID) font of a Type0 font.
fn descendant<'a>(doc: &'a Document, font: &'a Dictionary) -> Option<&'a Dictionary> {
    let first = array(doc, font.get(b"DescendantFonts").ok())?.first()?;
    doc.dereference(first).ok()?.1.as_dict().ok()
}

/// `/CIDSystemInfo /Ordering` of a CID font.
fn ordering(doc: &Document, cid_font: &Dictionary) -> Option<Vec<u8>> {
    let info = cid_font
        .get_deref(b"CIDSystemInfo", doc)
        .ok()?
        .as_dict()
        .ok()?;
    let (_, ordering) = doc.dereference(info.get(b"Ordering").ok()?).ok()?;
    ordering.as_str().ok().map(<[u8]>::to_vec)
}

/// True when the font names itself Chinese: a GB or CNS CMap, or a base font name in CJK
/// characters or of a Chinese family (SimSun, STSong, KaiTi, HeiTi, FangSong, YaHei,
/// PingFang, MingLiU, …_GB2312).
fn claims_chinese(font: &Dictionary, predefined: Predefined) -> bool {
    const FAMILIES: [&str; 9] = [
        "song", "sun", "kai", "hei", "fang", "ming", "yahei", "gb2312", "gbk",
    ];
    if matches!(predefined, Predefined::Gbk) {
        return true;
    }
    if let Ok(Object::Name(encoding)) = font.get(b"Encoding")
        && (encoding.starts_with(b"UniGB") || encoding.starts_with(b"UniCNS"))
    {
        return true;
    }
    let Ok(name) = font.get(b"BaseFont").and_then(Object::as_name) else {
        return false;
    };
    // Subset fonts carry a six-letter tag: ABCDEF+SimSun.
    let family = name.splitn(2, |b| *b == b'+').last().unwrap_or(name);
    !family.is_ascii() || {
        let family = String::from_utf8_lossy(family).to_ascii_lowercase();
        FAMILIES.iter().any(|f| family.contains(f))
    }
}

/// The embedded TrueType program (`/FontFile2`, or an OpenType `/FontFile3`) of a simple or
/// CID font.
fn font_program<'a>(doc: &'a Document, font: &'a Dictionary) -> Option<&'a Stream> {
    let descriptor = font
        .get_deref(b"FontDescriptor", doc)
        .ok()?
        .as_dict()
        .ok()?;
    if let Ok(program) = descriptor
        .get_deref(b"FontFile2", doc)
        .and_then(Object::as_stream)
    {
        return Some(program);
    }
    let program = descriptor
        .get_deref(b"FontFile3", doc)
        .and_then(Object::as_stream)
        .ok()?;
    let subtype = program.dict.get(b"Subtype").and_then(Object::as_name);
    matches!(subtype, Ok(b"OpenType")).then_some(program)
}

/// How a CIDFontType2's CIDs reach glyph ids; other CID fonts (CFF) have no `cmap` here.
fn cid_glyph_ids(
    doc: &Document,
    cid_font: &Dictionary,
    stream: &impl Fn(Option<&Object>, usize) -> Option<Vec<u8>>,
) -> GlyphIds {
    if !matches!(
        cid_font.get(b"Subtype").and_then(Object::as_name),
        Ok(b"CIDFontType2")
    ) {
        return GlyphIds::None;
    }
    let map = cid_font.get(b"CIDToGIDMap").ok();
    match map.and_then(|m| doc.dereference(m).ok()) {
        None | Some((_, Object::Name(_))) => GlyphIds::Identity,
        Some(_) => match stream(map, MAX_CID_TO_GID_BYTES) {
            Some(data) => GlyphIds::Map(
                data.chunks_exact(2)
                    .map(|p| u16::from_be_bytes([p[0], p[1]]))
                    .collect(),
            ),
            None => GlyphIds::None,
        },
    }
}

/// A simple TrueType font flagged symbolic (FontDescriptor `/Flags` bit 3): its codes
/// select glyphs through the font's own `cmap`, not through a standard encoding.
fn symbolic_truetype(doc: &Document, font: &Dictionary) -> bool {
    const SYMBOLIC: i64 = 1 << 2;
    let truetype = matches!(
        font.get(b"Subtype").and_then(Object::as_name),
        Ok(b"TrueType")
    );
    let flags = font
        .get_deref(b"FontDescriptor", doc)
        .and_then(Object::as_dict)
        .and_then(|d| d.get_deref(b"Flags", doc))
        .and_then(Object::as_i64)
        .unwrap_or(0);
    truetype && flags & SYMBOLIC != 0
}

/// The one-byte encoding of a simple font: its `/Encoding` (with `/Differences`), or the
/// standard encoding when it has neither that nor a ToUnicode map. With a ToUnicode map and
/// no `/Encoding` lopdf would read the map again, which this module has already done.
fn simple_encoding<'a>(
    doc: &'a Document,
    font: &'a Dictionary,
    stream_limit: usize,
) -> Option<Encoding<'a>> {
    if !font.has(b"Encoding") && font.has(b"ToUnicode") {
        return None;
    }
    match font.get_font_encoding_with_limit(doc, stream_limit) {
        Ok(Encoding::UnicodeMapEncoding(_)) | Err(_) => None,
        Ok(encoding) => Some(encoding),
    }
}
