//! `Invoice::validate` on any invoice JSON deserialises to, and the serialise → deserialise
//! round trip of such invoices.
#![no_main]

use fapiao::Invoice;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(invoice) = serde_json::from_slice::<Invoice>(data) else {
        return;
    };
    let _ = invoice.validate();
    let json = serde_json::to_vec(&invoice).expect("an invoice always serialises");
    let again: Invoice = serde_json::from_slice(&json).expect("serialised invoices read back");
    assert_eq!(again, invoice);
});
