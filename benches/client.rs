//! Client overhead: requests per second through `fapiao::client::Client` against the in-process
//! sandbox, at concurrency 1 and 16, against raw reqwest posting the same pre-signed bytes to
//! the same sandbox in the same run.
//!
//! The sandbox is made cheap so the client's share shows: no faults, JD `ocr_invoice` (raw
//! body, a 611-byte answer), a 64×64 PNG, no QPS enforcement; the client's rate limiter is
//! lifted with a high QPS. Rows:
//!
//! - `Client::recognize`: input checks, encoding, signing, sending, decoding, mapping;
//! - `Client::call`: a prepared typed request — signing, sending, decoding;
//! - `raw reqwest`: the request signed once beforehand, its bytes posted, the answer read.
//!
//! Client and sandbox share the machine's cores, so every row includes the sandbox's work
//! (signature check, request validation, answer); the ratio is what using the client costs in
//! throughput against the cheapest possible caller. Run with `cargo bench --bench client`;
//! instruction counts per request (client and sandbox on one thread) with
//! `benches/callgrind.sh client 'concurrency 1/<row>'`.
//! Target (PERFORMANCE.md): ≥ 0.9× raw reqwest.

#[path = "support/mod.rs"]
mod support;

use std::future::Future;
use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fapiao::api::{Api, DynApi, Input, find};
use fapiao::apis::jdcloud::ocr_invoice::OcrInvoice;
use fapiao::auth::{self, AuthScheme, Credentials, HttpRequest, SignContext};
use fapiao::client::Client;
use fapiao::sandbox::{Sandbox, SandboxConfig};
use support::Group;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

const API: &str = "jdcloud.ocr_invoice";
const ACCESS_KEY: &str = "bench-access-key";
const SECRET_KEY: &str = "bench-secret-key";

/// A 64×64 PNG.
fn png() -> Vec<u8> {
    let image = image::GrayImage::from_fn(64, 64, |x, y| image::Luma([(x * 4 + y) as u8]));
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG encodes");
    out.into_inner()
}

async fn sandbox() -> Sandbox {
    let config = SandboxConfig::new()
        .environment(|_| None)
        .credential(API, "access_key", ACCESS_KEY)
        .credential(API, "secret_key", SECRET_KEY)
        // The raw rows replay one signature for the whole run.
        .max_skew(Duration::from_secs(24 * 3600))
        .seed(1);
    Sandbox::start(config).await.expect("sandbox starts")
}

fn fapiao_client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .no_config_file()
        .environment(|_| None)
        .endpoint(API, sandbox.base_url())
        .qps(API, 1e9)
        .credential(API, "access_key", ACCESS_KEY)
        .credential(API, "secret_key", SECRET_KEY)
        .build()
        .expect("client builds")
}

/// The request the client sends for `input`, signed once, as reqwest will post it.
fn presigned(api: &dyn DynApi, sandbox: &Sandbox, input: &Input) -> reqwest::Request {
    let d = api.descriptor();
    let encoded = api.encode_input(input, &|_| None).expect("encodes");
    let url = sandbox.endpoint_url(d.id).expect("served");
    let mut req = HttpRequest::new(d.endpoint.method, url).with_body(encoded.body);
    req.set_header("Content-Type", d.endpoint.content_type);
    let credentials = Credentials::new()
        .with("access_key", ACCESS_KEY)
        .with("secret_key", SECRET_KEY);
    let ctx = SignContext {
        params: d.auth.params,
        region: None,
        credentials: &credentials,
        now: chrono::Utc::now(),
        nonce: "0b5c3b0e-8a51-4d1e-9f3e-6c2d1a7b9e40",
    };
    let scheme = AuthScheme::from_id(d.auth.scheme).expect("known scheme");
    auth::sign(scheme, &mut req, &ctx).expect("signs");
    let mut out = reqwest::Request::new(
        reqwest::Method::POST,
        reqwest::Url::parse(&req.url).expect("URL"),
    );
    for (name, value) in &req.headers {
        out.headers_mut().append(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            reqwest::header::HeaderValue::from_str(value).expect("header value"),
        );
    }
    *out.body_mut() = Some(req.body.into());
    out
}

/// Runs `iters` calls of `op`, `concurrency` at a time, and returns the elapsed time.
async fn run<F, Fut>(iters: u64, concurrency: u64, op: F) -> Duration
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for worker in 0..concurrency {
        let share = iters / concurrency + u64::from(worker < iters % concurrency);
        let op = Arc::clone(&op);
        tasks.spawn(async move {
            for _ in 0..share {
                op().await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    start.elapsed()
}

/// The runtime: multi-threaded when timing; one thread in counted mode, so that callgrind,
/// which collects in the thread running the counted loop, sees client, connection tasks and
/// sandbox alike.
fn runtime() -> Runtime {
    let built = if support::counted_mode() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        Runtime::new()
    };
    built.expect("tokio runtime")
}

fn benches(c: &mut Criterion) {
    let rt = runtime();
    let sandbox = rt.block_on(sandbox());
    let api = find(API).expect("registered");
    let input = Arc::new(Input {
        file: Some(png()),
        ..Input::default()
    });
    let client = fapiao_client(&sandbox);
    let prepared = Arc::new(
        client
            .prepare::<OcrInvoice>(&input)
            .expect("input accepted"),
    );
    let raw_request = presigned(api, &sandbox, &input);
    // reqwest is built without a TLS provider of its own; these requests are plain HTTP.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let raw = reqwest::Client::new();

    // Every path gets the invoice before anything is timed.
    let invoices = rt
        .block_on(client.recognize(api, &input))
        .expect("recognized");
    assert!(!invoices.is_empty());
    let answer = rt.block_on(async {
        let request = raw_request.try_clone().expect("clonable body");
        raw.execute(request).await.expect("sent").bytes().await
    });
    let answer = answer.expect("answer read");
    assert!(matches!(
        OcrInvoice::decode(&answer),
        Ok(fapiao::api::Reply::Success { .. })
    ));

    for concurrency in [1, 16] {
        let mut g = Group::new(c, format!("client/concurrency {concurrency}"));
        g.throughput(Throughput::Elements(1));
        let (cl, inp) = (client.clone(), Arc::clone(&input));
        g.bench_custom("Client::recognize", |iters| {
            let (cl, inp) = (cl.clone(), Arc::clone(&inp));
            rt.block_on(run(iters, concurrency, move || {
                let (cl, inp) = (cl.clone(), Arc::clone(&inp));
                async move {
                    let invoices = cl.recognize(api, &inp).await.expect("recognized");
                    std::hint::black_box(invoices);
                }
            }))
        });
        let (cl, req) = (client.clone(), Arc::clone(&prepared));
        g.bench_custom("Client::call (prepared request)", |iters| {
            let (cl, req) = (cl.clone(), Arc::clone(&req));
            rt.block_on(run(iters, concurrency, move || {
                let (cl, req) = (cl.clone(), Arc::clone(&req));
                async move {
                    let answer = cl.call::<OcrInvoice>(&req).await.expect("answered");
                    std::hint::black_box(answer);
                }
            }))
        });
        g.bench_custom("raw reqwest (pre-signed bytes)", |iters| {
            let (raw, template) = (raw.clone(), raw_request.try_clone().expect("clonable"));
            rt.block_on(run(iters, concurrency, move || {
                let raw = raw.clone();
                let request = template.try_clone().expect("clonable body");
                async move {
                    let response = raw.execute(request).await.expect("sent");
                    std::hint::black_box(response.bytes().await.expect("answer read"));
                }
            }))
        });
        g.finish();
    }
}

criterion_group!(client, benches);
criterion_main!(client);
