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
//! ASCII CIDs of the Adobe-GB1 collection; the simple font's encoding and `/Differences`.

mod cmap;
mod plausible;
mod standard;
mod truetype;
mod widths;

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::ptr;
use std::rc::Rc;

use encoding_rs::GBK;
use lopdf::{Dictionary, Document, Encoding, Object, Stream};

use self::cmap::{CMap, CodeSpace, code_of, utf16_be};
use self::widths::{Widths, array};

/// Bytes a CMap stream (ToUnicode or encoding) may decompress to. A whole-font ToUnicode
/// map of 30 000 entries is ~600 KiB.
const MAX_CMAP_BYTES: usize = 2 << 20;
/// Bytes an embedded font program may decompress to; whole CJK TrueType fonts reach 20 MiB.
const MAX_FONT_PROGRAM_BYTES: usize = 32 << 20;
/// CMap bytes one page may decompress, all its fonts together (a whole-font map is ~600 KiB).
const MAX_PAGE_CMAP_BYTES: usize = 8 << 20;
/// Font-program bytes one page may decompress, all its fonts together.
const MAX_PAGE_PROGRAM_BYTES: usize = 64 << 20;
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
    /// character (see [`plausible::plausible_char`]), or it is not [`plausible::numeric`]
    /// and comes from a ToUnicode map that is garbled as a whole ([`plausible::garbled`])
    /// or from a simple font's encoding that does not name its glyphs
    /// ([`encoding_proven`]). Readers should not take such text as a name; digits are kept
    /// unflagged, for checking against the QR and checksums.
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
    /// Symbolic simple TrueType: glyph id by one-byte code, through the program's `cmap`.
    Symbolic,
}

/// An embedded font program's `cmap`, read on first need: most fonts' text comes from
/// their ToUnicode map, and whole CJK programs decompress to megabytes. Shared by the
/// fonts of a page that embed the same stream.
struct Program<'a> {
    stream: &'a Stream,
    /// Decompression cap for `stream`.
    cap: usize,
    /// Program bytes the page may still decompress (see [`Shared`]).
    budget: Rc<Cell<usize>>,
    tables: OnceCell<ProgramTables>,
}

/// What [`Program`] reads from the font.
#[derive(Default)]
struct ProgramTables {
    /// Glyph id → Unicode (the `cmap` reversed).
    by_glyph: HashMap<u16, char>,
    /// Glyph id by one-byte code, for symbolic simple fonts (0 = none).
    symbolic: Vec<u16>,
}

impl Program<'_> {
    fn tables(&self) -> &ProgramTables {
        self.tables.get_or_init(|| {
            let cap = self.cap.min(self.budget.get());
            let Some(data) = decompressed(self.stream, cap) else {
                return ProgramTables::default();
            };
            self.budget
                .set(self.budget.get().saturating_sub(data.len()));
            ProgramTables {
                by_glyph: truetype::unicode_by_glyph(&data),
                symbolic: (0..=255u8)
                    .map(|code| truetype::symbolic_glyph(&data, code).unwrap_or(0))
                    .collect(),
            }
        })
    }
}

/// Where a code's text came from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    ToUnicode,
    Predefined,
    Embedded,
    /// The CID's place in its character collection (ASCII of Adobe-GB1).
    Collection,
    Simple,
}

/// A font resource, ready to decode strings shown with it.
pub(super) struct Font<'a> {
    /// A Type0 font (else a simple one).
    composite: bool,
    codes: CodeSpace,
    to_unicode: Rc<ReadMap>,
    predefined: Predefined,
    /// One-byte encoding of a simple font (lopdf's, with `/Differences`).
    simple: Option<Encoding<'a>>,
    /// `simple` names the glyphs the codes show ([`encoding_proven`]).
    simple_proven: bool,
    glyph_ids: GlyphIds,
    program: Option<Rc<Program<'a>>>,
    widths: Widths,
    /// The descendant font uses the Adobe-GB1 character collection.
    gb1: bool,
    /// The font says it is Chinese (collection, CMap or name): it may map GBK text only.
    chinese: bool,
    /// The ToUnicode map as a whole is not to be trusted ([`plausible::garbled`]).
    garbled: bool,
}

/// A CMap stream as read once: its map and the verdict on it ([`plausible::garbled`]) for
/// a font that does not (index 0) and does (index 1) claim to be Chinese.
#[derive(Default)]
struct ReadMap {
    cmap: CMap,
    garbled: [bool; 2],
}

/// What the fonts of one page share: CMap streams and font programs, each read once (by
/// identity in the document; the addresses are only compared), within per-page byte
/// budgets so that many distinct streams cannot add up either.
struct Shared<'a> {
    maps: HashMap<*const Stream, Rc<ReadMap>>,
    /// CMap bytes the page may still decompress.
    map_budget: usize,
    programs: HashMap<*const Stream, Rc<Program<'a>>>,
    /// Font-program bytes the page may still decompress.
    program_budget: Rc<Cell<usize>>,
}

impl Default for Shared<'_> {
    fn default() -> Self {
        Shared {
            maps: HashMap::new(),
            map_budget: MAX_PAGE_CMAP_BYTES,
            programs: HashMap::new(),
            program_budget: Rc::new(Cell::new(MAX_PAGE_PROGRAM_BYTES)),
        }
    }
}

impl<'a> Shared<'a> {
    /// A CMap stream, parsed on first use.
    fn map(&mut self, stream: &Stream, cap: usize) -> Rc<ReadMap> {
        if let Some(read) = self.maps.get(&ptr::from_ref(stream)) {
            return Rc::clone(read);
        }
        let data = decompressed(stream, cap.min(self.map_budget));
        self.map_budget -= data.as_ref().map_or(0, Vec::len);
        let cmap = data.map(|data| CMap::parse(&data)).unwrap_or_default();
        let garbled = [false, true].map(|chinese| plausible::garbled(cmap.unicode.iter(), chinese));
        let read = Rc::new(ReadMap { cmap, garbled });
        self.maps.insert(ptr::from_ref(stream), Rc::clone(&read));
        read
    }

    /// A font program, to be read when a code first needs it.
    fn program(&mut self, stream: &'a Stream, cap: usize) -> Rc<Program<'a>> {
        let budget = &self.program_budget;
        let program = self
            .programs
            .entry(ptr::from_ref(stream))
            .or_insert_with(|| {
                Rc::new(Program {
                    stream,
                    cap,
                    budget: Rc::clone(budget),
                    tables: OnceCell::new(),
                })
            });
        Rc::clone(program)
    }
}

/// Fonts already read while one page is interpreted, by font dictionary, and what they
/// share. A form drawn again and again, or many fonts sharing one ToUnicode stream, would
/// otherwise parse the same megabytes each time: a few kilobytes of content could demand
/// hours.
#[derive(Default)]
pub(super) struct FontCache<'a> {
    fonts: HashMap<*const Dictionary, Rc<Font<'a>>>,
    shared: Shared<'a>,
}

impl<'a> FontCache<'a> {
    /// The font of a font dictionary, read on first use ([`Font::load`]).
    pub(super) fn font(
        &mut self,
        doc: &'a Document,
        font: &'a Dictionary,
        stream_limit: usize,
    ) -> Rc<Font<'a>> {
        let key = ptr::from_ref(font);
        if let Some(loaded) = self.fonts.get(&key) {
            return Rc::clone(loaded);
        }
        let loaded = Rc::new(Font::read(doc, font, stream_limit, &mut self.shared));
        self.fonts.insert(key, Rc::clone(&loaded));
        loaded
    }
}

impl<'a> Font<'a> {
    /// Reads a font dictionary on its own (the interpreter goes through [`FontCache`]).
    #[cfg(test)]
    pub(super) fn load(doc: &'a Document, font: &'a Dictionary, stream_limit: usize) -> Self {
        Font::read(doc, font, stream_limit, &mut Shared::default())
    }

    /// Reads a font dictionary; what cannot be read falls back to defaults. Streams are read
    /// up to `stream_limit` bytes (and the smaller caps above), through `shared`.
    fn read(
        doc: &'a Document,
        font: &'a Dictionary,
        stream_limit: usize,
        shared: &mut Shared<'a>,
    ) -> Self {
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
        let cmap_cap = MAX_CMAP_BYTES.min(stream_limit);
        let to_unicode = font
            .get_deref(b"ToUnicode", doc)
            .and_then(Object::as_stream)
            .map_or_else(|_| Rc::default(), |s| shared.map(s, cmap_cap));
        let codes = if composite {
            let embedded = match encoding {
                Some((_, Object::Stream(s))) => {
                    Some(shared.map(s, cmap_cap).cmap.codespace.clone())
                }
                _ => None,
            };
            composite_code_space(embedded, predefined, to_unicode.cmap.codespace.clone())
        } else {
            CodeSpace::fixed(1)
        };
        let gb1 = descendant.is_some_and(|d| ordering(doc, d).as_deref() == Some(&b"GB1"[..]));
        let chinese = gb1 || claims_chinese(font, predefined);
        let garbled = to_unicode.garbled[usize::from(chinese)];
        let program = font_program(doc, descendant.unwrap_or(font));
        let glyph_ids = match (program, descendant) {
            (Some(_), Some(cid_font)) => cid_glyph_ids(doc, cid_font, &stream),
            (Some(_), None) if symbolic_truetype(doc, font) => GlyphIds::Symbolic,
            _ => GlyphIds::None,
        };
        let simple = (!composite)
            .then(|| simple_encoding(doc, font, stream_limit))
            .flatten();
        let simple_proven = encoding_proven(doc, font, simple.as_ref(), chinese);
        Font {
            composite,
            codes,
            to_unicode,
            predefined,
            simple,
            simple_proven,
            glyph_ids,
            program: program.map(|s| shared.program(s, MAX_FONT_PROGRAM_BYTES.min(stream_limit))),
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
                let unproven = match source {
                    Some(Source::ToUnicode) => self.garbled,
                    Some(Source::Simple) => !self.simple_proven,
                    _ => false,
                };
                let suspect = !text.is_empty()
                    && (!plausible::plausible(&text, self.chinese)
                        || (unproven && !plausible::numeric(&text)));
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
                Source::Collection,
                Source::Simple,
                Source::ToUnicode,
            ]
        } else {
            [
                Source::ToUnicode,
                Source::Predefined,
                Source::Embedded,
                Source::Collection,
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
            Source::ToUnicode => self.to_unicode.cmap.unicode.get(&code_of(code)).cloned(),
            Source::Predefined => self.predefined.text(code),
            Source::Embedded => {
                let id = self.glyph_id(code)?;
                let tables = self.program.as_ref()?.tables();
                tables.by_glyph.get(&id).map(|c| c.to_string())
            }
            Source::Collection => self.collection_ascii(code),
            Source::Simple => Document::decode_text(self.simple.as_ref()?, code).ok(),
        }
    }

    /// ASCII of an Adobe-GB1 CID 1–95 (see [`Font::width_key`]), for CID fonts without an
    /// embedded TrueType: their CIDs are the collection's, since a viewer picks glyphs by
    /// them. An embedded TrueType's CIDs are often glyph ids under a GB1 label, so its own
    /// `cmap` is asked instead. The ideographs need Adobe's tables and stay unknown; the
    /// digits are what such a font still proves.
    fn collection_ascii(&self, code: &[u8]) -> Option<String> {
        if !self.gb1 || !matches!(self.glyph_ids, GlyphIds::None) {
            return None;
        }
        let cid = self.cid(code).filter(|cid| (1..=95).contains(cid))?;
        char::from_u32(cid + 0x1F).map(String::from)
    }

    /// The CID a code selects, where the encoding reveals it without tables: Identity and
    /// unknown CMaps are taken as code = CID.
    fn cid(&self, code: &[u8]) -> Option<u32> {
        match self.predefined {
            Predefined::Identity | Predefined::Other => Some(code_of(code).1),
            Predefined::Unicode | Predefined::Gbk => None,
        }
    }

    /// The embedded program's glyph id for a code (`None` for .notdef or unknown).
    fn glyph_id(&self, code: &[u8]) -> Option<u16> {
        let id = match &self.glyph_ids {
            GlyphIds::None => None,
            GlyphIds::Identity => u16::try_from(self.cid(code)?).ok(),
            GlyphIds::Map(ids) => ids.get(usize::try_from(self.cid(code)?).ok()?).copied(),
            GlyphIds::Symbolic => match code {
                [byte] => self
                    .program
                    .as_ref()?
                    .tables()
                    .symbolic
                    .get(usize::from(*byte))
                    .copied(),
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

/// The code space of a composite font: its embedded encoding CMap's, else the predefined
/// CMap's, else the ToUnicode map's, else two bytes. The encoding CMap decides first, as it
/// decides which glyph a viewer shows (ISO 32000-1 §9.7.6.2): where a ToUnicode map's
/// ranges disagree with it, the map is wrong, not the string.
fn composite_code_space(
    embedded: Option<CodeSpace>,
    predefined: Predefined,
    to_unicode: CodeSpace,
) -> CodeSpace {
    embedded
        .filter(|space| !space.is_empty())
        .or_else(|| predefined.codespace())
        .or_else(|| (!to_unicode.is_empty()).then_some(to_unicode))
        .unwrap_or_else(|| CodeSpace::fixed(2))
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
/// DengXian, PingFang, MingLiU, …_GB2312, Noto Sans CJK, Source Han Sans).
fn claims_chinese(font: &Dictionary, predefined: Predefined) -> bool {
    const FAMILIES: [&str; 13] = [
        "song", "sun", "kai", "hei", "fang", "ming", "yahei", "dengxian", "gb2312", "gbk", "cjk",
        "hansans", "hanserif",
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

/// A font flagged symbolic (FontDescriptor `/Flags` bit 3): its codes select glyphs of
/// its own, not those a standard encoding names.
fn symbolic(doc: &Document, font: &Dictionary) -> bool {
    const SYMBOLIC: i64 = 1 << 2;
    let flags = font
        .get_deref(b"FontDescriptor", doc)
        .and_then(Object::as_dict)
        .and_then(|d| d.get_deref(b"Flags", doc))
        .and_then(Object::as_i64)
        .unwrap_or(0);
    flags & SYMBOLIC != 0
}

/// A simple TrueType font flagged symbolic: its codes select glyphs through the font's own
/// `cmap` (ISO 32000-1 §9.6.6.4).
fn symbolic_truetype(doc: &Document, font: &Dictionary) -> bool {
    let subtype = font.get(b"Subtype").and_then(Object::as_name);
    matches!(subtype, Ok(b"TrueType")) && symbolic(doc, font)
}

/// True when a simple font's encoding names the glyphs its codes show: not when the font
/// is symbolic and names no encoding (its codes are its own; the standard encoding is a
/// guess), nor when it claims to be Chinese (a Latin encoding names no ideograph: subset
/// CJK fonts re-printed without ToUnicode come out as `!"#$%…`), nor when its
/// `/Differences` could not be read (lopdf falls back to the standard encoding).
fn encoding_proven(
    doc: &Document,
    font: &Dictionary,
    encoding: Option<&Encoding>,
    chinese: bool,
) -> bool {
    let declared = font
        .get(b"Encoding")
        .ok()
        .and_then(|e| doc.dereference(e).ok());
    let has_differences =
        matches!(declared, Some((_, Object::Dictionary(d))) if d.has(b"Differences"));
    let differences_read = matches!(encoding, Some(Encoding::Differences(_)));
    let guessed = declared.is_none() && symbolic(doc, font);
    !chinese && !guessed && (differences_read || !has_differences)
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

#[cfg(test)]
mod tests {
    use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

    use std::rc::Rc;

    use super::{Font, FontCache, Glyph};

    /// A descendant CIDFontType2 with the given collection ordering and extra entries.
    fn cid_font(doc: &mut Document, ordering: &str, extra: Dictionary) -> ObjectId {
        let mut font = dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "BaseFont" => "Test",
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal(ordering),
                "Supplement" => 4,
            },
        };
        font.extend(&extra);
        doc.add_object(font)
    }

    /// A Type0 font over `descendant`, with `/Encoding` and optional ToUnicode program.
    fn type0(
        doc: &mut Document,
        encoding: Object,
        descendant: ObjectId,
        to_unicode: Option<&str>,
    ) -> Dictionary {
        let mut font = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => "Test",
            "Encoding" => encoding,
            "DescendantFonts" => vec![descendant.into()],
        };
        if let Some(program) = to_unicode {
            let stream = Stream::new(Dictionary::new(), program.as_bytes().to_vec());
            font.set("ToUnicode", doc.add_object(stream));
        }
        font
    }

    fn texts(glyphs: &[Glyph]) -> Vec<&str> {
        glyphs.iter().map(|g| g.text.as_str()).collect()
    }

    fn cmap(codespace: &str, body: &str) -> String {
        format!(
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
             1 begincodespacerange {codespace} endcodespacerange\n{body}\n\
             endcmap CMapName currentdict /CMap defineresource pop end end"
        )
    }

    #[test]
    fn a_page_reads_each_font_and_each_map_once() {
        let mut doc = Document::with_version("1.7");
        let descendant = cid_font(&mut doc, "Identity", Dictionary::new());
        let map = cmap("<0000> <FFFF>", "1 beginbfchar <0001> <53D1> endbfchar");
        let first = type0(&mut doc, "Identity-H".into(), descendant, Some(&map));
        let mut second = first.clone();
        second.set("BaseFont", "Other");
        let mut cache = FontCache::default();
        let a = cache.font(&doc, &first, usize::MAX);
        let b = cache.font(&doc, &first, usize::MAX);
        let c = cache.font(&doc, &second, usize::MAX);
        assert!(Rc::ptr_eq(&a, &b));
        assert!(!Rc::ptr_eq(&a, &c));
        assert!(Rc::ptr_eq(&a.to_unicode, &c.to_unicode));
        assert_eq!(texts(&c.glyphs(&[0, 1])), ["发"]);
    }

    #[test]
    fn a_page_stops_reading_maps_past_its_budget() {
        let mut doc = Document::with_version("1.7");
        let descendant = cid_font(&mut doc, "Identity", Dictionary::new());
        // Five distinct 1.9 MiB maps (a comment pads each): the page's 8 MiB hold four.
        let padding = format!("%{}\n", "x".repeat(1900 << 10));
        let fonts: Vec<Dictionary> = (0..5)
            .map(|i| {
                let body = format!("{padding}{i} beginbfchar <0001> <53D1> endbfchar");
                let map = cmap("<0000> <FFFF>", &body);
                type0(&mut doc, "Identity-H".into(), descendant, Some(&map))
            })
            .collect();
        let mut cache = FontCache::default();
        let texts: Vec<String> = fonts
            .iter()
            .map(|font| {
                cache.font(&doc, font, usize::MAX).glyphs(&[0, 1])[0]
                    .text
                    .clone()
            })
            .collect();
        assert_eq!(texts, ["发", "发", "发", "发", ""]);
    }

    #[test]
    fn ucs2_cmap_without_to_unicode_gives_text_and_gb1_ascii_widths() {
        let mut doc = Document::with_version("1.7");
        let widths: Vec<Object> = vec![17.into(), 26.into(), 462.into()];
        let descendant = cid_font(&mut doc, "GB1", dictionary! { "W" => widths, "DW" => 1000 });
        let font = type0(&mut doc, "UniGB-UCS2-H".into(), descendant, None);
        let font = Font::load(&doc, &font, usize::MAX);
        // 发 票 1: the digit's CID is 0x31 − 0x1F = 18, listed at 462, not its code 0x31.
        let glyphs = font.glyphs(&[0x53, 0xD1, 0x79, 0x68, 0x00, 0x31]);
        assert_eq!(texts(&glyphs), ["发", "票", "1"]);
        let widths: Vec<f64> = glyphs.iter().map(|g| g.width).collect();
        assert_eq!(widths, [1000.0, 1000.0, 462.0]);
        assert!(glyphs.iter().all(|g| !g.suspect));
    }

    #[test]
    fn gb1_cid_font_without_any_map_still_gives_its_ascii() {
        let mut doc = Document::with_version("1.7");
        let mut cid_font = dictionary! { "Subtype" => "CIDFontType0" };
        cid_font.set(
            "CIDSystemInfo",
            dictionary! { "Ordering" => Object::string_literal("GB1") },
        );
        let descendant = doc.add_object(cid_font);
        let font = type0(&mut doc, "Identity-H".into(), descendant, None);
        let font = Font::load(&doc, &font, usize::MAX);
        // CIDs 18, 19 and 17 are 1, 2, 0; CID 3000 is an ideograph not known here.
        let glyphs = font.glyphs(&[0, 18, 0, 19, 0, 17, 0x0B, 0xB8]);
        assert_eq!(texts(&glyphs), ["1", "2", "0", ""]);
    }

    #[test]
    fn utf16_cmap_reads_a_surrogate_pair_as_one_code() {
        let mut doc = Document::with_version("1.7");
        let descendant = cid_font(&mut doc, "GB1", Dictionary::new());
        let font = type0(&mut doc, "UniGB-UTF16-H".into(), descendant, None);
        let font = Font::load(&doc, &font, usize::MAX);
        let glyphs = font.glyphs(&[0xD8, 0x40, 0xDC, 0x00, 0x00, 0x41]);
        assert_eq!(texts(&glyphs), ["\u{20000}", "A"]);
        // Outside GBK in a font that claims Chinese: not trusted.
        assert!(glyphs[0].suspect);
        assert!(!glyphs[1].suspect);
    }

    #[test]
    fn gbk_euc_cmap_mixes_one_and_two_byte_codes() {
        let mut doc = Document::with_version("1.7");
        let widths: Vec<Object> = vec![1.into(), 95.into(), 500.into()];
        let descendant = cid_font(&mut doc, "GB1", dictionary! { "W" => widths });
        let font = type0(&mut doc, "GBK-EUC-H".into(), descendant, None);
        let font = Font::load(&doc, &font, usize::MAX);
        // 发票12 in GBK.
        let glyphs = font.glyphs(&[0xB7, 0xA2, 0xC6, 0xB1, b'1', b'2']);
        assert_eq!(texts(&glyphs), ["发", "票", "1", "2"]);
        let widths: Vec<f64> = glyphs.iter().map(|g| g.width).collect();
        assert_eq!(widths, [1000.0, 1000.0, 500.0, 500.0]);
    }

    #[test]
    fn embedded_cmap_codespace_splits_one_and_two_byte_codes_for_to_unicode() {
        let mut doc = Document::with_version("1.7");
        let descendant = cid_font(&mut doc, "Identity", Dictionary::new());
        let space = "<00> <7F> <8000> <FFFF>";
        let encoding = cmap(space, "").replace("1 begincodespacerange", "2 begincodespacerange");
        let encoding = doc.add_object(Stream::new(Dictionary::new(), encoding.into_bytes()));
        let to_unicode = cmap(
            space,
            "2 beginbfchar <41> <0041> <8001> <53D1> endbfchar\n\
             2 beginbfrange <8002> <8003> [<7968> <00660069>] <80FE> <8101> <4EFE> endbfrange",
        );
        let font = type0(&mut doc, encoding.into(), descendant, Some(&to_unicode));
        let font = Font::load(&doc, &font, usize::MAX);
        let bytes = [0x41, 0x80, 0x01, 0x80, 0x02, 0x80, 0x03, 0x81, 0x01];
        let glyphs = font.glyphs(&bytes);
        // A bfrange base advances across xxFF: <80FE>→4EFE … <8101>→4F01.
        assert_eq!(texts(&glyphs), ["A", "发", "票", "fi", "\u{4F01}"]);
    }

    #[test]
    fn to_unicode_codespace_decides_when_the_encoding_cmap_is_unknown() {
        let mut doc = Document::with_version("1.7");
        let descendant = cid_font(&mut doc, "Identity", Dictionary::new());
        let to_unicode = cmap(
            "<00> <7F> <8000> <FFFF>",
            "2 beginbfchar <31> <0031> <8001> <53D1> endbfchar",
        )
        .replace("1 begincodespacerange", "2 begincodespacerange");
        let font = type0(&mut doc, "Custom-H".into(), descendant, Some(&to_unicode));
        let font = Font::load(&doc, &font, usize::MAX);
        assert_eq!(texts(&font.glyphs(&[0x31, 0x80, 0x01])), ["1", "发"]);
    }

    #[test]
    fn invisible_and_replacement_characters_are_suspect() {
        let mut doc = Document::with_version("1.7");
        let descendant = cid_font(&mut doc, "Identity", Dictionary::new());
        let to_unicode = cmap(
            "<0000> <FFFF>",
            "4 beginbfchar <0001> <200B> <0002> <202E> <0003> <FFFD> <0004> <2014> endbfchar\n\
             1 beginbfrange <0005> <0010> <4E00> endbfrange",
        );
        let font = type0(&mut doc, "Identity-H".into(), descendant, Some(&to_unicode));
        let font = Font::load(&doc, &font, usize::MAX);
        let glyphs = font.glyphs(&[0, 1, 0, 2, 0, 3, 0, 4]);
        // Three odd entries of sixteen: the map as a whole stays trusted.
        let suspect: Vec<bool> = glyphs.iter().map(|g| g.suspect).collect();
        assert_eq!(suspect, [true, true, true, false]);
    }

    #[test]
    fn private_use_and_garbled_maps_are_suspect_but_digits_are_kept() {
        let mut doc = Document::with_version("1.7");
        let descendant = cid_font(&mut doc, "Identity", Dictionary::new());
        // One private-use glyph among plausible ones: that glyph alone is suspect.
        let one_odd = cmap(
            "<0000> <FFFF>",
            "3 beginbfchar <0001> <E000> <0002> <0031> <0003> <53D1> endbfchar",
        );
        let font = type0(&mut doc, "Identity-H".into(), descendant, Some(&one_odd));
        let font = Font::load(&doc, &font, usize::MAX);
        let glyphs = font.glyphs(&[0, 1, 0, 2, 0, 3]);
        let suspect: Vec<bool> = glyphs.iter().map(|g| g.suspect).collect();
        assert_eq!(suspect, [true, false, false]);
        // Glyph ids taken for code points (Cyrillic, Arabic, Hangul in a font named SimSun):
        // the map is garbled, so even its plausible-looking ideograph is distrusted; the
        // digit is kept.
        let garbage = cmap(
            "<0000> <FFFF>",
            "6 beginbfchar <0001> <0431> <0002> <0645> <0003> <AC00> <0004> <0452> \
             <0005> <0032> <0006> <7968> endbfchar",
        );
        let mut font = type0(&mut doc, "Identity-H".into(), descendant, Some(&garbage));
        font.set("BaseFont", "ABCDEF+SimSun");
        let font = Font::load(&doc, &font, usize::MAX);
        let glyphs = font.glyphs(&[0, 1, 0, 5, 0, 6]);
        assert_eq!(texts(&glyphs), ["б", "2", "票"]);
        let suspect: Vec<bool> = glyphs.iter().map(|g| g.suspect).collect();
        assert_eq!(suspect, [true, false, true]);
    }

    #[test]
    fn identity_mapped_control_codes_do_not_make_a_map_garbled() {
        // ReportLab's subset fonts map codes 0–127 to themselves, controls included.
        let controls: String = (0..0x20)
            .map(|c| format!("<{c:02X}> <{c:04X}>\n"))
            .collect();
        let body = format!("34 beginbfchar {controls}<80> <53D1> <81> <7968> endbfchar");
        let to_unicode = cmap("<00> <FF>", &body);
        let mut doc = Document::with_version("1.7");
        let stream = Stream::new(Dictionary::new(), to_unicode.into_bytes());
        let font = dictionary! {
            "Type" => "Font",
            "Subtype" => "TrueType",
            "BaseFont" => "AAAAAA+SimSun-0",
            "ToUnicode" => doc.add_object(stream),
        };
        let font = Font::load(&doc, &font, usize::MAX);
        let glyphs = font.glyphs(&[0x80, 0x81, 0x01]);
        assert_eq!(texts(&glyphs), ["发", "票", "\u{1}"]);
        let suspect: Vec<bool> = glyphs.iter().map(|g| g.suspect).collect();
        assert_eq!(suspect, [false, false, true]);
    }

    /// A `cmap` subtable: platform id, encoding id, (code, glyph id) pairs.
    type Subtable<'p> = (u16, u16, &'p [(u16, u16)]);

    /// A TrueType font holding only a `cmap` table, with one format-4 subtable each.
    fn truetype_with_cmap(subtables: &[Subtable]) -> Vec<u8> {
        let be = |out: &mut Vec<u8>, values: &[u16]| {
            for v in values {
                out.extend_from_slice(&v.to_be_bytes());
            }
        };
        let mut bodies = Vec::new();
        for (_, _, pairs) in subtables {
            // One segment per pair, then the closing 0xFFFF segment.
            let seg_count = pairs.len() as u16 + 1;
            let mut body = Vec::new();
            be(
                &mut body,
                &[4, 16 + 8 * seg_count, 0, seg_count * 2, 0, 0, 0],
            );
            let ends: Vec<u16> = pairs.iter().map(|p| p.0).chain([0xFFFF]).collect();
            be(&mut body, &ends);
            be(&mut body, &[0]);
            be(&mut body, &ends);
            let deltas: Vec<u16> = pairs.iter().map(|p| p.1.wrapping_sub(p.0)).collect();
            be(&mut body, &deltas);
            be(&mut body, &[1]);
            be(&mut body, &vec![0; usize::from(seg_count)]);
            bodies.push(body);
        }
        let mut cmap = Vec::new();
        be(&mut cmap, &[0, subtables.len() as u16]);
        let mut offset = 4 + 8 * subtables.len();
        for ((platform, encoding, _), body) in subtables.iter().zip(&bodies) {
            be(&mut cmap, &[*platform, *encoding]);
            cmap.extend_from_slice(&(offset as u32).to_be_bytes());
            offset += body.len();
        }
        bodies.iter().for_each(|b| cmap.extend_from_slice(b));
        let mut font = vec![0, 1, 0, 0];
        be(&mut font, &[1, 16, 0, 0]);
        font.extend_from_slice(b"cmap");
        font.extend_from_slice(&[0; 4]);
        font.extend_from_slice(&28u32.to_be_bytes());
        font.extend_from_slice(&(cmap.len() as u32).to_be_bytes());
        font.extend_from_slice(&cmap);
        font
    }

    fn with_program(doc: &mut Document, program: Vec<u8>, flags: i64) -> Dictionary {
        let program = doc.add_object(Stream::new(Dictionary::new(), program));
        let descriptor = doc.add_object(dictionary! {
            "Type" => "FontDescriptor",
            "Flags" => flags,
            "FontFile2" => program,
        });
        dictionary! { "FontDescriptor" => descriptor }
    }

    #[test]
    fn cid_truetype_without_to_unicode_reads_the_fonts_own_cmap() {
        let mut doc = Document::with_version("1.7");
        let program = truetype_with_cmap(&[(3, 1, &[(0x31, 7), (0x53D1, 5)])]);
        let extra = with_program(&mut doc, program, 4);
        let descendant = cid_font(&mut doc, "Identity", extra.clone());
        let font = type0(&mut doc, "Identity-H".into(), descendant, None);
        let font = Font::load(&doc, &font, usize::MAX);
        assert_eq!(texts(&font.glyphs(&[0, 5, 0, 7])), ["发", "1"]);
        // Through a CIDToGIDMap stream: CID 1 → glyph 5, CID 2 → glyph 7.
        let map = doc.add_object(Stream::new(Dictionary::new(), vec![0, 0, 0, 5, 0, 7]));
        let mut extra = extra;
        extra.set("CIDToGIDMap", map);
        let descendant = cid_font(&mut doc, "Identity", extra);
        let font = type0(&mut doc, "Identity-H".into(), descendant, None);
        let font = Font::load(&doc, &font, usize::MAX);
        assert_eq!(texts(&font.glyphs(&[0, 1, 0, 2])), ["发", "1"]);
    }

    #[test]
    fn symbolic_simple_truetype_maps_codes_through_its_cmap() {
        let mut doc = Document::with_version("1.7");
        let program = truetype_with_cmap(&[(3, 0, &[(0xF041, 5)]), (3, 1, &[(0x53D1, 5)])]);
        let mut font = with_program(&mut doc, program, 4);
        font.extend(&dictionary! { "Type" => "Font", "Subtype" => "TrueType" });
        let font = Font::load(&doc, &font, usize::MAX);
        let glyphs = font.glyphs(b"A");
        assert_eq!(texts(&glyphs), ["发"]);
    }

    #[test]
    fn simple_font_widths_fall_back_to_missing_width() {
        let mut doc = Document::with_version("1.7");
        let widths: Vec<Object> = vec![250.into(), 333.into()];
        let descriptor = doc.add_object(dictionary! { "MissingWidth" => 278 });
        let font = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "Encoding" => "WinAnsiEncoding",
            "FirstChar" => 32,
            "Widths" => widths,
            "FontDescriptor" => descriptor,
        };
        let font = Font::load(&doc, &font, usize::MAX);
        let glyphs = font.glyphs(b" !A");
        assert_eq!(texts(&glyphs), [" ", "!", "A"]);
        let widths: Vec<f64> = glyphs.iter().map(|g| g.width).collect();
        assert_eq!(widths, [250.0, 333.0, 278.0]);
        assert!(glyphs[0].word_space && !glyphs[1].word_space);
    }

    #[test]
    fn a_standard_encoding_guessed_for_a_cjk_subset_is_suspect_except_digits() {
        let mut doc = Document::with_version("1.7");
        let descriptor = doc.add_object(dictionary! { "Flags" => 4 });
        let font = dictionary! {
            "Type" => "Font",
            "Subtype" => "TrueType",
            "BaseFont" => "AAAAAB+STSongti-SC-Regular",
            "FontDescriptor" => descriptor,
        };
        let font = Font::load(&doc, &font, usize::MAX);
        let glyphs = font.glyphs(b"!#1");
        assert_eq!(texts(&glyphs), ["!", "#", "1"]);
        let suspect: Vec<bool> = glyphs.iter().map(|g| g.suspect).collect();
        assert_eq!(suspect, [true, true, false]);
        // Glyph names lopdf cannot read: it falls back to the standard encoding.
        let differences: Vec<Object> = vec![33.into(), "g7".into(), "g9".into()];
        let font = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "AAAAAC+Font1",
            "Encoding" => dictionary! { "Differences" => differences },
        };
        let font = Font::load(&doc, &font, usize::MAX);
        let suspect: Vec<bool> = font.glyphs(b"!A1").iter().map(|g| g.suspect).collect();
        assert_eq!(suspect, [true, true, false]);
    }

    #[test]
    fn standard_fonts_without_widths_use_their_metrics() {
        let doc = Document::with_version("1.7");
        let width = |name: &str, text: &[u8]| {
            let font = dictionary! {
                "Type" => "Font",
                "Subtype" => "Type1",
                "BaseFont" => name,
                "Encoding" => "WinAnsiEncoding",
            };
            let font = Font::load(&doc, &font, usize::MAX);
            font.glyphs(text)
                .iter()
                .map(|g| g.width)
                .collect::<Vec<f64>>()
        };
        assert_eq!(width("Courier", b"1A\xA5"), [600.0, 600.0, 600.0]);
        assert_eq!(width("Helvetica", b"1i "), [556.0, 222.0, 278.0]);
        assert_eq!(width("Times-Roman", b"1i~"), [500.0, 278.0, 541.0]);
    }
    proptest::proptest! {
        /// Any string shown with any of the CMaps, under a ToUnicode map made of fragments
        /// of real syntax in any order, decodes without panicking, one glyph per code.
        #[test]
        fn any_string_under_any_map_decodes(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            pieces in proptest::collection::vec(0usize..PIECES.len(), 0..24),
            encoding in 0usize..ENCODINGS.len(),
        ) {
            let mut doc = Document::with_version("1.7");
            let widths: Vec<Object> = vec![1.into(), (-5).into(), 3.into(), Object::Null];
            let descendant = cid_font(&mut doc, "GB1", dictionary! { "W" => widths });
            let program: String = pieces.iter().map(|&i| PIECES[i]).collect();
            let font = type0(&mut doc, ENCODINGS[encoding].into(), descendant, Some(&program));
            let font = Font::load(&doc, &font, 1 << 20);
            let glyphs = font.glyphs(&bytes);
            proptest::prop_assert!(glyphs.len() <= bytes.len());
            proptest::prop_assert!(bytes.is_empty() || !glyphs.is_empty());
        }
    }

    const ENCODINGS: [&str; 5] = [
        "Identity-H",
        "UniGB-UCS2-H",
        "UniGB-UTF16-H",
        "GBK-EUC-H",
        "X",
    ];
    const PIECES: [&str; 14] = [
        "begincodespacerange ",
        "endcodespacerange ",
        "beginbfchar ",
        "endbfchar ",
        "beginbfrange ",
        "endbfrange ",
        "<00> ",
        "<FFFF> ",
        "<D800DC00> ",
        "<0041> ",
        "[<E000> <0031>] ",
        "[ ",
        "( ",
        "% ",
    ];
}
