//! Decode + map cost per response, against baselines measured in the same run:
//!
//! - **floor**: decoding the same bytes into the generated types only (`Api::decode`, one
//!   `serde_json::from_slice` into typed structs) — what any typed client must pay;
//! - **by hand**: `serde_json::Value` plus hand-written lookups building an `Invoice` — what an
//!   integrator writes without fapiao;
//! - **Value parse alone**: the first step of any by-hand mapping, which bounds how much faster
//!   than by hand a typed decoder can be.
//!
//! Run with `cargo bench --bench decode_map`; instruction counts with
//! `benches/callgrind.sh decode_map <filter>`. Targets (PERFORMANCE.md): fapiao ≤ 1.3× the
//! floor and ≥ 3× faster than by hand.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;
use std::str::FromStr;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fapiao::api::wire::wrap_example;
use fapiao::api::{Api, Reply, ToInvoices};
use fapiao::apis::{jdcloud, tencent};
use fapiao::{Invoice, LineItem, TaxRate};
use rust_decimal::Decimal;
use serde_json::Value;
use support::Group;

/// The wire response of a spec example.
fn body<A: Api>(example: &str) -> Vec<u8> {
    let d = A::DESCRIPTOR;
    let ex = d
        .examples
        .iter()
        .find(|e| e.name == example)
        .expect("example exists");
    serde_json::to_vec(&wrap_example(d, ex).expect("example is JSON")).expect("serialises")
}

fn floor<A: Api>(bytes: &[u8]) -> usize {
    match A::decode(bytes).expect("decodes") {
        Reply::Success { payload, .. } => std::mem::size_of_val(&payload),
        Reply::Failure(_) => 0,
    }
}

fn fapiao_map<A: Api>(bytes: &[u8]) -> Vec<Invoice> {
    match A::decode(bytes).expect("decodes") {
        Reply::Success { payload, .. } => payload.to_invoices(),
        Reply::Failure(_) => Vec::new(),
    }
}

// ---------------------------------------------------------------- hand-written baselines

/// What every by-hand mapping pays before its first lookup: by hand ÷ fapiao can exceed
/// this ÷ floor only by what the lookups cost.
fn value_parse(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("JSON")
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn money(v: &Value) -> Option<Decimal> {
    let s = v
        .as_str()?
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元');
    Decimal::from_str(s).ok()
}

fn date_cn(v: &Value) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v.as_str()?, "%Y年%m月%d日").ok()
}

/// Tencent VatInvoiceOCR / icuapi: `VatInvoiceInfos` looked up by `Name`.
fn by_hand_vat(bytes: &[u8]) -> Vec<Invoice> {
    let doc: Value = serde_json::from_slice(bytes).expect("JSON");
    let resp = &doc["Response"];
    let infos = resp["VatInvoiceInfos"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let label = |name: &str| {
        infos
            .iter()
            .find(|e| e["Name"] == name)
            .map(|e| e["Value"].clone())
            .unwrap_or(Value::Null)
    };
    let mut inv = Invoice {
        title: text(&label("发票名称")),
        code: text(&label("发票代码")),
        number: text(&label("发票号码")).map(|n| n.trim_start_matches("No").to_owned()),
        date: date_cn(&label("开票日期")),
        check_code: text(&label("校验码")),
        machine_code: text(&label("机器编号")),
        amount: money(&label("合计金额")),
        tax: money(&label("合计税额")),
        total: money(&label("小写金额")),
        total_in_words: text(&label("价税合计(大写)")),
        payee: text(&label("收款人")),
        reviewer: text(&label("复核")),
        issuer: text(&label("开票人")),
        ..Invoice::default()
    };
    inv.buyer.name = text(&label("购买方名称"));
    inv.buyer.tax_id = text(&label("购买方识别号"));
    inv.seller.name = text(&label("销售方名称"));
    inv.seller.tax_id = text(&label("销售方识别号"));
    for item in resp["Items"].as_array().into_iter().flatten() {
        inv.items.push(LineItem {
            name: text(&item["Name"]),
            quantity: money(&item["Quantity"]),
            unit_price: money(&item["UnitPrice"]),
            amount: money(&item["AmountWithoutTax"]),
            tax_rate: item["TaxRate"]
                .as_str()
                .and_then(|r| TaxRate::from_str(r).ok()),
            tax: money(&item["TaxAmount"]),
            ..LineItem::default()
        });
    }
    vec![inv]
}

/// Tencent RecognizeGeneralInvoice: the non-null member of each `SingleInvoiceInfos`.
fn by_hand_general(bytes: &[u8]) -> Vec<Invoice> {
    let doc: Value = serde_json::from_slice(bytes).expect("JSON");
    let mut out = Vec::new();
    for item in doc["Response"]["MixedInvoiceItems"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(Value::Object(members)) = item.get("SingleInvoiceInfos") else {
            continue;
        };
        let Some(v) = members.values().find(|v| !v.is_null()) else {
            continue;
        };
        let mut inv = Invoice {
            code: text(&v["Code"]),
            number: text(&v["Number"]),
            total: money(&v["Total"]),
            amount: money(&v["PretaxAmount"]),
            tax: money(&v["Tax"]),
            date: date_cn(&v["Date"]),
            qr_payload: text(&item["QRCode"]),
            ..Invoice::default()
        };
        inv.buyer.tax_id = text(&v["BuyerTaxID"]);
        inv.seller.tax_id = text(&v["SellerTaxID"]);
        inv.ticket.train_number = text(&v["TrainNumber"]);
        for line in v["VatInvoiceItemInfos"].as_array().into_iter().flatten() {
            inv.items.push(LineItem {
                name: text(&line["Name"]),
                amount: money(&line["Total"]),
                tax_rate: line["TaxRate"]
                    .as_str()
                    .and_then(|r| TaxRate::from_str(r).ok()),
                ..LineItem::default()
            });
        }
        out.push(inv);
    }
    out
}

/// JD ocr_invoice: fields at `result.result`.
fn by_hand_jd(bytes: &[u8]) -> Vec<Invoice> {
    let doc: Value = serde_json::from_slice(bytes).expect("JSON");
    let r = &doc["result"]["result"];
    let mut inv = Invoice {
        code: text(&r["code"]),
        number: text(&r["invoice_no"]),
        date: r["invoice_date"]
            .as_str()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok()),
        amount: money(&r["invoice_amount"]),
        tax: money(&r["tax_amount"]),
        total: money(&r["total_amount"]),
        check_code: text(&r["verify_code"]),
        ..Invoice::default()
    };
    inv.buyer.name = text(&r["buyer_name"]);
    inv.buyer.tax_id = text(&r["buyer_tax_no"]);
    inv.seller.name = text(&r["saler_name"]);
    inv.seller.tax_id = text(&r["saler_tax_no"]);
    vec![inv]
}

/// Tencent legacy: `data.items` looked up by `item`.
fn by_hand_legacy(bytes: &[u8]) -> Vec<Invoice> {
    let doc: Value = serde_json::from_slice(bytes).expect("JSON");
    let items = doc["data"]["items"].as_array().cloned().unwrap_or_default();
    let label = |name: &str| {
        items
            .iter()
            .find(|e| e["item"] == name)
            .map(|e| e["itemstring"].clone())
            .unwrap_or(Value::Null)
    };
    vec![Invoice {
        title: text(&label("发票名称")),
        code: text(&label("发票代码")),
        number: text(&label("发票号码")),
        date: date_cn(&label("开票日期")),
        total: money(&label("小写金额")),
        ..Invoice::default()
    }]
}

fn group<A: Api>(c: &mut Criterion, name: &str, example: &str, by_hand: fn(&[u8]) -> Vec<Invoice>) {
    let bytes = body::<A>(example);
    assert!(
        !fapiao_map::<A>(&bytes).is_empty(),
        "{name} maps to invoices"
    );
    let mut g = Group::new(c, format!("decode_map/{name}"));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench("floor (typed decode)", || floor::<A>(black_box(&bytes)));
    g.bench("fapiao (decode + to_invoices)", || {
        fapiao_map::<A>(black_box(&bytes))
    });
    g.bench("by hand (Value + lookups)", || by_hand(black_box(&bytes)));
    g.bench("Value parse alone", || value_parse(black_box(&bytes)));
    g.finish();
}

fn benches(c: &mut Criterion) {
    group::<tencent::vat_invoice_ocr::VatInvoiceOcr>(
        c,
        "tencent.vat_invoice_ocr",
        "seed",
        by_hand_vat,
    );
    group::<tencent::recognize_general_invoice::RecognizeGeneralInvoice>(
        c,
        "tencent.recognize_general_invoice (3 documents)",
        "seed",
        by_hand_general,
    );
    group::<jdcloud::ocr_invoice::OcrInvoice>(c, "jdcloud.ocr_invoice", "seed", by_hand_jd);
    group::<tencent::invoice_legacy::InvoiceLegacy>(
        c,
        "tencent.invoice_legacy",
        "seed",
        by_hand_legacy,
    );
}

criterion_group!(decode_map, benches);
criterion_main!(decode_map);
