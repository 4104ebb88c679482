//! Signing cost per request: `fapiao::auth::sign` against the bare HMAC/SHA chain each scheme
//! needs, written out by hand here with `hmac`, `sha2` and `sha1`, in the same run.
//!
//! The requests are the ones the client builds (the API's encoder on a 96 KiB JPEG-sized file,
//! the spec's content type, the client's UUID nonce). The bare chains produce the same
//! `Authorization` value, checked before timing, so both sides do the same cryptography; what
//! `sign` adds is URL parsing, header canonicalisation and setting the headers on the request.
//! TC3 and JDCLOUD2 hash the body, so they are also timed on a URL-only request where the
//! fixed cost shows.
//!
//! Run with `cargo bench --bench signing`; instruction counts with
//! `benches/callgrind.sh signing <filter>`. Target (PERFORMANCE.md): ≤ 1.5× the bare chain.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use fapiao::api::{ApiDescriptor, DynApi, Input, find};
use fapiao::auth::{self, AuthScheme, Credentials, HttpRequest, SignContext};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use support::Group;

const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
const APP_ID: &str = "1250000000";
/// A nonce as the client draws it.
const NONCE: &str = "7f9c2ba4-e88f-4e2b-9d4f-1c3a5b7d9e0f";
/// The size of the file in the realistic requests.
const FILE_BYTES: usize = 96 * 1024;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, 9, 26, 53)
        .single()
        .unwrap_or_default()
}

fn credentials() -> Credentials {
    Credentials::new()
        .with("secret_id", SECRET_ID)
        .with("secret_key", SECRET_KEY)
        .with("access_key", SECRET_ID)
        .with("app_id", APP_ID)
}

/// A JPEG-looking file of `len` bytes with incompressible content.
fn jpeg_file(len: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut file = vec![0xFF, 0xD8, 0xFF, 0xE0];
    file.extend((4..len).map(|_| rng.u8(..)));
    file
}

/// The request the client would sign for `input`: the encoder's body, query and headers,
/// the spec's content type.
fn request(api: &dyn DynApi, input: &Input) -> HttpRequest {
    let d = api.descriptor();
    let encoded = api
        .encode_input(input, &|name| (name == "app_id").then(|| APP_ID.to_owned()))
        .expect("the input encodes");
    let mut url = url::Url::parse(d.endpoint.url).expect("spec URL");
    url.query_pairs_mut()
        .extend_pairs(encoded.query.iter().map(|(k, v)| (*k, v.as_str())));
    let mut req = HttpRequest::new(d.endpoint.method, url.as_str()).with_body(encoded.body);
    if !d.endpoint.content_type.is_empty() {
        req.set_header("Content-Type", d.endpoint.content_type);
    }
    for (name, value) in encoded.headers {
        req.set_header(name, value);
    }
    req
}

/// Signs `req` in place as the client does. Re-signing replaces the headers it set before,
/// so one request can be signed over and over.
fn fapiao_sign(d: &ApiDescriptor, scheme: AuthScheme, creds: &Credentials, req: &mut HttpRequest) {
    let ctx = SignContext {
        params: d.auth.params,
        region: d.auth.default_region,
        credentials: creds,
        now: now(),
        nonce: NONCE,
    };
    auth::sign(scheme, req, &ctx).expect("signs");
}

// ---------------------------------------------------------------- bare chains

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// TC3-HMAC-SHA256 over `content-type;host;x-tc-action`: payload hash, canonical request,
/// string to sign, the date/service/terminator key chain, the signature; returns the
/// `Authorization` value and the `X-TC-Timestamp` value.
fn bare_tc3(body: &[u8], content_type: &str, host: &str, action: &str) -> (String, String) {
    let now = now();
    let timestamp = now.timestamp().to_string();
    let date = now.format("%Y-%m-%d").to_string();
    let signed = "content-type;host;x-tc-action";
    let canonical = format!(
        "POST\n/\n\ncontent-type:{}\nhost:{host}\nx-tc-action:{}\n\n{signed}\n{}",
        content_type.to_ascii_lowercase(),
        action.to_ascii_lowercase(),
        hex::encode(Sha256::digest(body))
    );
    let scope = format!("{date}/ocr/tc3_request");
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let k_date = hmac_sha256(format!("TC3{SECRET_KEY}").as_bytes(), date.as_bytes());
    let k_service = hmac_sha256(&k_date, b"ocr");
    let k_signing = hmac_sha256(&k_service, b"tc3_request");
    let signature = hex::encode(hmac_sha256(&k_signing, to_sign.as_bytes()));
    let authorization = format!(
        "TC3-HMAC-SHA256 Credential={SECRET_ID}/{scope}, SignedHeaders={signed}, Signature={signature}"
    );
    (authorization, timestamp)
}

/// JDCLOUD2-HMAC-SHA256 over `content-type;host;x-jdcloud-date;x-jdcloud-nonce`; returns the
/// `Authorization` value and the `x-jdcloud-date` value.
fn bare_jdcloud2(body: &[u8], content_type: &str, host: &str, path: &str) -> (String, String) {
    let now = now();
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let day = &stamp[..8];
    let signed = "content-type;host;x-jdcloud-date;x-jdcloud-nonce";
    let canonical = format!(
        "POST\n{path}\n\ncontent-type:{content_type}\nhost:{host}\nx-jdcloud-date:{stamp}\n\
         x-jdcloud-nonce:{NONCE}\n\n{signed}\n{}",
        hex::encode(Sha256::digest(body))
    );
    let scope = format!("{day}/jdcloud-api/simpleclient/jdcloud2_request");
    let to_sign = format!(
        "JDCLOUD2-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let k_date = hmac_sha256(format!("JDCLOUD2{SECRET_KEY}").as_bytes(), day.as_bytes());
    let k_region = hmac_sha256(&k_date, b"jdcloud-api");
    let k_service = hmac_sha256(&k_region, b"simpleclient");
    let k_signing = hmac_sha256(&k_service, b"jdcloud2_request");
    let signature = hex::encode(hmac_sha256(&k_signing, to_sign.as_bytes()));
    let authorization = format!(
        "JDCLOUD2-HMAC-SHA256 Credential={SECRET_ID}/{scope}, SignedHeaders={signed}, Signature={signature}"
    );
    (authorization, stamp)
}

/// Tencent's legacy multi-use signature: the plaintext, its HMAC-SHA1, Base64 of both. `rand`
/// is the caller's random number.
fn bare_legacy_sha1(rand: u32) -> String {
    let now = now().timestamp();
    let plaintext = format!(
        "a={APP_ID}&b=&k={SECRET_ID}&e={}&t={now}&r={rand}&f=",
        now + 2_592_000
    );
    let mut mac = Hmac::<Sha1>::new_from_slice(SECRET_KEY.as_bytes()).expect("any key length");
    mac.update(plaintext.as_bytes());
    let mut raw = mac.finalize().into_bytes().to_vec();
    raw.extend_from_slice(plaintext.as_bytes());
    STANDARD.encode(raw)
}

// ---------------------------------------------------------------- groups

/// One scheme on one request: fapiao's signer and the bare chain, checked to agree first.
fn group(
    c: &mut Criterion,
    name: &str,
    api_id: &str,
    input: &Input,
    bare: impl Fn(&HttpRequest, &ApiDescriptor) -> String,
) {
    let api = find(api_id).expect("API in the registry");
    let d = api.descriptor();
    let bare = |req: &HttpRequest| bare(req, d);
    let scheme = AuthScheme::from_id(d.auth.scheme).expect("known scheme");
    let creds = credentials();
    let mut req = request(api, input);
    let unsigned = req.clone();
    fapiao_sign(d, scheme, &creds, &mut req);
    assert_eq!(
        req.header("Authorization"),
        Some(bare(&unsigned).as_str()),
        "{name}: the bare chain computes the same signature"
    );
    let mut g = Group::new(c, format!("signing/{name}"));
    g.bench("fapiao::auth::sign", || {
        fapiao_sign(d, scheme, &creds, black_box(&mut req))
    });
    g.bench("bare chain", || bare(black_box(&unsigned)));
    g.finish();
}

fn header<'r>(req: &'r HttpRequest, name: &str) -> &'r str {
    req.header(name).unwrap_or_default()
}

fn host_and_path(req: &HttpRequest) -> (String, String) {
    let parts = req.url_parts().expect("absolute URL");
    (parts.host, parts.path)
}

fn tc3(c: &mut Criterion, name: &str, input: &Input) {
    group(c, name, "tencent.vat_invoice_ocr", input, |req, d| {
        let (host, _) = host_and_path(req);
        let action = d.auth.param("action").unwrap_or_default();
        bare_tc3(&req.body, header(req, "Content-Type"), &host, action).0
    });
}

fn jdcloud2(c: &mut Criterion, name: &str, input: &Input) {
    group(c, name, "jdcloud.ocr_invoice", input, |req, _| {
        let (host, path) = host_and_path(req);
        bare_jdcloud2(&req.body, header(req, "Content-Type"), &host, &path).0
    });
}

fn benches(c: &mut Criterion) {
    let file = |len| Input {
        file: Some(jpeg_file(len)),
        ..Input::default()
    };
    let url = Input {
        url: Some("https://invoices.example.com/2026/03/0001.jpg".to_owned()),
        ..Input::default()
    };
    tc3(c, "tc3 (96 KiB image, base64 JSON)", &file(FILE_BYTES));
    tc3(c, "tc3 (image URL)", &url);
    jdcloud2(c, "jdcloud2 (96 KiB image, raw body)", &file(FILE_BYTES));
    jdcloud2(c, "jdcloud2 (2 KiB image, raw body)", &file(2 * 1024));
    let rand = fapiao::auth::tencent_image::rand_from_nonce(NONCE);
    group(
        c,
        "legacy sha1 (96 KiB image)",
        "tencent.invoice_legacy",
        &file(FILE_BYTES),
        |_, _| bare_legacy_sha1(rand),
    );
}

criterion_group!(signing, benches);
criterion_main!(signing);
