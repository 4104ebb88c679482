//! The HTTP client against a loopback server: request shape and signatures, settings and
//! their precedence, endpoint overrides, input refusals before any connection, retries per
//! error kind, rate limiting, malformed answers, and secrets kept out of every output.

mod client_support;

use std::io::Cursor;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use client_support::server::{Captured, Script, Server};
use client_support::test_api::*;
use fapiao::Invoice;
use fapiao::api::{
    ApiDescriptor, DecodeError, DynApi, EncodedRequest, ErrorKind, Input, InputError, Registered,
    Reply,
};
use fapiao::auth::{self, AuthScheme, Credentials, VerifyContext, VerifyError};
use fapiao::client::{
    Client, ClientBuilder, ConfigError, Error, InputRefusal, RetryPolicy, endpoint_env_var,
};

static VAT_DYN: Registered<VatOcr> = Registered::new();
static RAW_DYN: Registered<RawOcr> = Registered::new();

const OK_BODY: &str = r#"{"Response":{"VatInvoiceInfos":[{"Name":"发票代码","Value":"033001800211"},{"Name":"发票号码","Value":"12345678"}],"RequestId":"req-ok"}}"#;
const RAW_OK_BODY: &str = r#"{"code":"10000","charge":true,"msg":"查询成功","result":{"code":0,"message":"success","request_id":"raw-req","result":{"invoice_no":"01599485"}}}"#;

fn error_body(code: &str) -> String {
    format!(
        r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"scripted {code}"}},"RequestId":"req-err"}}}}"#
    )
}

/// Retries without real waiting; the spec's QPS raised so tests do not crawl.
fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        ..RetryPolicy::default()
    }
}

/// A client with no config file and an empty environment, both test APIs pointed at `server`
/// and fully configured in code.
fn builder(server: &Server) -> ClientBuilder {
    bare_builder()
        .endpoint("test", server.url())
        .endpoint("rawco", server.url())
        .credential("test", "secret_id", SECRET_ID)
        .credential("test", "secret_key", SECRET_KEY)
        .credential("rawco", "access_key", ACCESS_KEY)
        .credential("rawco", "secret_key", RAW_SECRET_KEY)
        .credential("rawco", "project_id", "proj-42")
        .region("rawco", "cn-south-1")
}

fn bare_builder() -> ClientBuilder {
    Client::builder()
        .no_config_file()
        .environment(|_| None)
        .retry(fast_retry())
        .qps("test", 1000.0)
        .qps("rawco", 1000.0)
}

fn image(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::RgbImage::new(width, height)
        .write_to(&mut out, format)
        .expect("encode");
    out.into_inner()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    image(image::ImageFormat::Png, width, height)
}

fn file(bytes: Vec<u8>) -> Input {
    Input {
        file: Some(bytes),
        ..Input::default()
    }
}

fn tc3_credentials(secret_key: &str) -> Credentials {
    Credentials::new()
        .with("secret_id", SECRET_ID)
        .with("secret_key", secret_key)
}

fn verify(
    scheme: AuthScheme,
    req: &Captured,
    params: &[(&str, &str)],
    creds: &Credentials,
) -> Result<(), VerifyError> {
    let ctx = VerifyContext {
        params,
        credentials: creds,
        now: Utc::now(),
        max_skew: chrono::Duration::minutes(5),
    };
    auth::verify(scheme, &req.to_http_request(), &ctx)
}

/// The one request `server` received, signed with `secret_key` under TC3.
fn single_tc3_request_signed_with(server: &Server, secret_key: &str) -> bool {
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    verify(
        AuthScheme::Tc3HmacSha256,
        &requests[0],
        VAT.auth.params,
        &tc3_credentials(secret_key),
    )
    .is_ok()
}

#[tokio::test]
async fn tc3_request_has_the_sdk_headers_body_and_a_valid_signature() {
    let server = Server::always(Script::json(200, OK_BODY)).await;
    let client = builder(&server).build().expect("client");
    let request = VatRequest {
        image_url: Some("https://example.com/invoice.jpg".into()),
        ..VatRequest::default()
    };

    let response = client.call::<VatOcr>(&request).await.expect("call");

    assert_eq!(response.payload.infos.len(), 2);
    assert_eq!(response.request_id.as_deref(), Some("req-ok"));
    assert_eq!(response.attempts, 1);
    let [captured] = server.requests().try_into().expect("one request");
    assert_eq!(
        (captured.method.as_str(), captured.target.as_str()),
        ("POST", "/")
    );
    assert_eq!(
        captured.body,
        br#"{"ImageUrl":"https://example.com/invoice.jpg"}"#
    );
    let header = |name| captured.header(name).unwrap_or_else(|| panic!("no {name}"));
    assert_eq!(header("Content-Type"), "application/json; charset=utf-8");
    assert_eq!(header("X-TC-Action"), "VatInvoiceOCR");
    assert_eq!(header("X-TC-Version"), "2018-11-19");
    assert_eq!(header("X-TC-Region"), "ap-guangzhou");
    assert_eq!(header("Host"), server.url().trim_start_matches("http://"));
    let timestamp: i64 = header("X-TC-Timestamp").parse().expect("seconds");
    assert!((Utc::now().timestamp() - timestamp).abs() < 300);
    assert!(
        header("Authorization").starts_with(&format!("TC3-HMAC-SHA256 Credential={SECRET_ID}/"))
    );
    assert!(captured.header("X-TC-Token").is_none());

    let creds = tc3_credentials(SECRET_KEY);
    assert_eq!(
        verify(
            AuthScheme::Tc3HmacSha256,
            &captured,
            VAT.auth.params,
            &creds
        ),
        Ok(())
    );
    let wrong = tc3_credentials("another-secret-key-000000");
    assert_eq!(
        verify(
            AuthScheme::Tc3HmacSha256,
            &captured,
            VAT.auth.params,
            &wrong
        ),
        Err(VerifyError::BadSignature)
    );
}

#[tokio::test]
async fn recognize_checks_encodes_and_maps_onto_invoices() {
    let server = Server::always(Script::json(200, OK_BODY)).await;
    let client = builder(&server).build().expect("client");
    let bytes = png(100, 50);

    let invoices = client
        .recognize(&VAT_DYN, &file(bytes.clone()))
        .await
        .expect("recognize");

    assert_eq!(invoices.len(), 1);
    assert_eq!(invoices[0].number.as_deref(), Some("12345678"));
    assert_eq!(invoices[0].code.as_deref(), Some("033001800211"));
    let body: serde_json::Value = serde_json::from_slice(&server.requests()[0].body).expect("json");
    let expected = base64::engine::general_purpose::STANDARD.encode(&bytes);
    assert_eq!(body, serde_json::json!({ "ImageBase64": expected }));
}

#[tokio::test]
async fn a_pdf_is_detected_and_sent_with_its_page() {
    let server = Server::always(Script::json(200, OK_BODY)).await;
    let client = builder(&server).build().expect("client");
    let input = Input {
        file: Some(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".to_vec()),
        page: Some(1),
        ..Input::default()
    };

    client.recognize(&VAT_DYN, &input).await.expect("recognize");

    let body: serde_json::Value = serde_json::from_slice(&server.requests()[0].body).expect("json");
    assert_eq!(body["IsPdf"], true);
    assert_eq!(body["PdfPageNumber"], 1);
}

#[tokio::test]
async fn raw_body_request_is_re_signed_with_a_fresh_nonce_on_retry() {
    let server = Server::start(|n, _| match n {
        0 => Script::json(200, r#"{"code":"10043","msg":"QPS limit exceeded"}"#),
        _ => Script::json(200, RAW_OK_BODY),
    })
    .await;
    let client = builder(&server).build().expect("client");
    let bytes = image(image::ImageFormat::Jpeg, 64, 64);

    let invoices = client
        .recognize(&RAW_DYN, &file(bytes.clone()))
        .await
        .expect("recognize");

    assert_eq!(invoices[0].number.as_deref(), Some("01599485"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let creds = Credentials::new()
        .with("access_key", ACCESS_KEY)
        .with("secret_key", RAW_SECRET_KEY);
    for req in &requests {
        // The spec path with its placeholder filled, under the override's host.
        assert_eq!(req.target, "/v1/proj-42/ocr");
        assert_eq!(req.body, bytes);
        assert_eq!(req.header("Content-Type"), Some("application/octet-stream"));
        assert_eq!(req.header("X-Project-Id"), Some("proj-42"));
        assert_eq!(
            verify(AuthScheme::Jdcloud2HmacSha256, req, RAW.auth.params, &creds),
            Ok(())
        );
    }
    let nonce = |r: &Captured| r.header("x-jdcloud-nonce").expect("nonce").to_owned();
    assert_ne!(nonce(&requests[0]), nonce(&requests[1]));
}

#[tokio::test]
async fn an_endpoint_override_with_a_path_replaces_the_spec_path() {
    let server = Server::always(Script::json(200, RAW_OK_BODY)).await;
    let client = builder(&server)
        .endpoint(
            "rawco.raw_ocr",
            format!("{}/gateway/{{region}}/ocr", server.url()),
        )
        .build()
        .expect("client");

    client
        .recognize(&RAW_DYN, &file(png(30, 30)))
        .await
        .expect("recognize");

    assert_eq!(server.requests()[0].target, "/gateway/cn-south-1/ocr");
}

#[tokio::test]
async fn endpoint_comes_from_code_then_config_then_environment() {
    let winner = Server::always(Script::json(200, OK_BODY)).await;
    let loser = Server::always(Script::json(200, OK_BODY)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    let env_var = endpoint_env_var("test.vat_ocr");
    assert_eq!(env_var, "FAPIAO_ENDPOINT_TEST_VAT_OCR");
    let env_pointing_to = |url: String| {
        let var = env_var.clone();
        move |name: &str| (name == var).then(|| url.clone())
    };
    let with_creds = |b: ClientBuilder| {
        b.credential("test", "secret_id", SECRET_ID)
            .credential("test", "secret_key", SECRET_KEY)
    };
    let call = |client: Client| async move {
        client
            .recognize(&VAT_DYN, &file(png(30, 30)))
            .await
            .expect("recognize");
    };

    // Environment only.
    call(
        with_creds(bare_builder())
            .environment(env_pointing_to(winner.url()))
            .build()
            .expect("client"),
    )
    .await;
    assert_eq!((winner.accepts(), loser.accepts()), (1, 0));

    // Config file over environment.
    std::fs::write(
        &config,
        format!("[test.vat_ocr]\nendpoint = \"{}\"\n", winner.url()),
    )
    .expect("write");
    let client = with_creds(bare_builder())
        .config_file(&config)
        .environment(env_pointing_to(loser.url()))
        .build()
        .expect("client");
    call(client).await;
    assert_eq!((winner.accepts(), loser.accepts()), (2, 0));

    // Code over config file.
    std::fs::write(&config, format!("[test]\nendpoint = \"{}\"\n", loser.url())).expect("write");
    let client = with_creds(bare_builder())
        .config_file(&config)
        .endpoint("test.vat_ocr", winner.url())
        .build()
        .expect("client");
    call(client).await;
    assert_eq!((winner.accepts(), loser.accepts()), (3, 0));
}

#[tokio::test]
async fn credentials_come_from_code_then_config_then_environment() {
    const ENV_KEY: &str = "env-secret-key-value-0001";
    const FILE_KEY: &str = "file-secret-key-value-001";
    const CODE_KEY: &str = "code-secret-key-value-001";
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[test.credentials]\nsecret_key = \"{FILE_KEY}\"\n"),
    )
    .expect("write");
    let env = |name: &str| match name {
        "TENCENTCLOUD_SECRET_ID" => Some(SECRET_ID.to_owned()),
        "TENCENTCLOUD_SECRET_KEY" => Some(ENV_KEY.to_owned()),
        _ => None,
    };

    type Configure = fn(ClientBuilder, &std::path::Path) -> ClientBuilder;
    let cases: [(&str, Configure); 4] = [
        (ENV_KEY, |b, _| b),
        (FILE_KEY, |b, config| b.config_file(config)),
        (CODE_KEY, |b, config| {
            b.config_file(config)
                .credential("test", "secret_key", CODE_KEY)
        }),
        // The API's own scope wins over its vendor's.
        (FILE_KEY, |b, _| {
            b.credential("test", "secret_key", CODE_KEY).credential(
                "test.vat_ocr",
                "secret_key",
                FILE_KEY,
            )
        }),
    ];
    for (expected, configure) in cases {
        let server = Server::always(Script::json(200, OK_BODY)).await;
        let client = configure(
            bare_builder()
                .environment(env)
                .endpoint("test", server.url()),
            &config,
        )
        .build()
        .expect("client");
        client
            .recognize(&VAT_DYN, &file(png(30, 30)))
            .await
            .expect("recognize");
        assert!(
            single_tc3_request_signed_with(&server, expected),
            "expected {expected}"
        );
    }
}

#[tokio::test]
async fn missing_credentials_name_the_variables_to_set_and_send_nothing() {
    let server = Server::always(Script::json(200, OK_BODY)).await;
    let client = bare_builder()
        .endpoint("test", server.url())
        .credential("test", "secret_id", SECRET_ID)
        .build()
        .expect("client");

    let err = client
        .recognize(&VAT_DYN, &file(png(30, 30)))
        .await
        .expect_err("no key");

    assert!(
        matches!(err, Error::Config(ConfigError::MissingCredentials { .. })),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Auth);
    let message = err.to_string();
    assert!(
        message.contains("secret_key") && message.contains("TENCENTCLOUD_SECRET_KEY"),
        "{message}"
    );
    assert!(
        !message.contains("TENCENTCLOUD_SECRET_ID"),
        "secret_id is configured: {message}"
    );
    assert_eq!(server.accepts(), 0);
}

#[tokio::test]
async fn regions_come_from_settings_and_are_checked_against_the_spec() {
    let server = Server::always(Script::json(200, OK_BODY)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[test]\nregion = \"ap-shanghai\"\n").expect("write");
    let client = builder(&server)
        .config_file(&config)
        .build()
        .expect("client");
    client
        .recognize(&VAT_DYN, &file(png(30, 30)))
        .await
        .expect("recognize");
    assert_eq!(
        server.requests()[0].header("X-TC-Region"),
        Some("ap-shanghai")
    );

    let client = builder(&server)
        .region("test", "mars-north-1")
        .build()
        .expect("client");
    let err = client
        .recognize(&VAT_DYN, &file(png(30, 30)))
        .await
        .expect_err("bad region");
    assert!(
        matches!(err, Error::Config(ConfigError::UnknownRegion { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("mars-north-1"));

    // RawOcr has no default region and its URL needs one.
    let client = bare_builder()
        .credential("rawco", "access_key", ACCESS_KEY)
        .credential("rawco", "secret_key", RAW_SECRET_KEY)
        .credential("rawco", "project_id", "proj-42")
        .build()
        .expect("client");
    let err = client
        .recognize(&RAW_DYN, &file(png(30, 30)))
        .await
        .expect_err("no region");
    assert!(
        matches!(err, Error::Config(ConfigError::Placeholder { ref name, .. }) if name == "region"),
        "{err:?}"
    );
    assert_eq!(server.accepts(), 1);
}

#[tokio::test]
async fn config_file_is_found_through_fapiao_config() {
    let server = Server::always(Script::json(200, OK_BODY)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("fapiao.toml");
    std::fs::write(
        &config,
        format!(
            "[test]\ncredentials = {{ secret_id = \"{SECRET_ID}\", secret_key = \"{SECRET_KEY}\" }}\n\
             [test.vat_ocr]\nendpoint = \"{}\"\n",
            server.url()
        ),
    )
    .expect("write");
    let path = config.display().to_string();
    let client = Client::builder()
        .environment(move |name| (name == "FAPIAO_CONFIG").then(|| path.clone()))
        .build()
        .expect("client");

    client
        .recognize(&VAT_DYN, &file(png(30, 30)))
        .await
        .expect("recognize");
    assert!(single_tc3_request_signed_with(&server, SECRET_KEY));

    let missing = dir.path().join("absent.toml").display().to_string();
    let err = Client::builder()
        .environment(move |name| (name == "FAPIAO_CONFIG").then(|| missing.clone()))
        .build()
        .expect_err("required file");
    assert!(
        matches!(err, Error::Config(ConfigError::File { .. })),
        "{err:?}"
    );
}

/// Runs one call against a server answering every request with `script`.
async fn outcome(
    script: Script,
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> (Result<(), Error>, usize) {
    let server = Server::always(script).await;
    let client = configure(builder(&server)).build().expect("client");
    let result = client
        .recognize(&VAT_DYN, &file(png(30, 30)))
        .await
        .map(drop);
    (result, server.requests().len())
}

#[tokio::test]
async fn retries_only_what_may_succeed_on_a_second_try() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let cases = [
        (
            "rate limited",
            Script::json(200, &error_body("RequestLimitExceeded")),
            3,
            ErrorKind::RateLimited,
        ),
        (
            "signature expired",
            Script::json(200, &error_body("AuthFailure.SignatureExpire")),
            3,
            ErrorKind::SignatureExpired,
        ),
        (
            "bad signature",
            Script::json(200, &error_body("AuthFailure.SignatureFailure")),
            1,
            ErrorKind::Auth,
        ),
        (
            "auth marked retryable",
            Script::json(200, &error_body("AuthFailure.TokenFailure")),
            1,
            ErrorKind::Auth,
        ),
        (
            "bad input",
            Script::json(
                200,
                &error_body("InvalidParameterValue.InvalidParameterValueLimit"),
            ),
            1,
            ErrorKind::BadInput,
        ),
        (
            "charged",
            Script::json(200, &error_body("FailedOperation.OcrFailed")),
            1,
            ErrorKind::Internal,
        ),
        (
            "image quality",
            Script::json(200, &error_body("FailedOperation.ImageBlur")),
            1,
            ErrorKind::ImageQuality,
        ),
        (
            "undocumented on 200",
            Script::json(200, &error_body("Some.NewCode")),
            1,
            ErrorKind::Other,
        ),
        (
            "undocumented on 502",
            Script::json(502, &error_body("Some.NewCode")),
            3,
            ErrorKind::Unavailable,
        ),
        (
            "undocumented on 400",
            Script::json(400, &error_body("Some.NewCode")),
            1,
            ErrorKind::BadInput,
        ),
        (
            "html 502",
            Script::raw(502, "text/html", html.as_bytes()),
            3,
            ErrorKind::Unavailable,
        ),
        (
            "empty 429",
            Script::raw(429, "text/plain", b""),
            3,
            ErrorKind::RateLimited,
        ),
        (
            "no error but 500",
            Script::json(500, r#"{"Response":{"RequestId":"x"}}"#),
            3,
            ErrorKind::Internal,
        ),
        (
            "html 200",
            Script::raw(200, "text/html", html.as_bytes()),
            1,
            ErrorKind::Other,
        ),
        (
            "empty 200",
            Script::raw(200, "application/json", b""),
            1,
            ErrorKind::Other,
        ),
        (
            "truncated 200",
            Script::json(200, &OK_BODY[..OK_BODY.len() / 2]),
            1,
            ErrorKind::Other,
        ),
        ("closed", Script::Close, 3, ErrorKind::Unavailable),
    ];
    for (name, script, expected_requests, kind) in cases {
        let (result, requests) = outcome(script, |b| b).await;
        let err = result.expect_err(name);
        assert_eq!(requests, expected_requests, "{name}: {err}");
        assert_eq!(err.kind(), kind, "{name}: {err}");
        assert_eq!(err.is_retryable(), expected_requests > 1, "{name}");
    }
}

#[tokio::test]
async fn malformed_answers_are_typed_errors_with_a_snippet() {
    let cases = [
        ("<html><body>Service Unavailable</body></html>", 503),
        ("", 200),
        (&OK_BODY[..40], 200),
    ];
    for (body, status) in cases {
        let script = Script::raw(status, "text/html", body.as_bytes());
        let (result, _) = outcome(script, |b| b.retry(RetryPolicy::never())).await;
        match result {
            Err(Error::MalformedResponse {
                decode,
                http_status,
                ..
            }) => {
                assert_eq!(http_status, status);
                assert_eq!(decode.snippet, body.chars().take(200).collect::<String>());
                assert_eq!(decode.api, "test.vat_ocr");
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_retried_call_reports_its_attempts() {
    let server = Server::start(|n, _| match n {
        0 => Script::json(200, &error_body("InternalError")),
        _ => Script::json(200, OK_BODY),
    })
    .await;
    let client = builder(&server).build().expect("client");
    let request = VatRequest {
        image_url: Some("https://example.com/a.png".into()),
        ..VatRequest::default()
    };

    let response = client
        .call::<VatOcr>(&request)
        .await
        .expect("second attempt succeeds");

    assert_eq!(response.attempts, 2);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn timeouts_are_typed_and_retried() {
    let (result, requests) = outcome(Script::Hang, |b| b.timeout(Duration::from_millis(200))).await;
    let err = result.expect_err("hangs");
    assert!(
        matches!(err, Error::Timeout { after, .. } if after == Duration::from_millis(200)),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn the_retry_budget_stops_retry_storms() {
    let server = Server::always(Script::json(200, &error_body("RequestLimitExceeded"))).await;
    let policy = RetryPolicy {
        budget_reserve: 1,
        budget_ratio: 0.0,
        ..fast_retry()
    };
    let client = builder(&server).retry(policy).build().expect("client");
    for _ in 0..3 {
        client
            .recognize(&VAT_DYN, &file(png(30, 30)))
            .await
            .expect_err("always limited");
    }
    // The first call spends the single retry token; the others get one attempt each.
    assert_eq!(server.requests().len(), 2 + 1 + 1);
}

#[tokio::test]
async fn request_id_falls_back_to_the_response_header() {
    let with_header = |status, body: &str| Script::Answer {
        status,
        headers: vec![("X-RawCo-Request-Id".into(), "hdr-7".into())],
        body: body.as_bytes().to_vec(),
    };
    let server = Server::start(move |n, _| match n {
        0 => with_header(503, "upstream down"),
        _ => with_header(
            200,
            r#"{"code":"10000","result":{"code":"0","result":{"invoice_no":"1"}}}"#,
        ),
    })
    .await;
    let client = builder(&server)
        .retry(RetryPolicy::never())
        .build()
        .expect("client");
    let request = client
        .prepare::<RawOcr>(&file(png(30, 30)))
        .expect("prepared");

    let err = client.call::<RawOcr>(&request).await.expect_err("503");
    assert_eq!(err.request_id(), Some("hdr-7"));
    assert_eq!(err.http_status(), Some(503));
    let ok = client.call::<RawOcr>(&request).await.expect("200");
    assert_eq!(ok.request_id.as_deref(), Some("hdr-7"));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let target = Server::always(Script::json(200, OK_BODY)).await;
    let location = target.url();
    let server = Server::always(Script::Answer {
        status: 307,
        headers: vec![("Location".into(), location)],
        body: Vec::new(),
    })
    .await;
    let client = builder(&server).build().expect("client");

    let err = client
        .recognize(&VAT_DYN, &file(png(30, 30)))
        .await
        .expect_err("redirect");

    assert_eq!(err.http_status(), Some(307));
    assert_eq!(target.accepts(), 0);
}

#[tokio::test]
async fn vendor_errors_carry_code_status_request_id_and_typed_code() {
    let (result, _) = outcome(
        Script::json(200, &error_body("RequestLimitExceeded")),
        |b| b.retry(RetryPolicy::never()),
    )
    .await;
    let err = result.expect_err("limited");
    let vendor = err.vendor().expect("vendor error");
    assert_eq!(vendor.api, "test.vat_ocr");
    assert_eq!(vendor.code, "RequestLimitExceeded");
    assert_eq!(vendor.message, "scripted RequestLimitExceeded");
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.request_id(), Some("req-err"));
    assert_eq!(
        err.vendor_code::<VatErrorCode>(),
        Some(VatErrorCode::RequestLimitExceeded)
    );
    assert!(err.to_string().contains("RequestLimitExceeded"));
}

#[tokio::test]
async fn input_refusals_name_api_limit_and_value_and_open_no_connection() {
    let server = Server::always(Script::json(200, OK_BODY)).await;
    let client = builder(&server).build().expect("client");
    let mut twelve_mb = png(100, 100);
    twelve_mb.resize(12 * 1024 * 1024, 0);
    let gif = [
        b"GIF89a".as_slice(),
        &100u16.to_le_bytes(),
        &100u16.to_le_bytes(),
        &[0; 8],
    ]
    .concat();
    let pdf = b"%PDF-1.4\n".to_vec();
    let mut corrupt_png = png(30, 30);
    corrupt_png[12..16].copy_from_slice(b"XXXX");
    let mut six_mb_jpeg = image(image::ImageFormat::Jpeg, 40, 40);
    six_mb_jpeg.resize(6 * 1024 * 1024, 0);
    let with_page = |bytes: Vec<u8>, page| Input {
        page: Some(page),
        ..file(bytes)
    };

    let vat_cases: Vec<(&str, Input, &[&str])> = vec![
        (
            "12 MB PNG",
            file(twelve_mb),
            &["max_base64_bytes", "10485760", "16777216"],
        ),
        ("GIF", file(gif), &["gif", "png, jpeg, pdf"]),
        (
            "10×10 PNG",
            file(png(10, 10)),
            &["min_pixels", "20", "10×10"],
        ),
        (
            "wide PNG",
            file(png(10_001, 25)),
            &["max_pixels", "10000", "10001×25"],
        ),
        ("0-byte file", file(Vec::new()), &["empty", "0 bytes"]),
        (
            "unknown format",
            file(b"just some text".to_vec()),
            &["unrecognised"],
        ),
        ("corrupt header", file(corrupt_png), &["png header"]),
        (
            "page of an image",
            with_page(png(30, 30), 2),
            &["page 2", "image has no pages"],
        ),
        (
            "page 0",
            with_page(pdf.clone(), 0),
            &["page 0", "numbered from 1"],
        ),
        ("nothing", Input::default(), &["ImageBase64, ImageUrl"]),
    ];
    for (name, input, expected) in vat_cases {
        let err = client.recognize(&VAT_DYN, &input).await.expect_err(name);
        assert!(matches!(err, Error::InputRefused(_)), "{name}: {err:?}");
        let message = err.to_string();
        assert!(message.contains("test.vat_ocr"), "{name}: {message}");
        for part in expected {
            assert!(message.contains(part), "{name}: {message:?} lacks {part:?}");
        }
    }

    let raw_cases: Vec<(&str, Input, &[&str])> = vec![
        (
            "6 MB JPEG",
            file(six_mb_jpeg),
            &["max_file_bytes", "5242880", "6291456"],
        ),
        ("PDF", file(pdf.clone()), &["pdf files are not accepted"]),
        (
            "page option",
            with_page(png(30, 30), 1),
            &["takes no page option"],
        ),
    ];
    for (name, input, expected) in raw_cases {
        let err = client.recognize(&RAW_DYN, &input).await.expect_err(name);
        let message = err.to_string();
        assert!(message.contains("rawco.raw_ocr"), "{name}: {message}");
        for part in expected {
            assert!(message.contains(part), "{name}: {message:?} lacks {part:?}");
        }
    }

    // A typed request is checked against the whole-body limit.
    let oversized = VatRequest {
        image_url: Some("x".repeat(11 * 1024 * 1024)),
        ..VatRequest::default()
    };
    let err = client
        .call::<VatOcr>(&oversized)
        .await
        .expect_err("too large");
    assert!(
        matches!(
            err,
            Error::InputRefused(InputRefusal::TooLarge {
                limit: "max_request_bytes",
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::TooLarge);

    assert_eq!(server.accepts(), 0, "a refused input opened a connection");
    client
        .recognize(&VAT_DYN, &file(png(30, 30)))
        .await
        .expect("valid input");
    assert_eq!(server.accepts(), 1, "the counter sees connections");
}

#[tokio::test]
async fn refusal_kinds_follow_the_limit() {
    let server = Server::always(Script::Close).await;
    let client = builder(&server).build().expect("client");
    let kind = |input: Input| {
        let client = client.clone();
        async move {
            client
                .recognize(&VAT_DYN, &input)
                .await
                .expect_err("refused")
                .kind()
        }
    };
    let gif = [b"GIF87a".as_slice(), &[50, 0, 50, 0]].concat();
    assert_eq!(kind(file(gif)).await, ErrorKind::UnsupportedFormat);
    assert_eq!(kind(file(png(5, 5))).await, ErrorKind::BadInput);
    assert_eq!(kind(file(Vec::new())).await, ErrorKind::BadInput);
    assert!(matches!(
        client.recognize(&VAT_DYN, &Input::default()).await,
        Err(Error::InputRefused(InputRefusal::Request(
            InputError::MissingOneOf { .. }
        )))
    ));
}

/// A `DynApi` over RawOcr's descriptor that records what the client's credential lookup gives
/// its encoder, then stops.
#[derive(Default)]
struct CredentialProbe(Mutex<Vec<(&'static str, Option<String>)>>);

impl DynApi for CredentialProbe {
    fn descriptor(&self) -> &'static ApiDescriptor {
        &RAW
    }

    fn encode_input(
        &self,
        _input: &Input,
        credential: &dyn Fn(&str) -> Option<String>,
    ) -> Result<EncodedRequest, InputError> {
        let mut seen = self.0.lock().expect("lock");
        for name in ["project_id", "access_key", "secret_key", "unlisted"] {
            seen.push((name, credential(name)));
        }
        Err(InputError::NoUsableInput { api: RAW.id })
    }

    fn decode_invoices(&self, body: &[u8]) -> Result<Reply<Vec<Invoice>>, DecodeError> {
        Err(DecodeError::new(RAW.id, "the probe decodes nothing", body))
    }

    fn decode_value(&self, body: &[u8]) -> Result<Reply<serde_json::Value>, DecodeError> {
        Err(DecodeError::new(RAW.id, "the probe decodes nothing", body))
    }
}

#[tokio::test]
async fn encoders_get_public_credentials_but_never_secret_ones() {
    let server = Server::always(Script::Close).await;
    let client = builder(&server).build().expect("client");
    let request = client
        .prepare::<RawOcr>(&file(png(30, 30)))
        .expect("prepared");
    assert_eq!(request.project_id, "proj-42");

    let probe = CredentialProbe::default();
    let err = client
        .recognize(&probe, &file(png(30, 30)))
        .await
        .expect_err("probe stops");
    assert!(
        matches!(err, Error::InputRefused(InputRefusal::Request(_))),
        "{err:?}"
    );
    assert_eq!(
        *probe.0.lock().expect("lock"),
        [
            ("project_id", Some("proj-42".to_owned())),
            ("access_key", None),
            ("secret_key", None),
            ("unlisted", None),
        ]
    );
    assert_eq!(server.accepts(), 0);
}

#[tokio::test(start_paused = true)]
async fn concurrent_calls_share_the_spec_rate_limit() {
    let server = Server::always(Script::json(200, OK_BODY)).await;
    // The spec's 10 QPS applies; no timeouts, since the paused clock would fire them.
    let client = Client::builder()
        .no_config_file()
        .environment(|_| None)
        .endpoint("test", server.url())
        .credential("test", "secret_id", SECRET_ID)
        .credential("test", "secret_key", SECRET_KEY)
        .timeout(None)
        .connect_timeout(None)
        .build()
        .expect("client");
    let start = tokio::time::Instant::now();
    let calls: Vec<_> = (0..80)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.recognize(&VAT_DYN, &file(png(30, 30))).await })
        })
        .collect();
    for call in calls {
        call.await.expect("task").expect("call");
    }
    let in_five_seconds = server
        .requests()
        .iter()
        .filter(|r| r.at.duration_since(start) < Duration::from_secs(5))
        .count();
    assert!(
        (45..=55).contains(&in_five_seconds),
        "{in_five_seconds} requests in 5 s at 10 QPS"
    );
}

#[tokio::test]
async fn no_secret_reaches_logs_errors_or_debug_output() {
    let (logs, _guard) = client_support::log::capture();
    const PROXY_PASSWORD: &str = "proxy-password-value-0001";
    let secrets = [
        SECRET_ID,
        SECRET_KEY,
        ACCESS_KEY,
        RAW_SECRET_KEY,
        PROXY_PASSWORD,
    ];
    // A misbehaving vendor echoing the credentials back.
    let echo = format!(
        r#"{{"Response":{{"Error":{{"Code":"AuthFailure.SignatureFailure","Message":"key {SECRET_ID} / {SECRET_KEY} rejected"}},"RequestId":"r"}}}}"#
    );
    let server = Server::start(move |n, _| match n {
        0 => Script::json(200, OK_BODY),
        1 => Script::json(200, &echo),
        2 => Script::raw(502, "text/html", format!("<p>{SECRET_KEY}</p>").as_bytes()),
        _ => Script::json(200, RAW_OK_BODY),
    })
    .await;
    let builder = builder(&server).retry(RetryPolicy::never()).endpoint(
        "other.api",
        format!("http://user:{PROXY_PASSWORD}@127.0.0.1:9"),
    );
    let mut printed = vec![format!("{builder:?}")];
    let client = builder.build().expect("client");
    printed.push(format!("{client:?}"));

    let ok = client
        .recognize(&VAT_DYN, &file(png(30, 30)))
        .await
        .expect("ok");
    printed.push(format!("{ok:?}"));
    for _ in 0..2 {
        let err = client
            .recognize(&VAT_DYN, &file(png(30, 30)))
            .await
            .expect_err("fails");
        printed.extend([err.to_string(), format!("{err:?}")]);
    }
    let raw = client
        .call::<RawOcr>(
            &client
                .prepare::<RawOcr>(&file(png(30, 30)))
                .expect("prepare"),
        )
        .await;
    printed.push(format!("{raw:?}"));
    let missing = bare_builder()
        .endpoint("rawco", server.url())
        .build()
        .expect("client");
    let err = missing
        .recognize(&RAW_DYN, &file(png(30, 30)))
        .await
        .expect_err("no credentials");
    printed.extend([err.to_string(), format!("{err:?}")]);

    let logged = logs.text();
    assert!(
        logged.contains("fapiao_call") && logged.contains("sending request"),
        "{logged}"
    );
    assert!(logged.contains("response received"));
    for secret in secrets {
        assert!(!logged.contains(secret), "log leaks {secret}:\n{logged}");
        for text in &printed {
            assert!(!text.contains(secret), "output leaks {secret}: {text}");
        }
    }
    assert!(
        printed.iter().any(|t| t.contains("key *** / *** rejected")),
        "{printed:#?}"
    );
}

/// The generated Tencent API, found by id in the registry, through the client: credentials
/// and endpoint from the variables its descriptor names, the spec's example as the answer.
#[tokio::test]
async fn a_generated_api_round_trips_through_the_client() {
    let api = *fapiao::apis::REGISTRY
        .iter()
        .find(|a| a.descriptor().id == "tencent.vat_invoice_ocr")
        .expect("generated");
    let descriptor = api.descriptor();
    let example = descriptor
        .examples
        .iter()
        .find(|e| e.at.is_empty())
        .expect("example");
    let server = Server::always(Script::json(200, example.json)).await;
    let env = {
        let endpoint = (endpoint_env_var(descriptor.id), server.url());
        move |name: &str| match name {
            "TENCENTCLOUD_SECRET_ID" => Some(SECRET_ID.to_owned()),
            "TENCENTCLOUD_SECRET_KEY" => Some(SECRET_KEY.to_owned()),
            _ => (name == endpoint.0).then(|| endpoint.1.clone()),
        }
    };
    let client = Client::builder()
        .no_config_file()
        .environment(env)
        .build()
        .expect("client");

    let invoices = client
        .recognize(api, &file(png(30, 30)))
        .await
        .expect("recognize");

    assert!(!invoices.is_empty());
    assert!(invoices.iter().all(|i| i.api == descriptor.id));
    let [captured] = server.requests().try_into().expect("one request");
    assert_eq!(
        captured.header("X-TC-Action"),
        descriptor.auth.param("action")
    );
    let scheme = AuthScheme::from_id(descriptor.auth.scheme).expect("scheme");
    let creds = tc3_credentials(SECRET_KEY);
    assert_eq!(
        verify(scheme, &captured, descriptor.auth.params, &creds),
        Ok(())
    );
}

// ---------------------------------------------------------------------------------------------
// Token-issuing schemes, with the generated Baidu API: the token is fetched once per
// credential set, refreshed shortly before it expires, never cached when refused, and dropped
// when the vendor calls it invalid.

mod baidu_tokens {
    use super::*;

    use fapiao::api::Api;
    use fapiao::apis::baidu::vat_invoice::{self, VatInvoice};

    const TOKEN_PATH: &str = "/oauth/2.0/token";
    const API_KEY: &str = "baidu-api-key-value-0001";
    const SECRET: &str = "baidu-secret-key-value-0001";

    static BAIDU: Registered<VatInvoice> = Registered::new();

    /// A second Baidu API (another app of the same account, say), configured with other
    /// credentials: the generated one under another id.
    struct SecondApp;

    static SECOND_APP: ApiDescriptor = ApiDescriptor {
        id: "baidu.second_app",
        ..*VatInvoice::DESCRIPTOR
    };

    impl Api for SecondApp {
        type Request = vat_invoice::Request;
        type Response = vat_invoice::VatInvoiceResponse;
        type ErrorCode = vat_invoice::ErrorCode;
        const DESCRIPTOR: &'static ApiDescriptor = &SECOND_APP;

        fn decode(body: &[u8]) -> Result<Reply<Self::Response>, DecodeError> {
            VatInvoice::decode(body)
        }
    }

    static SECOND: Registered<SecondApp> = Registered::new();

    fn seed_body() -> &'static str {
        VatInvoice::DESCRIPTOR
            .examples
            .iter()
            .find(|e| e.name == "seed")
            .expect("a seed example")
            .json
    }

    fn token_answer(token: &str, expires_in: u64) -> Script {
        Script::json(
            200,
            &format!(r#"{{"access_token":"{token}","expires_in":{expires_in}}}"#),
        )
    }

    fn is_token_request(req: &Captured) -> bool {
        req.target.starts_with(TOKEN_PATH)
    }

    /// The form fields of a request body or query.
    fn fields(text: &[u8]) -> Vec<(String, String)> {
        url::form_urlencoded::parse(text).into_owned().collect()
    }

    fn field(pairs: &[(String, String)], name: &str) -> Option<String> {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    /// The `access_token` an API call carried.
    fn token_of(req: &Captured) -> Option<String> {
        let query = req.target.split_once('?').map_or("", |(_, q)| q);
        field(&fields(query.as_bytes()), "access_token")
    }

    /// A server issuing `token-<n>` (valid `expires_in` s) at the token path and answering API
    /// calls with `api(n)` (the n-th API call, 0-based).
    async fn baidu_server(
        expires_in: u64,
        api: impl Fn(usize) -> Script + Send + Sync + 'static,
    ) -> Server {
        let counts = Mutex::new((0, 0));
        Server::start(move |_, req| {
            let mut counts = counts.lock().expect("lock");
            if is_token_request(req) {
                counts.0 += 1;
                token_answer(&format!("24.token-{}", counts.0), expires_in)
            } else {
                counts.1 += 1;
                api(counts.1 - 1)
            }
        })
        .await
    }

    fn baidu_client(server: &Server, retry: RetryPolicy) -> ClientBuilder {
        bare_builder()
            .retry(retry)
            .endpoint("baidu", server.url())
            .qps("baidu", 1000.0)
            .qps("baidu.second_app", 1000.0)
            .credential("baidu", "api_key", API_KEY)
            .credential("baidu", "secret_key", SECRET)
    }

    fn split(server: &Server) -> (Vec<Captured>, Vec<Captured>) {
        server.requests().into_iter().partition(is_token_request)
    }

    #[tokio::test]
    async fn one_token_request_serves_every_call_and_goes_where_the_endpoint_override_points() {
        let server = baidu_server(2_592_000, |_| Script::json(200, seed_body())).await;
        let client = baidu_client(&server, RetryPolicy::never())
            .build()
            .expect("client");
        for _ in 0..3 {
            let invoices = client
                .recognize(&BAIDU, &file(png(30, 30)))
                .await
                .expect("recognize");
            assert_eq!(invoices[0].api, "baidu.vat_invoice");
        }
        let (tokens, calls) = split(&server);
        let [token_request] = tokens.try_into().expect("one token request");
        assert_eq!(token_request.method, "POST");
        assert_eq!(token_request.target, TOKEN_PATH);
        let form = fields(&token_request.body);
        assert_eq!(
            field(&form, "grant_type").as_deref(),
            Some("client_credentials")
        );
        assert_eq!(field(&form, "client_id").as_deref(), Some(API_KEY));
        assert_eq!(field(&form, "client_secret").as_deref(), Some(SECRET));
        assert_eq!(calls.len(), 3);
        for call in &calls {
            assert!(call.target.starts_with("/rest/2.0/ocr/v1/vat_invoice?"));
            assert_eq!(token_of(call).as_deref(), Some("24.token-1"));
            assert!(field(&fields(&call.body), "image").is_some());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_is_refreshed_five_minutes_before_it_expires() {
        let server = baidu_server(3600, |_| Script::json(200, seed_body())).await;
        // No timeouts: the paused clock would fire them.
        let client = baidu_client(&server, RetryPolicy::never())
            .timeout(None)
            .connect_timeout(None)
            .build()
            .expect("client");
        let call = async || client.recognize(&BAIDU, &file(png(30, 30))).await;
        call().await.expect("first call");
        tokio::time::advance(Duration::from_secs(3600 - 300 - 1)).await;
        call().await.expect("just outside the margin");
        tokio::time::advance(Duration::from_secs(2)).await;
        call().await.expect("within the margin");
        let (tokens, calls) = split(&server);
        assert_eq!(tokens.len(), 2, "fetched at first use and once more");
        let used: Vec<_> = calls.iter().filter_map(token_of).collect();
        assert_eq!(used, ["24.token-1", "24.token-1", "24.token-2"]);
    }

    #[tokio::test]
    async fn a_refused_token_request_fails_the_call_and_is_not_cached() {
        let tokens = Mutex::new(0);
        let server = Server::start(move |_, req| {
            if !is_token_request(req) {
                return Script::json(200, seed_body());
            }
            let mut n = tokens.lock().expect("lock");
            *n += 1;
            match *n {
                // A 401 with a JSON body: the body says why.
                1 => Script::json(
                    401,
                    r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
                ),
                2 => Script::raw(502, "text/html", b"<html>bad gateway</html>"),
                _ => token_answer("24.token-ok", 2_592_000),
            }
        })
        .await;
        let client = baidu_client(&server, RetryPolicy::never())
            .build()
            .expect("client");
        let refused = client
            .recognize(&BAIDU, &file(png(30, 30)))
            .await
            .expect_err("refused");
        let vendor = refused.vendor().expect("the token endpoint's refusal");
        assert_eq!(
            (vendor.code.as_str(), vendor.message.as_str()),
            ("invalid_client", "Client authentication failed")
        );
        assert_eq!(
            (refused.kind(), refused.http_status()),
            (ErrorKind::Auth, Some(401))
        );
        assert!(!refused.is_retryable());
        let garbled = client
            .recognize(&BAIDU, &file(png(30, 30)))
            .await
            .expect_err("malformed");
        assert!(
            matches!(
                garbled,
                Error::MalformedResponse {
                    http_status: 502,
                    ..
                }
            ),
            "{garbled:?}"
        );
        client
            .recognize(&BAIDU, &file(png(30, 30)))
            .await
            .expect("the third token request succeeds");
        let (tokens, calls) = split(&server);
        assert_eq!((tokens.len(), calls.len()), (3, 1));
        assert_eq!(token_of(&calls[0]).as_deref(), Some("24.token-ok"));
    }

    #[tokio::test]
    async fn each_credential_set_has_its_own_token() {
        let server = Server::start(|_, req| {
            if !is_token_request(req) {
                return Script::json(200, seed_body());
            }
            let client_id = field(&fields(&req.body), "client_id").unwrap_or_default();
            token_answer(&format!("24.for-{client_id}"), 2_592_000)
        })
        .await;
        let client = baidu_client(&server, RetryPolicy::never())
            .credential("baidu.second_app", "api_key", "second-app-api-key")
            .credential("baidu.second_app", "secret_key", "second-app-secret")
            .build()
            .expect("client");
        for api in [&BAIDU as &dyn DynApi, &SECOND, &BAIDU, &SECOND] {
            client
                .recognize(api, &file(png(30, 30)))
                .await
                .expect("recognize");
        }
        let (tokens, calls) = split(&server);
        let mut asked: Vec<_> = tokens
            .iter()
            .filter_map(|t| field(&fields(&t.body), "client_id"))
            .collect();
        asked.sort();
        assert_eq!(asked, ["baidu-api-key-value-0001", "second-app-api-key"]);
        let used: Vec<_> = calls.iter().filter_map(token_of).collect();
        assert_eq!(
            used,
            [
                "24.for-baidu-api-key-value-0001",
                "24.for-second-app-api-key",
                "24.for-baidu-api-key-value-0001",
                "24.for-second-app-api-key",
            ]
        );
    }

    #[tokio::test]
    async fn a_token_the_vendor_calls_invalid_is_dropped_and_fetched_again() {
        const INVALID: &str = r#"{"log_id":1,"error_code":110,"error_msg":"Access token invalid or no longer valid"}"#;
        const EXPIRED: &str = r#"{"log_id":2,"error_code":111,"error_msg":"Access token expired"}"#;
        let server = baidu_server(2_592_000, |n| match n {
            0 => Script::json(200, INVALID),
            2 => Script::json(200, EXPIRED),
            _ => Script::json(200, seed_body()),
        })
        .await;
        // With retries the call survives the 110: its retry fetches a fresh token.
        let client = baidu_client(&server, fast_retry()).build().expect("client");
        client
            .recognize(&BAIDU, &file(png(30, 30)))
            .await
            .expect("the retry succeeds");
        // Without retries the 111 fails the call, typed, and the next call gets a new token.
        let no_retry = baidu_client(&server, RetryPolicy::never())
            .build()
            .expect("client");
        let expired = no_retry
            .recognize(&BAIDU, &file(png(30, 30)))
            .await
            .expect_err("111");
        assert_eq!(
            expired.vendor_code::<vat_invoice::ErrorCode>(),
            Some(vat_invoice::ErrorCode::AccessTokenExpired)
        );
        assert_eq!(expired.kind(), ErrorKind::SignatureExpired);
        no_retry
            .recognize(&BAIDU, &file(png(30, 30)))
            .await
            .expect("a fresh token");
        let (tokens, calls) = split(&server);
        assert_eq!(tokens.len(), 4, "one per client, one after each refusal");
        let used: Vec<_> = calls.iter().filter_map(token_of).collect();
        assert_eq!(
            used,
            ["24.token-1", "24.token-2", "24.token-3", "24.token-4"]
        );
    }
}

#[test]
fn settings_are_checked_without_a_call() {
    let legacy = fapiao::api::find("tencent.invoice_legacy")
        .expect("registered")
        .descriptor();
    let configured = |names: &[&str]| {
        names
            .iter()
            .fold(
                Client::builder().no_config_file().environment(|_| None),
                |b, name| b.credential(legacy.id, name, "value"),
            )
            .build()
            .expect("client")
    };
    let none = configured(&[]).check_settings(legacy).unwrap_err();
    assert!(
        matches!(none, Error::Config(ConfigError::MissingCredentials { .. })),
        "{none:?}"
    );
    let without_app_id = configured(&["secret_id", "secret_key"])
        .check_settings(legacy)
        .unwrap_err();
    assert!(
        matches!(&without_app_id, Error::Config(ConfigError::MissingCredentials { names, .. }) if names == "app_id"),
        "{without_app_id:?}"
    );
    configured(&["app_id", "secret_id", "secret_key"])
        .check_settings(legacy)
        .expect("every credential configured");
}
