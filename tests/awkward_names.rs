//! The generator's naming-obstacle-course fixture (keywords, prelude names, Chinese wire
//! names, camelCase/snake_case twins) compiles against the runtime and works: its snapshot
//! (`codegen/tests/snapshots/awkward.names.rs`, kept current by the generator's tests) is
//! included here as a module.

#[allow(clippy::all, dead_code, unused_imports)]
mod awkward {
    include!("../codegen/tests/snapshots/awkward.names.rs");
}

use fapiao::api::{Api, ApiRequest, Input, Reply, VendorErrorCode};

#[test]
fn awkward_example_decodes_into_awkwardly_named_fields() {
    let example = awkward::DESCRIPTOR.examples[0].json.as_bytes();
    let Reply::Success { payload, .. } = awkward::Names::decode(example).expect("decodes") else {
        panic!("the example is a success response");
    };
    assert_eq!(payload.r#type.as_deref(), Some("t"));
    assert_eq!(payload.shu_ju.as_deref(), Some("中文"));
    let boxed = payload.r#box.as_ref().expect("Box");
    assert_eq!(boxed[0].some.as_deref(), Some("s"));
    assert_eq!(boxed[0].none, Some(1));
    assert_eq!(payload.r#match.as_ref().and_then(|m| m.x), Some(1.5));
    assert_eq!(payload.vec, Some(vec![vec![1, 2], vec![3]]));
    let json = serde_json::to_value(&payload).expect("serialises");
    assert_eq!(json["数据"], "中文", "wire names survive re-serialisation");
}

#[test]
fn awkward_request_and_error_names_work() {
    let request = awkward::Request::builder()
        .r#type("u")
        .self_(true)
        .kind_zh("类")
        .error_code(vec![1])
        .error_code_text(vec!["a".to_owned()])
        .build()
        .expect("one_of satisfied by `type`");
    let body: serde_json::Value = serde_json::from_slice(&request.encode().body).unwrap();
    assert_eq!(body["type"], "u");
    assert_eq!(body["self"], true);
    assert_eq!(body["类型"], "类");
    assert_eq!(body["errorCode"], serde_json::json!([1]));
    assert_eq!(body["error_code"], serde_json::json!(["a"]));
    assert!(
        awkward::Request::builder().build().is_err(),
        "one_of [type, 2fa_code] is enforced"
    );
    let from_url = awkward::Request::from_input(
        &Input {
            url: Some("https://x".into()),
            ..Input::default()
        },
        &|_| None,
    )
    .expect("file_url fills `type`");
    assert_eq!(from_url.r#type.as_deref(), Some("https://x"));

    assert_eq!(
        awkward::ErrorCode::from_code("-5", ""),
        awkward::ErrorCode::Minus5
    );
    assert_eq!(
        awkward::ErrorCode::from_code("5", ""),
        awkward::ErrorCode::Code5
    );
    assert_eq!(awkward::ErrorCode::from_code("Self", "").code(), "Self");
    assert!(awkward::ErrorCode::Minus5.is_retryable());
    assert!(matches!(
        awkward::ErrorCode::from_code("nope", "m"),
        awkward::ErrorCode::Unknown { ref code, .. } if code == "nope"
    ));
}
