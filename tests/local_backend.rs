//! The offline `local` backend end to end: real samples (when `../shared/samples` exists).

use std::path::Path;

use fapiao::InvoiceKind;
use fapiao::local::{LocalLimits, recognize};
use rust_decimal::Decimal;

fn sample(name: &str) -> Option<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/samples")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            println!("skipping: {} not readable ({e})", path.display());
            None
        }
    }
}

fn money(s: &str) -> Option<Decimal> {
    s.parse().ok()
}

#[test]
fn samples_dump() {
    for name in [
        "einvoice-zhejiang-2020.ofd",
        "digital-special-2024.ofd",
        "train-ticket-qr.png",
    ] {
        let Some(bytes) = sample(name) else { continue };
        let inv = recognize(&bytes, Some(name), &LocalLimits::default()).unwrap();
        println!("{name}: {}", serde_json::to_string_pretty(&inv).unwrap());
    }
    let _ = (money("1"), InvoiceKind::Unknown);
}
