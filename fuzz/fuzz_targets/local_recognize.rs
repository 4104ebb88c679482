//! The offline backend on raw file bytes: magic-byte sniffing, then the OFD (zip), PDF or
//! PNG/JPEG QR reader, under limits small enough to keep each run fast.
#![no_main]

use fapiao::local::{LocalLimits, recognize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = LocalLimits {
        max_input_bytes: 1 << 20,
        max_uncompressed_bytes: 8 << 20,
        max_image_pixels: 4_000_000,
        ..LocalLimits::default()
    };
    if let Ok(invoices) = recognize(data, Some("fuzz.bin"), &limits) {
        for invoice in &invoices {
            let _ = invoice.validate();
        }
    }
});
