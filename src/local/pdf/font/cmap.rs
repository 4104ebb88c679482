//! CMap streams — a font's `/ToUnicode` map or an embedded `/Encoding` CMap — read as far as
//! text extraction needs: the code space (how a string splits into codes) and the
//! `bfchar`/`bfrange` mappings to Unicode.

use std::collections::HashMap;

/// Most codes one CMap may map. A `bfrange` can claim up to 2³² codes; real ToUnicode maps
/// of whole CJK fonts list ~30 000.
const MAX_MAPPED_CODES: usize = 1 << 16;
/// Most code-space ranges kept; real CMaps declare one to five.
const MAX_CODESPACE_RANGES: usize = 64;
/// Longest code PDF allows (ISO 32000-1 §9.7.6.2).
const MAX_CODE_BYTES: usize = 4;

/// A character code as read from a string: its byte length matters (`<20>` ≠ `<0020>`).
pub(super) type Code = (u8, u32);

/// The byte sequences that form one character code, by length.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct CodeSpace {
    ranges: Vec<CodeRange>,
}

/// One `begincodespacerange` entry: a code of `len` bytes whose every byte lies between the
/// matching bytes of `low` and `high` (ranges are per byte, §9.7.6.2).
#[derive(Debug, Clone, PartialEq)]
struct CodeRange {
    len: usize,
    low: [u8; MAX_CODE_BYTES],
    high: [u8; MAX_CODE_BYTES],
}

impl CodeSpace {
    /// Codes of exactly `len` bytes, any values.
    pub(super) fn fixed(len: usize) -> CodeSpace {
        CodeSpace::from_ranges(&[(
            &[0u8; MAX_CODE_BYTES][..len],
            &[0xFF; MAX_CODE_BYTES][..len],
        )])
    }

    /// A code space from (low, high) byte strings of equal length.
    pub(super) fn from_ranges(ranges: &[(&[u8], &[u8])]) -> CodeSpace {
        let mut space = CodeSpace::default();
        for (low, high) in ranges {
            space.push(low, high);
        }
        space
    }

    fn push(&mut self, low: &[u8], high: &[u8]) {
        let len = low.len();
        if len == 0 || len > MAX_CODE_BYTES || high.len() != len {
            return;
        }
        if self.ranges.len() >= MAX_CODESPACE_RANGES {
            return;
        }
        let mut range = CodeRange {
            len,
            low: [0; MAX_CODE_BYTES],
            high: [0; MAX_CODE_BYTES],
        };
        range.low[..len].copy_from_slice(low);
        range.high[..len].copy_from_slice(high);
        self.ranges.push(range);
    }

    /// True when no range was declared.
    pub(super) fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Splits a string into codes, shortest matching range first. Bytes that match no range
    /// are taken as a code of the shortest declared length, so every byte is consumed and a
    /// bad byte costs one glyph, not the rest of the string.
    pub(super) fn split<'b>(&self, bytes: &'b [u8]) -> Vec<&'b [u8]> {
        let shortest = self.ranges.iter().map(|r| r.len).min().unwrap_or(1);
        let mut codes = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let len = (1..=rest.len().min(MAX_CODE_BYTES))
                .find(|&len| self.ranges.iter().any(|r| r.matches(&rest[..len])))
                .unwrap_or(shortest.min(rest.len()));
            let (code, tail) = rest.split_at(len);
            codes.push(code);
            rest = tail;
        }
        codes
    }
}

impl CodeRange {
    fn matches(&self, code: &[u8]) -> bool {
        code.len() == self.len
            && code
                .iter()
                .zip(self.low.iter().zip(&self.high))
                .all(|(b, (lo, hi))| (lo..=hi).contains(&b))
    }
}

/// The value of a code as a big-endian number, keyed with its length.
pub(super) fn code_of(bytes: &[u8]) -> Code {
    let value = bytes.iter().fold(0u32, |v, b| (v << 8) | u32::from(*b));
    (bytes.len() as u8, value)
}

/// What a CMap stream declares.
#[derive(Debug, Default)]
pub(super) struct CMap {
    /// `begincodespacerange` entries (empty when the stream declares none).
    pub(super) codespace: CodeSpace,
    /// `bfchar`/`bfrange` targets, decoded from UTF-16BE.
    pub(super) unicode: HashMap<Code, String>,
}

impl CMap {
    /// Reads a CMap program. Unknown operators and malformed entries are skipped; the map
    /// keeps at most [`MAX_MAPPED_CODES`] codes.
    pub(super) fn parse(data: &[u8]) -> CMap {
        let tokens = tokenize(data);
        let mut cmap = CMap::default();
        let mut section: Option<&[u8]> = None;
        let mut operands: Vec<Token> = Vec::new();
        for token in tokens {
            let word = match token {
                Token::Keyword(word) => word,
                // Sections hold hex strings and arrays only; anything else would shift the
                // pairs and triples read from them.
                Token::Other if section.is_some() => continue,
                _ => {
                    operands.push(token);
                    continue;
                }
            };
            match word {
                b"begincodespacerange" | b"beginbfchar" | b"beginbfrange" => {
                    section = Some(word);
                    operands.clear();
                }
                b"endcodespacerange" | b"endbfchar" | b"endbfrange" => {
                    match section {
                        Some(b"begincodespacerange") => cmap.read_codespace(&operands),
                        Some(b"beginbfchar") => cmap.read_bfchar(&operands),
                        Some(b"beginbfrange") => cmap.read_bfrange(&operands),
                        _ => {}
                    }
                    section = None;
                    operands.clear();
                }
                // Keywords inside a section (there are none in valid CMaps) are dropped.
                _ if section.is_some() => {}
                _ => operands.clear(),
            }
        }
        cmap
    }

    fn read_codespace(&mut self, operands: &[Token]) {
        for pair in operands.chunks_exact(2) {
            if let [Token::Hex(low), Token::Hex(high)] = pair {
                self.codespace.push(low, high);
            }
        }
    }

    fn read_bfchar(&mut self, operands: &[Token]) {
        for pair in operands.chunks_exact(2) {
            if let [Token::Hex(src), Token::Hex(dst)] = pair
                && (1..=MAX_CODE_BYTES).contains(&src.len())
            {
                self.insert(code_of(src), utf16_be(dst));
            }
        }
    }

    fn read_bfrange(&mut self, operands: &[Token]) {
        for triple in operands.chunks_exact(3) {
            let [Token::Hex(low), Token::Hex(high), target] = triple else {
                continue;
            };
            if !(1..=MAX_CODE_BYTES).contains(&low.len()) || high.len() != low.len() {
                continue;
            }
            let ((len, first), (_, last)) = (code_of(low), code_of(high));
            for (offset, code) in (first..=last).enumerate() {
                if self.unicode.len() >= MAX_MAPPED_CODES {
                    return;
                }
                let text = match target {
                    Token::Hex(base) => increment(base, offset),
                    Token::Array(items) => match items.get(offset) {
                        Some(Token::Hex(dst)) => utf16_be(dst),
                        _ => break,
                    },
                    _ => break,
                };
                self.insert((len, code), text);
            }
        }
    }

    fn insert(&mut self, code: Code, text: String) {
        if self.unicode.len() < MAX_MAPPED_CODES || self.unicode.contains_key(&code) {
            self.unicode.insert(code, text);
        }
    }
}

/// A `bfrange` target for the code `offset` past the range's start: the base string with
/// its last UTF-16 unit advanced by `offset` (§9.10.3; producers increment the whole unit,
/// not only its low byte as the letter of the standard says, so a range may cross xxFF).
fn increment(base: &[u8], offset: usize) -> String {
    let mut units: Vec<u16> = base
        .chunks(2)
        .map(|c| c.iter().fold(0u16, |v, b| (v << 8) | u16::from(*b)))
        .collect();
    if let Some(last) = units.last_mut() {
        *last = last.wrapping_add(offset as u16);
    }
    String::from_utf16_lossy(&units)
}

/// Text of a UTF-16BE byte string (an odd trailing byte is dropped).
pub(super) fn utf16_be(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// The lexical pieces of a CMap program that matter here.
#[derive(Debug, Clone, PartialEq)]
enum Token<'a> {
    Hex(Vec<u8>),
    Array(Vec<Token<'a>>),
    Keyword(&'a [u8]),
    /// Numbers, names, literal strings and dictionary brackets: operands never used here.
    Other,
}

/// Splits a CMap program into tokens; arrays hold hex strings only (they nest no deeper in
/// `bfrange`, the one place CMaps use them).
fn tokenize(data: &[u8]) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut array: Option<Vec<Token>> = None;
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        let (token, next) = match b {
            b'%' => (None, skip_until(data, i, |b| b == b'\n' || b == b'\r')),
            b'<' if data.get(i + 1) == Some(&b'<') => (Some(Token::Other), i + 2),
            b'>' => (Some(Token::Other), i + 1),
            b'<' => {
                let end = skip_until(data, i + 1, |b| b == b'>');
                (Some(Token::Hex(hex(&data[i + 1..end]))), end + 1)
            }
            b'(' => (Some(Token::Other), literal_end(data, i + 1)),
            b'[' => {
                array = Some(Vec::new());
                (None, i + 1)
            }
            b']' => (array.take().map(Token::Array), i + 1),
            _ if is_white(b) => (None, i + 1),
            _ => {
                let start = if matches!(b, b'/' | b'{' | b'}') {
                    i + 1
                } else {
                    i
                };
                let end = skip_until(data, start, |b| is_white(b) || is_delimiter(b));
                let end = end.max(i + 1);
                let word = &data[i..end];
                let token = if b.is_ascii_alphabetic() {
                    Token::Keyword(word)
                } else {
                    Token::Other
                };
                (Some(token), end)
            }
        };
        if let Some(token) = token {
            match array.as_mut() {
                Some(items) => items.push(token),
                None => tokens.push(token),
            }
        }
        i = next;
    }
    tokens
}

fn skip_until(data: &[u8], from: usize, stop: impl Fn(u8) -> bool) -> usize {
    data.get(from..)
        .and_then(|rest| rest.iter().position(|&b| stop(b)))
        .map_or(data.len(), |p| from + p)
}

/// Index just past the literal string starting at `from` (after its `(`), with nested
/// parentheses and backslash escapes.
fn literal_end(data: &[u8], from: usize) -> usize {
    let mut depth = 1usize;
    let mut i = from;
    while i < data.len() {
        match data[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    data.len()
}

/// Bytes of a hex string's digits; whitespace is ignored and an odd final digit is
/// followed by 0 (§7.3.4.3).
fn hex(digits: &[u8]) -> Vec<u8> {
    let nibbles: Vec<u8> = digits
        .iter()
        .filter_map(|d| (*d as char).to_digit(16).map(|n| n as u8))
        .collect();
    nibbles
        .chunks(2)
        .map(|pair| (pair[0] << 4) | pair.get(1).copied().unwrap_or(0))
        .collect()
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

#[cfg(test)]
mod tests {
    use super::{CMap, CodeSpace, MAX_MAPPED_CODES};

    #[test]
    fn codespace_splits_by_declared_lengths_and_consumes_stray_bytes() {
        let space = CodeSpace::from_ranges(&[(&[0x00], &[0x7F]), (&[0x81, 0x40], &[0xFE, 0xFE])]);
        let codes = space.split(&[0x41, 0xB7, 0xA2, 0x80, 0xFF]);
        assert_eq!(codes, [&[0x41][..], &[0xB7, 0xA2], &[0x80], &[0xFF]]);
        assert!(CodeSpace::default().split(&[1, 2]).len() == 2);
    }

    #[test]
    fn stray_operands_in_a_section_do_not_shift_its_pairs() {
        let cmap = CMap::parse(b"2 beginbfchar <01> 7 <0041> /x <02> <0042> endbfchar");
        assert_eq!(cmap.unicode.get(&(1, 1)).map(String::as_str), Some("A"));
        assert_eq!(cmap.unicode.get(&(1, 2)).map(String::as_str), Some("B"));
    }

    #[test]
    fn a_range_claiming_billions_of_codes_is_capped() {
        let cmap = CMap::parse(b"1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange");
        assert_eq!(cmap.unicode.len(), MAX_MAPPED_CODES);
    }

    #[test]
    fn malformed_programs_do_not_panic() {
        for program in [
            &b"beginbfchar <41"[..],
            b"begincodespacerange <> <FFFFFFFFFF> <0> endcodespacerange",
            b"beginbfrange <01> <02> [ [ <41> ] ] endbfrange ( unterminated",
            b"beginbfrange <0002> <0001> <41> <01> <0002> <> endbfrange",
            b"]]]>>><<</%\\",
        ] {
            let cmap = CMap::parse(program);
            let _ = cmap.codespace.split(&[0xFF; 9]);
        }
    }
}
