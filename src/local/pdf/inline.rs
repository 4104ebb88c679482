//! Filtered inline images (`BI /F /Fl … ID <data> EI`), read from the raw page content:
//! lopdf's content parser skips their data, as their length is known only by the `EI` that
//! ends it.
//!
//! The dictionary between `BI` and `ID` is parsed by lopdf as the operand of a stand-in
//! operator; the data runs from the byte after `ID`'s white space to the first white space
//! followed by `EI` and white space (or the end). Binary data holding that sequence by chance
//! ends early and simply does not decode.

use lopdf::content::Content;
use lopdf::{Dictionary, Object, Stream};

/// Inline images read per page; invoices have a few at most.
const MAX_IMAGES: usize = 64;
/// `BI` tokens looked at per page (each costs a scan): text can hold `BI` too.
const MAX_ATTEMPTS: usize = 256;
/// Longest `BI … ID` dictionary looked at.
const MAX_DICT_BYTES: usize = 4096;

/// The filtered inline images of a content stream, dictionaries as written (abbreviated).
pub(super) fn filtered_inline_images(raw: &[u8]) -> Vec<Stream> {
    let mut images = Vec::new();
    let mut pos = 0;
    for _ in 0..MAX_ATTEMPTS {
        if images.len() == MAX_IMAGES {
            break;
        }
        let Some(start) = find_token(raw, pos, b"BI") else {
            break;
        };
        let dict_start = start + 2;
        let window = &raw[dict_start..raw.len().min(dict_start + MAX_DICT_BYTES)];
        let Some(id) = find_token(window, 0, b"ID") else {
            pos = dict_start;
            continue;
        };
        let data_start = dict_start + id + 3; // `ID` and the one white-space byte after it
        let Some(end) = find_end(raw, data_start) else {
            break; // no `EI` anywhere after: nothing further can be an image either
        };
        if let Some(dict) = parse_dict(&window[..id])
            && (dict.has(b"F") || dict.has(b"Filter"))
        {
            let data = raw.get(data_start..end).unwrap_or_default().to_vec();
            images.push(Stream::new(dict, data));
        }
        pos = end + 3;
    }
    images
}

/// Offset of `token` standing alone (white space or the ends around it) from `from` on.
fn find_token(raw: &[u8], from: usize, token: &[u8]) -> Option<usize> {
    let alone = |i: usize| i >= raw.len() || is_white(raw[i]);
    (from..raw.len().saturating_sub(token.len() - 1)).find(|&i| {
        raw[i..].starts_with(token) && (i == 0 || alone(i - 1)) && alone(i + token.len())
    })
}

/// Where the data of an image starting at `from` ends: the white space before its `EI`.
fn find_end(raw: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let ei = find_token(raw, at, b"EI")?;
        if ei > from {
            return Some(ei - 1);
        }
        at = ei + 2;
    }
}

/// The inline dictionary's entries, read by lopdf as `<< … >>` before a stand-in operator.
fn parse_dict(entries: &[u8]) -> Option<Dictionary> {
    let mut source = b"<<".to_vec();
    source.extend_from_slice(entries);
    source.extend_from_slice(b">> BI\n");
    let content = Content::decode(&source).ok()?;
    match content.operations.first()?.operands.first()? {
        Object::Dictionary(dict) => Some(dict.clone()),
        _ => None,
    }
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filtered_inline_images_are_cut_out_of_the_content() {
        let raw = b"q 10 0 0 10 0 0 cm BI /W 2 /H 1 /BPC 8 /CS /G /F /AHx ID 00FF> EI Q\n\
                    BI /W 1 /H 1 /BPC 8 /CS /G ID \x80 EI\n\
                    BI /W 1 /H 1 /CS /G /F [/AHx] /DP null ID 7f>\nEI";
        let images = filtered_inline_images(raw);
        assert_eq!(images.len(), 2, "the unfiltered one is lopdf's");
        assert_eq!(images[0].content, b"00FF>");
        assert_eq!(images[0].dict.get(b"W").unwrap().as_i64().unwrap(), 2);
        assert_eq!(images[1].content, b"7f>");
    }

    #[test]
    fn unterminated_and_junk_content_end_quietly() {
        assert!(filtered_inline_images(b"BI /F /Fl ID \x00\x01 no end").is_empty());
        assert!(filtered_inline_images(b"BI BI BI ID ID EI EI").is_empty());
        assert!(filtered_inline_images(b"").is_empty());
        assert!(filtered_inline_images(b"BI").is_empty());
        let many = b"BI /F /Fl ID x EI ".repeat(1000);
        assert_eq!(filtered_inline_images(&many).len(), MAX_IMAGES);
        // Text full of `BI` without `ID`: a bounded number of looks, then done.
        let text = b"BI ".repeat(100_000);
        assert!(filtered_inline_images(&text).is_empty());
    }
}
