//! Golden files: every success example of a spec maps to the `Invoice` JSON checked in under
//! `tests/golden/`, and `generated/invoice.schema.json` is the current schema of the model.
//!
//! After an intended change, rewrite them with `UPDATE_GOLDEN=1 cargo test --test golden`.

mod example_support;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use example_support::example_invoices;
use fapiao::api::registry;
use fapiao::{Invoice, InvoiceKind, TaxRate};
use rust_decimal::Decimal;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check_file(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with UPDATE_GOLDEN=1 cargo test --test golden",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} is stale; if the change is intended run UPDATE_GOLDEN=1 cargo test --test golden\n--- now ---\n{actual}",
        path.display()
    );
}

#[test]
fn every_example_maps_to_its_golden_invoice() {
    for api in registry() {
        let d = api.descriptor();
        for ex in d.examples.iter().filter(|e| !e.is_error()) {
            let json =
                serde_json::to_string_pretty(&example_invoices(d.id, ex.name)).expect("serialises");
            check_file(
                &root().join(format!("tests/golden/{}.{}.json", d.id, ex.name)),
                &format!("{json}\n"),
            );
        }
    }
}

#[test]
fn tencent_vat_invoice_ocr_seed_maps_to_the_printed_invoice() {
    let all = example_invoices("tencent.vat_invoice_ocr", "seed");
    assert_eq!(all.len(), 1);
    let inv = &all[0];
    assert_eq!(inv.kind, InvoiceKind::VatElectronicGeneral);
    assert_eq!(inv.code.as_deref(), Some("012001100311"));
    assert_eq!(inv.number.as_deref(), Some("63591128"));
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2019, 6, 16));
    assert_eq!(inv.total, Some(Decimal::new(8990, 2)));
    assert_eq!(inv.amount, Some(Decimal::new(8728, 2)));
    assert_eq!(inv.tax, Some(Decimal::new(262, 2)));
    assert_eq!(inv.total_in_words.as_deref(), Some("捌拾玖圆玖角整"));
    assert_eq!(inv.items.len(), 1);
    assert_eq!(inv.items[0].name.as_deref(), Some("客运服务费"));
    assert_eq!(
        inv.items[0].tax_rate,
        Some(TaxRate::Percent(Decimal::new(3, 0)))
    );
    assert_eq!(inv.seller.name.as_deref(), Some("深圳腾讯游戏有限公司"));
    assert!(
        inv.cipher_text
            .as_deref()
            .is_some_and(|c| c.starts_with("033-<<>7>616"))
    );
    assert!(inv.mapping_issues.is_empty(), "{:?}", inv.mapping_issues);
    let prov = &inv.provenance["code"];
    assert_eq!(prov.field, "VatInvoiceInfos[Name=发票代码]");
    assert!(prov.polygon.is_some(), "label polygons become provenance");
}

#[test]
fn invoice_json_schema_is_current() {
    let schema = schemars::schema_for!(Invoice);
    let json = serde_json::to_string_pretty(&schema).expect("serialises");
    check_file(
        &root().join("generated/invoice.schema.json"),
        &format!("{json}\n"),
    );
}
