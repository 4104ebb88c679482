//! What the Baidu, Alibaba Cloud and Huawei Cloud specs promise beyond the generic tests: each
//! example invoice reads as printed — the naming traps of the research notes (§X) mapped the
//! right way round — and passes validation, and each vendor's transport quirk survives a round
//! trip from the client through the sandbox.

use chrono::NaiveDate;
use fapiao::api::wire::wrap_example;
use fapiao::api::{Api, ErrorKind, Input, Reply, find};
use fapiao::client::{Client, ClientBuilder, RetryPolicy};
use fapiao::sandbox::{Sandbox, SandboxConfig};
use fapiao::validate::Severity;
use fapiao::{Invoice, InvoiceKind, TaxRate};
use rust_decimal::Decimal;

/// The invoices of one success example, as the generated decoder and mapping read it.
fn example_invoices(api_id: &str, example: &str) -> Vec<Invoice> {
    let api = find(api_id).unwrap_or_else(|| panic!("{api_id} is registered"));
    let d = api.descriptor();
    let ex = d
        .examples
        .iter()
        .find(|e| e.name == example)
        .unwrap_or_else(|| panic!("{api_id} has example {example}"));
    let body = serde_json::to_vec(&wrap_example(d, ex).expect("JSON")).expect("body");
    match api.decode_invoices(&body).expect("decodes") {
        Reply::Success { payload, .. } => payload,
        Reply::Failure(f) => panic!("{api_id} {example}: {f:?}"),
    }
}

/// The only invoice of an example, which must map and validate without an error.
fn single_valid_invoice(api_id: &str, example: &str) -> Invoice {
    let [invoice]: [Invoice; 1] = example_invoices(api_id, example)
        .try_into()
        .expect("one invoice");
    assert!(
        invoice.mapping_issues.is_empty(),
        "{api_id} {example}: {:?}",
        invoice.mapping_issues
    );
    let errors: Vec<_> = invoice
        .validate()
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{api_id} {example}: {errors:?}");
    invoice
}

fn money(cents: i64) -> Option<Decimal> {
    Some(Decimal::new(cents, 2))
}

fn percent(rate: i64) -> Option<TaxRate> {
    Some(TaxRate::Percent(Decimal::new(rate, 0)))
}

/// A sandbox accepting `credentials` for `api_id`, and a client pointed at it with them.
async fn sandbox_and_client(api_id: &str, credentials: &[(&str, &str)]) -> (Sandbox, Client) {
    let config = credentials.iter().fold(
        SandboxConfig::new().environment(|_| None),
        |config, (name, value)| config.credential(api_id, name, *value),
    );
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let builder: ClientBuilder = credentials.iter().fold(
        Client::builder()
            .no_config_file()
            .environment(|_| None)
            .retry(RetryPolicy::never())
            .endpoint(api_id, sandbox.base_url()),
        |builder, (name, value)| builder.credential(api_id, name, *value),
    );
    (sandbox, builder.build().expect("client"))
}

// ---------------------------------------------------------------------------------------------
// Alibaba Cloud RecognizeInvoice.

const ALIYUN: &str = "aliyun.recognize_invoice";

#[test]
fn aliyun_total_amount_is_the_total_including_tax() {
    let inv = single_valid_invoice(ALIYUN, "seed");
    assert_eq!(inv.kind, InvoiceKind::VatElectronicGeneral);
    assert_eq!(inv.code.as_deref(), Some("031001600211"));
    assert_eq!(inv.number.as_deref(), Some("67516978"));
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2017, 2, 12));
    // `invoiceAmountPreTax` 75.21 + `invoiceTax` 12.79 = `totalAmount` 88.00.
    assert_eq!(inv.amount, money(7521));
    assert_eq!(inv.tax, money(1279));
    assert_eq!(inv.total, money(8800));
    assert_eq!(inv.provenance["total"].field, "data.totalAmount");
    assert_eq!(inv.items.len(), 1);
    assert_eq!(inv.items[0].tax_rate, percent(17));
    assert_eq!(inv.items[0].amount, money(7521));
}

#[tokio::test]
async fn aliyun_sends_a_url_in_the_signed_query_with_an_empty_body() {
    use fapiao::apis::aliyun::recognize_invoice::{ErrorCode, RecognizeInvoice};
    let (sandbox, client) = sandbox_and_client(
        ALIYUN,
        &[
            ("access_key_id", "LTAI5tSandboxKeyId"),
            ("access_key_secret", "sandbox-access-key-secret"),
        ],
    )
    .await;
    let input = Input {
        url: Some("https://example.com/invoice.png?size=large&v=2".to_owned()),
        ..Input::default()
    };
    let request = client.prepare::<RecognizeInvoice>(&input).expect("request");
    let response = client.call::<RecognizeInvoice>(&request).await.expect("call");
    assert!(response.payload.data.is_some());
    let stats = &sandbox.stats().apis[ALIYUN];
    assert_eq!((stats.requests, stats.successes), (1, 1));

    // Neither a body nor a Url: the vendor's own code, typed.
    let empty = client
        .call::<RecognizeInvoice>(&Default::default())
        .await
        .expect_err("nothing to recognise");
    assert_eq!(
        empty.vendor_code::<ErrorCode>(),
        Some(ErrorCode::IllegalImageContent)
    );
    assert_eq!(empty.kind(), ErrorKind::BadInput);
    assert_eq!(empty.http_status(), Some(400));
    assert_eq!(RecognizeInvoice::DESCRIPTOR.response.request_id, Some("RequestId"));
}
