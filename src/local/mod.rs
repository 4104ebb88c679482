//! The offline `local` backend: reads electronic invoices exactly, with no key and no network.
//!
//! * **OFD** e-invoices: every field from the embedded `original_invoice.xml`, or — on 数电
//!   invoices, which lack it — from `CustomTag.xml` references into the page text, or, when
//!   neither is there, from the page text read by its layout; plus the `OFD.xml` custom data
//!   and the QR image.
//! * **PNG / JPEG**: the invoice QR code, found with the preprocessing photos and scans need.
//! * **PDF**: the QR code (images of every filter, inline images, vector drawings) and the
//!   text layer read as a page by the layout reader (`layout`): labels paired with values
//!   by position inside their cells, never by concatenating a row.
//! * **XML**: the 数电 e-invoice (`EInvoice`, the platform's authoritative copy) and the
//!   railway and air e-ticket XBRL — standalone, attached to an OFD (`Doc_0/Attachs/`) or
//!   embedded in a PDF (`/EmbeddedFiles`, `/AF`), where they win over every other source.
//!
//! QR payloads are read in every form known from real documents
//! ([`crate::domain::qr::InvoiceQr`]): the comma-separated VAT payload (blank fields written
//! as spaces too), the six-field railway pilot, and links (深圳区块链发票, 江苏 财政电子票据).
//!
//! Every returned [`Invoice`] has `api = "local"` and a provenance entry per filled field:
//! `ofd-xml:<element>`, `ofd-tags:<tag>`, `ofd-custom:<name>` (`OFD.xml` custom data),
//! `ofd-page:TextObject[<id>]` (title, 大写 total), `pdf-text:<label>` or `ofd-text:<label>`
//! (found by the layout reader next to that label), `qr:<field>`, or
//! `title` for a kind inferred from the printed title. When several sources give a field,
//! the most exact wins (OFD XML, then OFD tags, then OFD custom data or PDF text, then the
//! QR code); the QR text itself is always kept in [`Invoice::qr_payload`] so validation can
//! cross-check it against the rest. `extra["local:qr_source"]` says where the QR reading
//! came from (an image path, `pdf-image`, `pdf-vector`, or `ofd-xml:GraphCode` when the image
//! could not be decoded), and `extra["local:qr_image"]` why an image was skipped (e.g. a
//! corrupt JBIG2 resource).
//!
//! Untrusted input is bounded by [`LocalLimits`]: sizes are checked before anything is
//! decompressed or decoded, and archives are read into memory only, never extracted.

mod crosscheck;
mod einvoice_xml;
mod fields;
mod jbig2;
mod layout;
mod ofd;
mod ofd_page;
mod pages;
mod pdf;
mod qr_image;
mod structured;
mod xbrl;
mod xml;

use crate::invoice::Invoice;

pub use qr_image::decode_qr_image;
pub use structured::looks_like_xml;

/// Resource limits for untrusted input. The defaults suit real invoices with a wide margin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalLimits {
    /// Largest input file accepted, in bytes. Default: the `local` API's `max_file_bytes` in
    /// `specs/local.yaml`, 32 MiB (real e-invoices are < 1 MiB).
    pub max_input_bytes: usize,
    /// Most entries an OFD (zip) archive may list. Default 4096.
    pub max_zip_entries: usize,
    /// Most bytes all entries of an OFD archive may decompress to, together. Default 128 MiB.
    pub max_uncompressed_bytes: u64,
    /// Highest decompressed/compressed size ratio accepted for an archive entry or a PDF
    /// stream once it exceeds 1 MiB (smaller ones are bounded by the byte limits alone).
    /// Default 200; XML and page content compress ~10×, zip bombs ~1000×.
    pub max_compression_ratio: u64,
    /// Most pixels (width × height) an image may declare before it is decoded.
    /// Default 40 million (an A4 page scanned at 600 dpi is ~35 million).
    pub max_image_pixels: u64,
}

impl Default for LocalLimits {
    fn default() -> Self {
        LocalLimits {
            max_input_bytes: crate::apis::fapiao::local::LIMITS
                .max_file_bytes
                .map_or(usize::MAX, |b| usize::try_from(b).unwrap_or(usize::MAX)),
            max_zip_entries: 4096,
            max_uncompressed_bytes: 128 << 20,
            max_compression_ratio: 200,
            max_image_pixels: 40_000_000,
        }
    }
}

/// Inputs smaller than this are exempt from the compression-ratio check.
const RATIO_FLOOR_BYTES: u64 = 1 << 20;

/// Why the local backend could not read a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LocalError {
    /// The input is larger than [`LocalLimits::max_input_bytes`].
    #[error("input is {size} bytes; the local backend accepts at most {limit}")]
    InputTooLarge {
        /// Size of the input.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The format is not one the local backend reads.
    #[error(
        "unsupported input: {what}; the local backend reads OFD, PDF, XML (数电 e-invoice, \
         e-ticket XBRL), PNG and JPEG"
    )]
    Unsupported {
        /// What the input looked like.
        what: String,
    },
    /// The OFD (zip) container is damaged or uses features an OFD never needs.
    #[error("unreadable OFD archive: {reason}")]
    Archive {
        /// What went wrong.
        reason: String,
    },
    /// An archive entry name is absolute or climbs out of the archive (`../x`).
    #[error("refused archive entry with unsafe name {name:?}")]
    UnsafeEntryName {
        /// The entry name as stored.
        name: String,
    },
    /// The archive lists more entries than [`LocalLimits::max_zip_entries`].
    #[error("archive lists {count} entries; at most {limit} are accepted")]
    TooManyEntries {
        /// Entries listed.
        count: u64,
        /// The limit in force.
        limit: usize,
    },
    /// Decompressed content exceeds [`LocalLimits::max_uncompressed_bytes`].
    #[error("{what} decompresses to more than {limit} bytes")]
    UncompressedTooLarge {
        /// The entry or stream being decompressed.
        what: String,
        /// The limit in force.
        limit: u64,
    },
    /// An entry inflates more than [`LocalLimits::max_compression_ratio`] times.
    #[error("{what} inflates more than {limit}× (possible zip bomb)")]
    CompressionRatio {
        /// The entry being decompressed.
        what: String,
        /// The limit in force.
        limit: u64,
    },
    /// An image declares more pixels than [`LocalLimits::max_image_pixels`].
    #[error("image declares {width}×{height} pixels; at most {limit} pixels are accepted")]
    ImageTooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The limit in force.
        limit: u64,
    },
    /// An image could not be decoded (truncated, corrupt, unsupported variant).
    #[error("unreadable image: {reason}")]
    Image {
        /// What went wrong.
        reason: String,
    },
    /// A required OFD part is missing or is not readable XML.
    #[error("OFD part {part}: {reason}")]
    OfdPart {
        /// Path of the part inside the archive.
        part: String,
        /// What went wrong.
        reason: String,
    },
    /// The PDF could not be parsed.
    #[error("unreadable PDF: {reason}")]
    Pdf {
        /// What went wrong.
        reason: String,
    },
    /// The file was read but holds no invoice data the local backend can use.
    #[error("no invoice data found: {reason}")]
    NothingFound {
        /// What was looked for.
        reason: String,
    },
}

/// The container formats [`recognize`] tells apart by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Zip,
    Pdf,
    Png,
    Jpeg,
    /// An XML document: a 数电 e-invoice or an e-ticket XBRL, told apart by its root.
    Xml,
}

/// Reads invoices from a file's bytes, offline.
///
/// The format is sniffed from the magic bytes (an OFD is a zip with `OFD.xml`); `name_hint`
/// (a file name) only improves error messages. Returns one invoice per OFD document or per
/// PDF page that holds invoice data, and one for an image's QR code.
pub fn recognize(
    bytes: &[u8],
    name_hint: Option<&str>,
    limits: &LocalLimits,
) -> Result<Vec<Invoice>, LocalError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(LocalError::InputTooLarge {
            size: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }
    match sniff(bytes) {
        Some(Format::Zip) => ofd::recognize(bytes, limits),
        Some(Format::Pdf) => pdf::recognize(bytes, limits),
        Some(Format::Png | Format::Jpeg) => qr_image::recognize(bytes, limits).map(|i| vec![i]),
        Some(Format::Xml) => structured::recognize(bytes),
        None => Err(LocalError::Unsupported {
            what: describe_unknown(bytes, name_hint),
        }),
    }
}

fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Some(Format::Zip)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if find(bytes.get(..1024).unwrap_or(bytes), b"%PDF-").is_some() {
        // The PDF header may follow a few bytes of junk (some mailers prepend them).
        Some(Format::Pdf)
    } else if structured::looks_like_xml(bytes) {
        Some(Format::Xml)
    } else {
        None
    }
}

fn describe_unknown(bytes: &[u8], name_hint: Option<&str>) -> String {
    let kind = if bytes.is_empty() {
        "empty file".to_owned()
    } else if bytes.starts_with(b"GIF8") {
        "GIF image".to_owned()
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        "WebP image".to_owned()
    } else {
        let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("unknown format (starts with {})", head.join(" "))
    };
    match name_hint {
        Some(name) => format!("{name}: {kind}"),
        None => kind,
    }
}

/// Position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Fails when `produced` bytes from `consumed` compressed bytes exceed the ratio limit.
fn check_ratio(
    what: &str,
    produced: u64,
    consumed: u64,
    limits: &LocalLimits,
) -> Result<(), LocalError> {
    if produced > RATIO_FLOOR_BYTES && produced / consumed.max(1) > limits.max_compression_ratio {
        return Err(LocalError::CompressionRatio {
            what: what.to_owned(),
            limit: limits.max_compression_ratio,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic_bytes_not_by_name() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(Format::Zip));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Format::Jpeg));
        assert_eq!(sniff(b"\r\n%PDF-1.7\n"), Some(Format::Pdf));
        assert_eq!(
            sniff(b"\xEF\xBB\xBF\n <?xml version=\"1.0\"?>"),
            Some(Format::Xml)
        );
        assert_eq!(sniff(b"<EInvoice>"), Some(Format::Xml));
        assert_eq!(sniff(b"< not xml"), None);
        assert_eq!(sniff(b"GIF89a"), None);
    }

    #[test]
    fn unknown_and_oversized_inputs_are_refused_clearly() {
        let limits = LocalLimits::default();
        let err = recognize(b"GIF89a....", Some("x.gif"), &limits).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported input: x.gif: GIF image; the local backend reads OFD, PDF, XML (数电 \
             e-invoice, e-ticket XBRL), PNG and JPEG"
        );
        let err = recognize(&[1, 2, 3], None, &limits).unwrap_err();
        assert!(err.to_string().contains("starts with 01 02 03"), "{err}");
        assert!(matches!(
            recognize(b"", None, &limits),
            Err(LocalError::Unsupported { .. })
        ));
        let small = LocalLimits {
            max_input_bytes: 4,
            ..LocalLimits::default()
        };
        assert_eq!(
            recognize(b"%PDF-1.4", None, &small),
            Err(LocalError::InputTooLarge { size: 8, limit: 4 })
        );
    }

    #[test]
    fn ratio_check_spares_small_outputs() {
        let limits = LocalLimits::default();
        assert!(check_ratio("a", 1000 * 1000, 1, &limits).is_ok());
        assert!(check_ratio("a", 300 << 20, 1 << 20, &limits).is_err());
        assert!(check_ratio("a", 100 << 20, 1 << 20, &limits).is_ok());
    }
}
