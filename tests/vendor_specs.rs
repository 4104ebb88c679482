//! What the Baidu, Alibaba Cloud and Huawei Cloud specs promise beyond the generic tests: each
//! example invoice reads as printed — the naming traps of the research notes (§X) mapped the
//! right way round — and passes validation, and each vendor's transport quirk survives a round
//! trip from the client through the sandbox.

mod example_support;

use std::io::Cursor;

use chrono::NaiveDate;
use example_support::example_invoices;
use fapiao::api::{Api, ErrorKind, Input};
use fapiao::auth::{self, AuthScheme, Credentials, HttpRequest, VerifyContext};
use fapiao::client::{Client, ClientBuilder, RetryPolicy};
use fapiao::sandbox::{Sandbox, SandboxConfig};
use fapiao::validate::Severity;
use fapiao::{Invoice, InvoiceKind, TaxRate};
use rust_decimal::Decimal;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

/// A blank PNG of `side` × `side` pixels.
fn png(side: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::RgbImage::new(side, side)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encodes");
    out.into_inner()
}

fn money(cents: i64) -> Option<Decimal> {
    Some(Decimal::new(cents, 2))
}

fn percent(rate: i64) -> Option<TaxRate> {
    Some(TaxRate::Percent(Decimal::new(rate, 0)))
}

/// A sandbox accepting `credentials` for `api_id`, and a client pointed at it with them,
/// retrying as `retry` says.
async fn sandbox_and_client(
    api_id: &str,
    credentials: &[(&str, &str)],
    retry: RetryPolicy,
) -> (Sandbox, Client) {
    let config = credentials.iter().fold(
        SandboxConfig::new().environment(|_| None),
        |config, (name, value)| config.credential(api_id, name, *value),
    );
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let builder: ClientBuilder = credentials.iter().fold(
        Client::builder()
            .no_config_file()
            .environment(|_| None)
            .retry(retry)
            .qps(api_id, 1000.0)
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
        RetryPolicy::never(),
    )
    .await;
    let input = Input {
        url: Some("https://example.com/invoice.png?size=large&v=2".to_owned()),
        ..Input::default()
    };
    let request = client.prepare::<RecognizeInvoice>(&input).expect("request");
    let response = client
        .call::<RecognizeInvoice>(&request)
        .await
        .expect("call");
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
    assert_eq!(
        RecognizeInvoice::DESCRIPTOR.response.request_id,
        Some("RequestId")
    );
}

// ---------------------------------------------------------------------------------------------
// Huawei Cloud RecognizeVatInvoice.

const HUAWEI: &str = "huawei.recognize_vat_invoice";

#[test]
fn huawei_kinds_come_from_the_english_enum_and_totals_from_the_subtotals() {
    let inv = single_valid_invoice(HUAWEI, "seed");
    assert_eq!(inv.kind, InvoiceKind::VatSpecial);
    assert_eq!(inv.title.as_deref(), Some("北京增值税专用发票"));
    assert_eq!(inv.code.as_deref(), Some("1100222130"));
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2023, 3, 15));
    assert_eq!(
        inv.check_code, None,
        "专票 have no check code: an empty string"
    );
    assert_eq!(inv.amount, money(234956));
    assert_eq!(inv.tax, money(30544));
    assert_eq!(inv.total, money(265500));
    assert_eq!(inv.total_in_words.as_deref(), Some("贰仟陆佰伍拾伍圆整"));
    let names: Vec<_> = inv.items.iter().map(|i| i.name.as_deref()).collect();
    assert_eq!(names, [Some("*纸制品*A4复印纸"), Some("*办公用品*墨盒")]);
    assert_eq!(inv.items[1].spec.as_deref(), Some("HP 803"));
    assert_eq!(inv.items[1].unit_price, money(21239));
    assert_eq!(
        inv.seals.supervision_text.as_deref(),
        Some("全国统一发票监制章; 国家税务总局北京市税务局")
    );
}

/// POSTs a form body to `target` at `addr` over a fresh connection: the status and body.
async fn post_form(addr: std::net::SocketAddr, target: &str, body: &str) -> (u16, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    let request = format!(
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("reads");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let status = String::from_utf8_lossy(&answer[..split])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    (status, answer[split + 4..].to_vec())
}

/// Answers one request on `listener` with `body` and an `X-Request-Id`, and returns the request
/// as a gateway sees it.
async fn answer_once(listener: tokio::net::TcpListener, body: &'static str) -> HttpRequest {
    let (mut stream, _) = listener.accept().await.expect("accept");
    let mut received = Vec::new();
    let (head_len, content_length, request) = loop {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the client closed before a whole head");
        received.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut head = httparse::Request::new(&mut headers);
        if let httparse::Status::Complete(len) = head.parse(&received).expect("HTTP") {
            let host = head
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("host"));
            let host = String::from_utf8_lossy(host.expect("Host").value).into_owned();
            let mut request = HttpRequest::new(
                head.method.expect("method"),
                format!("http://{host}{}", head.path.expect("path")),
            );
            for h in head.headers.iter() {
                request = request.with_header(h.name, String::from_utf8_lossy(h.value));
            }
            let length = request
                .header("content-length")
                .map_or(0, |v| v.parse().unwrap());
            break (len, length, request);
        }
    };
    while received.len() < head_len + content_length {
        let mut chunk = [0u8; 65536];
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the client closed before the whole body");
        received.extend_from_slice(&chunk[..n]);
    }
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: hw-req-42\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(answer.as_bytes()).await.expect("write");
    request.with_body(received[head_len..].to_vec())
}

#[tokio::test]
async fn huawei_sends_the_project_in_the_signed_path_asks_for_advanced_fields_and_reads_the_header_id()
 {
    use fapiao::apis::huawei::recognize_vat_invoice::RecognizeVatInvoice;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let seed = RecognizeVatInvoice::DESCRIPTOR.examples[0].json;
    let server = tokio::spawn(answer_once(listener, seed));
    let credentials = Credentials::new()
        .with("access_key", "HWSANDBOXAKEXAMPLE01")
        .with("secret_key", "huawei-secret-key-example-01")
        .with("project_id", "0b5f1c2d3e4f40a1b2c3d4e5f6a7b8c9");
    let client = credentials
        .names()
        .fold(
            Client::builder()
                .no_config_file()
                .environment(|_| None)
                .retry(RetryPolicy::never())
                .endpoint(HUAWEI, &base),
            |builder, name| {
                builder.credential(HUAWEI, name, credentials.get(name).unwrap().clone())
            },
        )
        .build()
        .expect("client");

    let file = Input {
        file: Some(png(120)),
        ..Input::default()
    };
    let request = client
        .prepare::<RecognizeVatInvoice>(&file)
        .expect("request");
    let response = client
        .call::<RecognizeVatInvoice>(&request)
        .await
        .expect("call");
    assert_eq!(response.request_id.as_deref(), Some("hw-req-42"));
    assert_eq!(response.payload.r#type.as_deref(), Some("special"));

    let sent = server.await.expect("server");
    assert_eq!(sent.method, "POST");
    assert!(
        sent.url
            .ends_with("/v2/0b5f1c2d3e4f40a1b2c3d4e5f6a7b8c9/ocr/vat-invoice"),
        "{}",
        sent.url
    );
    let body: serde_json::Value = serde_json::from_slice(&sent.body).expect("JSON body");
    assert_eq!(body["advanced_mode"], serde_json::Value::Bool(true));
    assert!(body["image"].as_str().is_some_and(|b| !b.is_empty()));
    let verified = auth::verify(
        AuthScheme::HuaweiSdkHmacSha256,
        &sent,
        &VerifyContext {
            params: &[],
            credentials: &credentials,
            now: chrono::Utc::now(),
            max_skew: chrono::Duration::minutes(5),
        },
    );
    assert_eq!(verified, Ok(()));
}

// ---------------------------------------------------------------------------------------------
// Baidu AI Cloud vat_invoice.

const BAIDU: &str = "baidu.vat_invoice";

#[test]
fn baidu_total_amount_is_the_pre_tax_sum_and_columns_pivot_into_line_items() {
    let inv = single_valid_invoice(BAIDU, "seed");
    assert_eq!(inv.kind, InvoiceKind::VatElectronicGeneral);
    assert_eq!(inv.title.as_deref(), Some("浙江增值税电子普通发票"));
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2021, 8, 20));
    // `TotalAmount` 1026.55 + `TotalTax` 63.45 = `AmountInFiguers` 1090.00.
    assert_eq!(inv.amount, money(102655));
    assert_eq!(inv.tax, money(6345));
    assert_eq!(inv.total, money(109000));
    assert_eq!(inv.provenance["amount"].field, "words_result.TotalAmount");
    assert_eq!(
        inv.provenance["total"].field,
        "words_result.AmountInFiguers"
    );
    // Two rows; row 1's name arrived as two cells, and `CommodityType` is the specification.
    assert_eq!(inv.items.len(), 2);
    assert_eq!(
        inv.items[0].name.as_deref(),
        Some("*信息技术服务*软件开发服务费")
    );
    assert_eq!(inv.items[0].spec.as_deref(), Some("V2.0"));
    assert_eq!(inv.items[1].spec.as_deref(), Some("0.5mm"));
    assert_eq!(inv.items[1].tax_rate, percent(13));
    assert_eq!(inv.seals.company, Some(true));
    assert_eq!(
        inv.extra.get("log_id"),
        Some(&serde_json::json!(1_658_382_629_117_362_483_i64))
    );
}

#[tokio::test]
async fn baidu_calls_share_one_sandbox_token_and_fetch_another_after_110() {
    use fapiao::apis::baidu::vat_invoice::VatInvoice;
    use fapiao::sandbox::Fault;
    let fast_retry = RetryPolicy {
        initial_backoff: std::time::Duration::from_millis(1),
        max_backoff: std::time::Duration::from_millis(2),
        ..RetryPolicy::default()
    };
    let (sandbox, client) = sandbox_and_client(
        BAIDU,
        &[
            ("api_key", "baidu-sandbox-api-key"),
            ("secret_key", "baidu-sandbox-secret-key"),
        ],
        fast_retry,
    )
    .await;
    let file = Input {
        file: Some(png(40)),
        ..Input::default()
    };
    let request = client.prepare::<VatInvoice>(&file).expect("request");
    for _ in 0..2 {
        let response = client.call::<VatInvoice>(&request).await.expect("call");
        let id = response.request_id.expect("a log_id");
        assert!(
            id.bytes().all(|b| b.is_ascii_digit()),
            "integer log_id {id}"
        );
    }
    assert_eq!(sandbox.stats().tokens_issued, 1);

    // The sandbox answers 110 once: the client drops the token, and its retry gets a new one.
    sandbox.push_fault(Fault::Code("110".to_owned()));
    let response = client.call::<VatInvoice>(&request).await.expect("retried");
    assert_eq!(response.attempts, 2);
    let stats = sandbox.stats();
    assert_eq!(stats.tokens_issued, 2);
    assert_eq!(
        (
            stats.apis[BAIDU].successes,
            stats.apis[BAIDU].failures.get("110")
        ),
        (3, Some(&1))
    );
}

#[tokio::test]
async fn baidu_calls_without_a_token_the_sandbox_issued_get_100_or_110() {
    use base64::Engine;
    let (sandbox, _) = sandbox_and_client(
        BAIDU,
        &[("api_key", "baidu-key"), ("secret_key", "baidu-secret")],
        RetryPolicy::never(),
    )
    .await;
    let path = "/rest/2.0/ocr/v1/vat_invoice";
    let image = base64::engine::general_purpose::STANDARD.encode(png(40));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("image", &image)
        .finish();
    let error_code = async |target: &str| {
        let (status, answer) = post_form(sandbox.addr(), target, &body).await;
        assert_eq!(status, 200, "Baidu reports errors in the body");
        let json: serde_json::Value = serde_json::from_slice(&answer).expect("JSON");
        json["error_code"].clone()
    };
    assert_eq!(error_code(path).await, serde_json::json!(100));
    let forged = format!("{path}?access_token=24.0123456789abcdef0123456789abcdef.2592000.1.x");
    assert_eq!(error_code(&forged).await, serde_json::json!(110));
    assert_eq!(sandbox.stats().apis[BAIDU].successes, 0);
}
