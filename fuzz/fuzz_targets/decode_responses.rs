//! Every generated response decoder, on the same body: typed decode → invoices (and their
//! validation), and decode → re-serialised payload.
#![no_main]

use fapiao::api::{Reply, registry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for api in registry() {
        if let Ok(Reply::Success { payload, .. }) = api.decode_invoices(data) {
            for invoice in &payload {
                let _ = invoice.validate();
                let _ = serde_json::to_string(invoice);
            }
        }
        let _ = api.decode_value(data);
    }
});
