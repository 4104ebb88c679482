//! JBIG2 bitmaps (OFD `.jb2` resources, PDF `/JBIG2Decode` images) as grayscale, through
//! the pure-Rust `hayro-jbig2` decoder.
//!
//! The page size is checked against [`LocalLimits::max_image_pixels`] before any pixel is
//! decoded. Regions inside the file are bounded by the decoder itself (65535 px a side), not
//! by our limits; a panic in the decoder counts as a corrupt image.

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
