//! No Secret Key and no issued token reaches the logs, the errors or any `Debug` output of a
//! token-issuing API's calls — even when the vendor echoes them back. Alone in its test binary:
//! `tracing` caches which events are enabled per callsite across threads, so tests running
//! calls in parallel without a subscriber could hide events from this one.

#[path = "client_support/log.rs"]
mod log;
// Only part of the scripted server is needed here.
#[allow(dead_code)]
#[path = "client_support/server.rs"]
mod server;

use fapiao::api::{Input, Registered};
use fapiao::apis::baidu::vat_invoice::VatInvoice;
use fapiao::client::{Client, RetryPolicy};
use server::{Script, Server};

const API_KEY: &str = "baidu-api-key-value-0002";
const SECRET: &str = "baidu-secret-key-value-0002";
const TOKEN: &str = "24.issued-token-value-0002";

static BAIDU: Registered<VatInvoice> = Registered::new();

#[tokio::test]
async fn no_secret_or_token_reaches_logs_errors_or_debug_output() {
    let (logs, _guard) = log::capture();

    // A misbehaving vendor: the token endpoint first refuses, quoting the secret, then issues
    // a token; the API quotes the token in its error.
    let refusals = std::sync::Mutex::new(0);
    let server = Server::start(move |_, req| {
        if !req.target.starts_with("/oauth/2.0/token") {
            return Script::json(
                200,
                &format!(r#"{{"error_code":216201,"error_msg":"bad image for {TOKEN}"}}"#),
            );
        }
        let mut n = refusals.lock().expect("lock");
        *n += 1;
        if *n == 1 {
            Script::json(
                401,
                &format!(
                    r#"{{"error":"invalid_client","error_description":"no client {SECRET}"}}"#
                ),
            )
        } else {
            Script::json(
                200,
                &format!(r#"{{"access_token":"{TOKEN}","expires_in":2592000}}"#),
            )
        }
    })
    .await;
    let client = Client::builder()
        .no_config_file()
        .environment(|_| None)
        .retry(RetryPolicy::never())
        .endpoint("baidu", server.url())
        .qps("baidu", 1000.0)
        .credential("baidu", "api_key", API_KEY)
        .credential("baidu", "secret_key", SECRET)
        .build()
        .expect("client");
    let mut printed = vec![format!("{client:?}")];
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x40\0\0\0\x40\x08\x02\0\0\0".to_vec();
    let input = Input {
        file: Some(png),
        ..Input::default()
    };
    for _ in 0..2 {
        let err = client.recognize(&BAIDU, &input).await.expect_err("fails");
        printed.extend([err.to_string(), format!("{err:?}")]);
    }
    assert_eq!(server.requests().len(), 3, "two token requests, one call");

    let logged = logs.text();
    assert!(
        logged.contains("requesting a token") && logged.contains("token received"),
        "{logged}"
    );
    for secret in [SECRET, TOKEN] {
        assert!(!logged.contains(secret), "log leaks {secret}:\n{logged}");
        for text in &printed {
            assert!(!text.contains(secret), "output leaks {secret}: {text}");
        }
    }
    assert!(
        printed.iter().any(|t| t.contains("no client ***")),
        "{printed:#?}"
    );
    assert!(
        printed.iter().any(|t| t.contains("bad image for ***")),
        "{printed:#?}"
    );
}
