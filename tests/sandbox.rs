//! The sandbox against the real client and against hand-signed requests, for every API in the
//! registry: example invoices served, every declared error code delivered typed, retries of
//! retryable faults only, auth failures with the spec's codes, request validation with the
//! spec's emulation codes, transport faults as the client's typed errors, counters, routing,
//! and the loopback-only bind.

mod hardening_support;

use std::net::SocketAddr;
use std::time::Duration;

use fapiao::Invoice;
use fapiao::api::wire::{request_id_value, set_path, wrap_example};
use fapiao::api::{
    Api, ApiDescriptor, BodyEncoding, DynApi, EncodedRequest, ErrorInfo, ErrorKind, FileFormat,
    Input, Reply, VendorErrorCode, registry,
};
use fapiao::auth::{self, AuthScheme, Credentials, HttpRequest, SignContext};
use fapiao::client::{Client, ClientBuilder, Error, RetryPolicy};
use fapiao::sandbox::{Fault, FaultPlan, Sandbox, SandboxConfig, SandboxError, content_hash};
use hardening_support::cloud::{self, credential_value, sample_file};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// ---------------------------------------------------------------------------------------------
// Set-up shared by the tests.

fn credentials(api: &ApiDescriptor) -> Credentials {
    api.auth
        .credentials
        .iter()
        .fold(Credentials::new(), |creds, c| {
            creds.with(c.name, credential_value(api, c.name))
        })
}

/// A sandbox that reads no environment and accepts the test credentials of every API.
fn config() -> SandboxConfig {
    cloud::sandbox_config().seed(7)
}

async fn sandbox() -> Sandbox {
    Sandbox::start(config()).await.expect("sandbox starts")
}

/// Retries without real waiting and without running out of budget.
fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        budget_reserve: 10_000,
        ..cloud::quick_retry()
    }
}

/// A client pointed at `sandbox` for every API, with the test credentials and no other
/// configuration source.
fn client_builder(sandbox: &Sandbox) -> ClientBuilder {
    cloud::client_builder(sandbox)
        .retry(fast_retry())
        .timeout(Duration::from_secs(30))
}

fn client(sandbox: &Sandbox, retry: RetryPolicy) -> Client {
    client_builder(sandbox)
        .retry(retry)
        .build()
        .expect("client")
}

fn file_input(bytes: Vec<u8>) -> Input {
    Input {
        file: Some(bytes),
        ..Input::default()
    }
}

/// Invoices without the vendor's request id: the sandbox stamps a fresh one on every answer,
/// and payloads that carry it keep it among the unmapped fields.
fn without_request_id(api: &ApiDescriptor, mut invoices: Vec<Invoice>) -> Vec<Invoice> {
    if let Some(key) = api.response.request_id.and_then(|p| p.rsplit('.').next()) {
        for invoice in &mut invoices {
            invoice.extra.remove(key);
        }
    }
    invoices
}

/// The invoices of the example the sandbox serves for `file`.
fn expected_invoices(sandbox: &Sandbox, api: &dyn DynApi, file: &[u8]) -> Vec<Invoice> {
    let d = api.descriptor();
    let example = sandbox.example_for(d.id, file).expect("a success example");
    let body = serde_json::to_vec(&wrap_example(d, example).expect("JSON")).expect("serialises");
    match api.decode_invoices(&body).expect("decodes") {
        Reply::Success { payload, .. } => without_request_id(d, payload),
        Reply::Failure(f) => panic!("{}: example {} fails: {f:?}", d.id, example.name),
    }
}

fn requests(sandbox: &Sandbox, api: &ApiDescriptor) -> u64 {
    sandbox.stats().apis[api.id].requests
}

/// Declared codes the client retries: retryable, not charged, not auth or bad input.
fn client_retries(info: &ErrorInfo) -> bool {
    info.retryable && !info.charged && !matches!(info.kind, ErrorKind::Auth | ErrorKind::BadInput)
}

// ---------------------------------------------------------------------------------------------
// Hand-built requests, signed with the crate's signers, sent over a plain TCP connection.

/// What came back on the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn sandbox_error(&self) -> Option<String> {
        let v: Value = serde_json::from_slice(&self.body).ok()?;
        v["fapiao_sandbox"]["error"].as_str().map(str::to_owned)
    }
}

/// `api`'s request for `encoded`, addressed to the sandbox and signed at `now` with the test
/// credentials.
fn request_for(
    sandbox: &Sandbox,
    api: &ApiDescriptor,
    encoded: &EncodedRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> HttpRequest {
    let mut url = sandbox.endpoint_url(api.id).expect("served");
    if let Some(region) = api.auth.default_region {
        url = url.replace("{region}", region);
    }
    for c in api.auth.credentials {
        url = url.replace(&format!("{{{}}}", c.name), &credential_value(api, c.name));
    }
    let mut url = url::Url::parse(&url).expect("URL");
    if !encoded.query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(encoded.query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    let mut req =
        HttpRequest::new(api.endpoint.method, url.as_str()).with_body(encoded.body.clone());
    if !api.endpoint.content_type.is_empty() {
        req.set_header("Content-Type", api.endpoint.content_type);
    }
    for (name, value) in &encoded.headers {
        req.set_header(*name, value.as_str());
    }
    sign(api, &mut req, &credentials(api), now);
    req
}

fn sign(
    api: &ApiDescriptor,
    req: &mut HttpRequest,
    creds: &Credentials,
    now: chrono::DateTime<chrono::Utc>,
) {
    let scheme = AuthScheme::from_id(api.auth.scheme).expect("known scheme");
    let creds = with_issued_token(api, scheme, creds, now);
    let ctx = SignContext {
        params: api.auth.params,
        region: api.auth.default_region,
        credentials: &creds,
        now,
        nonce: "4242424242",
    };
    auth::sign(scheme, req, &ctx).expect("signs");
}

/// `creds`, plus — for a token-issuing scheme — the token the sandbox's token endpoint issues
/// for them at `now`, got as the client gets it: the scheme's request, the gateway's answer,
/// the scheme's reading of it.
fn with_issued_token(
    api: &ApiDescriptor,
    scheme: AuthScheme,
    creds: &Credentials,
    now: chrono::DateTime<chrono::Utc>,
) -> Credentials {
    let Some(issuer) = scheme.token_issuer() else {
        return creds.clone();
    };
    let url = issuer.token_url(api.auth.params).expect("a token URL");
    let request = issuer.token_request(url, creds).expect("a token request");
    let answer = issuer.answer(&request, &[creds], now);
    let body = serde_json::to_vec(&answer.body).expect("JSON");
    let token = issuer.read_token(answer.status, &body).expect("a token");
    creds.clone().with(issuer.token_credential(), token.token)
}

/// `req` without what carries its signature or token: the headers and query parameters that
/// differ when it is signed at the same instant with another secret key (the action,
/// timestamps and the rest stay).
fn without_signature(api: &ApiDescriptor, req: &HttpRequest) -> HttpRequest {
    let now = chrono::Utc::now();
    let mut signed = req.clone();
    sign(api, &mut signed, &credentials(api), now);
    let mut other_key = req.clone();
    let mut creds = credentials(api);
    for c in api.auth.credentials.iter().filter(|c| c.secret) {
        creds.insert(c.name, "another-secret-value");
    }
    sign(api, &mut other_key, &creds, now);
    signed
        .headers
        .retain(|(name, value)| other_key.header(name) == Some(value.as_str()));
    let mut url = url::Url::parse(&signed.url).expect("URL");
    let other = url::Url::parse(&other_key.url).expect("URL");
    let shared: Vec<(String, String)> = url
        .query_pairs()
        .filter(|pair| other.query_pairs().any(|p| p == *pair))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.set_query(None);
    if !shared.is_empty() {
        url.query_pairs_mut().extend_pairs(shared);
    }
    signed.url = url.into();
    signed
}

/// The encoded request for `file`, as the client would build it.
fn encoded(api: &dyn DynApi, file: Vec<u8>, format: Option<FileFormat>) -> EncodedRequest {
    let d = api.descriptor();
    let input = Input {
        file: Some(file),
        format,
        ..Input::default()
    };
    let creds = credentials(d);
    api.encode_input(&input, &|name| {
        creds.get(name).map(|s| s.expose().to_owned())
    })
    .expect("encodes")
}

/// The bytes of `req` on the wire (plus `extra` headers), asking to close after the answer.
fn wire_bytes(addr: SocketAddr, req: &HttpRequest, extra: &[(&str, &str)]) -> Vec<u8> {
    let url = url::Url::parse(&req.url).expect("URL");
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let mut head = format!("{} {target} HTTP/1.1\r\n", req.method);
    if req.header("host").is_none() {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    let headers = req.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    for (name, value) in headers.chain(extra.iter().copied()) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        req.body.len()
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&req.body);
    bytes
}

/// Sends `req` on a fresh connection and returns everything received until it ends.
async fn send_raw(addr: SocketAddr, req: &HttpRequest, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    // The sandbox may drop the connection before reading it all (the `reset` fault).
    let _ = stream.write_all(&wire_bytes(addr, req, extra)).await;
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received).await;
    received
}

/// Sends `req` (plus `extra` headers) and parses the complete answer.
async fn send(addr: SocketAddr, req: &HttpRequest, extra: &[(&str, &str)]) -> Answer {
    let raw = send_raw(addr, req, extra).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete answer: {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    Answer {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    }
}

/// Checks an answer against the spec's code for a failure, or the fallback status when the
/// spec names none.
fn assert_answered_with(
    api: &dyn DynApi,
    answer: &Answer,
    code: Option<&str>,
    fallback_status: u16,
    what: &str,
) {
    let d = api.descriptor();
    match code {
        Some(code) => {
            let info = d.error(code).expect("declared");
            assert_eq!(answer.status, info.http_status, "{} {what}", d.id);
            match api.decode_value(&answer.body) {
                Ok(Reply::Failure(f)) => assert_eq!(f.code, code, "{} {what}", d.id),
                other => panic!("{} {what}: {other:?}", d.id),
            }
        }
        None => {
            assert_eq!(answer.status, fallback_status, "{} {what}", d.id);
            assert!(answer.sandbox_error().is_some(), "{} {what}", d.id);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Typed error codes: the generated enum of every API.

/// What an API's generated `ErrorCode` makes of a code: documented?, kind, code.
type TypedLookup = fn(&str) -> (bool, ErrorKind, String);

fn typed_code<A: Api>(code: &str) -> (bool, ErrorKind, String) {
    let typed = A::ErrorCode::from_code(code, "");
    (
        typed.info().is_some(),
        typed.kind(),
        typed.code().to_owned(),
    )
}

/// Every generated API module, by id. A new spec needs a line here (the test says which).
fn typed_lookups() -> Vec<(&'static str, TypedLookup)> {
    macro_rules! apis {
        ($($api:ty),* $(,)?) => {
            vec![$((<$api as Api>::DESCRIPTOR.id, typed_code::<$api> as TypedLookup)),*]
        };
    }
    use fapiao::apis::{aliyun, baidu, huawei, icuapi, jdcloud, tencent};
    apis![
        aliyun::recognize_invoice::RecognizeInvoice,
        baidu::vat_invoice::VatInvoice,
        huawei::recognize_vat_invoice::RecognizeVatInvoice,
        icuapi::invoice::InvoiceOcr,
        jdcloud::ocr_invoice::OcrInvoice,
        tencent::invoice_legacy::InvoiceLegacy,
        tencent::recognize_general_invoice::RecognizeGeneralInvoice,
        tencent::vat_invoice_ocr::VatInvoiceOcr,
    ]
}

// ---------------------------------------------------------------------------------------------
// Client ↔ sandbox.

#[tokio::test]
async fn the_client_gets_the_example_invoice_of_every_api() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, RetryPolicy::never());
    for api in registry() {
        let d = api.descriptor();
        let file = sample_file(d, 1);
        let invoices = client
            .recognize(*api, &file_input(file.clone()))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", d.id));
        assert!(!invoices.is_empty(), "{}", d.id);
        assert_eq!(
            without_request_id(d, invoices),
            expected_invoices(&sandbox, *api, &file),
            "{}",
            d.id
        );
        let stats = &sandbox.stats().apis[d.id];
        assert_eq!((stats.requests, stats.successes), (1, 1), "{}", d.id);
    }
}

#[tokio::test]
async fn credentials_from_the_environment_need_no_setup() {
    let vars: Vec<(String, String)> = registry()
        .iter()
        .map(|api| api.descriptor())
        .flat_map(|d| {
            d.auth
                .credentials
                .iter()
                .map(move |c| (c.env.to_owned(), credential_value(d, c.name)))
        })
        .collect();
    let lookup = {
        let vars = vars.clone();
        move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    };
    let sandbox = Sandbox::start(SandboxConfig::new().environment(lookup.clone()))
        .await
        .expect("starts");
    let base = sandbox.base_url();
    let client = Client::builder()
        .no_config_file()
        .environment(move |name| {
            if name.starts_with("FAPIAO_ENDPOINT_") {
                Some(base.clone())
            } else {
                lookup(name)
            }
        })
        .build()
        .expect("client");
    for api in registry() {
        let d = api.descriptor();
        assert!(sandbox.has_credentials(d.id), "{}", d.id);
        let result = client.recognize(*api, &file_input(sample_file(d, 2))).await;
        assert!(result.is_ok(), "{}: {result:?}", d.id);
    }
}

#[tokio::test]
async fn every_declared_error_code_reaches_the_client_typed() {
    let typed = typed_lookups();
    for api in registry() {
        let id = api.descriptor().id;
        assert!(
            typed.iter().any(|(t, _)| *t == id),
            "{id} has no entry in typed_lookups(); add its generated marker type there"
        );
    }
    let sandbox = sandbox().await;
    let client = client(&sandbox, RetryPolicy::never());
    for api in registry() {
        let d = api.descriptor();
        let lookup = typed
            .iter()
            .find(|(t, _)| *t == d.id)
            .map(|(_, f)| f)
            .expect("typed");
        for info in d.errors {
            sandbox.push_fault(Fault::Code(info.code.to_owned()));
            let err = client
                .recognize(*api, &file_input(sample_file(d, 3)))
                .await
                .expect_err(info.code);
            let vendor = err
                .vendor()
                .unwrap_or_else(|| panic!("{} {}: {err}", d.id, info.code));
            assert_eq!(vendor.code, info.code, "{}", d.id);
            assert_eq!(err.kind(), info.kind, "{} {}", d.id, info.code);
            assert_eq!(
                err.http_status(),
                Some(info.http_status),
                "{} {}",
                d.id,
                info.code
            );
            let (documented, kind, code) = lookup(&vendor.code);
            assert!(documented, "{} {} decodes as Unknown", d.id, info.code);
            assert_eq!((kind, code.as_str()), (info.kind, info.code));
        }
        assert_eq!(
            sandbox.stats().apis[d.id].failure_count(),
            d.errors.len() as u64,
            "{}: one request per code",
            d.id
        );
    }
}

#[tokio::test]
async fn declared_codes_are_retried_only_when_the_spec_allows() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, fast_retry());
    for api in registry() {
        let d = api.descriptor();
        for info in d.errors {
            sandbox.reset_stats();
            sandbox.push_fault(Fault::Code(info.code.to_owned()));
            let result = client.recognize(*api, &file_input(sample_file(d, 4))).await;
            if client_retries(info) {
                assert!(result.is_ok(), "{} {}: {result:?}", d.id, info.code);
                assert_eq!(requests(&sandbox, d), 2, "{} {}", d.id, info.code);
            } else {
                assert!(result.is_err(), "{} {}", d.id, info.code);
                assert_eq!(requests(&sandbox, d), 1, "{} {} retried", d.id, info.code);
            }
        }
    }
}

#[tokio::test]
async fn transport_and_gateway_faults_are_retried_and_then_succeed() {
    let sandbox = sandbox().await;
    let client = client_builder(&sandbox)
        .timeout(Duration::from_millis(400))
        .build()
        .expect("client");
    let faults = [
        "http:429", "http:500", "http:502", "http:503", "http:504", "html", "truncate", "reset",
        "timeout",
    ];
    for api in registry() {
        let d = api.descriptor();
        for fault in faults {
            sandbox.reset_stats();
            sandbox.push_fault(fault.parse().expect("fault"));
            let result = client.recognize(*api, &file_input(sample_file(d, 5))).await;
            assert!(result.is_ok(), "{} {fault}: {result:?}", d.id);
            let stats = &sandbox.stats().apis[d.id];
            assert_eq!(
                (stats.requests, stats.successes),
                (2, 1),
                "{} {fault}",
                d.id
            );
            assert_eq!(stats.failures.get(fault), Some(&1), "{} {fault}", d.id);
        }
    }
}

#[tokio::test]
async fn faults_become_the_clients_typed_errors() {
    let sandbox = sandbox().await;
    let client = client_builder(&sandbox)
        .retry(RetryPolicy::never())
        .timeout(Duration::from_millis(400))
        .build()
        .expect("client");
    for api in registry() {
        let d = api.descriptor();
        let outcome = async |fault: &str| {
            sandbox.push_fault(fault.parse().expect("fault"));
            client
                .recognize(*api, &file_input(sample_file(d, 6)))
                .await
                .expect_err(fault)
        };
        let html = outcome("html").await;
        assert!(
            matches!(html, Error::MalformedResponse { http_status: 502, ref decode, .. } if decode.snippet.contains("<html>")),
            "{}: {html:?}",
            d.id
        );
        let unavailable = outcome("http:503").await;
        assert!(
            matches!(
                unavailable,
                Error::MalformedResponse {
                    http_status: 503,
                    ..
                }
            ),
            "{}: {unavailable:?}",
            d.id
        );
        assert_eq!(unavailable.kind(), ErrorKind::Unavailable);
        for fault in ["truncate", "reset"] {
            let err = outcome(fault).await;
            assert!(
                matches!(err, Error::Transport { .. }),
                "{} {fault}: {err:?}",
                d.id
            );
        }
        let timeout = outcome("timeout").await;
        assert!(
            matches!(timeout, Error::Timeout { .. }),
            "{}: {timeout:?}",
            d.id
        );
        assert_eq!(requests(&sandbox, d), 5, "{}: nothing retried", d.id);
    }
}

#[tokio::test]
async fn a_wrong_key_fails_with_the_auth_kind_and_is_not_retried() {
    let sandbox = sandbox().await;
    for api in registry() {
        let d = api.descriptor();
        let builder = d
            .auth
            .credentials
            .iter()
            .filter(|c| c.secret)
            .fold(client_builder(&sandbox), |b, c| {
                b.credential(d.id, c.name, "a-wrong-secret-value")
            });
        let client = builder.build().expect("client");
        let refused_before = sandbox.stats().tokens_refused;
        let err = client
            .recognize(*api, &file_input(sample_file(d, 7)))
            .await
            .expect_err("wrong key");
        assert_eq!(err.kind(), ErrorKind::Auth, "{}: {err}", d.id);
        assert!(!err.to_string().contains("a-wrong-secret-value"));
        let stats = &sandbox.stats().apis[d.id];
        let scheme = AuthScheme::from_id(d.auth.scheme).expect("known scheme");
        if scheme.token_issuer().is_some() {
            // The token endpoint refuses the key, once; no call goes out without a token.
            assert_eq!(
                sandbox.stats().tokens_refused,
                refused_before + 1,
                "{}",
                d.id
            );
            assert_eq!(stats.requests, 0, "{}", d.id);
            continue;
        }
        assert_eq!(stats.requests, 1, "{}: auth failures are not retried", d.id);
        let counted = d.auth.failures.bad_signature.unwrap_or("http:401");
        assert_eq!(stats.failures.get(counted), Some(&1), "{}: {stats:?}", d.id);
        if let Some(code) = d.auth.failures.bad_signature {
            assert_eq!(
                err.vendor().map(|v| v.code.as_str()),
                Some(code),
                "{}",
                d.id
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-signed requests: auth failures and request validation.

#[tokio::test]
async fn stale_and_missing_signatures_get_the_spec_codes() {
    let sandbox = sandbox().await;
    let long_ago = chrono::Utc::now() - chrono::Duration::days(400);
    for api in registry() {
        let d = api.descriptor();
        let body = encoded(*api, sample_file(d, 8), None);
        let fresh = send(
            sandbox.addr(),
            &request_for(&sandbox, d, &body, chrono::Utc::now()),
            &[],
        )
        .await;
        assert_eq!(fresh.status, 200, "{}: {fresh:?}", d.id);
        let stale = send(
            sandbox.addr(),
            &request_for(&sandbox, d, &body, long_ago),
            &[],
        )
        .await;
        let failures = &d.auth.failures;
        assert_answered_with(
            *api,
            &stale,
            failures.expired.or(failures.bad_signature),
            401,
            "stale",
        );
        let signed = request_for(&sandbox, d, &body, chrono::Utc::now());
        let unsigned = send(sandbox.addr(), &without_signature(d, &signed), &[]).await;
        assert_answered_with(
            *api,
            &unsigned,
            failures.missing.or(failures.bad_signature),
            401,
            "unsigned",
        );
    }
}

#[tokio::test]
async fn bad_requests_get_the_spec_emulation_codes() {
    let sandbox = sandbox().await;
    let now = chrono::Utc::now;
    for api in registry() {
        let d = api.descriptor();
        let emulation = &d.emulation;
        let signed = |body: EncodedRequest| request_for(&sandbox, d, &body, now());

        let mut empty = encoded(*api, sample_file(d, 9), None);
        empty.body = match d.endpoint.body {
            BodyEncoding::Json => b"{}".to_vec(),
            _ => Vec::new(),
        };
        let answer = send(sandbox.addr(), &signed(empty), &[]).await;
        assert_answered_with(*api, &answer, emulation.missing_field, 400, "missing field");

        if d.endpoint.body == BodyEncoding::Json {
            let file_field = d
                .request
                .iter()
                .find(|f| f.input.is_some_and(|i| i.id().ends_with("base64")))
                .expect("a base64 field");
            let mut wrong_type = encoded(*api, sample_file(d, 9), None);
            wrong_type.body = format!(r#"{{"{}": 12}}"#, file_field.name).into_bytes();
            let answer = send(sandbox.addr(), &signed(wrong_type), &[]).await;
            assert_answered_with(*api, &answer, emulation.invalid_value, 400, "wrong type");
        }

        // A GIF, or bytes of no known format for an API that takes GIFs too.
        let refused = if d.limits.formats.contains(&FileFormat::Gif) {
            b"neither an image nor a document".to_vec()
        } else {
            b"GIF89a\x40\x00\x40\x00\x00\x00\x00;".to_vec()
        };
        let answer = send(
            sandbox.addr(),
            &signed(encoded(*api, refused, Some(FileFormat::Png))),
            &[],
        )
        .await;
        assert_answered_with(
            *api,
            &answer,
            emulation.unsupported_format,
            415,
            "refused format",
        );

        let limit = d
            .limits
            .max_file_bytes
            .or(d.limits.max_base64_bytes.map(|b| b / 4 * 3))
            .expect("a size limit");
        let mut huge = sample_file(d, 9);
        huge.resize(usize::try_from(limit).unwrap() + 4, 0);
        let answer = send(sandbox.addr(), &signed(encoded(*api, huge, None)), &[]).await;
        assert_answered_with(*api, &answer, emulation.too_large, 413, "too large");

        if let Some(max) = d.limits.max_pixels {
            let mut wide = sample_file(d, 9);
            if sniffs_png(&wide) {
                // IHDR width, read from the header only.
                wide[16..20].copy_from_slice(&(max + 1).to_be_bytes());
                let answer = send(sandbox.addr(), &signed(encoded(*api, wide, None)), &[]).await;
                assert_answered_with(*api, &answer, emulation.too_large, 413, "too wide");
            }
        }
        assert_eq!(sandbox.stats().apis[d.id].successes, 0, "{}", d.id);
    }
}

fn sniffs_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG")
}

#[tokio::test]
async fn the_example_header_selects_any_example_and_unknown_names_are_refused() {
    let sandbox = sandbox().await;
    for api in registry() {
        let d = api.descriptor();
        let req = request_for(
            &sandbox,
            d,
            &encoded(*api, sample_file(d, 10), None),
            chrono::Utc::now(),
        );
        for example in d.examples {
            let answer = send(sandbox.addr(), &req, &[("X-Fapiao-Example", example.name)]).await;
            let served = api.decode_value(&answer.body).expect("decodes");
            let mut expected = wrap_example(d, example).expect("JSON");
            let served_id = match &served {
                Reply::Success { request_id, .. } => request_id,
                Reply::Failure(f) => {
                    let info = d.error(&f.code).expect("a declared code");
                    assert_eq!(answer.status, info.http_status, "{} {}", d.id, example.name);
                    &f.request_id
                }
            };
            assert_eq!(
                matches!(served, Reply::Failure(_)),
                example.is_error(),
                "{} {}",
                d.id,
                example.name
            );
            if let (Some(id), Some(path)) = (served_id, d.response.request_id) {
                set_path(&mut expected, path, request_id_value(d, id));
            }
            let expected = api
                .decode_value(&serde_json::to_vec(&expected).unwrap())
                .expect("decodes");
            assert_eq!(served, expected, "{} example {}", d.id, example.name);
        }
        let unknown = send(
            sandbox.addr(),
            &req,
            &[("X-Fapiao-Example", "no-such-example")],
        )
        .await;
        assert_eq!(unknown.status, 400, "{}", d.id);
        assert_eq!(unknown.sandbox_error().as_deref(), Some("no_example"));
    }
}

// ---------------------------------------------------------------------------------------------
// Faults by header, queue, admin endpoint and run-level plan.

#[tokio::test]
async fn fault_headers_and_the_admin_endpoints_work_out_of_process() {
    let sandbox = sandbox().await;
    let api = registry()[0];
    let d = api.descriptor();
    let req = request_for(
        &sandbox,
        d,
        &encoded(api, sample_file(d, 11), None),
        chrono::Utc::now(),
    );

    let faulted = send(sandbox.addr(), &req, &[("X-Fapiao-Fault", "http:503")]).await;
    assert_eq!(faulted.status, 503);
    let bogus = send(sandbox.addr(), &req, &[("X-Fapiao-Fault", "explode")]).await;
    assert_eq!(
        (bogus.status, bogus.sandbox_error().as_deref()),
        (400, Some("bad_fault"))
    );
    let undeclared = send(
        sandbox.addr(),
        &req,
        &[("X-Fapiao-Fault", "code:NotDeclared")],
    )
    .await;
    assert_eq!(undeclared.sandbox_error().as_deref(), Some("bad_fault"));
    let delayed = send(sandbox.addr(), &req, &[("X-Fapiao-Fault", "delay:1")]).await;
    assert_eq!(delayed.status, 200, "a delay ends in the normal answer");
    assert_eq!(sandbox.stats().apis[d.id].successes, 1);
    let coded_api = registry()
        .iter()
        .copied()
        .find(|a| !a.descriptor().errors.is_empty())
        .expect("an API with declared codes");
    let cd = coded_api.descriptor();
    let coded_req = request_for(
        &sandbox,
        cd,
        &encoded(coded_api, sample_file(cd, 11), None),
        chrono::Utc::now(),
    );
    let info = &cd.errors[0];
    let fault = format!("code:{}", info.code);
    let coded = send(sandbox.addr(), &coded_req, &[("X-Fapiao-Fault", &fault)]).await;
    assert_answered_with(coded_api, &coded, Some(info.code), 0, "code fault header");

    let admin = |method: &'static str, path: &'static str, body: &'static str| {
        HttpRequest::new(method, format!("{}{path}", sandbox.base_url())).with_body(body)
    };
    let queued = send(
        sandbox.addr(),
        &admin("POST", "/__fapiao/faults", "http:502, reset"),
        &[],
    )
    .await;
    assert_eq!(queued.status, 200);
    assert_eq!(send(sandbox.addr(), &req, &[]).await.status, 502);
    let reset = send_raw(sandbox.addr(), &req, &[]).await;
    assert!(reset.is_empty(), "a reset answers nothing");

    let stats = send(sandbox.addr(), &admin("GET", "/__fapiao/stats", ""), &[]).await;
    assert_eq!(stats.status, 200);
    let served: fapiao::sandbox::Stats = serde_json::from_slice(&stats.body).expect("stats JSON");
    assert_eq!(served, sandbox.stats());
    assert_eq!(served.apis[d.id].failures.get("http:503"), Some(&1));
    assert_eq!(served.apis[d.id].failures.get("http:502"), Some(&1));
    assert_eq!(served.apis[d.id].failures.get("reset"), Some(&1));

    let cleared = send(sandbox.addr(), &admin("DELETE", "/__fapiao/stats", ""), &[]).await;
    assert_eq!(cleared.status, 200);
    assert_eq!(sandbox.stats().apis[d.id].requests, 0);
    let bad = send(
        sandbox.addr(),
        &admin("POST", "/__fapiao/faults", "nope"),
        &[],
    )
    .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn seeded_run_level_faults_hit_a_share_of_requests_reproducibly() {
    let api = registry()[0];
    let d = api.descriptor();
    let mut patterns = Vec::new();
    for _ in 0..2 {
        let plan: FaultPlan = "http:503=0.5".parse().expect("plan");
        let sandbox = Sandbox::start(config().faults(plan).seed(42))
            .await
            .expect("starts");
        let client = client(&sandbox, RetryPolicy::never());
        let mut pattern = Vec::new();
        for _ in 0..40 {
            let result = client.recognize(api, &file_input(sample_file(d, 12))).await;
            pattern.push(result.is_ok());
        }
        let stats = &sandbox.stats().apis[d.id];
        let failed = pattern.iter().filter(|ok| !**ok).count() as u64;
        assert_eq!(stats.failures.get("http:503").copied().unwrap_or(0), failed);
        assert_eq!(stats.successes + failed, 40);
        assert!(stats.successes > 0 && failed > 0, "{pattern:?}");
        patterns.push(pattern);
    }
    assert_eq!(
        patterns[0], patterns[1],
        "the same seed gives the same faults"
    );
}

#[tokio::test]
async fn a_run_level_code_fault_must_be_declared_by_some_api() {
    let plan: FaultPlan = "code:NoApiDeclaresThis=0.1".parse().expect("plan");
    let err = Sandbox::start(config().faults(plan))
        .await
        .expect_err("refused");
    assert!(
        matches!(err, SandboxError::UnknownFaultCode { ref code } if code == "NoApiDeclaresThis")
    );
}

// ---------------------------------------------------------------------------------------------
// Counters, routing, binding, shutdown.

#[tokio::test]
async fn successes_are_counted_per_input() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, RetryPolicy::never());
    for api in registry() {
        let d = api.descriptor();
        let (a, b) = (sample_file(d, 20), sample_file(d, 21));
        for file in [&a, &a, &b] {
            client
                .recognize(*api, &file_input(file.clone()))
                .await
                .expect("succeeds");
        }
        let stats = &sandbox.stats().apis[d.id];
        assert_eq!(stats.successes, 3);
        assert_eq!(
            stats.successes_by_input.get(&content_hash(&a)),
            Some(&2),
            "{}",
            d.id
        );
        assert_eq!(
            stats.successes_by_input.get(&content_hash(&b)),
            Some(&1),
            "{}",
            d.id
        );
    }
}

#[tokio::test]
async fn unknown_routes_and_actions_get_a_clear_404() {
    let sandbox = sandbox().await;
    let nowhere = HttpRequest::new("POST", format!("{}/no/such/api", sandbox.base_url()));
    let answer = send(sandbox.addr(), &nowhere, &[]).await;
    assert_eq!(
        (answer.status, answer.sandbox_error().as_deref()),
        (404, Some("no_route"))
    );
    assert_eq!(sandbox.stats().unrouted, 1);

    // An API addressed by an action header is not reached with another action.
    for api in registry() {
        let d = api.descriptor();
        let Some(action) = d.auth.param("action") else {
            continue;
        };
        let mut req = request_for(
            &sandbox,
            d,
            &encoded(*api, sample_file(d, 30), None),
            chrono::Utc::now(),
        );
        let header = req
            .headers
            .iter()
            .find(|(_, v)| v == action)
            .map(|(n, _)| n.clone())
            .expect("the action travels in a header");
        req.set_header(header, "NoSuchAction");
        let answer = send(sandbox.addr(), &req, &[]).await;
        assert_eq!(answer.status, 404, "{}", d.id);
        assert!(
            String::from_utf8_lossy(&answer.body).contains(action),
            "{}",
            d.id
        );
    }

    // The right path with another method.
    for api in registry() {
        let d = api.descriptor();
        let mut req = request_for(
            &sandbox,
            d,
            &encoded(*api, sample_file(d, 31), None),
            chrono::Utc::now(),
        );
        req.method = if d.endpoint.method == "PUT" {
            "PATCH"
        } else {
            "PUT"
        }
        .to_owned();
        let answer = send(sandbox.addr(), &req, &[]).await;
        assert_eq!(answer.status, 405, "{}: {}", d.id, answer.head);
    }
}

#[tokio::test]
async fn a_non_loopback_bind_needs_allow_remote() {
    let anywhere: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = Sandbox::start(config().bind(anywhere))
        .await
        .expect_err("refused");
    assert!(matches!(err, SandboxError::RemoteBindRefused { addr } if addr == anywhere));
    assert!(err.to_string().contains("0.0.0.0"));
}

#[tokio::test]
async fn dropping_the_sandbox_ends_held_connections_and_stops_listening() {
    let sandbox = sandbox().await;
    let addr = sandbox.addr();
    let api = registry()[0];
    let d = api.descriptor();
    let req = request_for(
        &sandbox,
        d,
        &encoded(api, sample_file(d, 40), None),
        chrono::Utc::now(),
    );
    let held =
        tokio::spawn(async move { send_raw(addr, &req, &[("X-Fapiao-Fault", "timeout")]).await });
    // Wait until the sandbox has the request, then drop it.
    while requests(&sandbox, d) == 0 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(sandbox);
    let answered = tokio::time::timeout(Duration::from_secs(60), held)
        .await
        .expect("the held connection ends")
        .expect("task");
    assert!(answered.is_empty(), "nothing was answered");
    let mut refused = false;
    for _ in 0..200 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(refused, "the listener is closed");
}
