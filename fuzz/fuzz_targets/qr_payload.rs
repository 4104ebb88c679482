//! The invoice QR payload parser, and everything derived from a parsed payload.
#![no_main]

use fapiao::domain::qr::QrPayload;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(qr) = QrPayload::parse(text) else {
        return;
    };
    let _ = qr.kind();
    let _ = qr.amount_meaning();
    let invoice = qr.to_invoice();
    let _ = invoice.validate();
    let _ = invoice.validate_with_qr(&qr);
});
