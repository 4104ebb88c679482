//! Shared by the integration tests that read spec examples (`mod example_support;`).

use fapiao::Invoice;
use fapiao::api::wire::wrap_example;
use fapiao::api::{Reply, find};

/// The invoices of one success example of `api_id`, as its generated decoder and mapping read
/// the example wrapped in the API's wire envelope.
pub fn example_invoices(api_id: &str, example: &str) -> Vec<Invoice> {
    let api = find(api_id).unwrap_or_else(|| panic!("{api_id} is registered"));
    let d = api.descriptor();
    let ex = d
        .examples
        .iter()
        .find(|e| e.name == example)
        .unwrap_or_else(|| panic!("{api_id} has example {example}"));
    let body = serde_json::to_vec(&wrap_example(d, ex).expect("JSON")).expect("body");
    match api.decode_invoices(&body).expect("decodes") {
        Reply::Success { payload, .. } => payload,
        Reply::Failure(f) => panic!("{api_id} {example}: {f:?}"),
    }
}
