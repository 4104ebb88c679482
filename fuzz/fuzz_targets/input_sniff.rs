//! Client-side input checks: format sniffing, and header-only image dimensions for every
//! format (not just the sniffed one, so each header reader sees every input).
#![no_main]

use fapiao::api::FileFormat;
use fapiao::client::input_check::{image_dimensions, sniff_format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sniff_format(data);
    for format in FileFormat::ALL {
        let _ = image_dimensions(data, *format);
    }
});
