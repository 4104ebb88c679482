//! Every success example shipped with a spec decodes into the generated types with no field
//! lost (the payload re-serialised from the typed structs equals the original payload), and
//! every error example (named `error…`) reports a code the spec declares.

use fapiao::api::wire::{get_path, wrap_example};
use fapiao::api::{Reply, registry};
use serde_json::Value;

/// Drops `null` members (vendors send `null` for fields they also omit, and the typed structs
/// cannot tell the two apart) and reads every number as f64 (`0` and `0.0` are the same
/// angle).
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), canonical(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| v.clone(), Value::Number),
        other => other.clone(),
    }
}

/// The first place where two documents differ, as a path.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.keys()
                .chain(y.keys())
                .find_map(|k| match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => first_difference(p, q, &format!("{path}.{k}")),
                    (Some(_), None) => Some(format!("{path}.{k} is lost")),
                    (None, Some(_)) => Some(format!("{path}.{k} is invented")),
                    (None, None) => None,
                })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} != {b}")),
    }
}

#[test]
fn every_example_round_trips_through_the_generated_types() {
    let mut checked = 0;
    for api in registry() {
        let d = api.descriptor();
        for example in d.examples.iter().filter(|e| !e.is_error()) {
            let wire = wrap_example(d, example).expect("example is JSON");
            let body = serde_json::to_vec(&wire).expect("serialises");
            let reply = api
                .decode_value(&body)
                .unwrap_or_else(|e| panic!("{} example {}: {e}", d.id, example.name));
            let Reply::Success { payload, .. } = reply else {
                panic!(
                    "{} example {} decodes as an error: {reply:?}",
                    d.id, example.name
                );
            };
            let original = get_path(&wire, d.response.payload)
                .unwrap_or_else(|| panic!("{} example {} has no payload", d.id, example.name));
            let original = match original {
                Value::String(s)
                    if d.response.payload_format == fapiao::api::PayloadFormat::JsonString =>
                {
                    serde_json::from_str(s).expect("embedded JSON")
                }
                other => other.clone(),
            };
            let diff = first_difference(&canonical(&original), &canonical(&payload), "$");
            assert_eq!(diff, None, "{} example {}", d.id, example.name);
            checked += 1;
        }
    }
    assert!(checked >= 1, "no examples were checked");
}

#[test]
fn every_example_maps_to_at_least_one_invoice_of_its_api() {
    for api in registry() {
        let d = api.descriptor();
        for example in d.examples.iter().filter(|e| !e.is_error()) {
            let body = serde_json::to_vec(&wrap_example(d, example).unwrap()).unwrap();
            match api.decode_invoices(&body).unwrap() {
                Reply::Success { payload, .. } => {
                    assert!(!payload.is_empty(), "{} {}", d.id, example.name);
                    assert!(payload.iter().all(|i| i.api == d.id));
                }
                Reply::Failure(f) => panic!("{} {}: {f:?}", d.id, example.name),
            }
        }
    }
}

#[test]
fn every_error_example_reports_a_declared_code_at_its_layer() {
    for api in registry() {
        let d = api.descriptor();
        for example in d.examples.iter().filter(|e| e.is_error()) {
            let body = serde_json::to_vec(&wrap_example(d, example).unwrap()).unwrap();
            match api.decode_value(&body) {
                Ok(Reply::Failure(f)) => {
                    let info = d.error(&f.code).unwrap_or_else(|| {
                        panic!("{} {}: code {} is not declared", d.id, example.name, f.code)
                    });
                    assert_eq!(f.check, info.check, "{} {}", d.id, example.name);
                }
                other => panic!("{} {} is no error response: {other:?}", d.id, example.name),
            }
        }
    }
}
