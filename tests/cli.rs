//! The `fapiao` binary end to end: real samples (when `../shared/samples` exists), every
//! output format on synthetic inputs, usage errors and exit codes, fallback chains and a
//! killed-and-resumed batch of 1,000 files against the sandbox on loopback.

#[path = "cli_fixtures/mod.rs"]
mod fixtures;
#[path = "local_fixtures/mod.rs"]
mod local_fixtures;

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fapiao::sandbox::{Fault, FaultPlan, Sandbox, SandboxConfig};
use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_fapiao");

/// Credentials the sandbox accepts and the CLI is given through its environment.
const CREDENTIALS: &[(&str, &str, &str, &str)] = &[
    (
        "tencent",
        "secret_id",
        "TENCENTCLOUD_SECRET_ID",
        "AKIDcliTest",
    ),
    (
        "tencent",
        "secret_key",
        "TENCENTCLOUD_SECRET_KEY",
        "cli-test-tencent-key",
    ),
    (
        "icuapi",
        "secret_id",
        "ICUAPI_SECRET_ID",
        "cli-test-icuapi-id",
    ),
    (
        "icuapi",
        "secret_key",
        "ICUAPI_SECRET_KEY",
        "cli-test-icuapi-key",
    ),
];

// ---------------------------------------------------------------- helpers

/// An empty home folder, so no developer's config file leaks into the tests.
fn home() -> &'static Path {
    static HOME: OnceLock<TempDir> = OnceLock::new();
    HOME.get_or_init(|| tempfile::tempdir().expect("temporary home"))
        .path()
}

/// The binary with a clean environment (no credentials, no config, no endpoints, no logs).
fn fapiao() -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("HOME", home())
        .env("XDG_CONFIG_HOME", home());
    command
}

/// The binary with the sandbox credentials in its environment.
fn fapiao_with_credentials() -> Command {
    let mut command = fapiao();
    for (_, _, env, value) in CREDENTIALS {
        command.env(env, value);
    }
    command
}

/// What a finished run printed and returned.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(command: &mut Command) -> Run {
    let output = command.output().expect("the binary runs");
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// [`run`] off the async runtime, so an in-process sandbox keeps serving meanwhile.
async fn run_beside_sandbox(mut command: Command) -> Run {
    tokio::task::spawn_blocking(move || run(&mut command))
        .await
        .expect("the run finishes")
}

/// A sandbox on loopback accepting [`CREDENTIALS`], with `faults`.
async fn sandbox(faults: FaultPlan) -> Sandbox {
    let mut config = SandboxConfig::new()
        .environment(|_| None)
        .faults(faults)
        .seed(6);
    for (scope, name, _, value) in CREDENTIALS {
        config = config.credential(scope, name, *value);
    }
    Sandbox::start(config).await.expect("sandbox starts")
}

/// One JSON record per line.
fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value:#}"))
}

/// A usage error: exit 2, nothing on stdout, one line on stderr without a panic message.
fn assert_usage_error(run: &Run, mentions: &str) {
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "one line: {:?}", run.stderr);
    assert!(
        run.stderr.starts_with("fapiao: error: "),
        "{:?}",
        run.stderr
    );
    assert!(
        run.stderr.contains(mentions),
        "{:?} should mention {mentions}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked") && !run.stderr.contains("backtrace"));
}

/// A folder of synthetic inputs: the e-invoice OFD, two QR PNGs, an empty PNG, a note no
/// API accepts; plus a GIF outside it, named explicitly.
struct Batch {
    dir: TempDir,
}

impl Batch {
    fn new() -> Batch {
        let dir = tempfile::tempdir().unwrap();
        let scans = dir.path().join("scans");
        std::fs::create_dir_all(scans.join("2024")).unwrap();
        std::fs::write(scans.join("einvoice.ofd"), fixtures::einvoice_ofd()).unwrap();
        let [legacy, digital, ticket] = local_fixtures::PAYLOADS;
        std::fs::write(scans.join("2024/digital.png"), fixtures::qr_png(digital)).unwrap();
        std::fs::write(scans.join("2024/ticket.png"), fixtures::qr_png(ticket)).unwrap();
        std::fs::write(scans.join("empty.png"), b"").unwrap();
        std::fs::write(scans.join("notes.txt"), legacy).unwrap();
        std::fs::write(dir.path().join("photo.gif"), b"GIF89a\x01\x00\x01\x00").unwrap();
        Batch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `fapiao recognize <scans> <photo.gif> ARGS`.
    fn recognize(&self, args: &[&str]) -> Run {
        run(fapiao()
            .arg("recognize")
            .arg(self.path("scans"))
            .arg(self.path("photo.gif"))
            .args(args))
    }
}

// ---------------------------------------------------------------- real samples

fn sample(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/samples")
        .join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping: {} is absent", path.display());
        None
    }
}

/// The one invoice `fapiao recognize FILE` prints for a sample.
fn recognize_sample(path: &Path) -> Value {
    let out = run(fapiao().arg("recognize").arg(path));
    assert_eq!(out.code, 0, "{out:?}");
    let records: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(records.as_array().map(Vec::len), Some(1), "{records:#}");
    assert_eq!(str_at(&records[0], "/status"), "ok");
    records[0]["invoices"][0].clone()
}

#[test]
fn the_zhejiang_e_invoice_prints_its_fields_and_line_item() {
    let Some(path) = sample("einvoice-zhejiang-2020.ofd") else {
        return;
    };
    let invoice = recognize_sample(&path);
    assert_eq!(str_at(&invoice, "/code"), "033002000211");
    assert_eq!(str_at(&invoice, "/number"), "83089647");
    assert_eq!(str_at(&invoice, "/buyer/name"), "江苏京利华新材料有限公司");
    assert_eq!(str_at(&invoice, "/total"), "526.00");
    assert_eq!(str_at(&invoice, "/items/0/name"), "*餐饮服务*餐费");
    assert_eq!(str_at(&invoice, "/items/0/amount"), "510.68");
    assert_eq!(str_at(&invoice, "/items/0/tax"), "15.32");
}

#[test]
fn the_digital_invoice_and_the_train_ticket_print_number_and_total() {
    for (name, number, total) in [
        (
            "digital-special-2024.ofd",
            "24112000000048542163",
            "4449.00",
        ),
        ("train-ticket-qr.png", "25319132270000640546", "86.00"),
    ] {
        let Some(path) = sample(name) else {
            continue;
        };
        let invoice = recognize_sample(&path);
        assert_eq!(str_at(&invoice, "/number"), number, "{name}");
        assert_eq!(str_at(&invoice, "/total"), total, "{name}");
    }
}

// ---------------------------------------------------------------- formats

#[test]
fn jsonl_has_one_record_per_input_and_bad_files_become_error_records() {
    let batch = Batch::new();
    let out = batch.recognize(&["--format", "jsonl"]);
    assert_eq!(out.code, 1, "a failed input makes exit 1: {out:?}");
    let records = jsonl(&out.stdout);
    let mut by_file: HashMap<String, &Value> = HashMap::new();
    for record in &records {
        let name = Path::new(str_at(record, "/path")).file_name().unwrap();
        by_file.insert(name.to_string_lossy().into_owned(), record);
    }
    let mut names: Vec<&str> = by_file.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(records.len(), 6, "{records:#?}");
    assert_eq!(
        names,
        [
            "digital.png",
            "einvoice.ofd",
            "empty.png",
            "notes.txt",
            "photo.gif",
            "ticket.png"
        ]
    );

    let ofd = by_file["einvoice.ofd"];
    assert_eq!(str_at(ofd, "/status"), "ok");
    assert_eq!(str_at(ofd, "/invoices/0/number"), fixtures::NUMBER);
    let expected_sha = fapiao::sandbox::content_hash(&fixtures::einvoice_ofd());
    assert_eq!(str_at(ofd, "/sha256"), expected_sha);
    for bad in ["empty.png", "photo.gif"] {
        let record = by_file[bad];
        assert_eq!(str_at(record, "/status"), "error", "{record:#}");
        assert_eq!(str_at(record, "/error/kind"), "unsupported_format");
        assert_eq!(str_at(record, "/error/code"), "unsupported");
        assert!(!str_at(record, "/error/message").is_empty());
        assert!(record["sha256"].is_string(), "a readable file has a hash");
    }
    let notes = by_file["notes.txt"];
    assert_eq!(str_at(notes, "/status"), "skipped", "{notes:#}");
    assert_eq!(str_at(notes, "/skipped/code"), "unsupported_format");
    assert!(str_at(notes, "/skipped/message").contains(".txt"));
    assert!(
        out.stderr
            .contains("6 files: 3 done, 2 failed (unsupported_format 2), 1 unsupported (not sent)"),
        "{}",
        out.stderr
    );
}

#[test]
fn json_output_is_an_array_sorted_by_path_rendered_from_its_journal() {
    let batch = Batch::new();
    let output = batch.path("out.json");
    let out = batch.recognize(&["--output", output.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    let records: Vec<Value> = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    let paths: Vec<&str> = records.iter().map(|r| str_at(r, "/path")).collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted);
    assert_eq!(paths.len(), 6);
    let journal = batch.path("out.json.journal.jsonl");
    assert_eq!(jsonl(&std::fs::read_to_string(journal).unwrap()).len(), 6);
}

#[test]
fn csv_has_stable_invoice_columns_and_an_items_file() {
    let batch = Batch::new();
    let (output, items) = (batch.path("out.csv"), batch.path("items.csv"));
    let out = batch.recognize(&[
        "--headers",
        "en",
        "--output",
        output.to_str().unwrap(),
        "--items",
        items.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{out:?}");

    let mut reader = csv::Reader::from_path(&output).unwrap();
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers[..6],
        [
            "kind",
            "code",
            "number",
            "date",
            "seller_name",
            "seller_tax_id"
        ],
        "identity first: {headers:?}"
    );
    for column in [
        "buyer_name",
        "total",
        "duplicate_of",
        "findings",
        "status",
        "error_kind",
        "error_message",
        "path",
        "fallbacks",
        "sha256",
    ] {
        assert!(
            headers.iter().any(|h| h == column),
            "{column} in {headers:?}"
        );
    }
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows.len(),
        6,
        "one row per invoice, one per failed or skipped file"
    );
    let ofd = rows
        .iter()
        .find(|r| r[column("path")].ends_with("einvoice.ofd"))
        .unwrap();
    assert_eq!(&ofd[column("number")], format!("=\"{}\"", fixtures::NUMBER));
    assert_eq!(&ofd[column("code")], format!("=\"{}\"", fixtures::CODE));
    assert_eq!(&ofd[column("kind")], "vat_electronic_general");
    assert_eq!(&ofd[column("total")], fixtures::TOTAL);
    assert_eq!(&ofd[column("buyer_name")], fixtures::BUYER);
    assert_eq!(
        &ofd[column("qr_payload")],
        fixtures::qr_payload(),
        "commas survive quoting"
    );
    let errors = rows
        .iter()
        .filter(|r| &r[column("status")] == "error")
        .count();
    assert_eq!(errors, 2);

    let mut items_reader = csv::Reader::from_path(&items).unwrap();
    let item_headers = items_reader.headers().unwrap().clone();
    let items: Vec<csv::StringRecord> = items_reader.records().map(Result::unwrap).collect();
    assert_eq!(items.len(), 1, "{items:?}");
    let name = item_headers.iter().position(|h| h == "name").unwrap();
    let amount = item_headers.iter().position(|h| h == "amount").unwrap();
    assert_eq!(&items[0][name], fixtures::ITEM);
    assert_eq!(&items[0][amount], "100.00");
}

#[test]
fn csv_starts_with_a_bom_and_keeps_a_20_digit_number_as_excel_text() {
    let batch = Batch::new();
    let output = batch.path("out.csv");
    let out = run(fapiao()
        .arg("recognize")
        .arg(batch.path("scans/2024/digital.png"))
        .arg("--output")
        .arg(&output));
    assert_eq!(out.code, 0, "{out:?}");
    let bytes = std::fs::read(&output).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM first");
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("发票号码"),
        "Chinese headers by default: {text}"
    );
    let digital = local_fixtures::PAYLOADS[1].split(',').nth(3).unwrap();
    assert_eq!(digital.len(), 20, "{digital}");
    // ="…" inside CSV quotes: Excel shows the digits as text instead of 2.41E+19.
    assert!(text.contains(&format!("\"=\"\"{digital}\"\"\"")), "{text}");

    let plain = batch.path("plain.csv");
    let out = run(fapiao()
        .args(["recognize", "--no-bom"])
        .arg(batch.path("scans/2024/digital.png"))
        .arg("--output")
        .arg(&plain));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!std::fs::read(&plain).unwrap().starts_with(b"\xef\xbb\xbf"));
}

#[test]
fn xlsx_opens_with_real_dates_numbers_rates_totals_and_chinese_headers() {
    use calamine::{Data, DataType, Reader, Xlsx};
    let batch = Batch::new();
    // A second copy of the e-invoice under another name: a duplicate, left out of the totals.
    std::fs::write(batch.path("scans/again.ofd"), fixtures::einvoice_ofd()).unwrap();
    let output = batch.path("out.xlsx");
    let out = batch.recognize(&["--output", output.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    let mut workbook: Xlsx<_> = calamine::open_workbook(&output).unwrap();
    assert_eq!(workbook.sheet_names(), ["发票", "明细", "汇总"]);

    let invoices = workbook.worksheet_range("发票").unwrap();
    let rows: Vec<&[Data]> = invoices.rows().collect();
    let headers: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        headers[..4],
        ["发票类型", "发票代码", "发票号码", "开票日期"],
        "{headers:?}"
    );
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (amount, tax, total) = (column("金额"), column("税额"), column("价税合计"));
    let (duplicate, path) = (column("重复于"), column("文件"));
    // Of the two copies, the one read first has the invoice; the other is a duplicate.
    let ofd = rows
        .iter()
        .find(|r| r[path].to_string().ends_with(".ofd") && r[duplicate] == Data::Empty)
        .expect("the e-invoice row");
    assert_eq!(
        ofd[column("发票类型")],
        Data::String("增值税电子普通发票".into())
    );
    assert_eq!(
        ofd[column("发票号码")],
        Data::String(fixtures::NUMBER.into())
    );
    assert_eq!(
        ofd[column("发票代码")],
        Data::String(fixtures::CODE.into()),
        "an identifier is text"
    );
    let date = &ofd[column("开票日期")];
    // 2023-06-15 is day 45,092 of Excel's calendar.
    match date {
        Data::DateTime(excel) => assert_eq!(excel.as_f64(), 45_092.0),
        other => panic!("a real date, not {other:?}"),
    }
    assert_eq!(ofd[total], Data::Float(106.0));
    assert_eq!(ofd[amount], Data::Float(100.0));

    // The totals row: the sums of the rows that are not duplicates.
    let data_rows = &rows[1..rows.len() - 1];
    let sum = |col: usize| -> f64 {
        data_rows
            .iter()
            .filter(|r| r[duplicate] == Data::Empty)
            .filter_map(|r| r[col].get_float())
            .sum()
    };
    let totals = rows.last().unwrap();
    assert!(totals[0].to_string().starts_with("合计"), "{:?}", totals[0]);
    assert!(
        data_rows.iter().any(|r| r[duplicate] != Data::Empty),
        "a duplicate row"
    );
    for col in [amount, tax, total] {
        assert_eq!(totals[col].get_float(), Some(sum(col)), "{}", headers[col]);
    }
    assert!(sum(total) > 106.0, "the other invoices count too");

    let items = workbook.worksheet_range("明细").unwrap();
    let item_rows: Vec<&[Data]> = items.rows().collect();
    let rate = item_rows[0].iter().position(|h| *h == "税率").unwrap();
    assert_eq!(item_rows[1][rate], Data::Float(0.06), "6% as a number");

    let summary = workbook.worksheet_range("汇总").unwrap();
    let labels: Vec<String> = summary.rows().map(|r| r[0].to_string()).collect();
    for label in ["发票类型", "销售方", "增值税电子普通发票", "重复"] {
        assert!(labels.iter().any(|l| l == label), "{label} in {labels:?}");
    }

    // Layout: widths, autofilter and frozen header on the invoice sheet.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&output).unwrap()).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    for part in ["<cols>", "<autoFilter ref=\"A1:", "ySplit=\"1\""] {
        assert!(sheet.contains(part), "{part} in the invoice sheet");
    }
}

#[test]
fn xlsx_headers_en_gives_english_ids() {
    use calamine::{Reader, Xlsx};
    let batch = Batch::new();
    let output = batch.path("out.xlsx");
    let out = run(fapiao()
        .args(["recognize", "--headers", "en", "--output"])
        .arg(&output)
        .arg(batch.path("scans/einvoice.ofd")));
    assert_eq!(out.code, 0, "{out:?}");
    let mut workbook: Xlsx<_> = calamine::open_workbook(&output).unwrap();
    assert_eq!(workbook.sheet_names(), ["invoices", "items", "summary"]);
    let invoices = workbook.worksheet_range("invoices").unwrap();
    let mut rows = invoices.rows();
    assert_eq!(rows.next().unwrap()[0].to_string(), "kind");
    assert_eq!(
        rows.next().unwrap()[0].to_string(),
        "vat_electronic_general"
    );
}

#[test]
fn table_shows_one_aligned_line_per_invoice() {
    let batch = Batch::new();
    let out = batch.recognize(&["--format", "table"]);
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 7, "header and six rows: {}", out.stdout);
    assert!(lines[0].starts_with("path") && lines[0].contains("number"));
    let ofd = lines.iter().find(|l| l.contains("einvoice.ofd")).unwrap();
    assert!(
        ofd.contains(fixtures::NUMBER) && ofd.contains(fixtures::TOTAL),
        "{ofd}"
    );
    let status = lines[0].find("status").unwrap();
    assert!(lines.iter().skip(1).all(|l| {
        ["ok", "error", "skipped"]
            .iter()
            .any(|s| l[status..].starts_with(s))
    }));
}

#[test]
fn a_batch_of_good_files_exits_zero() {
    let batch = Batch::new();
    let out = run(fapiao()
        .args(["recognize", "--format", "jsonl"])
        .arg(batch.path("scans/einvoice.ofd"))
        .arg(batch.path("scans/2024")));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(jsonl(&out.stdout).len(), 3);
}

#[test]
fn validate_on_recognize_output_attaches_and_reports_findings() {
    let batch = Batch::new();
    let output = batch.path("out.jsonl");
    let out = run(fapiao()
        .args(["recognize", "--validate", "--output"])
        .arg(&output)
        .arg(batch.path("scans/einvoice.ofd")));
    assert_eq!(out.code, 0, "{out:?}");
    let records = jsonl(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(
        records[0]["qr_cross_check"],
        Value::Bool(true),
        "{:#}",
        records[0]
    );
    assert!(
        records[0].get("findings").is_none(),
        "a consistent invoice: {:#}",
        records[0]
    );

    let checked = run(fapiao().arg("validate").arg(&output));
    assert_eq!(checked.code, 0, "{checked:?}");
    assert!(
        checked.stdout.contains("1 invoice: 0 errors"),
        "{}",
        checked.stdout
    );

    // A bare invoice whose totals do not add up, from stdin.
    let bad =
        r#"{"kind":"vat_electronic_general","amount":"100.00","tax":"6.00","total":"107.00"}"#;
    let (code, stdout) = validate_stdin(&[], bad);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("invoice 1: error totals.sum"), "{stdout}");
}

/// `fapiao validate ARGS -` with `input` on stdin: the exit code and stdout.
fn validate_stdin(args: &[&str], input: &str) -> (Option<i32>, String) {
    let mut child = fapiao()
        .arg("validate")
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

#[test]
fn validate_speaks_one_language_at_a_time() {
    let bad = r#"[{"kind":"digital_general","amount":"33.02","tax":"0.99","total":"35.01"},
                  {"kind":"digital_general","total":"1.00"}]"#;
    let (code, zh) = validate_stdin(&["--lang", "zh"], bad);
    assert_eq!(code, Some(1), "{zh}");
    assert_eq!(
        zh,
        "发票 1：错误 totals.sum：合计金额 33.02 + 合计税额 0.99 = 34.01，但价税合计为 35.01\n\
         发票 2：无问题\n\
         2 张发票：1 个错误，0 个警告，0 个提示\n"
    );
    let (code, en) = validate_stdin(&["--lang", "en"], bad);
    assert_eq!(code, Some(1), "{en}");
    assert_eq!(
        en,
        "invoice 1: error totals.sum: amount 33.02 + tax 0.99 = 34.01, but the total is 35.01\n\
         invoice 2: no findings\n\
         2 invoices: 1 errors, 0 warnings, 0 info\n"
    );
    assert_eq!(validate_stdin(&[], bad).1, en, "English is the default");
    let out = run(fapiao().args(["validate", "--lang", "fr", "x.json"]));
    assert_eq!(out.code, 2, "{out:?}");
}

// ---------------------------------------------------------------- usage errors

#[test]
fn usage_errors_print_one_line_and_exit_2() {
    let batch = Batch::new();
    let scans = batch.path("scans");
    let unknown = run(fapiao()
        .args(["recognize", "--api", "acme.ocr"])
        .arg(&scans));
    assert_usage_error(&unknown, "unknown API `acme.ocr`");
    let typo = run(fapiao()
        .args(["recognize", "--api", "tencent.vat_invoce_ocr"])
        .arg(&scans));
    assert_usage_error(&typo, "did you mean `tencent.vat_invoice_ocr`?");
    let missing = run(fapiao()
        .args(["recognize", "--api", "tencent.vat_invoice_ocr"])
        .arg(&scans));
    assert_usage_error(&missing, "TENCENTCLOUD_SECRET_ID");
    let unreadable = run(fapiao().arg("recognize").arg(batch.path("no-such-folder")));
    assert_usage_error(&unreadable, "no-such-folder");
    let resume_to_stdout = run(fapiao().args(["recognize", "--resume"]).arg(&scans));
    assert_usage_error(&resume_to_stdout, "--resume needs --output");
    let bad_flag = run(fapiao()
        .args(["recognize", "--concurency", "3"])
        .arg(&scans));
    assert_usage_error(&bad_flag, "--concurency");
}

#[test]
fn apis_lists_every_api_with_its_variables_and_never_a_secret() {
    let out = run(fapiao_with_credentials().arg("apis"));
    assert_eq!(out.code, 0, "{out:?}");
    let row = |id: &str| {
        out.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no row for {id}: {}", out.stdout))
            .to_owned()
    };
    assert!(row("local").contains("not needed"));
    for api in fapiao::api::registry() {
        let d = api.descriptor();
        let line = row(d.id);
        for credential in d.auth.credentials {
            assert!(line.contains(credential.env), "{line}");
        }
    }
    assert!(row("tencent.vat_invoice_ocr").contains("present"));
    assert!(row("jdcloud.ocr_invoice").contains("missing: JDCLOUD_ACCESS_KEY"));
    for (_, _, _, value) in CREDENTIALS {
        assert!(
            !out.stdout.contains(value) && !out.stderr.contains(value),
            "{value} leaked"
        );
    }
}

#[test]
fn help_lists_every_subcommand() {
    let out = run(fapiao().arg("--help"));
    assert_eq!(out.code, 0, "{out:?}");
    for command in ["recognize", "apis", "validate", "sandbox"] {
        assert!(out.stdout.contains(command), "{command}: {}", out.stdout);
    }
}

/// [`run`] with stdout a pipe whose reading end is already closed (`fapiao … | head` once
/// `head` has exited).
fn run_into_closed_pipe(command: &mut Command) -> Run {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = command.stdout(writer).output().expect("the binary runs");
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::new(),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let batch = Batch::new();
    let saved = batch.path("saved.jsonl");
    let good = || {
        let mut command = fapiao();
        command
            .arg("recognize")
            .arg(batch.path("scans/einvoice.ofd"));
        command
    };
    let written = run(good().arg("--output").arg(&saved));
    assert_eq!(written.code, 0, "{written:?}");
    let commands: [(&str, Command); 4] = [
        ("recognize jsonl", {
            let mut c = good();
            c.args(["--format", "jsonl"]);
            c
        }),
        ("recognize json", good()),
        ("apis", {
            let mut c = fapiao();
            c.arg("apis");
            c
        }),
        ("validate", {
            let mut c = fapiao();
            c.arg("validate").arg(&saved);
            c
        }),
    ];
    for (name, mut command) in commands {
        let out = run_into_closed_pipe(&mut command);
        assert_eq!(out.code, 0, "{name}: {out:?}");
        assert_eq!(out.stderr, "", "{name}: nothing to report");
    }
}

// ---------------------------------------------------------------- against the sandbox

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unavailable_first_api_falls_back_to_the_second() {
    let sandbox = sandbox(FaultPlan::none()).await;
    // Both attempts at the first API meet a 503; the second API is then asked.
    sandbox.push_fault(Fault::Http(503));
    sandbox.push_fault(Fault::Http(503));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scan.png");
    std::fs::write(&file, fixtures::distinct_png(1)).unwrap();
    let mut command = fapiao_with_credentials();
    command
        .args(["recognize", "--format", "jsonl", "--max-attempts", "2"])
        .args(["--apis", "tencent.vat_invoice_ocr,icuapi.invoice"])
        .args(["--endpoint", &sandbox.base_url()])
        .arg(&file);
    let out = run_beside_sandbox(command).await;
    assert_eq!(out.code, 0, "{out:?}");
    let record = &jsonl(&out.stdout)[0];
    assert_eq!(str_at(record, "/api"), "icuapi.invoice", "{record:#}");
    assert_eq!(
        str_at(record, "/fallbacks/0/api"),
        "tencent.vat_invoice_ocr"
    );
    assert_eq!(str_at(record, "/fallbacks/0/kind"), "unavailable");
    assert!(record["invoices"].as_array().is_some_and(|i| !i.is_empty()));
    let stats = sandbox.stats();
    assert_eq!(stats.apis["tencent.vat_invoice_ocr"].requests, 2);
    assert_eq!(stats.apis["tencent.vat_invoice_ocr"].successes, 0);
    assert_eq!(stats.apis["icuapi.invoice"].successes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_does_not_fall_back() {
    let sandbox = sandbox(FaultPlan::none()).await;
    let batch = Batch::new();
    let mut command = fapiao_with_credentials();
    command
        .args(["recognize", "--format", "jsonl"])
        .args(["--apis", "tencent.vat_invoice_ocr,icuapi.invoice"])
        .args(["--endpoint", &sandbox.base_url()])
        .arg(batch.path("scans/empty.png"))
        .arg(batch.path("photo.gif"));
    let out = run_beside_sandbox(command).await;
    assert_eq!(out.code, 1, "{out:?}");
    for record in jsonl(&out.stdout) {
        assert_eq!(str_at(&record, "/status"), "error", "{record:#}");
        assert_eq!(str_at(&record, "/error/api"), "tencent.vat_invoice_ocr");
        assert!(record.get("fallbacks").is_none(), "{record:#}");
        let kind = str_at(&record, "/error/kind");
        assert!(
            !fapiao::api::ErrorKind::from_id(kind)
                .unwrap()
                .allows_fallback(),
            "{kind}"
        );
    }
    let stats = sandbox.stats();
    assert_eq!(
        stats.apis["tencent.vat_invoice_ocr"].requests, 0,
        "refused before sending"
    );
    assert_eq!(stats.apis["icuapi.invoice"].requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_cross_checks_a_cloud_result_with_the_local_qr_and_fails_on_errors() {
    let sandbox = sandbox(FaultPlan::none()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("photo.png");
    std::fs::write(&file, fixtures::qr_png(&fixtures::qr_payload())).unwrap();
    let mut command = fapiao_with_credentials();
    command
        .args(["recognize", "--format", "jsonl", "--validate"])
        .args([
            "--api",
            "tencent.vat_invoice_ocr",
            "--endpoint",
            &sandbox.base_url(),
        ])
        .arg(&file);
    let out = run_beside_sandbox(command).await;
    assert_eq!(out.code, 1, "an error-level finding fails the run: {out:?}");
    assert!(
        out.stderr.contains("1 with validation errors"),
        "{}",
        out.stderr
    );
    let record = &jsonl(&out.stdout)[0];
    assert_eq!(record["qr_cross_check"], Value::Bool(true), "{record:#}");
    // The sandbox's example invoice is not the one in the QR code, and the check says so.
    let codes: Vec<&str> = record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| str_at(f, "/code"))
        .collect();
    assert!(codes.contains(&"qr.number"), "{codes:?}");

    // People see the finding's explanation, not only its code.
    let mut csv_out = fapiao_with_credentials();
    csv_out
        .args(["recognize", "--format", "csv", "--validate"])
        .args(["--api", "tencent.vat_invoice_ocr"])
        .args(["--endpoint", &sandbox.base_url()])
        .arg(&file);
    let out = run_beside_sandbox(csv_out).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("error qr.number: the invoice number is"),
        "{}",
        out.stdout
    );

    // In Chinese, the csv's finding cells are Chinese throughout.
    let mut csv_zh = fapiao_with_credentials();
    csv_zh
        .args(["recognize", "--format", "csv", "--validate", "--lang", "zh"])
        .args(["--api", "tencent.vat_invoice_ocr"])
        .args(["--endpoint", &sandbox.base_url()])
        .arg(&file);
    let out = run_beside_sandbox(csv_zh).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("错误 qr.number：发票号码为 "),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("error qr."), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_batch_of_1000_resumes_without_losing_or_repeating_inputs() {
    const FILES: u32 = 1000;
    let faults: FaultPlan = "http:503=0.1,http:429=0.1,reset=0.1".parse().unwrap();
    let sandbox = sandbox(faults).await;
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    for n in 0..FILES {
        std::fs::write(
            inputs.join(format!("{n:04}.png")),
            fixtures::distinct_png(n),
        )
        .unwrap();
    }
    let output = dir.path().join("out.jsonl");
    let batch = |resume: bool| {
        let mut command = fapiao_with_credentials();
        command
            .args([
                "recognize",
                "--api",
                "icuapi.invoice",
                "--endpoint",
                &sandbox.base_url(),
            ])
            .args([
                "--concurrency",
                "16",
                "--max-attempts",
                "12",
                "--retry-budget",
                "1",
            ])
            .arg("--output")
            .arg(&output)
            .arg(&inputs);
        if resume {
            command.arg("--resume");
        }
        command
    };

    // First run: SIGKILL once about half the files are recorded.
    let mut child = batch(false).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    while recorded_lines(&output) < FILES as usize / 2 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "no progress: hung?"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished_before: HashSet<String> = complete_records(&output)
        .iter()
        .map(|r| str_at(r, "/sha256").to_owned())
        .collect();
    assert!(finished_before.len() >= FILES as usize / 2 && finished_before.len() < FILES as usize);

    // Resumed: every file ends with exactly one successful record.
    let out = run_beside_sandbox(batch(true)).await;
    assert_eq!(out.code, 0, "{out:?}");
    let records = jsonl(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(records.len(), FILES as usize);
    let paths: HashSet<&str> = records.iter().map(|r| str_at(r, "/path")).collect();
    assert_eq!(paths.len(), FILES as usize, "one record per input");
    assert!(records.iter().all(|r| str_at(r, "/status") == "ok"));

    // The vendor was not called again for a file recorded before the kill; faults were met
    // and retried.
    let stats = sandbox.stats();
    let api = &stats.apis["icuapi.invoice"];
    for sha in &finished_before {
        assert_eq!(
            api.successes_by_input.get(sha),
            Some(&1),
            "{sha} called twice"
        );
    }
    for record in &records {
        assert!(
            api.successes_by_input
                .contains_key(str_at(record, "/sha256"))
        );
    }
    assert!(api.failure_count() > 0, "faults were injected: {api:?}");
    assert!(
        out.stderr.contains("skipped (already recorded)"),
        "{}",
        out.stderr
    );
}

/// Lines in `path` so far (0 while it does not exist).
fn recorded_lines(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |bytes| bytes.iter().filter(|b| **b == b'\n').count())
}

/// The records of `path` whose line is complete (a kill may tear the last one).
fn complete_records(path: &Path) -> Vec<Value> {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    text.split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .map(|line| serde_json::from_str(line).expect("a complete line is a complete record"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_checks_send_nothing() {
    let sandbox = sandbox(FaultPlan::none()).await;
    let mut apis = fapiao_with_credentials();
    apis.arg("apis");
    for api in fapiao::api::registry() {
        let variable = fapiao::client::endpoint_env_var(api.descriptor().id);
        apis.env(variable, sandbox.base_url());
    }
    let listed = run_beside_sandbox(apis).await;
    assert_eq!(listed.code, 0, "{listed:?}");
    assert!(listed.stdout.contains("present"), "{}", listed.stdout);

    // Checked and refused before any file is read or request sent: the path does not exist.
    let mut recognize = fapiao_with_credentials();
    recognize
        .args([
            "recognize",
            "--api",
            "tencent.vat_invoice_ocr",
            "--endpoint",
            &sandbox.base_url(),
        ])
        .arg("/no/such/scans");
    let refused = run_beside_sandbox(recognize).await;
    assert_usage_error(&refused, "/no/such/scans");

    let stats = sandbox.stats();
    assert!(
        stats.apis.values().all(|api| api.requests == 0),
        "{stats:?}"
    );
    assert_eq!(stats.unrouted, 0);
}

// ---------------------------------------------------------------- earlier results are kept

#[test]
fn a_second_run_without_resume_keeps_the_first_runs_records() {
    let batch = Batch::new();
    for name in ["out.jsonl", "out.csv"] {
        let output = batch.path(name);
        let first = batch.recognize(&["--output", output.to_str().unwrap()]);
        assert_eq!(first.code, 1, "{first:?}");
        let journal = if name.ends_with(".jsonl") {
            output.clone()
        } else {
            batch.path(&format!("{name}.journal.jsonl"))
        };
        let (kept_output, kept_journal) = (
            std::fs::read(&output).unwrap(),
            std::fs::read(&journal).unwrap(),
        );

        let again = batch.recognize(&["--output", output.to_str().unwrap()]);
        assert_usage_error(&again, "6 records of an earlier run");
        assert!(
            again.stderr.contains("--resume") && again.stderr.contains("--overwrite"),
            "{again:?}"
        );
        assert_eq!(std::fs::read(&output).unwrap(), kept_output, "{name}");
        assert_eq!(std::fs::read(&journal).unwrap(), kept_journal, "{name}");

        let overwritten = batch.recognize(&["--overwrite", "--output", output.to_str().unwrap()]);
        assert_eq!(overwritten.code, 1, "{overwritten:?}");
        assert_eq!(recorded_lines(&journal), 6, "replaced, not appended");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_items_file_in_a_missing_folder_is_refused_before_anything_is_sent() {
    let sandbox = sandbox(FaultPlan::none()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scan.png");
    std::fs::write(&file, fixtures::distinct_png(1)).unwrap();
    let mut command = fapiao_with_credentials();
    command
        .args([
            "recognize",
            "--api",
            "icuapi.invoice",
            "--endpoint",
            &sandbox.base_url(),
        ])
        .arg("--output")
        .arg(dir.path().join("x.csv"))
        .arg("--items")
        .arg(dir.path().join("missing/items.csv"))
        .arg(&file);
    let out = run_beside_sandbox(command).await;
    assert_usage_error(&out, "cannot write");
    assert!(out.stderr.contains("missing/items.csv"), "{out:?}");
    assert!(
        !out.stderr.contains("x.csv:"),
        "names the right file: {out:?}"
    );
    assert_eq!(sandbox.stats().apis["icuapi.invoice"].requests, 0);
}

// ---------------------------------------------------------------- every input is recorded

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_an_image_api_does_not_take_get_a_record_and_are_not_sent() {
    let sandbox = sandbox(FaultPlan::none()).await;
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("scans");
    std::fs::create_dir(&scans).unwrap();
    std::fs::write(scans.join("a.png"), fixtures::distinct_png(1)).unwrap();
    std::fs::write(scans.join("b.ofd"), fixtures::einvoice_ofd()).unwrap();
    std::fs::write(scans.join("c.docx"), b"PK").unwrap();
    let mut command = fapiao_with_credentials();
    command
        .current_dir(dir.path())
        .args(["recognize", "--format", "jsonl", "--api", "icuapi.invoice"])
        .args(["--endpoint", &sandbox.base_url()])
        // One file, spelled two ways, is one input.
        .args(["scans", "./scans/a.png"]);
    let out = run_beside_sandbox(command).await;
    assert_eq!(out.code, 1, "unsent files are not a success: {out:?}");
    let records = jsonl(&out.stdout);
    assert_eq!(records.len(), 3, "{records:#?}");
    let scans = std::fs::canonicalize(&scans).unwrap();
    for record in &records {
        let path = Path::new(str_at(record, "/path"));
        assert!(path.starts_with(&scans), "canonical paths: {path:?}");
        let expected = if path.ends_with("a.png") {
            "ok"
        } else {
            "skipped"
        };
        assert_eq!(str_at(record, "/status"), expected, "{record:#}");
    }
    let ofd = records
        .iter()
        .find(|r| str_at(r, "/path").ends_with("b.ofd"))
        .unwrap();
    assert!(
        str_at(ofd, "/skipped/message").contains("icuapi.invoice"),
        "{ofd:#}"
    );
    assert!(
        out.stderr
            .contains("3 files: 1 done, 0 failed, 2 unsupported"),
        "{}",
        out.stderr
    );
    assert_eq!(sandbox.stats().apis["icuapi.invoice"].requests, 1);
}

#[test]
fn an_empty_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(fapiao().arg("recognize").arg(dir.path()));
    assert_usage_error(&out, "no files in");
}

// ---------------------------------------------------------------- credentials refused

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_stop_the_batch_after_the_first_file_with_exit_2() {
    let sandbox = sandbox(FaultPlan::none()).await;
    let dir = tempfile::tempdir().unwrap();
    for n in 0..5 {
        std::fs::write(
            dir.path().join(format!("{n}.png")),
            fixtures::distinct_png(n),
        )
        .unwrap();
    }
    let output = dir.path().join("out.jsonl");
    let mut command = fapiao_with_credentials();
    command
        .env("ICUAPI_SECRET_KEY", "a-wrong-secret-value")
        .args(["recognize", "--api", "icuapi.invoice", "--concurrency", "1"])
        .args(["--endpoint", &sandbox.base_url()])
        .arg("--output")
        .arg(&output)
        .arg(dir.path());
    let out = run_beside_sandbox(command).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("refused the credentials"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--resume"), "{}", out.stderr);
    assert!(!out.stderr.contains("a-wrong-secret-value"));
    assert_eq!(
        sandbox.stats().apis["icuapi.invoice"].requests,
        1,
        "one refusal is enough"
    );
    assert_eq!(recorded_lines(&output), 1, "the refused file is recorded");
}

// ---------------------------------------------------------------- duplicates

/// A folder of three invoices, a note and `copy.ofd` (the e-invoice's bytes again).
fn folder_with_a_copy() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let [_, digital, ticket] = local_fixtures::PAYLOADS;
    std::fs::write(dir.path().join("einvoice.ofd"), fixtures::einvoice_ofd()).unwrap();
    std::fs::write(dir.path().join("digital.png"), fixtures::qr_png(digital)).unwrap();
    std::fs::write(dir.path().join("ticket.png"), fixtures::qr_png(ticket)).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "to do").unwrap();
    std::fs::write(dir.path().join("x-copy.ofd"), fixtures::einvoice_ofd()).unwrap();
    dir
}

#[test]
fn a_copied_file_is_a_duplicate_not_sent_and_an_unsupported_file_is_counted() {
    let dir = folder_with_a_copy();
    let out = run(fapiao()
        .args(["recognize", "--format", "jsonl", "--concurrency", "1"])
        .arg(dir.path()));
    let records = jsonl(&out.stdout);
    assert_eq!(records.len(), 5, "{records:#?}");
    let named = |name: &str| {
        records
            .iter()
            .find(|r| str_at(r, "/path").ends_with(name))
            .unwrap_or_else(|| panic!("no record for {name}"))
    };
    assert_eq!(
        str_at(named("notes.txt"), "/skipped/code"),
        "unsupported_format"
    );
    let copy = named("x-copy.ofd");
    assert_eq!(str_at(copy, "/status"), "skipped", "{copy:#}");
    assert_eq!(str_at(copy, "/skipped/code"), "same_file");
    assert_eq!(
        str_at(copy, "/duplicate_of"),
        str_at(named("einvoice.ofd"), "/path")
    );
    assert_eq!(
        records
            .iter()
            .filter(|r| r.get("duplicate_of").is_some())
            .count(),
        1
    );
    assert!(
        out.stderr.contains(
            "5 files: 3 done, 0 failed, 1 unsupported (not sent), 1 duplicate (1 identical, not sent)"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn the_same_invoice_as_an_ofd_and_as_its_qr_image_is_flagged_across_resumed_runs() {
    let dir = tempfile::tempdir().unwrap();
    let ofd = dir.path().join("a.ofd");
    std::fs::write(&ofd, fixtures::einvoice_ofd()).unwrap();
    let output = dir.path().join("out.csv");
    let first = run(fapiao()
        .arg("recognize")
        .arg("--output")
        .arg(&output)
        .arg(&ofd));
    assert_eq!(first.code, 0, "{first:?}");

    // The next day: its QR image, and the OFD again under another name.
    let qr = dir.path().join("b.png");
    std::fs::write(&qr, fixtures::qr_png(&fixtures::qr_payload())).unwrap();
    std::fs::write(dir.path().join("c.ofd"), fixtures::einvoice_ofd()).unwrap();
    let resumed = run(fapiao()
        .args(["recognize", "--resume", "--headers", "en"])
        .args(["--concurrency", "1", "--output"])
        .arg(&output)
        .arg(dir.path()));
    assert_eq!(resumed.code, 0, "{resumed:?}");
    assert!(
        resumed.stderr.contains("2 duplicates (1 identical"),
        "{}",
        resumed.stderr
    );
    let journal =
        jsonl(&std::fs::read_to_string(dir.path().join("out.csv.journal.jsonl")).unwrap());
    let first_path = std::fs::canonicalize(&ofd).unwrap().display().to_string();
    for name in ["b.png", "c.ofd"] {
        let record = journal
            .iter()
            .find(|r| str_at(r, "/path").ends_with(name))
            .unwrap();
        assert_eq!(str_at(record, "/duplicate_of"), first_path, "{record:#}");
    }
    let qr_record = journal
        .iter()
        .find(|r| str_at(r, "/path").ends_with("b.png"))
        .unwrap();
    assert_eq!(
        str_at(qr_record, "/status"),
        "ok",
        "the same invoice, other bytes: read"
    );

    let mut reader = csv::Reader::from_path(&output).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = headers
        .iter()
        .position(|h| h == "duplicate_of")
        .expect("a duplicate_of column");
    let flagged = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| r[column] == first_path)
        .count();
    assert_eq!(flagged, 2);
}

#[test]
fn duplicates_fail_exits_1_and_skip_leaves_their_rows_out() {
    let dir = folder_with_a_copy();
    let fail = run(fapiao()
        .args(["recognize", "--format", "jsonl", "--duplicates", "fail"])
        .arg(dir.path().join("einvoice.ofd"))
        .arg(dir.path().join("x-copy.ofd")));
    assert_eq!(fail.code, 1, "{fail:?}");
    assert!(fail.stderr.contains("1 duplicate found"), "{}", fail.stderr);

    let output = dir.path().join("out.csv");
    let skip = run(fapiao()
        .args(["recognize", "--duplicates", "skip", "--output"])
        .arg(&output)
        .arg(dir.path().join("einvoice.ofd"))
        .arg(dir.path().join("x-copy.ofd")));
    assert_eq!(skip.code, 0, "{skip:?}");
    let rows = csv::Reader::from_path(&output).unwrap().records().count();
    assert_eq!(rows, 1, "the copy's row is left out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_keeps_what_was_recorded_and_says_how_to_continue() {
    // Every answer takes a moment, so the batch is still running when Ctrl-C comes.
    let sandbox = sandbox("delay:300=1".parse().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    for n in 0..20 {
        std::fs::write(
            inputs.join(format!("{n:02}.png")),
            fixtures::distinct_png(n),
        )
        .unwrap();
    }
    let output = dir.path().join("out.csv");
    let journal = dir.path().join("out.csv.journal.jsonl");
    let mut command = fapiao_with_credentials();
    command
        .args(["recognize", "--api", "icuapi.invoice", "--concurrency", "1"])
        .args(["--endpoint", &sandbox.base_url()])
        .arg("--output")
        .arg(&output)
        .arg(&inputs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    while recorded_lines(&journal) < 1 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) with a valid signal on the child we spawned.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let output_of_child = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8(output_of_child.stderr).unwrap();
    assert_eq!(output_of_child.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");
    let recorded = recorded_lines(&journal);
    assert!((1..20).contains(&recorded), "{recorded}");
    let rows = csv::Reader::from_path(&output).unwrap().records().count();
    assert_eq!(
        rows, recorded,
        "the output is rendered from what was recorded"
    );
}

// ---------------------------------------------------------------- for people and scripts

#[test]
fn apis_prints_json_for_scripts_and_a_table_that_fits_the_terminal() {
    let out = run(fapiao_with_credentials().args(["apis", "--format", "json"]));
    assert_eq!(out.code, 0, "{out:?}");
    let listed: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(listed.len(), fapiao::api::registry().len() + 1, "local too");
    let tencent = listed
        .iter()
        .find(|a| a["id"] == "tencent.vat_invoice_ocr")
        .unwrap();
    assert_eq!(tencent["credentials"], "present");
    assert!(
        tencent["environment"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );

    let narrow = run(fapiao().arg("apis").env("COLUMNS", "100"));
    assert_eq!(narrow.code, 0, "{narrow:?}");
    for line in narrow.stdout.lines() {
        assert!(line.chars().count() <= 100, "{line}");
    }
    assert!(narrow.stdout.contains('…'), "long cells are cut");
}

#[test]
fn the_table_fits_the_terminal_width() {
    let batch = Batch::new();
    let out = run(fapiao()
        .env("COLUMNS", "80")
        .args(["recognize", "--format", "table"])
        .arg(batch.path("scans")));
    assert_eq!(out.code, 1, "{out:?}");
    for line in out.stdout.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "{line}");
    }
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(fapiao().args(["completions", shell]));
        assert_eq!(out.code, 0, "{out:?}");
        for word in ["recognize", "resume", "duplicates"] {
            assert!(out.stdout.contains(word), "{shell}: {word}");
        }
    }
}

#[test]
fn recognize_dash_reads_the_file_from_stdin() {
    let mut child = fapiao()
        .args(["recognize", "--format", "jsonl", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &fixtures::einvoice_ofd()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let record = &jsonl(&stdout)[0];
    assert_eq!(str_at(record, "/path"), "-");
    assert_eq!(str_at(record, "/invoices/0/number"), fixtures::NUMBER);
}

#[test]
fn verbose_names_the_config_file_and_a_misspelled_section() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fapiao.toml");
    std::fs::write(&config, "[tencnet]\nregion = \"ap-beijing\"\n").unwrap();
    let out = run(fapiao().args(["apis", "-v", "--config"]).arg(&config));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("config file read"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&config.display().to_string()),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("[tencnet]"), "{}", out.stderr);

    // The misspelling is worth a warning without -v too; nothing else is logged then.
    let quiet = run(fapiao().args(["apis", "--config"]).arg(&config));
    assert_eq!(quiet.code, 0, "{quiet:?}");
    assert!(quiet.stderr.contains("[tencnet]"), "{}", quiet.stderr);
    assert!(
        !quiet.stderr.contains("config file read"),
        "{}",
        quiet.stderr
    );
}

#[test]
fn validate_reads_the_csv_and_xlsx_recognize_wrote() {
    let batch = Batch::new();
    for (name, headers) in [("out.csv", "zh"), ("out.xlsx", "zh"), ("en.csv", "en")] {
        let output = batch.path(name);
        let written =
            batch.recognize(&["--headers", headers, "--output", output.to_str().unwrap()]);
        assert_eq!(written.code, 1, "{written:?}");
        let checked = run(fapiao().arg("validate").arg(&output));
        // The three invoices read back; the three files without one are counted apart.
        assert!(
            checked
                .stdout
                .contains("3 invoices: 0 errors, 0 warnings, 0 info; 3 records without invoices"),
            "{name}: {checked:?}"
        );
        assert_eq!(checked.code, 0, "{name}: {checked:?}");
        assert!(
            checked.stdout.contains("einvoice.ofd: no findings"),
            "{name}: {checked:?}"
        );
    }

    // A total edited by hand in the CSV is caught.
    let csv = std::fs::read_to_string(batch.path("out.csv")).unwrap();
    let edited = batch.path("edited.csv");
    std::fs::write(
        &edited,
        csv.replacen(&format!(",{},", fixtures::TOTAL), ",107.00,", 1),
    )
    .unwrap();
    let checked = run(fapiao().arg("validate").arg(&edited));
    assert_eq!(checked.code, 1, "{checked:?}");
    assert!(
        checked.stdout.contains("error totals.sum"),
        "{}",
        checked.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fallback_shows_in_the_table_and_failures_worth_retrying_are_called_out() {
    let sandbox = sandbox(FaultPlan::none()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scan.png");
    std::fs::write(&file, fixtures::distinct_png(1)).unwrap();
    sandbox.push_fault(Fault::Http(503));
    let mut command = fapiao_with_credentials();
    command
        .args(["recognize", "--format", "table", "--max-attempts", "1"])
        .args(["--apis", "tencent.vat_invoice_ocr,icuapi.invoice"])
        .args(["--endpoint", &sandbox.base_url()])
        .arg(&file);
    let out = run_beside_sandbox(command).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("fallbacks"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("tencent.vat_invoice_ocr (unavailable http_503)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("1 done by a fallback API"),
        "{}",
        out.stderr
    );

    sandbox.push_fault(Fault::Http(503));
    let mut command = fapiao_with_credentials();
    command
        .args([
            "recognize",
            "--max-attempts",
            "1",
            "--api",
            "icuapi.invoice",
        ])
        .args(["--endpoint", &sandbox.base_url(), "--output"])
        .arg(dir.path().join("out.csv"))
        .arg(&file);
    let out = run_beside_sandbox(command).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("1 file failed in a way that may pass later")
            && out.stderr.contains("--resume"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_table_written_to_a_file_is_not_cut_to_the_terminal() {
    let batch = Batch::new();
    let output = batch.path("out.txt");
    let out = run(fapiao()
        .env("COLUMNS", "40")
        .arg("recognize")
        .arg(batch.path("scans/einvoice.ofd"))
        .arg("--output")
        .arg(&output));
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(&output).unwrap();
    assert!(text.contains(fixtures::BUYER), "{text}");
    assert!(!text.contains('…'), "{text}");
}

#[test]
fn of_identical_files_read_at_once_the_first_input_is_the_one_sent() {
    let dir = tempfile::tempdir().unwrap();
    for n in 0..12 {
        std::fs::write(
            dir.path().join(format!("copy-{n:02}.ofd")),
            fixtures::einvoice_ofd(),
        )
        .unwrap();
    }
    let out = run(fapiao()
        .args(["recognize", "--format", "jsonl", "--concurrency", "8"])
        .arg(dir.path()));
    assert_eq!(out.code, 0, "{out:?}");
    let records = jsonl(&out.stdout);
    let first = records
        .iter()
        .find(|r| str_at(r, "/path").ends_with("copy-00.ofd"))
        .unwrap();
    assert_eq!(str_at(first, "/status"), "ok", "{first:#}");
    for record in records.iter().filter(|r| r != &first) {
        assert_eq!(str_at(record, "/duplicate_of"), str_at(first, "/path"));
    }
}
