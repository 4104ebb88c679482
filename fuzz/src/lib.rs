//! Helpers shared by the fuzz targets and the seed generator (`examples/seeds.rs`).
//!
//! The `local_ofd` target does not mutate zip bytes (a mutated zip mostly fails its CRC
//! check before any XML is read); it mutates the *parts* of an OFD package and zips them
//! itself. Its inputs are the parts joined with [`PART_SEPARATOR`], in [`OFD_PARTS`] order.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

/// Separates the parts of a `local_ofd` input. Readable, so seeds stay editable by hand.
pub const PART_SEPARATOR: &[u8] = b"\n--8<--\n";

/// Where each part of a `local_ofd` input is stored in the archive, in input order.
pub const OFD_PARTS: &[&str] = &[
    "OFD.xml",
    "Doc_0/Document.xml",
    "Doc_0/DocumentRes.xml",
    "Doc_0/PublicRes.xml",
    "Doc_0/Attachs/Attachments.xml",
    "Doc_0/Attachs/original_invoice.xml",
    "Doc_0/Tags/CustomTags.xml",
    "Doc_0/Tags/CustomTag.xml",
    "Doc_0/Pages/Page_0/Content.xml",
    "Doc_0/Tpls/Tpl_0/Content.xml",
    "Doc_0/Res/qr.png",
];

/// Splits a `local_ofd` input into at most [`OFD_PARTS`]`.len()` parts (extra separators
/// stay inside the last part).
pub fn split_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() + 1 < OFD_PARTS.len() {
        match find(rest, PART_SEPARATOR) {
            Some(at) => {
                parts.push(&rest[..at]);
                rest = &rest[at + PART_SEPARATOR.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

/// Joins parts into a `local_ofd` input (the inverse of [`split_parts`]).
pub fn join_parts(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(PART_SEPARATOR)
}

/// Zips `parts` (stored, not deflated) under the names in [`OFD_PARTS`]; empty parts are
/// left out so that "missing part" paths are reached too.
pub fn ofd_package(parts: &[&[u8]]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, part) in OFD_PARTS.iter().zip(parts) {
        if part.is_empty() {
            continue;
        }
        let written = writer
            .start_file(*name, options)
            .and_then(|()| writer.write_all(part).map_err(Into::into));
        if written.is_err() {
            return Vec::new();
        }
    }
    writer.finish().map(Cursor::into_inner).unwrap_or_default()
}

/// Position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_through_the_separator() {
        let parts: Vec<&[u8]> = vec![b"<a/>", b"", b"<b/>"];
        assert_eq!(split_parts(&join_parts(&parts)), parts);
    }

    #[test]
    fn surplus_separators_stay_in_the_last_part() {
        let many: Vec<&[u8]> = vec![b"x"; OFD_PARTS.len() + 2];
        let joined = join_parts(&many);
        let split = split_parts(&joined);
        assert_eq!(split.len(), OFD_PARTS.len());
        assert!(find(split.last().unwrap(), PART_SEPARATOR).is_some());
    }

    #[test]
    fn the_package_is_a_zip_with_the_non_empty_parts() {
        let zip = ofd_package(&[b"<OFD/>", b"", b"<Res/>"]);
        let archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect();
        assert_eq!(names, ["OFD.xml", "Doc_0/DocumentRes.xml"]);
    }
}
