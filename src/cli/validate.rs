//! Validation: the findings `recognize --validate` attaches, and `fapiao validate`.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use fapiao::api::Input;
use fapiao::domain::qr::InvoiceQr;
use fapiao::validate::{Finding, Severity};
use fapiao::{Invoice, Lang};
use serde_json::Value;

use super::args::ValidateArgs;
use super::backends::{Backend, read_locally};
use super::readback;
use super::record::{FindingRecord, Record};
use super::{CliError, counted};

/// The findings for `invoices`, which `backend` read from `input`, with messages in `lang`,
/// and whether their fields were cross-checked against a QR payload.
///
/// A local result carries the QR payload it read, which [`Invoice::validate`] checks. For a
/// cloud result the file is also read locally; when that yields one QR payload per invoice,
/// invoice *i* is checked against QR *i* with [`Invoice::validate_with_qr`] (with any other
/// count the pairing would be a guess, so only the plain checks run).
pub async fn findings(
    backend: Backend,
    invoices: &[Invoice],
    input: &Arc<Input>,
    name: &str,
    lang: Lang,
) -> (Vec<FindingRecord>, bool) {
    let qrs = match backend {
        Backend::Local(_) => Vec::new(),
        Backend::Cloud(_) => local_qr_payloads(input, name).await,
    };
    let paired = !qrs.is_empty() && qrs.len() == invoices.len();
    let mut out = Vec::new();
    for (index, invoice) in invoices.iter().enumerate() {
        let found = match qrs.get(index) {
            Some(qr) if paired => invoice.validate_with_qr_in(qr, lang),
            _ => invoice.validate_in(lang),
        };
        out.extend(found.into_iter().map(|f| finding_record(index, f)));
    }
    let cross_checked = paired || invoices.iter().any(|i| i.qr_payload.is_some());
    (out, cross_checked)
}

/// The QR payloads the local backend reads from `input` (none when it cannot read it).
async fn local_qr_payloads(input: &Arc<Input>, name: &str) -> Vec<InvoiceQr> {
    let Ok(invoices) = read_locally(input, name).await else {
        return Vec::new();
    };
    invoices
        .iter()
        .filter_map(|i| InvoiceQr::parse(i.qr_payload.as_deref()?).ok())
        .collect()
}

fn finding_record(invoice_index: usize, finding: Finding) -> FindingRecord {
    FindingRecord {
        invoice_index,
        code: finding.code.to_owned(),
        severity: severity_id(finding.severity).to_owned(),
        message: finding.message,
        fields: finding.fields,
    }
}

fn severity_id(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// `fapiao validate`: prints every finding, one per line; exit 1 when any is an error.
pub fn run(args: &ValidateArgs) -> Result<ExitCode, CliError> {
    let source = args.file.display().to_string();
    let cannot = |e: std::io::Error| CliError::usage(format!("cannot read {source}: {e}"));
    let extension = args
        .file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let subjects = match extension.as_deref() {
        Some("xlsx") => readback::xlsx(&args.file),
        Some("csv") => readback::csv(&read_source(&args.file).map_err(cannot)?),
        _ => subjects(&read_source(&args.file).map_err(cannot)?),
    }
    .map_err(|e| CliError::usage(format!("{source}: {e}")))?;
    let counts = print_findings(&subjects, args.lang, &mut std::io::stdout().lock())
        .map_err(|e| CliError::write("stdout", &e))?;
    Ok(if counts[Severity::Error as usize] > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes one line per finding (or "no findings") and a summary, all in `lang`; returns
/// the findings counted by severity.
fn print_findings(
    subjects: &Subjects,
    lang: Lang,
    out: &mut impl Write,
) -> std::io::Result<[usize; 3]> {
    let mut counts = [0usize; 3];
    for (index, (label, invoice)) in subjects.invoices.iter().enumerate() {
        let label = label.clone().unwrap_or_else(|| {
            let n = index + 1;
            say(lang, format!("invoice {n}"), format!("发票 {n}"))
        });
        let found = invoice.validate_in(lang);
        if found.is_empty() {
            writeln!(
                out,
                "{}",
                say(
                    lang,
                    format!("{label}: no findings"),
                    format!("{label}：无问题")
                )
            )?;
        }
        for finding in found {
            counts[finding.severity as usize] += 1;
            let severity = severity_id(finding.severity);
            let text = finding_text(severity, finding.code, &finding.message, lang);
            let line = say(lang, format!("{label}: {text}"), format!("{label}：{text}"));
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out, "{}", summary(subjects, counts, lang))?;
    Ok(counts)
}

/// The closing line: invoices checked, findings by severity, records not checked.
fn summary(subjects: &Subjects, counts: [usize; 3], lang: Lang) -> String {
    let [errors, warnings, info] = counts;
    let (invoices, unchecked) = (subjects.invoices.len(), subjects.error_records);
    let mut line = say(
        lang,
        format!(
            "{}: {errors} errors, {warnings} warnings, {info} info",
            counted(invoices as u64, "invoice")
        ),
        format!("{invoices} 张发票：{errors} 个错误，{warnings} 个警告，{info} 个提示"),
    );
    if unchecked > 0 {
        line += &say(
            lang,
            format!(
                "; {} without invoices (failed or skipped) not checked",
                counted(unchecked as u64, "record")
            ),
            format!("；{unchecked} 条无发票的记录（失败或跳过）未校验"),
        );
    }
    line
}

/// One finding as people read it, in `validate` lines and csv/xlsx/table cells:
/// `error totals.sum: …` or `错误 totals.sum：…`; `severity` is the JSON id.
pub fn finding_text(severity: &str, code: &str, message: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{severity} {code}: {message}"),
        Lang::Zh => format!("{} {code}：{message}", severity_zh(severity)),
    }
}

/// The Chinese word for a severity id (an unknown id, from a newer journal, as it is).
fn severity_zh(id: &str) -> &str {
    match id {
        "error" => "错误",
        "warning" => "警告",
        "info" => "提示",
        other => other,
    }
}

/// The text for `lang` of two already-rendered alternatives.
fn say(lang: Lang, en: String, zh: String) -> String {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

fn read_source(path: &std::path::Path) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
    }
}

/// The invoices found in a validate input, each with a label.
#[derive(Debug, Default)]
pub struct Subjects {
    /// A label (`path`, `path #2`; `None` for a bare invoice, labelled by its position when
    /// printed) and the invoice.
    pub invoices: Vec<(Option<String>, Invoice)>,
    /// Records (or rows) of files without invoices: failed or skipped.
    pub error_records: usize,
}

/// Reads `recognize` json (an array of records) or jsonl (one per line), a bare Invoice, an
/// array of Invoices, or several of those one after another.
fn subjects(text: &str) -> Result<Subjects, String> {
    let mut subjects = Subjects::default();
    let stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    for value in stream {
        let value = value.map_err(|e| format!("not JSON or JSONL: {e}"))?;
        match value {
            Value::Array(values) => {
                for value in values {
                    subjects.add(value)?;
                }
            }
            value => subjects.add(value)?,
        }
    }
    if subjects.invoices.is_empty() && subjects.error_records == 0 {
        return Err("no invoices or records found".to_owned());
    }
    Ok(subjects)
}

impl Subjects {
    fn add(&mut self, value: Value) -> Result<(), String> {
        let is_record = value.get("path").is_some() && value.get("status").is_some();
        if !is_record {
            let invoice: Invoice =
                serde_json::from_value(value).map_err(|e| format!("not an invoice: {e}"))?;
            self.invoices.push((None, invoice));
            return Ok(());
        }
        let record: Record =
            serde_json::from_value(value).map_err(|e| format!("not a recognize record: {e}"))?;
        let Some(recognized) = record.recognized() else {
            self.error_records += 1;
            return Ok(());
        };
        let many = recognized.invoices.len() > 1;
        for (index, invoice) in recognized.invoices.iter().enumerate() {
            let label = if many {
                format!("{} #{}", record.path, index + 1)
            } else {
                record.path.clone()
            };
            self.invoices.push((Some(label), invoice.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_arrays_lines_and_bare_invoices_are_all_read() {
        let record = r#"{"path":"a.ofd","sha256":"x","status":"ok","api":"local","invoices":[{"number":"1"},{"number":"2"}]}"#;
        let error = r#"{"path":"b.gif","sha256":null,"status":"error","error":{"api":"local","kind":"unsupported_format","code":"unsupported","message":"GIF"}}"#;
        let jsonl = format!("{record}\n{error}\n");
        let read = subjects(&jsonl).unwrap();
        let labels: Vec<_> = read.invoices.iter().map(|(l, _)| l.as_deref()).collect();
        assert_eq!(labels, [Some("a.ofd #1"), Some("a.ofd #2")]);
        assert_eq!(read.error_records, 1);

        let array = format!("[{record}]");
        assert_eq!(subjects(&array).unwrap().invoices.len(), 2);
        let bare = subjects(r#"[{"number":"1"},{"total":"1.00"}]"#).unwrap();
        assert!(bare.invoices.iter().all(|(l, _)| l.is_none()));
        assert!(
            subjects("{\"total\": 3}").is_err(),
            "money must be a string"
        );
        assert!(subjects("   ").is_err());
        assert!(subjects("{not json").is_err());
    }
}
