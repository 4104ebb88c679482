//! JBIG2 bitmaps (OFD `.jb2` resources, PDF `/JBIG2Decode` images) as grayscale, through
//! the pure-Rust `hayro-jbig2` decoder.
//!
//! Before any pixel is decoded the segment headers are walked: the page and every region
//! must fit [`LocalLimits::max_image_pixels`] (the decoder allocates each region's bitmap
//! from its header, up to 65535 px a side), and every header must fit the data (the decoder
//! reserves room by a header's referred-segment count). Symbol bitmaps inside dictionaries
//! are sized by coded data, not headers, and stay bounded by the decoder's own limit only.
//! A panic in the decoder counts as a corrupt image.

use std::panic::{AssertUnwindSafe, catch_unwind};

use hayro_jbig2::{Decoder, Image};
use image::GrayImage;

use super::{LocalError, LocalLimits, qr_image};

/// Where the JBIG2 data comes from, which fixes how it is framed.
pub(super) enum Jbig2Source<'a> {
    /// A stand-alone file (`\x97JB2…` header), as OFD packages store it.
    File(&'a [u8]),
    /// A PDF stream: embedded organisation, with the `/JBIG2Globals` stream when present.
    Embedded {
        data: &'a [u8],
        globals: Option<&'a [u8]>,
    },
}

/// Decodes the bitmap: black pixels 0, white 255.
pub(super) fn decode_gray(
    source: &Jbig2Source<'_>,
    limits: &LocalLimits,
) -> Result<GrayImage, LocalError> {
    match *source {
        Jbig2Source::File(data) => check_file(data, limits)?,
        Jbig2Source::Embedded { data, globals } => {
            check_segments(data, 0, true, limits)?;
            if let Some(globals) = globals {
                check_segments(globals, 0, true, limits)?;
            }
        }
    }
    let image = match *source {
        Jbig2Source::File(data) => Image::new(data),
        Jbig2Source::Embedded { data, globals } => Image::new_embedded(data, globals),
    }
    .map_err(|e| corrupt(&format!("{e:?}")))?;
    let (width, height) = (image.width(), image.height());
    qr_image::check_pixels(width, height, limits)?;
    let mut sink = GraySink {
        pixels: Vec::with_capacity(width as usize * height as usize),
        width: width as usize,
        row_start: 0,
    };
    catch_unwind(AssertUnwindSafe(|| image.decode(&mut sink)))
        .map_err(|_| corrupt("the decoder failed"))?
        .map_err(|e| corrupt(&format!("{e:?}")))?;
    sink.pixels.resize(width as usize * height as usize, 255);
    GrayImage::from_raw(width, height, sink.pixels).ok_or_else(|| corrupt("short bitmap"))
}

/// Segment types whose data opens with a region's (or the page's) width and height.
const SIZED_TYPES: [u8; 13] = [4, 6, 7, 20, 22, 23, 36, 38, 39, 40, 42, 43, 48];
/// The end-of-file segment, which closes the headers of a random-access file.
const END_OF_FILE: u8 = 51;
/// A data length of "unknown" (allowed for an immediate generic region, which runs on).
const UNKNOWN_LENGTH: u32 = u32::MAX;
/// A page height still unknown when the page starts (striped pages).
const UNKNOWN_HEIGHT: u32 = u32::MAX;

/// A stand-alone file: its header (T.88 D.4.1), then the segments in either organisation.
fn check_file(data: &[u8], limits: &LocalLimits) -> Result<(), LocalError> {
    let flags = *data.get(8).ok_or_else(|| corrupt("short file header"))?;
    let start = if flags & 2 == 0 { 13 } else { 9 };
    check_segments(data, start, flags & 1 == 1, limits)
}

/// Walks the segment headers from `start`: sequential (each header followed by its data, as
/// in PDF streams) or random access (all headers, then all data).
fn check_segments(
    data: &[u8],
    start: usize,
    sequential: bool,
    limits: &LocalLimits,
) -> Result<(), LocalError> {
    let mut pos = start;
    let mut pending = Vec::new();
    while pos < data.len() {
        let header =
            SegmentHeader::parse(data, pos).ok_or_else(|| corrupt("truncated segment header"))?;
        pos = header.end;
        if sequential {
            check_size(data, &header, pos, limits)?;
            if header.length == UNKNOWN_LENGTH {
                break;
            }
            pos = pos.saturating_add(header.length as usize);
        } else {
            pending.push(header);
        }
        if header.kind == END_OF_FILE {
            break;
        }
    }
    for header in pending {
        if header.length == UNKNOWN_LENGTH {
            return Err(corrupt("unknown segment length in a random-access file"));
        }
        check_size(data, &header, pos, limits)?;
        pos = pos.saturating_add(header.length as usize);
    }
    Ok(())
}

/// Refuses a page or region whose declared size exceeds the pixel limit.
fn check_size(
    data: &[u8],
    header: &SegmentHeader,
    at: usize,
    limits: &LocalLimits,
) -> Result<(), LocalError> {
    if !SIZED_TYPES.contains(&header.kind) {
        return Ok(());
    }
    let (Some(width), Some(height)) = (be32(data, at), be32(data, at.saturating_add(4))) else {
        return Ok(()); // truncated: the decoder refuses it without allocating
    };
    let height = if height == UNKNOWN_HEIGHT { 1 } else { height };
    qr_image::check_pixels(width, height, limits)
}

/// What the walk needs of a segment header (T.88 7.2).
#[derive(Clone, Copy)]
struct SegmentHeader {
    kind: u8,
    length: u32,
    /// Offset just past the header.
    end: usize,
}

impl SegmentHeader {
    fn parse(data: &[u8], at: usize) -> Option<SegmentHeader> {
        let number = be32(data, at)?;
        let flags = *data.get(at + 4)?;
        let short = *data.get(at + 5)? >> 5;
        let (count, mut pos) = if short < 7 {
            (u64::from(short), at + 6)
        } else {
            let count = u64::from(be32(data, at + 5)? & 0x1FFF_FFFF);
            (
                count,
                at + 9 + usize::try_from((count + 1).div_ceil(8)).ok()?,
            )
        };
        let reference_size = match number {
            0..=256 => 1,
            257..=65536 => 2,
            _ => 4,
        };
        // The referred-to numbers must be there: a huge count is a lie, not a reservation.
        let references = usize::try_from(count.checked_mul(reference_size)?).ok()?;
        pos = pos.checked_add(references).filter(|p| *p <= data.len())?;
        pos += if flags & 0x40 != 0 { 4 } else { 1 };
        let length = be32(data, pos)?;
        Some(SegmentHeader {
            kind: flags & 0x3F,
            length,
            end: pos + 4,
        })
    }
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

fn corrupt(reason: &str) -> LocalError {
    LocalError::Image {
        reason: format!("JBIG2: {reason}"),
    }
}

/// Collects decoded pixels row by row, never past the declared width.
struct GraySink {
    pixels: Vec<u8>,
    width: usize,
    /// Index in `pixels` where the current row starts.
    row_start: usize,
}

impl GraySink {
    fn push(&mut self, black: bool, count: usize) {
        let room = (self.row_start + self.width).saturating_sub(self.pixels.len());
        let value = if black { 0 } else { 255 };
        self.pixels
            .extend(std::iter::repeat_n(value, count.min(room)));
    }
}

impl Decoder for GraySink {
    fn push_pixel(&mut self, black: bool) {
        self.push(black, 1);
    }

    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        // A chunk is 8 pixels.
        self.push(black, chunk_count as usize * 8);
    }

    fn next_line(&mut self) {
        self.pixels.resize(self.row_start + self.width, 255);
        self.row_start = self.pixels.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment header (short forms) and its data.
    fn segment(number: u32, kind: u8, refs: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = number.to_be_bytes().to_vec();
        out.push(kind);
        out.push((refs.len() as u8) << 5);
        out.extend(refs);
        out.push(1);
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(data);
        out
    }

    fn region(width: u32, height: u32) -> Vec<u8> {
        [width.to_be_bytes(), height.to_be_bytes(), [0; 4], [0; 4]].concat()
    }

    #[test]
    fn oversized_regions_are_refused_before_decoding() {
        let limits = LocalLimits::default();
        let mut page = region(100, 100);
        page.extend([0, 0, 0]);
        let mut data = segment(0, 48, &[], &page);
        let mut huge = region(60_000, 60_000);
        huge.extend([0; 12]);
        data.extend(segment(1, 38, &[], &huge));
        let source = Jbig2Source::Embedded {
            data: &data,
            globals: None,
        };
        assert!(matches!(
            decode_gray(&source, &limits),
            Err(LocalError::ImageTooLarge { width: 60_000, .. })
        ));
    }

    #[test]
    fn lying_headers_are_corrupt_not_reservations() {
        let limits = LocalLimits::default();
        // Long-form referred-to count of 2^29 - 1 with no numbers behind it.
        let mut data = 7u32.to_be_bytes().to_vec();
        data.extend([38, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
        for bytes in [&data[..], &data[..3], b"\x97JB2\r\n\x1a\n", &[]] {
            let source = Jbig2Source::Embedded {
                data: bytes,
                globals: None,
            };
            assert!(matches!(
                decode_gray(&source, &limits),
                Err(LocalError::Image { .. })
            ));
            assert!(decode_gray(&Jbig2Source::File(bytes), &limits).is_err());
        }
    }
}
