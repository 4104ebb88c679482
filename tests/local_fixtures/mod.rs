//! Synthetic fixtures for the local backend, built in code: QR images with controlled
//! degradations, OFD archives and PDFs. Shared by `tests/local_backend.rs` and
//! `benches/qr_decode.rs` (included with `#[path]`), so not every item is used by both.
#![allow(dead_code)]

use std::io::{Cursor, Write};

use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, ImageEncoder, Luma};
use qrcode::{Color, EcLevel, QrCode};

/// Payloads shaped like real invoice QR codes (legacy, 数电, ticket).
pub const PAYLOADS: [&str; 3] = [
    "01,10,033002000211,83089647,510.68,20200723,16197833567414507415,0941,",
    "01,31,,24112000000048542163,4449.00,20240528,,B2B6",
    "01,51,,25319132270000640546,86.00,20250821,,7906",
];

/// A QR code rendered black on white: `module_px` pixels per module, `quiet` modules of
/// white border (real PDF bitmaps have 0).
pub fn render_qr(text: &str, module_px: u32, quiet: u32) -> GrayImage {
    let code =
        QrCode::with_error_correction_level(text, EcLevel::M).expect("payload fits a QR code");
    let width = code.width() as u32;
    let colors = code.to_colors();
    let side = (width + 2 * quiet) * module_px;
    GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / module_px, y / module_px);
        let inside = mx >= quiet && my >= quiet && mx < quiet + width && my < quiet + width;
        let dark = inside && colors[((my - quiet) * width + (mx - quiet)) as usize] == Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    })
}

/// Places `image` on a larger canvas of `fill`, at (`x`, `y`).
pub fn on_canvas(
    image: &GrayImage,
    width: u32,
    height: u32,
    x: u32,
    y: u32,
    fill: u8,
) -> GrayImage {
    let mut canvas = GrayImage::from_pixel(width, height, Luma([fill]));
    image::imageops::overlay(&mut canvas, image, i64::from(x), i64::from(y));
    canvas
}

/// Rotation by any angle about the centre (bilinear), corners filled white; the canvas grows
/// to keep the whole image.
pub fn rotate(image: &GrayImage, degrees: f64) -> GrayImage {
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    let (sin, cos) = degrees.to_radians().sin_cos();
    let nw = (w * cos.abs() + h * sin.abs()).ceil();
    let nh = (w * sin.abs() + h * cos.abs()).ceil();
    GrayImage::from_fn(nw as u32, nh as u32, |x, y| {
        let (dx, dy) = (f64::from(x) - nw / 2.0, f64::from(y) - nh / 2.0);
        let sx = dx * cos + dy * sin + w / 2.0;
        let sy = -dx * sin + dy * cos + h / 2.0;
        Luma([bilinear(image, sx, sy)])
    })
}

fn bilinear(image: &GrayImage, x: f64, y: f64) -> u8 {
    let at = |x: f64, y: f64| -> f64 {
        if x < 0.0 || y < 0.0 || x >= f64::from(image.width()) || y >= f64::from(image.height()) {
            255.0
        } else {
            f64::from(image.get_pixel(x as u32, y as u32).0[0])
        }
    };
    let (x0, y0) = ((x - 0.5).floor(), (y - 0.5).floor());
    let (fx, fy) = (x - 0.5 - x0, y - 0.5 - y0);
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    (top * (1.0 - fy) + bottom * fy).round() as u8
}

/// Box blur of the given radius (a defocused photo).
pub fn blur(image: &GrayImage, radius: u32) -> GrayImage {
    let r = radius as i64;
    GrayImage::from_fn(image.width(), image.height(), |x, y| {
        let (mut sum, mut n) = (0u64, 0u64);
        for dy in -r..=r {
            for dx in -r..=r {
                let (nx, ny) = (i64::from(x) + dx, i64::from(y) + dy);
                if nx >= 0
                    && ny >= 0
                    && nx < i64::from(image.width())
                    && ny < i64::from(image.height())
                {
                    sum += u64::from(image.get_pixel(nx as u32, ny as u32).0[0]);
                    n += 1;
                }
            }
        }
        Luma([(sum / n.max(1)) as u8])
    })
}

/// Adds deterministic pseudo-random noise of up to ±`amplitude` levels to every pixel.
pub fn noise(image: &GrayImage, amplitude: i32, seed: u64) -> GrayImage {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = image.clone();
    for p in out.pixels_mut() {
        let delta = (next() % (2 * amplitude as u64 + 1)) as i32 - amplitude;
        p.0[0] = (i32::from(p.0[0]) + delta).clamp(0, 255) as u8;
    }
    out
}

/// Maps black to `dark` and white to `light` (a faded print or a dim photo).
pub fn contrast(image: &GrayImage, dark: u8, light: u8) -> GrayImage {
    let mut out = image.clone();
    for p in out.pixels_mut() {
        let v = u32::from(p.0[0]);
        p.0[0] = (u32::from(dark) + v * (u32::from(light) - u32::from(dark)) / 255) as u8;
    }
    out
}

/// Resamples to a new size (bilinear-ish via the image crate's triangle filter).
pub fn resize(image: &GrayImage, width: u32, height: u32) -> GrayImage {
    image::imageops::resize(image, width, height, image::imageops::FilterType::Triangle)
}

pub fn encode_png(image: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::L8,
        )
        .expect("PNG encoding of an in-memory image");
    out
}

/// JPEG at `quality`, optionally with an EXIF orientation tag (1–8).
pub fn encode_jpeg(image: &GrayImage, quality: u8, orientation: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
    if let Some(o) = orientation {
        encoder
            .set_exif_metadata(exif_orientation(o))
            .expect("JPEG takes EXIF");
    }
    encoder
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::L8,
        )
        .expect("JPEG encoding of an in-memory image");
    out
}

/// A minimal little-endian TIFF block holding one Orientation (0x0112) entry.
fn exif_orientation(value: u16) -> Vec<u8> {
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes()); // first IFD offset
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&value.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    tiff
}

/// One degraded image of the benchmark/test set.
pub struct Degraded {
    pub name: String,
    pub image: GrayImage,
    pub payload: &'static str,
}

/// The synthetic degraded set: scales, rotations, blur, noise, low contrast, photos of a
/// page with the code small in a corner. Deterministic.
pub fn degraded_set() -> Vec<Degraded> {
    let mut set = Vec::new();
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let seed = i as u64 + 7;
        let add = |set: &mut Vec<Degraded>, name: String, image: GrayImage| {
            set.push(Degraded {
                name: format!("p{i}/{name}"),
                image,
                payload,
            });
        };
        for px in [1, 2, 3, 6] {
            add(
                &mut set,
                format!("scale{px}px-no-quiet-zone"),
                render_qr(payload, px, 0),
            );
        }
        let base = render_qr(payload, 6, 4);
        for degrees in [90.0, 180.0, 270.0, 7.0, -15.0, 30.0, 45.0] {
            add(&mut set, format!("rotate{degrees}"), rotate(&base, degrees));
        }
        for radius in [1, 2, 3] {
            add(&mut set, format!("blur{radius}"), blur(&base, radius));
        }
        for amplitude in [40, 80, 120, 160] {
            add(
                &mut set,
                format!("noise{amplitude}"),
                noise(&base, amplitude, seed),
            );
        }
        add(
            &mut set,
            "contrast90-160".to_owned(),
            contrast(&base, 90, 160),
        );
        add(&mut set, "contrast-dim".to_owned(), contrast(&base, 20, 70));
        add(
            &mut set,
            "contrast-120-140".to_owned(),
            contrast(&base, 120, 140),
        );
        let jpeg = encode_jpeg(
            &resize(&base, base.width() / 2, base.height() / 2),
            10,
            None,
        );
        let jpeg = image::load_from_memory(&jpeg)
            .expect("own JPEG decodes")
            .into_luma8();
        add(&mut set, "jpeg-q10-half".to_owned(), jpeg);
        let shrunk = resize(&base, base.width() / 3, base.height() / 3);
        add(&mut set, "downscaled-soft".to_owned(), shrunk);
        let page = on_canvas(&render_qr(payload, 4, 0), 1400, 1000, 60, 50, 235);
        add(
            &mut set,
            "page-corner".to_owned(),
            noise(&blur(&page, 1), 20, seed),
        );
        let combo = noise(&contrast(&blur(&rotate(&base, 12.0), 1), 60, 200), 30, seed);
        add(
            &mut set,
            "combo-rot12-blur-lowcontrast-noise".to_owned(),
            combo,
        );
    }
    set
}

/// Builds a zip archive from (name, bytes) pairs, deflated.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(*name, options).expect("zip entry");
        writer.write_all(bytes).expect("zip write");
    }
    writer.finish().expect("zip finish").into_inner()
}

/// `image` (dark pixels black) as JBIG2 in the embedded organisation PDF uses: the
/// page-information segment and an immediate generic-region segment (template 0, default
/// adaptive pixels, arithmetic coding by [`MqEncoder`]), returned apart so a test can put the
/// first in `/JBIG2Globals`.
pub fn jbig2_generic(image: &GrayImage) -> (Vec<u8>, Vec<u8>) {
    let (w, h) = image.dimensions();
    let black = |x: i64, y: i64| -> usize {
        let inside = x >= 0 && y >= 0 && x < i64::from(w) && y < i64::from(h);
        usize::from(inside && image.get_pixel(x as u32, y as u32).0[0] < 128)
    };
    // Context bits as T.88 6.2.5.3 numbers them for template 0 (adaptive pixels at (3,-1),
    // (-3,-1), (2,-2), (-2,-2)).
    const NEIGHBOURS: [(i64, i64); 16] = [
        (-1, 0),
        (-2, 0),
        (-3, 0),
        (-4, 0),
        (3, -1),
        (2, -1),
        (1, -1),
        (0, -1),
        (-1, -1),
        (-2, -1),
        (-3, -1),
        (2, -2),
        (1, -2),
        (0, -2),
        (-1, -2),
        (-2, -2),
    ];
    let mut encoder = MqEncoder::new();
    let mut contexts = vec![(0usize, 0usize); 1 << 16];
    for y in 0..i64::from(h) {
        for x in 0..i64::from(w) {
            let context = NEIGHBOURS
                .iter()
                .enumerate()
                .fold(0, |cx, (bit, (dx, dy))| cx | black(x + dx, y + dy) << bit);
            encoder.encode(&mut contexts[context], black(x, y));
        }
    }
    let coded = encoder.finish();
    let segment = |number: u32, kind: u8, data: &[u8]| {
        let mut out = number.to_be_bytes().to_vec();
        out.extend([kind, 0, 1]); // type; no referred segments; page 1
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(data);
        out
    };
    let mut page = [w.to_be_bytes(), h.to_be_bytes(), [0; 4], [0; 4]].concat();
    page.extend([0, 0, 0]); // flags, no striping
    let mut region = [w.to_be_bytes(), h.to_be_bytes(), [0; 4], [0; 4]].concat();
    region.push(0); // combination operator OR
    region.push(0); // arithmetic coding, template 0, no typical prediction
    region.extend([3, -1, -3, -1, 2, -2, -2, -2].map(|v: i8| v as u8));
    region.extend(coded);
    (segment(0, 48, &page), segment(1, 38, &region))
}

/// The MQ arithmetic encoder of T.88 Annex E, for building JBIG2 fixtures.
struct MqEncoder {
    a: u32,
    c: u32,
    ct: u32,
    /// Bytes out; the last is the byte being built (`B`), the first a discarded `BP - 1`.
    out: Vec<u8>,
}

/// Table E.1: Qe, next index after an MPS, after an LPS, and whether an LPS switches MPS.
#[rustfmt::skip]
const QE: [(u32, usize, usize, bool); 47] = [
    (0x5601, 1, 1, true), (0x3401, 2, 6, false), (0x1801, 3, 9, false), (0x0AC1, 4, 12, false),
    (0x0521, 5, 29, false), (0x0221, 38, 33, false), (0x5601, 7, 6, true), (0x5401, 8, 14, false),
    (0x4801, 9, 14, false), (0x3801, 10, 14, false), (0x3001, 11, 17, false), (0x2401, 12, 18, false),
    (0x1C01, 13, 20, false), (0x1601, 29, 21, false), (0x5601, 15, 14, true), (0x5401, 16, 14, false),
    (0x5101, 17, 15, false), (0x4801, 18, 16, false), (0x3801, 19, 17, false), (0x3401, 20, 18, false),
    (0x3001, 21, 19, false), (0x2801, 22, 19, false), (0x2401, 23, 20, false), (0x2201, 24, 21, false),
    (0x1C01, 25, 22, false), (0x1801, 26, 23, false), (0x1601, 27, 24, false), (0x1401, 28, 25, false),
    (0x1201, 29, 26, false), (0x1101, 30, 27, false), (0x0AC1, 31, 28, false), (0x09C1, 32, 29, false),
    (0x08A1, 33, 30, false), (0x0521, 34, 31, false), (0x0441, 35, 32, false), (0x02A1, 36, 33, false),
    (0x0221, 37, 34, false), (0x0141, 38, 35, false), (0x0111, 39, 36, false), (0x0085, 40, 37, false),
    (0x0049, 41, 38, false), (0x0025, 42, 39, false), (0x0015, 43, 40, false), (0x0009, 44, 41, false),
    (0x0005, 45, 42, false), (0x0001, 45, 43, false), (0x5601, 46, 46, false),
];

impl MqEncoder {
    fn new() -> Self {
        MqEncoder {
            a: 0x8000,
            c: 0,
            ct: 12,
            out: vec![0],
        }
    }

    /// Codes `bit` in the context `(state index, MPS)`.
    fn encode(&mut self, context: &mut (usize, usize), bit: usize) {
        let (qe, nmps, nlps, switch) = QE[context.0];
        self.a -= qe;
        if bit == context.1 {
            if self.a & 0x8000 != 0 {
                self.c += qe;
                return;
            }
            if self.a < qe {
                self.a = qe;
            } else {
                self.c += qe;
            }
            context.0 = nmps;
        } else {
            if self.a < qe {
                self.c += qe;
            } else {
                self.a = qe;
            }
            if switch {
                context.1 = 1 - context.1;
            }
            context.0 = nlps;
        }
        while self.a & 0x8000 == 0 {
            self.a <<= 1;
            self.c <<= 1;
            self.ct -= 1;
            if self.ct == 0 {
                self.byte_out();
            }
        }
    }

    fn byte_out(&mut self) {
        let b = self.out.last_mut().expect("never empty");
        if *b == 0xFF {
            self.emit(20);
        } else if self.c < 0x800_0000 {
            self.emit(19);
        } else {
            *b += 1;
            if *b == 0xFF {
                self.c &= 0x7FF_FFFF;
                self.emit(20);
            } else {
                self.emit(19);
            }
        }
    }

    fn emit(&mut self, shift: u32) {
        self.out.push((self.c >> shift) as u8);
        self.c &= (1 << shift) - 1;
        self.ct = if shift == 20 { 7 } else { 8 };
    }

    /// Flushes the coder and appends the `0xFF 0xAC` end marker.
    fn finish(mut self) -> Vec<u8> {
        let top = self.c + self.a;
        self.c |= 0xFFFF;
        if self.c >= top {
            self.c -= 0x8000;
        }
        self.c <<= self.ct;
        self.byte_out();
        self.c <<= self.ct;
        self.byte_out();
        if self.out.last() != Some(&0xFF) {
            self.out.push(0xFF);
        }
        self.out.push(0xAC);
        self.out.remove(0);
        self.out
    }
}

/// A decimal literal, for expected money.
pub fn dec(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

/// The one invoice the local backend reads from `bytes`.
pub fn one(bytes: &[u8]) -> fapiao::Invoice {
    let limits = fapiao::local::LocalLimits::default();
    let mut all = fapiao::local::recognize(bytes, None, &limits).unwrap();
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

/// Where a field of `inv` came from (its provenance source), failing when it has none.
pub fn source(inv: &fapiao::Invoice, field: &str) -> String {
    inv.provenance
        .get(field)
        .map(|p| p.field.to_string())
        .unwrap_or_else(|| panic!("no provenance for {field}: {:#?}", inv.provenance))
}
