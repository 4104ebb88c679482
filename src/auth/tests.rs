//! Behaviour shared by every scheme: sign → verify round trips, the rejections a verifier must
//! make, credential errors, and that nothing prints a secret.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use super::*;

/// One scheme with credentials and spec parameters that sign an invoice-OCR call.
struct Fixture {
    scheme: AuthScheme,
    credentials: Credentials,
    params: Vec<(&'static str, &'static str)>,
    url: &'static str,
    /// The credential that names the key (sent on the wire).
    key_id: &'static str,
    /// The credential that keys the MAC.
    secret: &'static str,
}

fn fixtures() -> Vec<Fixture> {
    vec![
        Fixture {
            scheme: AuthScheme::Tc3HmacSha256,
            credentials: Credentials::new()
                .with("secret_id", "AKIDFIXTURE")
                .with("secret_key", "tc3-secret-value"),
            params: vec![
                ("service", "ocr"),
                ("action", "VatInvoiceOCR"),
                ("version", "2018-11-19"),
            ],
            url: "https://ocr.tencentcloudapi.com/",
            key_id: "secret_id",
            secret: "secret_key",
        },
        Fixture {
            scheme: AuthScheme::TencentImageSha1,
            credentials: Credentials::new()
                .with("app_id", "1250000000")
                .with("secret_id", "AKIDIMAGE")
                .with("secret_key", "image-secret-value"),
            params: vec![],
            url: "https://recognition.image.myqcloud.com/ocr/invoice",
            key_id: "secret_id",
            secret: "secret_key",
        },
        Fixture {
            scheme: AuthScheme::Jdcloud2HmacSha256,
            credentials: Credentials::new()
                .with("access_key", "JDAK")
                .with("secret_key", "jd-secret-value"),
            params: vec![],
            url: "https://aiapi.jdcloud.com/jdai/ocr_invoice",
            key_id: "access_key",
            secret: "secret_key",
        },
        Fixture {
            scheme: AuthScheme::Icuapi,
            credentials: Credentials::new()
                .with("secret_id", "ICUID")
                .with("secret_key", "icu-secret-value"),
            params: vec![],
            url: "http://api.icuapi.com/openapi/ocr/invoice",
            key_id: "secret_id",
            secret: "secret_key",
        },
        Fixture {
            scheme: AuthScheme::Acs3HmacSha256,
            credentials: Credentials::new()
                .with("access_key_id", "LTAIFIXTURE")
                .with("access_key_secret", "acs-secret-value"),
            params: vec![("action", "RecognizeInvoice"), ("version", "2021-07-07")],
            url: "https://ocr-api.cn-hangzhou.aliyuncs.com/",
            key_id: "access_key_id",
            secret: "access_key_secret",
        },
        Fixture {
            scheme: AuthScheme::HuaweiSdkHmacSha256,
            credentials: Credentials::new()
                .with("access_key", "HWAK")
                .with("secret_key", "hw-secret-value"),
            params: vec![],
            url: "https://ocr.cn-north-4.myhuaweicloud.com/v2/project/ocr/vat-invoice",
            key_id: "access_key",
            secret: "secret_key",
        },
        Fixture {
            scheme: AuthScheme::BaiduOauth,
            credentials: with_issued_token(
                AuthScheme::BaiduOauth,
                Credentials::new()
                    .with("api_key", "BAIDUAK")
                    .with("secret_key", "baidu-secret-value"),
            ),
            params: vec![("token_url", "https://aip.baidubce.com/oauth/2.0/token")],
            url: "https://aip.baidubce.com/rest/2.0/ocr/v1/vat_invoice",
            key_id: "api_key",
            secret: "secret_key",
        },
    ]
}

/// `creds` plus the token the scheme's emulated gateway issues for them at [`signing_time`],
/// fetched the way the client does (request, gateway answer, read).
fn with_issued_token(scheme: AuthScheme, creds: Credentials) -> Credentials {
    let issuer = scheme.token_issuer().expect("a token-issuing scheme");
    let request = issuer
        .token_request("https://token.example/oauth", &creds)
        .unwrap();
    let answer = issuer.answer(&request, &[&creds], signing_time());
    let body = serde_json::to_vec(&answer.body).unwrap();
    let token = issuer.read_token(answer.status, &body).unwrap().token;
    creds.with(issuer.token_credential(), token)
}

/// Whether requests of `scheme` carry a vendor-issued token instead of a signature over them.
fn carries_a_token(scheme: AuthScheme) -> bool {
    scheme.token_issuer().is_some()
}

const BODY: &str = r#"{"ImageUrl":"https://example.com/a.jpg"}"#;
const TAMPERED_BODY: &str = r#"{"ImageUrl":"https://example.com/b.jpg"}"#;

fn signing_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

/// Signs a JSON POST to `url` with the fixture's credentials at `now`.
fn signed_request(f: &Fixture, url: &str, body: &[u8], now: DateTime<Utc>) -> HttpRequest {
    let mut req = HttpRequest::new("POST", url)
        .with_header("Content-Type", "application/json")
        .with_body(body);
    let ctx = SignContext {
        params: &f.params,
        region: Some("ap-shanghai"),
        credentials: &f.credentials,
        now,
        nonce: "6b3c2f5e-1d7a-4c59-9f0e-3a8b7c6d5e4f",
    };
    sign(f.scheme, &mut req, &ctx).unwrap();
    req
}

fn verify_with(
    f: &Fixture,
    creds: &Credentials,
    req: &HttpRequest,
    now: DateTime<Utc>,
) -> Result<(), VerifyError> {
    let ctx = VerifyContext {
        params: &f.params,
        credentials: creds,
        now,
        max_skew: Duration::minutes(5),
    };
    verify(f.scheme, req, &ctx)
}

/// The fixture's credentials with one value replaced.
fn replaced(creds: &Credentials, name: &str, value: &str) -> Credentials {
    creds.clone().with(name, value)
}

/// The fixture's credentials without `missing`.
fn without(creds: &Credentials, missing: &str) -> Credentials {
    let mut kept = Credentials::new();
    for name in creds.names().filter(|n| *n != missing) {
        if let Some(value) = creds.get(name) {
            kept.insert(name, value.clone());
        }
    }
    kept
}

#[test]
fn every_scheme_has_a_fixture() {
    let covered: Vec<AuthScheme> = fixtures().iter().map(|f| f.scheme).collect();
    assert_eq!(covered, AuthScheme::ALL);
}

#[test]
fn sign_then_verify_round_trips() {
    for f in fixtures() {
        let req = signed_request(&f, f.url, BODY.as_bytes(), signing_time());
        let later = signing_time() + Duration::seconds(90);
        assert_eq!(
            verify_with(&f, &f.credentials, &req, later),
            Ok(()),
            "{}",
            f.scheme
        );
    }
}

/// A retry re-signs the already-signed request: the scheme's headers are replaced, not
/// duplicated, and the new signature verifies at the new time.
#[test]
fn re_signing_a_signed_request_replaces_its_headers() {
    for f in fixtures() {
        let first = signed_request(&f, f.url, BODY.as_bytes(), signing_time());
        let mut retry = first.clone();
        let later = signing_time() + Duration::hours(2);
        let ctx = SignContext {
            params: &f.params,
            region: Some("ap-shanghai"),
            credentials: &f.credentials,
            now: later,
            nonce: "another-nonce",
        };
        sign(f.scheme, &mut retry, &ctx).unwrap();
        assert_eq!(retry.headers.len(), first.headers.len(), "{}", f.scheme);
        assert_eq!(
            verify_with(&f, &f.credentials, &retry, later),
            Ok(()),
            "{}",
            f.scheme
        );
    }
}

/// The sandbox runs on loopback with a port: the signed host must carry it.
#[test]
fn round_trip_through_a_loopback_endpoint_override() {
    for f in fixtures() {
        let url = "http://127.0.0.1:38123/vendor/path?x=1";
        let req = signed_request(&f, url, BODY.as_bytes(), signing_time());
        assert_eq!(
            verify_with(&f, &f.credentials, &req, signing_time()),
            Ok(()),
            "{}",
            f.scheme
        );
    }
}

/// A token names no key and is not a signature over the request: whatever is wrong with it,
/// it is just not valid.
fn wrong_token_or(scheme: AuthScheme, error: VerifyError) -> VerifyError {
    if carries_a_token(scheme) {
        VerifyError::InvalidToken
    } else {
        error
    }
}

#[test]
fn verify_rejects_a_wrong_secret_key() {
    for f in fixtures() {
        let req = signed_request(&f, f.url, BODY.as_bytes(), signing_time());
        let other = replaced(&f.credentials, f.secret, "not-the-right-secret");
        assert_eq!(
            verify_with(&f, &other, &req, signing_time()),
            Err(wrong_token_or(f.scheme, VerifyError::BadSignature)),
            "{}",
            f.scheme
        );
    }
}

#[test]
fn verify_rejects_an_unknown_key_id() {
    for f in fixtures() {
        let req = signed_request(&f, f.url, BODY.as_bytes(), signing_time());
        let other = replaced(&f.credentials, f.key_id, "SOMEONE-ELSE");
        assert_eq!(
            verify_with(&f, &other, &req, signing_time()),
            Err(wrong_token_or(f.scheme, VerifyError::UnknownKeyId)),
            "{}",
            f.scheme
        );
    }
}

#[test]
fn verify_rejects_a_tampered_body() {
    for f in fixtures() {
        let mut req = signed_request(&f, f.url, BODY.as_bytes(), signing_time());
        req.body = TAMPERED_BODY.as_bytes().to_vec();
        let result = verify_with(&f, &f.credentials, &req, signing_time());
        if f.scheme == AuthScheme::TencentImageSha1 || carries_a_token(f.scheme) {
            // The legacy image signature covers only the AppID, key and times, never the body;
            // a token covers nothing of the request.
            assert_eq!(result, Ok(()));
        } else {
            assert_eq!(result, Err(VerifyError::BadSignature), "{}", f.scheme);
        }
    }
}

#[test]
fn verify_rejects_a_tampered_signed_header() {
    for f in fixtures() {
        let mut req = signed_request(&f, f.url, BODY.as_bytes(), signing_time());
        let header = match f.scheme {
            AuthScheme::Tc3HmacSha256 => "X-TC-Action",
            AuthScheme::Jdcloud2HmacSha256 => "x-jdcloud-nonce",
            AuthScheme::Acs3HmacSha256 => "x-acs-action",
            AuthScheme::HuaweiSdkHmacSha256
            | AuthScheme::Icuapi
            | AuthScheme::TencentImageSha1
            | AuthScheme::BaiduOauth => {
                continue;
            }
        };
        req.set_header(header, "Tampered");
        assert_eq!(
            verify_with(&f, &f.credentials, &req, signing_time()),
            Err(VerifyError::BadSignature),
            "{}",
            f.scheme
        );
    }
}

#[test]
fn verify_rejects_a_stale_timestamp() {
    for f in fixtures() {
        let req = signed_request(&f, f.url, BODY.as_bytes(), signing_time());
        let result = verify_with(
            &f,
            &f.credentials,
            &req,
            signing_time() + Duration::hours(1),
        );
        if f.scheme == AuthScheme::TencentImageSha1 || carries_a_token(f.scheme) {
            // A multi-use signature stays valid until its `e=` expiry (30 days by default), a
            // token until its own (Baidu's: 30 days).
            assert_eq!(result, Ok(()));
            let expired_at = signing_time() + Duration::days(30);
            assert_eq!(
                verify_with(&f, &f.credentials, &req, expired_at + Duration::seconds(1)),
                Err(VerifyError::Expired { expired_at })
            );
        } else {
            assert_eq!(
                result,
                Err(VerifyError::StaleTimestamp {
                    signed_at: signing_time(),
                    now: signing_time() + Duration::hours(1),
                }),
                "{}",
                f.scheme
            );
        }
    }
}

#[test]
fn verify_rejects_a_timestamp_from_the_future() {
    for f in fixtures()
        .into_iter()
        .filter(|f| f.scheme != AuthScheme::TencentImageSha1 && !carries_a_token(f.scheme))
    {
        let req = signed_request(
            &f,
            f.url,
            BODY.as_bytes(),
            signing_time() + Duration::hours(1),
        );
        assert!(
            matches!(
                verify_with(&f, &f.credentials, &req, signing_time()),
                Err(VerifyError::StaleTimestamp { .. })
            ),
            "{}",
            f.scheme
        );
    }
}

#[test]
fn verify_reports_a_missing_signature_header() {
    for f in fixtures() {
        let unsigned = HttpRequest::new("POST", f.url).with_body(BODY);
        assert!(
            matches!(
                verify_with(&f, &f.credentials, &unsigned, signing_time()),
                Err(VerifyError::MissingAuthorization(_) | VerifyError::MissingToken(_))
            ),
            "{}",
            f.scheme
        );
    }
}

/// Each required credential is needed by the signer — or, for a token-issuing scheme, by the
/// token request, except the token itself, which the signer needs.
#[test]
fn sign_names_each_missing_required_credential() {
    for f in fixtures() {
        let issuer = f.scheme.token_issuer();
        for spec in f.scheme.credentials().iter().filter(|c| c.required) {
            let creds = without(&f.credentials, spec.name);
            let result = match issuer.filter(|i| i.token_credential() != spec.name) {
                Some(issuer) => issuer.token_request(f.url, &creds).map(drop),
                None => {
                    let mut req = HttpRequest::new("POST", f.url).with_body(BODY);
                    let ctx = SignContext {
                        params: &f.params,
                        region: None,
                        credentials: &creds,
                        now: signing_time(),
                        nonce: "n",
                    };
                    sign(f.scheme, &mut req, &ctx)
                }
            };
            assert_eq!(
                result,
                Err(AuthError::MissingCredential(spec.name)),
                "{} {}",
                f.scheme,
                spec.name
            );
        }
    }
}

#[test]
fn verify_with_incomplete_credentials_is_a_misconfiguration() {
    for f in fixtures() {
        let req = signed_request(&f, f.url, BODY.as_bytes(), signing_time());
        let creds = without(&f.credentials, f.secret);
        assert!(
            matches!(
                verify_with(&f, &creds, &req, signing_time()),
                Err(VerifyError::Misconfigured(AuthError::MissingCredential(_)))
            ),
            "{}",
            f.scheme
        );
    }
}

#[test]
fn sign_rejects_an_unparseable_url() {
    for f in fixtures() {
        let mut req = HttpRequest::new("POST", "not a url").with_body(BODY);
        let ctx = SignContext {
            params: &f.params,
            region: None,
            credentials: &f.credentials,
            now: signing_time(),
            nonce: "n",
        };
        let result = sign(f.scheme, &mut req, &ctx);
        if f.scheme == AuthScheme::TencentImageSha1 {
            // The legacy signature does not involve the URL at all.
            assert_eq!(result, Ok(()));
        } else {
            assert!(
                matches!(result, Err(AuthError::InvalidUrl(_))),
                "{}",
                f.scheme
            );
        }
    }
}

/// No context, credential set, signed request or error shows a secret value.
#[test]
fn debug_and_errors_show_no_secret() {
    let secrets = [
        "tc3-secret-value",
        "image-secret-value",
        "jd-secret-value",
        "icu-secret-value",
        "acs-secret-value",
        "hw-secret-value",
        "baidu-secret-value",
        "sts-token-value",
    ];
    for f in fixtures() {
        let creds = f
            .credentials
            .clone()
            .with("security_token", "sts-token-value")
            .with("token", "sts-token-value");
        let sign_ctx = SignContext {
            params: &f.params,
            region: None,
            credentials: &creds,
            now: signing_time(),
            nonce: "n",
        };
        let verify_ctx = VerifyContext {
            params: &f.params,
            credentials: &creds,
            now: signing_time(),
            max_skew: Duration::minutes(5),
        };
        let mut req = HttpRequest::new("POST", f.url).with_body(BODY);
        sign(f.scheme, &mut req, &sign_ctx).unwrap();
        let wrong = replaced(&creds, f.secret, "x");
        let error = verify_with(&f, &wrong, &req, signing_time()).unwrap_err();
        let shown = [
            format!("{creds:?}"),
            format!("{sign_ctx:?}"),
            format!("{verify_ctx:?}"),
            format!("{req:?}"),
            format!("{error:?} {error}"),
        ];
        let issued = f
            .scheme
            .token_issuer()
            .and_then(|i| creds.get(i.token_credential()));
        for text in &shown {
            for secret in secrets.iter().copied().chain(issued.map(|t| t.expose())) {
                assert!(!text.contains(secret), "{} leaks in {text}", f.scheme);
            }
        }
    }
}

proptest! {
    /// Any body bytes and path survive a sign → verify round trip (icuapi signs JSON fields, so
    /// it gets a JSON body carrying the random text).
    #[test]
    fn round_trip_holds_for_any_body_and_path(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        segment in "[A-Za-z0-9:%._~ -]{0,16}",
        value in "[^\u{0}]{0,24}",
    ) {
        for f in fixtures() {
            let url = format!("https://example.com/{segment}/x");
            let body = if f.scheme == AuthScheme::Icuapi {
                serde_json::json!({ "ImageBase64": value }).to_string().into_bytes()
            } else {
                body.clone()
            };
            let Ok(parsed) = url::Url::parse(&url) else { continue };
            let req = signed_request(&f, parsed.as_str(), &body, signing_time());
            prop_assert_eq!(verify_with(&f, &f.credentials, &req, signing_time()), Ok(()), "{}", f.scheme);
        }
    }

    /// Verifiers never panic, whatever the signature and timestamp headers hold.
    #[test]
    fn verify_never_panics_on_arbitrary_headers(
        auth in ".{0,120}",
        date in ".{0,24}",
        prefix in prop_oneof![
            Just(""),
            Just("TC3-HMAC-SHA256 "),
            Just("JDCLOUD2-HMAC-SHA256 "),
            Just("ACS3-HMAC-SHA256 "),
            Just("SDK-HMAC-SHA256 "),
        ],
    ) {
        let value = format!("{prefix}{auth}");
        for f in fixtures() {
            let req = HttpRequest::new("POST", f.url)
                .with_header("Authorization", value.as_str())
                .with_header("Sign", value.as_str())
                .with_header("C-Secret", auth.as_str())
                .with_header("C-Date", date.as_str())
                .with_header("X-TC-Timestamp", date.as_str())
                .with_header("x-jdcloud-date", date.as_str())
                .with_header("x-acs-date", date.as_str())
                .with_header("X-Sdk-Date", date.as_str())
                .with_body(BODY);
            prop_assert!(verify_with(&f, &f.credentials, &req, signing_time()).is_err());
        }
    }
}
