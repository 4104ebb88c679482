//! The invoice QR payload parser (comma form and links), and everything derived from a
//! parsed payload.
#![no_main]

use fapiao::domain::qr::InvoiceQr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(qr) = InvoiceQr::parse(text) else {
        return;
    };
    if let InvoiceQr::Vat(vat) = &qr {
        let _ = vat.kind();
        let _ = vat.amount_meaning();
    }
    let invoice = qr.to_invoice();
    let _ = invoice.validate();
    let _ = invoice.validate_with_qr(&qr);
});
