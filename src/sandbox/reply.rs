//! The answers the sandbox sends: the spec's example payloads and declared error codes in the
//! vendor's envelope, and its own small JSON errors where a spec declares nothing to answer
//! with.

use serde_json::{Value, json};

use super::http::Response;
use crate::api::wire::{error_response, request_id_value, set_path, wrap_example};
use crate::api::{ApiDescriptor, DynApi, ErrorInfo, Example, Reply};

/// Content type of the sandbox's own answers.
const SANDBOX_CONTENT_TYPE: &str = "application/json";

/// An example response, wrapped into a full wire response once at start-up.
pub(crate) struct PreparedExample {
    /// The spec's example.
    pub(crate) example: &'static Example,
    wire: Value,
    /// The vendor code the example reports, when it is an error example.
    pub(crate) failure_code: Option<String>,
}

/// The examples of one API.
pub(crate) struct Examples {
    all: Vec<PreparedExample>,
}

impl Examples {
    /// Wraps every example of `api` and sorts out which ones decode as successes.
    pub(crate) fn prepare(api: &dyn DynApi) -> Examples {
        let d = api.descriptor();
        let all = d
            .examples
            .iter()
            .filter_map(|example| {
                // Examples are checked by the spec tests; one that is not JSON is skipped.
                let wire = wrap_example(d, example).ok()?;
                let body = serde_json::to_vec(&wire).ok()?;
                let failure_code = match api.decode_value(&body) {
                    Ok(Reply::Success { .. }) => None,
                    Ok(Reply::Failure(f)) => Some(f.code),
                    Err(_) => return None,
                };
                Some(PreparedExample {
                    example,
                    wire,
                    failure_code,
                })
            })
            .collect();
        Examples { all }
    }

    /// The example called `name`, success or error.
    pub(crate) fn by_name(&self, name: &str) -> Option<&PreparedExample> {
        self.all.iter().find(|e| e.example.name == name)
    }

    /// The success example served for an input, chosen by its [`content_hash`] (the first 64
    /// bits of it), so the same input always gets the same answer.
    ///
    /// [`content_hash`]: crate::api::content_hash
    pub(crate) fn for_input(&self, content_hash: &str) -> Option<&PreparedExample> {
        let successes = || self.all.iter().filter(|e| e.failure_code.is_none());
        let prefix = u64::from_str_radix(content_hash.get(..16)?, 16).ok()?;
        let count = u64::try_from(successes().count()).ok().filter(|&n| n > 0)?;
        successes().nth(usize::try_from(prefix % count).ok()?)
    }

    /// Names of every example.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.all.iter().map(|e| e.example.name).collect()
    }
}

/// An example as the vendor would send it, with a fresh request id.
pub(crate) fn example(
    api: &ApiDescriptor,
    prepared: &PreparedExample,
    request_id: &str,
) -> Response {
    let mut wire = prepared.wire.clone();
    if let Some(path) = api.response.request_id {
        set_path(&mut wire, path, request_id_value(api, request_id));
    }
    let status = prepared
        .failure_code
        .as_deref()
        .and_then(|code| api.error(code))
        .map_or(200, |info| info.http_status);
    with_request_id_header(
        api,
        Response::json(status, api.response.content_type, &wire),
        request_id,
    )
}

/// A declared error code in the vendor's envelope, with its HTTP status. `detail` (what the
/// sandbox found wrong) is appended to the vendor's message, as vendors name the offending
/// parameter in theirs.
pub(crate) fn vendor_error(
    api: &ApiDescriptor,
    info: &ErrorInfo,
    request_id: &str,
    detail: Option<&str>,
) -> Response {
    let mut wire = error_response(api, info, request_id);
    let message_path = api
        .response
        .checks
        .iter()
        .find(|c| c.name == info.check)
        .and_then(|c| c.message);
    if let (Some(detail), Some(path)) = (detail, message_path) {
        let message = format!("{} ({detail})", info.message.best());
        set_path(&mut wire, path, Value::String(message));
    }
    with_request_id_header(
        api,
        Response::json(info.http_status, api.response.content_type, &wire),
        request_id,
    )
}

/// The sandbox's own error, for what no spec declares a code for (unknown routes, bad fault
/// headers, a spec without an emulation code): `{"fapiao_sandbox": {"error", "message"}}`.
pub(crate) fn sandbox_error(status: u16, error: &str, message: &str) -> Response {
    Response::json(
        status,
        SANDBOX_CONTENT_TYPE,
        &json!({ "fapiao_sandbox": { "error": error, "message": message } }),
    )
}

/// A bare HTTP error, as a load balancer sends it: status text only, no vendor envelope.
pub(crate) fn bare_status(status: u16) -> Response {
    Response::new(
        status,
        "text/plain; charset=utf-8",
        format!("HTTP {status} (fapiao sandbox fault)\n"),
    )
}

/// The HTML error page of a gateway in front of the vendor.
pub(crate) fn html_page() -> Response {
    Response::new(
        502,
        "text/html; charset=utf-8",
        "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n\
         <body><center><h1>502 Bad Gateway</h1></center>\n\
         <hr><center>fapiao sandbox</center></body></html>\n",
    )
}

fn with_request_id_header(api: &ApiDescriptor, response: Response, request_id: &str) -> Response {
    match api.response.request_id_header {
        Some(name) => response.with_header(name, request_id),
        None => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::registry;

    #[test]
    fn examples_are_chosen_by_input_and_stamped_with_the_request_id() {
        for api in registry() {
            let d = api.descriptor();
            let examples = Examples::prepare(*api);
            assert_eq!(examples.names().len(), d.examples.len(), "{}", d.id);
            let hash = crate::api::content_hash(b"some file");
            let Some(chosen) = examples.for_input(&hash) else {
                continue;
            };
            assert_eq!(
                examples.for_input(&hash).map(|e| e.example.name),
                Some(chosen.example.name),
                "the choice is stable"
            );
            // Digits: an id of the form the sandbox makes for integer-id APIs (Baidu's log_id).
            let response = example(d, chosen, "20240123");
            assert_eq!(response.status, 200);
            match api.decode_value(&response.body).expect("decodes") {
                Reply::Success { request_id, .. } => {
                    if d.response.request_id.is_some() {
                        assert_eq!(request_id.as_deref(), Some("20240123"), "{}", d.id);
                    }
                }
                Reply::Failure(f) => panic!("{}: {f:?}", d.id),
            }
        }
    }

    #[test]
    fn vendor_errors_carry_code_status_and_detail() {
        for api in registry() {
            let d = api.descriptor();
            for info in d.errors {
                let response = vendor_error(d, info, "9009", Some("field X is bad"));
                assert_eq!(response.status, info.http_status);
                match api.decode_value(&response.body).expect("decodes") {
                    Reply::Failure(f) => {
                        assert_eq!(f.code, info.code, "{}", d.id);
                        assert_eq!(f.check, info.check);
                        if d.response.checks.iter().any(|c| c.message.is_some()) {
                            assert!(f.message.contains("field X is bad"), "{}", f.message);
                        }
                    }
                    Reply::Success { .. } => panic!("{} {} decodes as success", d.id, info.code),
                }
            }
        }
    }

    #[test]
    fn sandbox_errors_name_the_error() {
        let r = sandbox_error(404, "no_route", "nothing at /x");
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["fapiao_sandbox"]["error"], "no_route");
        assert_eq!(r.status, 404);
        assert!(
            String::from_utf8(html_page().body)
                .unwrap()
                .contains("<html>")
        );
    }
}
