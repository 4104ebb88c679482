//! Input checks against an API's documented [`Limits`](crate::api::Limits), run before any
//! network call.
//!
//! Every check works on the bytes the user gave: the format comes from magic bytes, pixel
//! dimensions from the image header (the image is never decoded), sizes from the byte count.
//! The client runs [`check_input`] before it opens a connection; the CLI and the sandbox can
//! call the same functions to refuse (or emulate refusing) a file the vendor would reject.

use std::io::Cursor;

use crate::api::{ApiDescriptor, FileFormat, Input, InputError, InputKind};

/// Why an input was refused before sending. Every variant names the API and the limit, with
/// the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputRefusal {
    /// The file has no bytes.
    #[error("{api}: the file is empty (0 bytes)")]
    Empty {
        /// API id.
        api: &'static str,
    },
    /// The magic bytes match no format fapiao knows.
    #[error("{api}: unrecognised file format (accepted: {accepted})")]
    UnknownFormat {
        /// API id.
        api: &'static str,
        /// Accepted formats, comma-separated.
        accepted: String,
    },
    /// The file's format is not one the API accepts.
    #[error("{api}: {format} files are not accepted (formats: {accepted})")]
    UnsupportedFormat {
        /// API id.
        api: &'static str,
        /// The detected format.
        format: FileFormat,
        /// Accepted formats, comma-separated.
        accepted: String,
    },
    /// A size limit is exceeded.
    #[error("{api}: {limit} is {max} bytes, the input is {size} bytes")]
    TooLarge {
        /// API id.
        api: &'static str,
        /// The limit's name (`max_file_bytes`, `max_base64_bytes`, `max_request_bytes`).
        limit: &'static str,
        /// The input's size under that limit.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The image is smaller or larger than the pixel limits.
    #[error("{api}: {limit} is {bound} px, the image is {width}×{height} px")]
    Dimensions {
        /// API id.
        api: &'static str,
        /// The limit's name (`min_pixels` or `max_pixels`).
        limit: &'static str,
        /// The limit.
        bound: u32,
        /// Image width.
        width: u32,
        /// Image height.
        height: u32,
    },
    /// The API has pixel limits and the image header cannot be read.
    #[error("{api}: the {format} header is truncated or corrupt, so its pixel size is unknown")]
    UnreadableHeader {
        /// API id.
        api: &'static str,
        /// The detected format.
        format: FileFormat,
    },
    /// A page was given but the API takes no page option.
    #[error("{api}: this API takes no page option (page {page} was given)")]
    PageNotSupported {
        /// API id.
        api: &'static str,
        /// The page given.
        page: u32,
    },
    /// A page was given that cannot apply to this input.
    #[error("{api}: page {page} is invalid here: {reason}")]
    InvalidPage {
        /// API id.
        api: &'static str,
        /// The page given.
        page: u32,
        /// Why.
        reason: &'static str,
    },
    /// The request could not be built (one-of groups, missing fields).
    #[error(transparent)]
    Request(#[from] InputError),
}

/// The name [`InputRefusal::Dimensions`] gives the upper pixel limit.
const MAX_PIXELS: &str = "max_pixels";

impl InputRefusal {
    /// Whether the input is over a size limit: too many bytes, or too many pixels on a side.
    pub fn is_too_large(&self) -> bool {
        match self {
            InputRefusal::TooLarge { .. } => true,
            InputRefusal::Dimensions { limit, .. } => *limit == MAX_PIXELS,
            _ => false,
        }
    }
}

/// Checks an input against `api`'s limits and returns the file's detected format (`None` for
/// URL-only input). Nothing is sent anywhere.
pub fn check_input(api: &ApiDescriptor, input: &Input) -> Result<Option<FileFormat>, InputRefusal> {
    let format = match &input.file {
        Some(file) => Some(check_file(api, file)?),
        None => input.format,
    };
    if let Some(page) = input.page {
        check_page(api, page, format)?;
    }
    Ok(format)
}

/// Checks the size of an encoded request body against `max_request_bytes`.
pub fn check_request_size(api: &ApiDescriptor, body_len: usize) -> Result<(), InputRefusal> {
    check_size(
        api.id,
        "max_request_bytes",
        body_len as u64,
        api.limits.max_request_bytes,
    )
}

/// Recognises a file format from its first bytes; `None` when it is none of [`FileFormat`].
pub fn sniff_format(bytes: &[u8]) -> Option<FileFormat> {
    const PDF_HEADER_WINDOW: usize = 1024;
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileFormat::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(FileFormat::Gif)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(FileFormat::Tiff)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(FileFormat::Webp)
    } else if bytes.len() >= 26 && bytes.starts_with(b"BM") {
        // Two bytes alone match too much text; also require a known DIB header size.
        matches!(le_u32(bytes, 14)?, 12 | 40 | 52 | 56 | 64 | 108 | 124).then_some(FileFormat::Bmp)
    } else if bytes.starts_with(b"PK\x03\x04") {
        is_ofd(bytes).then_some(FileFormat::Ofd)
    } else {
        // PDF readers accept the header anywhere in the first kilobyte (after junk or a BOM).
        let window = &bytes[..bytes.len().min(PDF_HEADER_WINDOW)];
        if window.windows(5).any(|w| w == b"%PDF-") {
            Some(FileFormat::Pdf)
        } else {
            crate::local::looks_like_xml(bytes).then_some(FileFormat::Xml)
        }
    }
}

/// Width and height of an image, read from its header only; `None` when the format has no
/// pixel size (PDF, OFD) or the header is truncated or corrupt.
pub fn image_dimensions(bytes: &[u8], format: FileFormat) -> Option<(u32, u32)> {
    match format {
        FileFormat::Png => png_dimensions(bytes),
        FileFormat::Jpeg => jpeg_dimensions(bytes),
        FileFormat::Gif => Some((le_u16(bytes, 6)?.into(), le_u16(bytes, 8)?.into())),
        FileFormat::Bmp => bmp_dimensions(bytes),
        FileFormat::Tiff => tiff_dimensions(bytes),
        FileFormat::Webp => webp_dimensions(bytes),
        FileFormat::Pdf | FileFormat::Ofd | FileFormat::Xml => None,
    }
}

/// Size of `n` bytes after standard (padded) base64 encoding.
pub fn base64_len(n: u64) -> u64 {
    n.div_ceil(3) * 4
}

fn check_file(api: &ApiDescriptor, file: &[u8]) -> Result<FileFormat, InputRefusal> {
    if file.is_empty() {
        return Err(InputRefusal::Empty { api: api.id });
    }
    let format = check_format(api, file)?;
    let size = file.len() as u64;
    let limits = &api.limits;
    check_size(api.id, "max_file_bytes", size, limits.max_file_bytes)?;
    check_size(
        api.id,
        "max_base64_bytes",
        base64_len(size),
        limits.max_base64_bytes,
    )?;
    if format.is_image() && (limits.min_pixels.is_some() || limits.max_pixels.is_some()) {
        check_pixels(api, file, format)?;
    }
    Ok(format)
}

fn check_format(api: &ApiDescriptor, file: &[u8]) -> Result<FileFormat, InputRefusal> {
    let accepted = || accepted_formats(api);
    let Some(format) = sniff_format(file) else {
        return Err(InputRefusal::UnknownFormat {
            api: api.id,
            accepted: accepted(),
        });
    };
    let listed = api.limits.formats.contains(&format);
    // An empty list means the spec does not restrict formats; GIF and XML (which no vendor
    // reads) must still be listed.
    let unlisted_ok = !matches!(format, FileFormat::Gif | FileFormat::Xml);
    let allowed = listed || (api.limits.formats.is_empty() && unlisted_ok);
    if !allowed || (format == FileFormat::Pdf && api.limits.max_pdf_pages == 0) {
        return Err(InputRefusal::UnsupportedFormat {
            api: api.id,
            format,
            accepted: accepted(),
        });
    }
    Ok(format)
}

fn accepted_formats(api: &ApiDescriptor) -> String {
    if api.limits.formats.is_empty() {
        return "any but gif and xml".to_owned();
    }
    let ids: Vec<&str> = api.limits.formats.iter().map(|f| f.id()).collect();
    ids.join(", ")
}

fn check_size(
    api: &'static str,
    limit: &'static str,
    size: u64,
    max: Option<u64>,
) -> Result<(), InputRefusal> {
    match max {
        Some(max) if size > max => Err(InputRefusal::TooLarge {
            api,
            limit,
            size,
            max,
        }),
        _ => Ok(()),
    }
}

fn check_pixels(api: &ApiDescriptor, file: &[u8], format: FileFormat) -> Result<(), InputRefusal> {
    let Some((width, height)) = image_dimensions(file, format) else {
        return Err(InputRefusal::UnreadableHeader {
            api: api.id,
            format,
        });
    };
    let refuse = |limit, bound| InputRefusal::Dimensions {
        api: api.id,
        limit,
        bound,
        width,
        height,
    };
    if let Some(min) = api.limits.min_pixels
        && (width < min || height < min)
    {
        return Err(refuse("min_pixels", min));
    }
    if let Some(max) = api.limits.max_pixels
        && (width > max || height > max)
    {
        return Err(refuse(MAX_PIXELS, max));
    }
    Ok(())
}

fn check_page(
    api: &ApiDescriptor,
    page: u32,
    format: Option<FileFormat>,
) -> Result<(), InputRefusal> {
    let takes_page = api.request.iter().any(|f| f.input == Some(InputKind::Page));
    if !takes_page {
        return Err(InputRefusal::PageNotSupported { api: api.id, page });
    }
    let invalid = |reason| InputRefusal::InvalidPage {
        api: api.id,
        page,
        reason,
    };
    if page == 0 {
        return Err(invalid("pages are numbered from 1"));
    }
    match format {
        Some(f) if f.is_image() => Err(invalid("an image has no pages")),
        _ => Ok(()),
    }
}

/// An OFD file is a zip whose root holds `OFD.xml`; only the central directory is read.
fn is_ofd(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .is_ok_and(|archive| archive.index_for_name("OFD.xml").is_some())
}

fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    // Signature (8), IHDR length (4) and type (4), then width and height.
    (bytes.get(12..16)? == b"IHDR").then_some(())?;
    Some((be_u32(bytes, 16)?, be_u32(bytes, 20)?))
}

/// Walks the JPEG marker segments up to the first start-of-frame, which holds the size.
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut pos = 2;
    loop {
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(pos + 1)?;
        match marker {
            // Fill byte: markers may be preceded by any number of 0xFF.
            0xFF => pos += 1,
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => pos += 2,
            // Start of scan or end of image before any frame header: no size to read.
            0xD9 | 0xDA => return None,
            // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = be_u16(bytes, pos + 5)?;
                let width = be_u16(bytes, pos + 7)?;
                return Some((width.into(), height.into()));
            }
            _ => pos += 2 + usize::from(be_u16(bytes, pos + 2)?),
        }
    }
}

fn bmp_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    const CORE_HEADER: u32 = 12;
    if le_u32(bytes, 14)? == CORE_HEADER {
        return Some((le_u16(bytes, 18)?.into(), le_u16(bytes, 20)?.into()));
    }
    // Height is negative for top-down bitmaps.
    let width = le_u32(bytes, 18)? as i32;
    let height = le_u32(bytes, 22)? as i32;
    Some((width.unsigned_abs(), height.unsigned_abs()))
}

/// Reads ImageWidth (256) and ImageLength (257) from the first IFD.
fn tiff_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    const WIDTH: u16 = 256;
    const HEIGHT: u16 = 257;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    let big_endian = bytes.starts_with(b"MM");
    let u16_at = |at| {
        if big_endian {
            be_u16(bytes, at)
        } else {
            le_u16(bytes, at)
        }
    };
    let u32_at = |at| {
        if big_endian {
            be_u32(bytes, at)
        } else {
            le_u32(bytes, at)
        }
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    let (mut width, mut height) = (None, None);
    for i in 0..count {
        let entry = ifd.checked_add(2 + i * 12)?;
        let value = match u16_at(entry + 2)? {
            SHORT => u32::from(u16_at(entry + 8)?),
            LONG => u32_at(entry + 8)?,
            _ => continue,
        };
        match u16_at(entry)? {
            WIDTH => width = Some(value),
            HEIGHT => height = Some(value),
            _ => {}
        }
    }
    Some((width?, height?))
}

/// Reads the canvas size from the first chunk: lossy `VP8 `, lossless `VP8L` or extended `VP8X`.
fn webp_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    match bytes.get(12..16)? {
        b"VP8 " => {
            (bytes.get(23..26)? == [0x9D, 0x01, 0x2A]).then_some(())?;
            let width = le_u16(bytes, 26)? & 0x3FFF;
            let height = le_u16(bytes, 28)? & 0x3FFF;
            Some((width.into(), height.into()))
        }
        b"VP8L" => {
            (*bytes.get(20)? == 0x2F).then_some(())?;
            let bits = le_u32(bytes, 21)?;
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => Some((le_u24(bytes, 24)? + 1, le_u24(bytes, 27)? + 1)),
        _ => None,
    }
}

fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn le_u24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(3)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], 0]))
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;

    fn encoded(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image::RgbImage::new(width, height)
            .write_to(&mut out, format)
            .expect("encode");
        out.into_inner()
    }

    fn gif(width: u16, height: u16) -> Vec<u8> {
        [
            b"GIF89a".as_slice(),
            &width.to_le_bytes(),
            &height.to_le_bytes(),
            &[0; 3],
        ]
        .concat()
    }

    fn bmp(width: i32, height: i32) -> Vec<u8> {
        let mut b = b"BM".to_vec();
        b.extend_from_slice(&[0; 12]); // file size, reserved, pixel offset
        b.extend_from_slice(&40u32.to_le_bytes());
        b.extend_from_slice(&width.to_le_bytes());
        b.extend_from_slice(&height.to_le_bytes());
        b.extend_from_slice(&[0; 16]);
        b
    }

    fn tiff_le(width: u16, height: u32) -> Vec<u8> {
        let mut b = b"II*\0".to_vec();
        b.extend_from_slice(&8u32.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        // ImageWidth as SHORT, ImageLength as LONG: both types occur in the wild.
        for (tag, ty, value) in [(256u16, 3u16, u32::from(width)), (257, 4, height)] {
            b.extend_from_slice(&tag.to_le_bytes());
            b.extend_from_slice(&ty.to_le_bytes());
            b.extend_from_slice(&1u32.to_le_bytes());
            b.extend_from_slice(&value.to_le_bytes());
        }
        b
    }

    fn tiff_be(width: u32, height: u32) -> Vec<u8> {
        let mut b = b"MM\0*".to_vec();
        b.extend_from_slice(&8u32.to_be_bytes());
        b.extend_from_slice(&2u16.to_be_bytes());
        for (tag, value) in [(256u16, width), (257, height)] {
            b.extend_from_slice(&tag.to_be_bytes());
            b.extend_from_slice(&4u16.to_be_bytes());
            b.extend_from_slice(&1u32.to_be_bytes());
            b.extend_from_slice(&value.to_be_bytes());
        }
        b
    }

    fn webp(chunk: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut b = b"RIFF\0\0\0\0WEBP".to_vec();
        b.extend_from_slice(chunk);
        b.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        b.extend_from_slice(payload);
        b
    }

    fn webp_lossy(width: u16, height: u16) -> Vec<u8> {
        let mut payload = vec![0, 0, 0, 0x9D, 0x01, 0x2A];
        payload.extend_from_slice(&width.to_le_bytes());
        payload.extend_from_slice(&height.to_le_bytes());
        webp(b"VP8 ", &payload)
    }

    fn webp_lossless(width: u32, height: u32) -> Vec<u8> {
        let bits = (width - 1) | ((height - 1) << 14);
        let mut payload = vec![0x2F];
        payload.extend_from_slice(&bits.to_le_bytes());
        webp(b"VP8L", &payload)
    }

    fn webp_extended(width: u32, height: u32) -> Vec<u8> {
        let mut payload = vec![0; 4];
        payload.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
        payload.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
        webp(b"VP8X", &payload)
    }

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for name in names {
            writer.start_file(*name, options).expect("entry");
            writer.write_all(b"<ofd:OFD/>").expect("write");
        }
        writer.finish().expect("zip").into_inner()
    }

    #[test]
    fn sniffs_every_format_by_magic_bytes() {
        let cases: Vec<(Vec<u8>, Option<FileFormat>)> = vec![
            (
                encoded(image::ImageFormat::Png, 3, 2),
                Some(FileFormat::Png),
            ),
            (
                encoded(image::ImageFormat::Jpeg, 3, 2),
                Some(FileFormat::Jpeg),
            ),
            (bmp(3, 2), Some(FileFormat::Bmp)),
            (tiff_le(3, 2), Some(FileFormat::Tiff)),
            (tiff_be(3, 2), Some(FileFormat::Tiff)),
            (webp_lossy(3, 2), Some(FileFormat::Webp)),
            (gif(3, 2), Some(FileFormat::Gif)),
            (
                b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(),
                Some(FileFormat::Pdf),
            ),
            (b"\xEF\xBB\xBF\n%PDF-1.4\n".to_vec(), Some(FileFormat::Pdf)),
            (
                zip_with(&["OFD.xml", "Doc_0/Document.xml"]),
                Some(FileFormat::Ofd),
            ),
            (zip_with(&["word/document.xml"]), None),
            (
                b"\xEF\xBB\xBF<?xml version=\"1.0\"?><EInvoice/>".to_vec(),
                Some(FileFormat::Xml),
            ),
            (b"<xbrl/>".to_vec(), Some(FileFormat::Xml)),
            (b"BM is also how some text starts".to_vec(), None),
            (b"hello".to_vec(), None),
            (Vec::new(), None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                sniff_format(&bytes),
                expected,
                "{:?}",
                &bytes[..bytes.len().min(8)]
            );
        }
    }

    #[test]
    fn reads_dimensions_from_headers() {
        let cases = [
            (encoded(image::ImageFormat::Png, 31, 17), FileFormat::Png),
            (encoded(image::ImageFormat::Jpeg, 31, 17), FileFormat::Jpeg),
            (bmp(31, 17), FileFormat::Bmp),
            (bmp(31, -17), FileFormat::Bmp),
            (tiff_le(31, 17), FileFormat::Tiff),
            (tiff_be(31, 17), FileFormat::Tiff),
            (webp_lossy(31, 17), FileFormat::Webp),
            (webp_lossless(31, 17), FileFormat::Webp),
            (webp_extended(31, 17), FileFormat::Webp),
            (gif(31, 17), FileFormat::Gif),
        ];
        for (bytes, format) in cases {
            assert_eq!(image_dimensions(&bytes, format), Some((31, 17)), "{format}");
        }
        let core_bmp = [
            b"BM".as_slice(),
            &[0; 12],
            &12u32.to_le_bytes(),
            &[31, 0, 17, 0],
        ]
        .concat();
        assert_eq!(image_dimensions(&core_bmp, FileFormat::Bmp), Some((31, 17)));
        assert_eq!(image_dimensions(b"%PDF-1.7", FileFormat::Pdf), None);
    }

    #[test]
    fn jpeg_dimensions_skip_fill_bytes_and_standalone_markers() {
        let sof = [0xFF, 0xC2, 0, 11, 8, 0, 17, 0, 31, 1, 0x11, 0, 0];
        let jpeg = [&[0xFF, 0xD8, 0xFF, 0xFF, 0xD0][..], &sof].concat();
        assert_eq!(image_dimensions(&jpeg, FileFormat::Jpeg), Some((31, 17)));
        // A scan before any frame header: no size to read.
        assert_eq!(
            image_dimensions(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2], FileFormat::Jpeg),
            None
        );
    }

    #[test]
    fn truncated_headers_give_no_dimensions() {
        let samples = [
            (encoded(image::ImageFormat::Png, 5, 5), FileFormat::Png, 24),
            (bmp(5, 5), FileFormat::Bmp, 26),
            (tiff_le(5, 5), FileFormat::Tiff, 34),
            (webp_extended(5, 5), FileFormat::Webp, 30),
            (gif(5, 5), FileFormat::Gif, 10),
        ];
        for (bytes, format, needed) in samples {
            for cut in 0..needed {
                assert_eq!(
                    image_dimensions(&bytes[..cut], format),
                    None,
                    "{format} cut at {cut}"
                );
            }
            assert!(
                image_dimensions(&bytes[..needed], format).is_some(),
                "{format}"
            );
        }
    }

    #[test]
    fn base64_length_is_padded() {
        assert_eq!([0, 1, 2, 3, 4].map(base64_len), [0, 4, 4, 4, 8]);
        assert_eq!(base64_len(7_340_032), 9_786_712);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = sniff_format(&bytes);
            for f in FileFormat::ALL {
                let _ = image_dimensions(&bytes, *f);
            }
        }

        #[test]
        fn valid_magic_with_arbitrary_structure_never_panics(
            tail in proptest::collection::vec(any::<u8>(), 0..128),
        ) {
            let bytes = [b"II*\0".as_slice(), &tail].concat();
            let _ = image_dimensions(&bytes, FileFormat::Tiff);
            let bytes = [b"\xFF\xD8\xFF".as_slice(), &tail].concat();
            let _ = image_dimensions(&bytes, FileFormat::Jpeg);
        }
    }
}
