//! The record `recognize` writes for every input: a result or an error, never neither.
//!
//! One JSON object per input (one line in JSONL and in the journal):
//!
//! ```json
//! {"path":"scans/a.png","sha256":"…","status":"ok","api":"local","invoices":[…]}
//! {"path":"scans/b.gif","sha256":"…","status":"error",
//!  "error":{"api":"local","kind":"unsupported_format","code":"unsupported","message":"…"}}
//! ```
//!
//! A file that was not sent has `"status":"skipped"` and a `skipped` reason: `unsupported_format`
//! (found in a folder, with an extension no API of the chain accepts; not read) or `same_file`
//! (the same bytes as the file in `duplicate_of`, whose result stands for both).
//! `duplicate_of` on a result names the file where the same invoice was first found (same
//! kind, code and number; see [`super::duplicates`]).
//!
//! `sha256` is the lowercase hex SHA-256 of the file's bytes (absent only when the file was
//! not read: unreadable, unsupported, or larger than any API of the chain accepts). `findings` (with
//! `--validate`) lists validation findings per invoice; `fallbacks` lists the failures of
//! earlier APIs of a fallback chain. An error's `code` is the vendor's code, or where the
//! failure arose for failures without one (`read`, `file_too_large`, `input_refused`,
//! `transport`, `timeout`, `http_<status>`, `config`, and the local backend's reasons such
//! as `unsupported` or `nothing_found`).

use serde::{Deserialize, Serialize};

use fapiao::{Invoice, Lang};

/// The outcome for one input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The file's path as discovered (an argument, or joined below a folder argument).
    pub path: String,
    /// Lowercase hex SHA-256 of the file's bytes; `None` when the file was not read.
    pub sha256: Option<String>,
    /// The result or the error.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Failures of earlier APIs of the fallback chain, in the order they were tried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<Failure>,
    /// The path of the earlier file with the same invoice (or, when skipped as `same_file`,
    /// the same bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
}

/// A result or an error, tagged by `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    /// The API answered; its invoices (possibly none).
    Ok(Recognized),
    /// Every API tried failed; the last failure.
    Error {
        /// Why.
        error: Failure,
    },
    /// The file was not sent to any API.
    Skipped {
        /// Why.
        skipped: Skip,
    },
}

/// Why a file was not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skip {
    /// [`Skip::UNSUPPORTED`] or [`Skip::SAME_FILE`].
    pub code: String,
    /// The explanation.
    pub message: String,
}

impl Skip {
    /// Found in a folder with an extension no API of the chain accepts.
    pub const UNSUPPORTED: &str = "unsupported_format";
    /// The same bytes as an earlier input.
    pub const SAME_FILE: &str = "same_file";
}

/// A successful recognition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recognized {
    /// The API that produced the invoices.
    pub api: String,
    /// The invoices found in the file.
    pub invoices: Vec<Invoice>,
    /// Validation findings (with `--validate`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<FindingRecord>,
    /// The language of the findings' messages (`--lang`), when there are findings; csv,
    /// xlsx and table cells word the severity to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings_lang: Option<Lang>,
    /// With `--validate`: whether a QR code read by the local backend was cross-checked
    /// against a cloud API's fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_cross_check: Option<bool>,
}

/// Why an API failed for one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The API that failed (empty when the file could not be read).
    pub api: String,
    /// The vendor-independent kind (`unavailable`, `bad_input`, …).
    pub kind: String,
    /// The vendor's error code, or where the failure arose (see the module docs).
    pub code: String,
    /// What went wrong, without credentials.
    pub message: String,
}

/// One validation finding of one invoice of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRecord {
    /// Index of the invoice in `invoices` (0-based).
    pub invoice_index: usize,
    /// Stable rule id, e.g. `totals.sum`.
    pub code: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    /// The explanation, with the values involved.
    pub message: String,
    /// Unified field paths involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// The fields of a record that resuming needs, read without decoding the invoices.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordKey {
    /// See [`Record::path`].
    pub path: String,
    /// See [`Record::sha256`].
    pub sha256: Option<String>,
    /// `ok` or `error`.
    pub status: String,
}

impl Record {
    /// A successful record.
    pub fn ok(path: String, sha256: String, recognized: Recognized) -> Record {
        Record {
            path,
            sha256: Some(sha256),
            outcome: Outcome::Ok(recognized),
            fallbacks: Vec::new(),
            duplicate_of: None,
        }
    }

    /// An error record.
    pub fn error(path: String, sha256: Option<String>, error: Failure) -> Record {
        Record {
            path,
            sha256,
            outcome: Outcome::Error { error },
            fallbacks: Vec::new(),
            duplicate_of: None,
        }
    }

    /// A record of a file that was not sent.
    pub fn skipped(path: String, sha256: Option<String>, code: &str, message: String) -> Record {
        Record {
            path,
            sha256,
            outcome: Outcome::Skipped {
                skipped: Skip {
                    code: code.to_owned(),
                    message,
                },
            },
            fallbacks: Vec::new(),
            duplicate_of: None,
        }
    }

    /// The result, when there is one.
    pub fn recognized(&self) -> Option<&Recognized> {
        match &self.outcome {
            Outcome::Ok(recognized) => Some(recognized),
            _ => None,
        }
    }

    /// The error, when there is one.
    pub fn failure(&self) -> Option<&Failure> {
        match &self.outcome {
            Outcome::Error { error } => Some(error),
            _ => None,
        }
    }

    /// Why the file was not sent, when it was not.
    pub fn skip(&self) -> Option<&Skip> {
        match &self.outcome {
            Outcome::Skipped { skipped } => Some(skipped),
            _ => None,
        }
    }

    /// `ok`, `error` or `skipped`, as the `status` field says.
    pub fn status(&self) -> &'static str {
        match &self.outcome {
            Outcome::Ok(_) => "ok",
            Outcome::Error { .. } => "error",
            Outcome::Skipped { .. } => "skipped",
        }
    }
}

impl RecordKey {
    /// True for a successful record of content with a known hash.
    pub fn is_done(&self) -> bool {
        self.status == "ok" && self.sha256.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure() -> Failure {
        Failure {
            api: "a.b".into(),
            kind: "unavailable".into(),
            code: "http_503".into(),
            message: "down".into(),
        }
    }

    #[test]
    fn records_round_trip_with_a_status_tag() {
        let invoice = Invoice {
            number: Some("12345678".into()),
            total: Some(rust_decimal::Decimal::new(52600, 2)),
            ..Invoice::default()
        };
        let mut ok = Record::ok(
            "a.png".into(),
            "ab".into(),
            Recognized {
                api: "local".into(),
                invoices: vec![invoice],
                findings: Vec::new(),
                qr_cross_check: None,
                findings_lang: None,
            },
        );
        ok.fallbacks.push(failure());
        let line = serde_json::to_string(&ok).unwrap();
        assert!(line.contains(r#""status":"ok""#), "{line}");
        assert!(line.contains(r#""total":"526.00""#), "{line}");
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), ok);

        let err = Record::error("b.gif".into(), None, failure());
        let line = serde_json::to_string(&err).unwrap();
        assert!(line.contains(r#""status":"error""#), "{line}");
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), err);
        let key: RecordKey = serde_json::from_str(&line).unwrap();
        assert!(!key.is_done());

        let mut same = Record::skipped(
            "c.png".into(),
            Some("ab".into()),
            Skip::SAME_FILE,
            "m".into(),
        );
        same.duplicate_of = Some("a.png".into());
        let line = serde_json::to_string(&same).unwrap();
        assert!(
            line.contains(r#""status":"skipped","skipped":{"code":"same_file""#),
            "{line}"
        );
        assert!(line.contains(r#""duplicate_of":"a.png""#), "{line}");
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), same);
    }
}
