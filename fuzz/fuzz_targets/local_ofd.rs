//! The OFD reader, structure-aware: the input is the package's XML parts (see
//! `fapiao_fuzz::OFD_PARTS`), zipped here so mutations land in the XML, not in zip CRCs.
#![no_main]

use fapiao::local::{LocalLimits, recognize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let package = fapiao_fuzz::ofd_package(&fapiao_fuzz::split_parts(data));
    let limits = LocalLimits {
        max_image_pixels: 4_000_000,
        ..LocalLimits::default()
    };
    if let Ok(invoices) = recognize(&package, Some("fuzz.ofd"), &limits) {
        for invoice in &invoices {
            let _ = invoice.validate();
        }
    }
});
