//! Finding and decoding the invoice QR code in a PNG or JPEG.
//!
//! Real inputs are phone photos, scans and tiny embedded bitmaps (a 75 px code at 2 px per
//! module with no quiet zone), so decoding is a ladder of cheap attempts, stopping at the
//! first that reads: as is with a quiet zone added (and upscaled when small), then after
//! local (adaptive) binarisation, Otsu binarisation, and a Gaussian blur against heavy
//! sensor noise followed by adaptive binarisation. EXIF orientation is applied first; rotation and
//! skew need no extra attempts because the decoder is rotation-invariant. The declared size is checked
//! against [`LocalLimits::max_image_pixels`] from the header, before any pixel is decoded.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, ImageDecoder, ImageReader, Luma};

use crate::domain::qr::InvoiceQr;
use crate::invoice::Invoice;

use super::fields::Draft;
use super::{LocalError, LocalLimits};

/// Longest side an image is searched at; bigger photos are downscaled first (a QR on an
/// invoice photo keeps > 3 px per module at this size).
const MAX_SEARCH_SIDE: u32 = 1600;
/// Sources smaller than this (shorter side, px) are also tried upscaled.
const SMALL_SIDE: u32 = 400;

/// Reads an image's invoice QR code into an invoice.
pub(super) fn recognize(bytes: &[u8], limits: &LocalLimits) -> Result<Invoice, LocalError> {
    let texts = decode_qr_image(bytes, limits)?;
    let mut draft = Draft::new();
    let payload = first_invoice_payload(&texts)?;
    draft.extra("local:qr_source".to_owned(), "image");
    draft.merge_qr(&payload);
    Ok(draft.finish())
}

/// The first text that is an invoice QR payload, or why there is none.
pub(super) fn first_invoice_payload(texts: &[String]) -> Result<InvoiceQr, LocalError> {
    let mut first_error = None;
    for text in texts {
        match InvoiceQr::parse(text) {
            Ok(payload) => return Ok(payload),
            Err(e) => {
                first_error.get_or_insert_with(|| format!("{e} (QR text {text:?})"));
            }
        }
    }
    Err(LocalError::NothingFound {
        reason: match first_error {
            Some(e) => format!("the QR code is not an invoice payload: {e}"),
            None => "no QR code found".to_owned(),
        },
    })
}

/// Decodes every QR code in a PNG or JPEG, returning their texts (empty when none reads).
///
/// Errors only when the image itself is refused: over the pixel limit, truncated, corrupt,
/// or not PNG/JPEG.
pub fn decode_qr_image(bytes: &[u8], limits: &LocalLimits) -> Result<Vec<String>, LocalError> {
    let gray = load_gray(bytes, limits)?;
    Ok(decode_gray(&gray))
}

/// Decodes a PNG/JPEG to grayscale, upright per its EXIF orientation, within the limits.
pub(super) fn load_gray(bytes: &[u8], limits: &LocalLimits) -> Result<GrayImage, LocalError> {
    let reader = || {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| image_error(&e))
    };
    let (width, height) = reader()?.into_dimensions().map_err(|e| image_error(&e))?;
    check_pixels(width, height, limits)?;
    let mut decoding = reader()?;
    let mut bounds = image::Limits::default();
    bounds.max_image_width = Some(width);
    bounds.max_image_height = Some(height);
    // RGBA8 of the declared size plus decoder scratch space.
    bounds.max_alloc = Some(u64::from(width) * u64::from(height) * 4 + (64 << 20));
    decoding.limits(bounds);
    let mut decoder = decoding.into_decoder().map_err(|e| image_error(&e))?;
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| image_error(&e))?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image.into_luma8())
}

/// Refuses images declaring more pixels than the limit.
pub(super) fn check_pixels(
    width: u32,
    height: u32,
    limits: &LocalLimits,
) -> Result<(), LocalError> {
    if u64::from(width) * u64::from(height) > limits.max_image_pixels {
        return Err(LocalError::ImageTooLarge {
            width,
            height,
            limit: limits.max_image_pixels,
        });
    }
    Ok(())
}

fn image_error(e: &dyn std::fmt::Display) -> LocalError {
    LocalError::Image {
        reason: e.to_string(),
    }
}

/// Runs the attempt ladder over a grayscale image; returns the texts of the first attempt
/// that decodes anything.
pub(super) fn decode_gray(image: &GrayImage) -> Vec<String> {
    decode_best_first(std::slice::from_ref(image), Effort::Thorough, |texts| {
        !texts.is_empty()
    })
}

/// One attempt of the ladder: how the image is prepared before the decoder sees it.
#[derive(Debug, Clone, Copy)]
enum Rung {
    /// A code rendered pixel-exact (the bitmaps PDF and OFD invoices embed) is sampled
    /// module by module, without detection.
    Exact,
    AsIs,
    Adaptive,
    Otsu,
    BlurredAdaptive,
}

/// The ladder, cheapest and most often enough first.
const LADDER: [Rung; 5] = [
    Rung::Exact,
    Rung::AsIs,
    Rung::Adaptive,
    Rung::Otsu,
    Rung::BlurredAdaptive,
];

/// How far down the ladder a search goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effort {
    /// The pixel-exact read and the image as it is: enough for the bitmaps e-invoices embed.
    Quick,
    /// Every rung, for photos, scans and whatever else a page holds.
    Thorough,
}

impl Effort {
    fn rungs(self) -> &'static [Rung] {
        match self {
            Effort::Quick => &LADDER[..2],
            Effort::Thorough => &LADDER,
        }
    }
}

/// Searches several images for QR codes (the images of a PDF page): the most QR-like
/// first, and each rung of the ladder across all of them before the next rung, so a clean
/// embedded code is read at the first attempt whatever seals and logos sit beside it.
/// Stops when `enough` accepts what was found so far.
pub(super) fn decode_best_first(
    images: &[GrayImage],
    effort: Effort,
    enough: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let mut ranked: Vec<(f64, GrayImage)> = images
        .iter()
        .filter(|i| i.width() > 0 && i.height() > 0)
        .map(|i| (qr_likeness(i), fit_for_search(i)))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut texts: Vec<String> = Vec::new();
    for &rung in effort.rungs() {
        for (_, base) in &ranked {
            for text in try_rung(base, rung) {
                if !texts.contains(&text) {
                    texts.push(text);
                }
            }
            if enough(&texts) {
                return texts;
            }
        }
    }
    texts
}

/// How much an image looks like a QR code alone: square, and two-toned (nearly every pixel
/// near black or near white), from 0 to 1. Seals, logos and photos score lower.
fn qr_likeness(image: &GrayImage) -> f64 {
    let (w, h) = image.dimensions();
    let squareness = f64::from(w.min(h)) / f64::from(w.max(h));
    let step = (image.len() / 4096).max(1);
    let (mut sampled, mut two_tone) = (0usize, 0usize);
    for value in image.as_raw().iter().step_by(step) {
        sampled += 1;
        two_tone += usize::from(*value < 64 || *value > 191);
    }
    squareness * two_tone as f64 / sampled.max(1) as f64
}

/// One rung on one (already size-fitted) image, upscaled too when small.
fn try_rung(base: &GrayImage, rung: Rung) -> Vec<String> {
    let source = match rung {
        Rung::Exact => return decode_exact(base).into_iter().collect(),
        Rung::AsIs => None,
        Rung::Adaptive => Some(adaptive_binarize(base)),
        Rung::Otsu => Some(otsu_binarize(base)),
        Rung::BlurredAdaptive => Some(adaptive_binarize(&imageops::blur(base, 1.5))),
    };
    let source = source.as_ref().unwrap_or(base);
    let small = base.width().min(base.height()) < SMALL_SIDE;
    let scales: &[u32] = if small { &[1, 3] } else { &[1] };
    for &scale in scales {
        let texts = decode_view(&View::new(source, scale));
        if !texts.is_empty() {
            return texts;
        }
    }
    Vec::new()
}

/// Reads a code that fills the image's dark area exactly: the dark pixels' bounding box is
/// square, its top-left finder pattern's top edge (7 modules) gives the module size, and
/// the module count is a QR size (21 + 4k). Each module is sampled at its centre and the
/// grid decoded directly. Anything else — photos, scans, codes beside other marks — is
/// `None`, for the detecting rungs to try.
fn decode_exact(image: &GrayImage) -> Option<String> {
    let dark = |x: u32, y: u32| image.get_pixel_checked(x, y).is_some_and(|p| p.0[0] < 128);
    let (w, h) = image.dimensions();
    let rows: Vec<u32> = (0..h).filter(|&y| (0..w).any(|x| dark(x, y))).collect();
    let (top, bottom) = (*rows.first()?, *rows.last()?);
    let left = (0..w).find(|&x| (top..=bottom).any(|y| dark(x, y)))?;
    let right = (0..w).rev().find(|&x| (top..=bottom).any(|y| dark(x, y)))?;
    let (side_x, side_y) = (f64::from(right - left + 1), f64::from(bottom - top + 1));
    if (side_x - side_y).abs() > (side_x * 0.02).max(2.0) {
        return None;
    }
    let edge = (left..=right).take_while(|&x| dark(x, top)).count();
    let module = edge as f64 / 7.0;
    let count = (side_x / module).round();
    let valid = (21.0..=177.0).contains(&count) && (count as usize - 17).is_multiple_of(4);
    if module < 1.0 || !valid || (count * module - side_x).abs() > module / 2.0 {
        return None;
    }
    let size = count as usize;
    let at = |i: usize, origin: u32| (f64::from(origin) + (i as f64 + 0.5) * module) as u32;
    let grid = rqrr::SimpleGrid::from_func(size, |x, y| dark(at(x, left), at(y, top)));
    catch_unwind(AssertUnwindSafe(|| rqrr::Grid::new(grid).decode().ok()))
        .ok()
        .flatten()
        .map(|(_, text)| text)
}

/// Downscales images whose longest side exceeds [`MAX_SEARCH_SIDE`].
fn fit_for_search(image: &GrayImage) -> GrayImage {
    let side = image.width().max(image.height());
    if side <= MAX_SEARCH_SIDE {
        return image.clone();
    }
    let scale = f64::from(MAX_SEARCH_SIDE) / f64::from(side);
    let w = ((f64::from(image.width()) * scale).round() as u32).max(1);
    let h = ((f64::from(image.height()) * scale).round() as u32).max(1);
    imageops::resize(image, w, h, FilterType::Triangle)
}

/// A virtual transform of a source image: upscaled by pixel replication (keeps module
/// edges sharp) and framed by a white quiet zone. No rotation: rqrr finds codes at any
/// angle itself (measured: quarter turns added no decode on the benchmark set).
struct View<'a> {
    source: &'a GrayImage,
    scale: u32,
    border: u32,
}

impl<'a> View<'a> {
    fn new(source: &'a GrayImage, scale: u32) -> View<'a> {
        let short = source.width().min(source.height()) * scale;
        View {
            source,
            scale,
            border: (short / 8).max(16),
        }
    }

    fn size(&self) -> (usize, usize) {
        let pad = 2 * self.border;
        (
            (self.source.width() * self.scale + pad) as usize,
            (self.source.height() * self.scale + pad) as usize,
        )
    }

    fn pixel(&self, x: usize, y: usize) -> u8 {
        let (Some(x), Some(y)) = (
            (x as u32).checked_sub(self.border),
            (y as u32).checked_sub(self.border),
        ) else {
            return 255;
        };
        self.source
            .get_pixel_checked(x / self.scale, y / self.scale)
            .map_or(255, |p| p.0[0])
    }
}

/// Detects and decodes the QR grids of one view.
fn decode_view(view: &View<'_>) -> Vec<String> {
    let (w, h) = view.size();
    // rqrr is third-party code fed hostile pixels; a panic there must not take the caller
    // down with it, so it counts as "nothing decoded".
    catch_unwind(AssertUnwindSafe(|| {
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| view.pixel(x, y));
        let mut texts: Vec<String> = Vec::new();
        for grid in prepared.detect_grids() {
            if let Ok((_, text)) = grid.decode()
                && !texts.contains(&text)
            {
                texts.push(text);
            }
        }
        texts
    }))
    .unwrap_or_default()
}

/// Black/white by comparison with the local mean (window ~1/8 of the shorter side), which
/// survives uneven lighting and low contrast.
fn adaptive_binarize(image: &GrayImage) -> GrayImage {
    let (w, h) = image.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    // Summed-area table with a zero row and column in front.
    let mut sums = vec![0u64; (wu + 1) * (hu + 1)];
    for y in 0..hu {
        let mut row = 0u64;
        for x in 0..wu {
            row += u64::from(image.get_pixel(x as u32, y as u32).0[0]);
            sums[(y + 1) * (wu + 1) + x + 1] = sums[y * (wu + 1) + x + 1] + row;
        }
    }
    let radius = (w.min(h) / 16).max(4) as usize;
    GrayImage::from_fn(w, h, |x, y| {
        let (x, y) = (x as usize, y as usize);
        let (x0, y0) = (x.saturating_sub(radius), y.saturating_sub(radius));
        let (x1, y1) = ((x + radius + 1).min(wu), (y + radius + 1).min(hu));
        let area = ((x1 - x0) * (y1 - y0)) as u64;
        let total = sums[y1 * (wu + 1) + x1] + sums[y0 * (wu + 1) + x0]
            - sums[y0 * (wu + 1) + x1]
            - sums[y1 * (wu + 1) + x0];
        let value = u64::from(image.get_pixel(x as u32, y as u32).0[0]);
        // 7/8 of the mean: flat regions (mean ≈ value) come out white, not noise.
        Luma([if value * 8 * area < total * 7 { 0 } else { 255 }])
    })
}

/// Black/white at the global Otsu threshold.
fn otsu_binarize(image: &GrayImage) -> GrayImage {
    let mut histogram = [0u64; 256];
    for p in image.pixels() {
        histogram[usize::from(p.0[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let weighted: f64 = histogram
        .iter()
        .enumerate()
        .map(|(level, &count)| level as f64 * count as f64)
        .sum();
    let (mut best, mut best_var) = (128u8, -1.0f64);
    let (mut below, mut below_sum) = (0u64, 0f64);
    for (t, &count) in histogram.iter().enumerate() {
        below += count;
        below_sum += t as f64 * count as f64;
        let above = total - below;
        if below == 0 || above == 0 {
            continue;
        }
        let mean_below = below_sum / below as f64;
        let mean_above = (weighted - below_sum) / above as f64;
        let var = below as f64 * above as f64 * (mean_below - mean_above).powi(2);
        if var > best_var {
            best_var = var;
            best = t as u8;
        }
    }
    GrayImage::from_fn(image.width(), image.height(), |x, y| {
        Luma([if image.get_pixel(x, y).0[0] <= best {
            0
        } else {
            255
        }])
    })
}
