//! Unified input → request field values. Generated `from_input` code calls one function per
//! field according to the field's `input:` in the spec.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{FileFormat, Input, InputKind};

fn base64_if(input: &Input, accept: impl Fn(FileFormat) -> bool) -> Option<String> {
    let file = input.file.as_ref()?;
    match input.format {
        Some(f) if !accept(f) => None,
        _ => Some(STANDARD.encode(file)),
    }
}

/// Base64 of the file, whatever its format.
pub fn file_base64(input: &Input) -> Option<String> {
    base64_if(input, |_| true)
}

/// Base64 of the file when it is an image.
pub fn image_base64(input: &Input) -> Option<String> {
    base64_if(input, |f| InputKind::ImageBase64.admits(f))
}

/// Base64 of the file when it is a PDF.
pub fn pdf_base64(input: &Input) -> Option<String> {
    input.file.as_ref()?;
    input
        .format
        .is_some_and(|f| InputKind::PdfBase64.admits(f))
        .then(|| file_base64(input))
        .flatten()
}

/// Base64 of the file when it is an OFD.
pub fn ofd_base64(input: &Input) -> Option<String> {
    input.file.as_ref()?;
    input
        .format
        .is_some_and(|f| InputKind::OfdBase64.admits(f))
        .then(|| file_base64(input))
        .flatten()
}

/// The file bytes.
pub fn file_bytes(input: &Input) -> Option<Vec<u8>> {
    input.file.clone()
}

/// The URL to download the file from.
pub fn file_url(input: &Input) -> Option<String> {
    input.url.clone()
}

/// `true` when the file is a PDF (nothing otherwise: vendors default to "not a PDF").
pub fn is_pdf(input: &Input) -> Option<bool> {
    (input.format == Some(FileFormat::Pdf)).then_some(true)
}

/// The 1-based page to recognise, when one was asked for.
pub fn page(input: &Input) -> Option<i64> {
    input.page.map(i64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(format: FileFormat) -> Input {
        Input {
            file: Some(b"abc".to_vec()),
            format: Some(format),
            url: None,
            page: Some(2),
        }
    }

    #[test]
    fn format_specific_inputs_follow_the_sniffed_format() {
        let png = input(FileFormat::Png);
        assert_eq!(file_base64(&png).as_deref(), Some("YWJj"));
        assert_eq!(image_base64(&png).as_deref(), Some("YWJj"));
        assert_eq!(pdf_base64(&png), None);
        assert_eq!(is_pdf(&png), None);
        let pdf = input(FileFormat::Pdf);
        assert_eq!(image_base64(&pdf), None);
        assert_eq!(pdf_base64(&pdf).as_deref(), Some("YWJj"));
        assert_eq!(is_pdf(&pdf), Some(true));
        assert_eq!(page(&pdf), Some(2));
        assert_eq!(ofd_base64(&input(FileFormat::Ofd)).as_deref(), Some("YWJj"));
    }
}
