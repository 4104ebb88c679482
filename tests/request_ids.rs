//! Request ids the vendor writes as integers (Baidu's `log_id`) or as either type: the
//! generator's `request_ids` fixtures (snapshots kept current by the generator's tests),
//! compiled against the runtime, read every form as text, and the sandbox's writer gives
//! each API the type its spec declares.

#[allow(clippy::all, dead_code, unused_imports)]
mod in_payload {
    include!("../codegen/tests/snapshots/ids.in_payload.rs");
}

#[allow(clippy::all, dead_code, unused_imports)]
mod in_envelope {
    include!("../codegen/tests/snapshots/ids.in_envelope.rs");
}

use fapiao::api::wire::{error_response, request_id_value};
use fapiao::api::{Api, CodeType, Reply};
use serde_json::Value;

#[test]
fn an_integer_log_id_in_the_payload_is_the_request_id_and_stays_typed() {
    let example = in_payload::DESCRIPTOR.examples[0].json.as_bytes();
    let Reply::Success {
        payload,
        request_id,
    } = in_payload::InPayload::decode(example).expect("decodes")
    else {
        panic!("the example is a success");
    };
    assert_eq!(request_id.as_deref(), Some("1658382629117362483"));
    assert_eq!(payload.log_id, Some(1_658_382_629_117_362_483));
    assert_eq!(payload.words.as_deref(), Some("发票"));

    let failure = br#"{"log_id": 42, "error_code": 110, "error_msg": "Access token invalid"}"#;
    let Reply::Failure(f) = in_payload::InPayload::decode(failure).expect("decodes") else {
        panic!("an error_code is a failure");
    };
    assert_eq!(
        (f.code.as_str(), f.request_id.as_deref()),
        ("110", Some("42"))
    );
}

#[test]
fn an_envelope_request_id_is_read_from_a_string_or_an_integer() {
    let example = in_envelope::DESCRIPTOR.examples[0].json.as_bytes();
    let Reply::Success { request_id, .. } =
        in_envelope::InEnvelope::decode(example).expect("decodes")
    else {
        panic!("the example is a success");
    };
    assert_eq!(request_id.as_deref(), Some("9007199254740993"));
    let text = br#"{"request_id": "a1b2", "code": 0, "data": {"words": "x"}}"#;
    let Reply::Success { request_id, .. } = in_envelope::InEnvelope::decode(text).expect("decodes")
    else {
        panic!("code 0 is a success");
    };
    assert_eq!(request_id.as_deref(), Some("a1b2"));
}

#[test]
fn ids_are_written_in_the_type_the_spec_declares() {
    let payload = &in_payload::DESCRIPTOR;
    let envelope = &in_envelope::DESCRIPTOR;
    assert_eq!(payload.response.request_id_type, CodeType::Int);
    assert_eq!(envelope.response.request_id_type, CodeType::String);
    assert_eq!(request_id_value(payload, "7"), Value::from(7));
    assert_eq!(request_id_value(envelope, "7"), Value::from("7"));

    // An error answer the sandbox builds for an integer-id API decodes, id included.
    let info = &payload.errors[0];
    let body = serde_json::to_vec(&error_response(payload, info, "123456789")).unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["log_id"],
        Value::from(123_456_789)
    );
    let Reply::Failure(f) = in_payload::InPayload::decode(&body).expect("decodes") else {
        panic!("an error response");
    };
    assert_eq!(f.request_id.as_deref(), Some("123456789"));
}
