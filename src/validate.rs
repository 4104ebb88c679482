//! Offline validation of a recognised [`Invoice`]: arithmetic, 大写 vs 小写, tax IDs,
//! code and number structure, rates by date, and the QR payload against the fields.
//!
//! Checks run only on the fields that are filled; a missing value is not a finding. Every
//! finding has a stable `code` (`totals.sum`, `qr.number`, …) that callers can match on.
//! Its `message` is written in one [`Lang`] at a time: [`Invoice::validate`] gives English
//! (fields by English name, kinds by id), [`Invoice::validate_in`] Chinese too (the labels
//! printed on invoices). Each rule computes its values once and renders them per language.
//!
//! | code | severity | rule |
//! |------|----------|------|
//! | `mapping.issue` | error | a vendor value the mapping could not read |
//! | `totals.sum` | error | 合计金额 + 合计税额 = 价税合计, exactly (plus 民航发展基金 on an air itinerary) |
//! | `lines.amount_sum` / `lines.tax_sum` | error | Σ line 金额 = 合计金额, Σ line 税额 = 合计税额 |
//! | `line.tax` | error | \|金额 × 税率 − 税额\| ≤ 0.06 per line |
//! | `lines.tax_deviation` | error | Σ of those deviations ≤ 1.27 |
//! | `line.price` | warning | \|单价 × 数量 − 金额\| ≤ 0.01 |
//! | `total_in_words.unreadable` / `.mismatch` | error | 大写 parses and equals 价税合计 |
//! | `tax_id.shape` | error (warning for 普票 buyers, who may be people) | legal length and characters |
//! | `tax_id.check` | error | GB 32100 check character of an 18-character code |
//! | `tax_id.org_code` | warning | GB 11714 check of the embedded organisation code |
//! | `code.shape` / `code.kind` / `code.unexpected` | error | 发票代码 structure, agreement with the kind, none on 数电 |
//! | `number.shape` | error | 8 digits (legacy VAT) or 20 digits (数电) |
//! | `number.year` | warning | a 数电 number's year equals the issue year |
//! | `rate.date` | warning (info on red-letter lines) | the rate was in force on the issue date, see [`rate_in_force`] |
//! | `rate.unknown` | warning | the rate is not a known VAT rate |
//! | `qr.unreadable` | warning | [`Invoice::qr_payload`] is not an invoice QR payload |
//! | `qr.kind` / `qr.code` / `qr.number` / `qr.date` / `qr.check_code` | error | QR agrees with the fields |
//! | `qr.amount` | error (warning when the kind's amount meaning is unknown) | QR amount = 合计金额 or 价税合计 per kind |
//! | `attachment.mismatch` | error | the XML/XBRL attached to a PDF or OFD and the file's printed data agree (the local backend records each disagreement in `extra["local:attachment_mismatch"]`) |
//!
//! A link payload ([`crate::domain::qr::UrlQr`]) is checked on the fields it carries. Every
//! `qr.*` message names both values; the fields keep what the document printed and the
//! payload stays in [`Invoice::qr_payload`], so neither side of a disagreement is lost.
//!
//! Red-letter invoices (all amounts negative) and discount lines (negative amount and tax at
//! the goods line's rate) satisfy the same arithmetic with signed values.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use schemars::JsonSchema;
use serde::Serialize;

use crate::domain::amount_words;
use crate::domain::invoice_code;
use crate::domain::qr::{AmountMeaning, InvoiceQr, QrPayload, UrlQr};
use crate::domain::tax_id::{self, TaxIdError};
use crate::invoice::{Invoice, InvoiceKind, LineItem, TaxRate};
use crate::lang::{Lang, Phrase, say};

/// Largest allowed |金额 × 税率 − 税额| on one line (税额误差不超过 6 分).
const LINE_TAX_TOLERANCE: Decimal = Decimal::from_parts(6, 0, 0, false, 2);
/// Largest allowed sum of the per-line tax deviations (税额总误差不超过 1.27 元).
const TOTAL_TAX_TOLERANCE: Decimal = Decimal::from_parts(127, 0, 0, false, 2);
/// The `extra` key under which the local backend lists each field where an attached
/// XML/XBRL and the printed page disagree
/// (`{"field": "total", "attachment": "…", "printed": "…", "printed_in": "pdf"}`).
pub(crate) const ATTACHMENT_MISMATCH_KEY: &str = "local:attachment_mismatch";
/// Largest allowed |单价 × 数量 − 金额| (a heuristic; prices carry up to 15 digits).
const PRICE_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// One problem (or remark) about an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Finding {
    /// Stable identifier of the rule, e.g. `totals.sum`.
    pub code: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// Human-readable explanation with the values involved, in the [`Lang`] asked for
    /// ([`Invoice::validate`] gives English, [`Invoice::validate_in`] either language).
    pub message: String,
    /// Unified field paths involved, e.g. `["amount", "tax", "total"]`.
    pub fields: Vec<String>,
}

/// How serious a [`Finding`] is; ordered from most to least serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The invoice or its recognition is wrong.
    Error,
    /// Probably wrong, or unusual enough to look at.
    Warning,
    /// Noted, not a problem.
    Info,
}

impl Invoice {
    /// Runs every check; when [`Invoice::qr_payload`] is set it is parsed and cross-checked
    /// against the fields. Messages are in English; see [`Invoice::validate_in`].
    pub fn validate(&self) -> Vec<Finding> {
        self.validate_in(Lang::En)
    }

    /// [`Invoice::validate`] with messages in `lang`. The findings (codes, severities,
    /// fields) are the same in every language; only [`Finding::message`] differs.
    ///
    /// ```
    /// use fapiao::{Invoice, Lang};
    /// use rust_decimal::Decimal;
    ///
    /// let invoice = Invoice {
    ///     amount: Some(Decimal::new(3302, 2)),
    ///     tax: Some(Decimal::new(99, 2)),
    ///     total: Some(Decimal::new(3501, 2)),
    ///     ..Invoice::default()
    /// };
    /// assert_eq!(
    ///     invoice.validate_in(Lang::Zh)[0].message,
    ///     "合计金额 33.02 + 合计税额 0.99 = 34.01，但价税合计为 35.01"
    /// );
    /// assert_eq!(
    ///     invoice.validate()[0].message,
    ///     "amount 33.02 + tax 0.99 = 34.01, but the total is 35.01"
    /// );
    /// ```
    pub fn validate_in(&self, lang: Lang) -> Vec<Finding> {
        let mut out = Findings::new(lang);
        self.check_fields(&mut out);
        if let Some(raw) = self.qr_payload.as_deref().filter(|r| !r.trim().is_empty()) {
            match InvoiceQr::parse(raw) {
                Ok(qr) => self.check_any_qr(&qr, &mut out),
                Err(err) => out.warning("qr.unreadable", &["qr_payload"], err.message(lang)),
            }
        }
        out.found
    }

    /// Runs every check and cross-checks the fields against `qr` (a QR decoded separately,
    /// e.g. from the image), instead of against [`Invoice::qr_payload`]. Messages are in
    /// English; see [`Invoice::validate_with_qr_in`].
    pub fn validate_with_qr(&self, qr: &InvoiceQr) -> Vec<Finding> {
        self.validate_with_qr_in(qr, Lang::En)
    }

    /// [`Invoice::validate_with_qr`] with messages in `lang`.
    pub fn validate_with_qr_in(&self, qr: &InvoiceQr, lang: Lang) -> Vec<Finding> {
        let mut out = Findings::new(lang);
        self.check_fields(&mut out);
        self.check_any_qr(qr, &mut out);
        out.found
    }

    fn check_any_qr(&self, qr: &InvoiceQr, out: &mut Findings) {
        match qr {
            InvoiceQr::Vat(qr) => self.check_qr(qr, out),
            InvoiceQr::Url(qr) => self.check_url_qr(qr, out),
        }
    }

    fn check_fields(&self, out: &mut Findings) {
        for issue in &self.mapping_issues {
            let message = say!(
                out.lang,
                "{}: cannot use {:?} from {:?}: {}",
                "{0}：无法使用来自 {2:?} 的值 {1:?}：{3}",
                field_name(&issue.field, out.lang),
                issue.value,
                issue.source,
                issue.message_in(out.lang)
            );
            out.error("mapping.issue", &[issue.field.as_str()], message);
        }
        self.check_totals(out);
        self.check_line_sums(out);
        self.check_line_taxes(out);
        self.check_line_prices(out);
        self.check_total_in_words(out);
        self.check_tax_ids(out);
        self.check_code_and_number(out);
        self.check_rates(out);
        self.check_attachment(out);
    }

    fn check_totals(&self, out: &mut Findings) {
        let (Some(amount), Some(tax), Some(total)) = (self.amount, self.tax, self.total) else {
            return;
        };
        // An air itinerary's total also holds the development fund, which is outside VAT.
        let fund = match self.kind {
            InvoiceKind::DigitalAirItinerary => self.ticket.airport_fee,
            _ => None,
        };
        let sum = amount
            .checked_add(tax)
            .and_then(|s| s.checked_add(fund.unwrap_or_default()));
        if sum != Some(total) {
            let lang = out.lang;
            let fund = fund
                .map(|f| say!(lang, " + development fund {}", " + 民航发展基金 {}", f))
                .unwrap_or_default();
            let message = say!(
                lang,
                "amount {} + tax {}{} = {}, but the total is {}",
                "合计金额 {} + 合计税额 {}{} = {}，但价税合计为 {}",
                amount,
                tax,
                fund,
                shown(sum, lang),
                total
            );
            out.error("totals.sum", &["amount", "tax", "total"], message);
        }
    }

    fn check_line_sums(&self, out: &mut Findings) {
        if self.items.is_empty() {
            return;
        }
        let sums = [
            (
                "lines.amount_sum",
                "amount",
                Phrase::new("the amount", "合计金额"),
                self.amount,
                line_sum(&self.items, |l| l.amount),
            ),
            (
                "lines.tax_sum",
                "tax",
                Phrase::new("the tax", "合计税额"),
                self.tax,
                line_sum(&self.items, |l| l.tax),
            ),
        ];
        for (code, field, label, total, sum) in sums {
            // A line without the value makes the sum unknown, not wrong.
            let (Some(total), Some(sum)) = (total, sum) else {
                continue;
            };
            if sum != Some(total) {
                let message = say!(
                    out.lang,
                    "the lines add up to {}, but {} is {}",
                    "明细合计为 {}，但{}为 {}",
                    shown(sum, out.lang),
                    label.get(out.lang),
                    total
                );
                out.error(code, &[field], message);
            }
        }
    }

    fn check_line_taxes(&self, out: &mut Findings) {
        let mut total_deviation = Some(Decimal::ZERO);
        for (i, line) in self.items.iter().enumerate() {
            let (Some(amount), Some(rate), Some(tax)) = (line.amount, line.tax_rate, line.tax)
            else {
                continue;
            };
            let deviation = amount
                .checked_mul(rate.fraction())
                .and_then(|expected| expected.checked_sub(tax))
                .map(|d| d.abs());
            total_deviation = total_deviation
                .zip(deviation)
                .and_then(|(t, d)| t.checked_add(d));
            if deviation.is_none_or(|d| d > LINE_TAX_TOLERANCE) {
                let message = say!(
                    out.lang,
                    "line {}: amount {} × rate {} differs from tax {} by {} (more than {})",
                    "第 {} 行：金额 {} × 税率 {} 与税额 {} 相差 {}（超过 {}）",
                    i + 1,
                    amount,
                    rate,
                    tax,
                    shown(deviation, out.lang),
                    LINE_TAX_TOLERANCE
                );
                out.error("line.tax", &[&format!("items[{i}].tax")], message);
            }
        }
        if total_deviation.is_none_or(|t| t > TOTAL_TAX_TOLERANCE) {
            let message = say!(
                out.lang,
                "the lines' tax deviations add up to {} (more than {})",
                "各行税额误差合计 {}（超过 {}）",
                shown(total_deviation, out.lang),
                TOTAL_TAX_TOLERANCE
            );
            out.error("lines.tax_deviation", &["items"], message);
        }
    }

    fn check_line_prices(&self, out: &mut Findings) {
        for (i, line) in self.items.iter().enumerate() {
            let (Some(price), Some(quantity), Some(amount)) =
                (line.unit_price, line.quantity, line.amount)
            else {
                continue;
            };
            let product = price.checked_mul(quantity);
            let deviation = product.and_then(|p| p.checked_sub(amount)).map(|d| d.abs());
            if deviation.is_none_or(|d| d > PRICE_TOLERANCE) {
                let message = say!(
                    out.lang,
                    "line {}: unit price {} × quantity {} = {}, but the amount is {}",
                    "第 {} 行：单价 {} × 数量 {} = {}，但金额为 {}",
                    i + 1,
                    price,
                    quantity,
                    shown(product, out.lang),
                    amount
                );
                out.warning("line.price", &[&format!("items[{i}].amount")], message);
            }
        }
    }

    fn check_total_in_words(&self, out: &mut Findings) {
        let Some(words) = self
            .total_in_words
            .as_deref()
            .filter(|w| !w.trim().is_empty())
        else {
            return;
        };
        match amount_words::parse(words) {
            Err(err) => out.error(
                "total_in_words.unreadable",
                &["total_in_words"],
                err.message(out.lang),
            ),
            Ok(value) => {
                if let Some(total) = self.total.filter(|t| *t != value) {
                    let message = say!(
                        out.lang,
                        "the total in words {:?} is {}, but the total is {}",
                        "价税合计（大写）{:?} 为 {}，但价税合计为 {}",
                        words,
                        value,
                        total
                    );
                    out.error(
                        "total_in_words.mismatch",
                        &["total_in_words", "total"],
                        message,
                    );
                }
            }
        }
    }

    fn check_tax_ids(&self, out: &mut Findings) {
        // 普票 buyers may be natural persons with no taxpayer ID or a foreign document.
        let buyer_shape = if is_special(self.kind) {
            Severity::Error
        } else {
            Severity::Warning
        };
        let parties = [
            (
                "seller.tax_id",
                self.seller.tax_id.as_deref(),
                Severity::Error,
            ),
            ("buyer.tax_id", self.buyer.tax_id.as_deref(), buyer_shape),
        ];
        for (field, id, shape_severity) in parties {
            let Some(id) = id.filter(|id| !id.is_empty()) else {
                continue;
            };
            let Err(err) = tax_id::check(id) else {
                continue;
            };
            let (code, severity) = match err {
                TaxIdError::Length(_) | TaxIdError::Characters(_) => {
                    ("tax_id.shape", shape_severity)
                }
                TaxIdError::CheckCharacter { .. } => ("tax_id.check", Severity::Error),
                TaxIdError::OrganizationCode { .. } => ("tax_id.org_code", Severity::Warning),
            };
            let (name, reason) = (field_name(field, out.lang), err.message(out.lang));
            let message = say!(out.lang, "{}: {}", "{}：{}", name, reason);
            out.push(code, severity, &[field], message);
        }
    }

    fn check_code_and_number(&self, out: &mut Findings) {
        let code = self.code.as_deref().filter(|c| !c.is_empty());
        let number = self.number.as_deref().filter(|n| !n.is_empty());
        if self.kind.is_digital() {
            if let Some(code) = code {
                let message = say!(
                    out.lang,
                    "{} invoices have no invoice code, but {:?} was found",
                    "{}没有发票代码，但识别出 {:?}",
                    kind_name(self.kind, out.lang),
                    code
                );
                out.error("code.unexpected", &["code"], message);
            }
            if let Some(number) = number {
                self.check_digital_number(number, out);
            }
        } else if self.kind.is_vat() {
            if let Some(code) = code {
                self.check_legacy_code(code, out);
            }
            if let Some(Err(err)) = number.map(invoice_code::check_legacy_number) {
                out.error("number.shape", &["number"], err.message(out.lang));
            }
        }
    }

    fn check_digital_number(&self, number: &str, out: &mut Findings) {
        match invoice_code::parse_digital_number(number) {
            Err(err) => out.error("number.shape", &["number"], err.message(out.lang)),
            Ok(parsed) => {
                let Some(date) = self.date else { return };
                let issue_year = date.year().rem_euclid(100);
                if i32::from(parsed.year) != issue_year {
                    let message = say!(
                        out.lang,
                        "fully digital invoice number {} starts with year {:02}, but the issue date is {}",
                        "数电发票号码 {} 以年份 {:02} 开头，但开票日期为 {}",
                        number,
                        parsed.year,
                        date
                    );
                    out.warning("number.year", &["number", "date"], message);
                }
            }
        }
    }

    fn check_legacy_code(&self, code: &str, out: &mut Findings) {
        match invoice_code::parse_code(code) {
            Err(err) => out.error("code.shape", &["code"], err.message(out.lang)),
            Ok(parsed) => {
                if let Some(implied) = parsed.kind
                    && !invoice_code::kinds_compatible(implied, self.kind)
                {
                    let message = say!(
                        out.lang,
                        "invoice code {} belongs to {}, but the invoice is {}",
                        "发票代码 {} 属于{}，但发票为{}",
                        code,
                        kind_name(implied, out.lang),
                        kind_name(self.kind, out.lang)
                    );
                    out.error("code.kind", &["code", "kind"], message);
                }
            }
        }
    }

    /// The disagreements the local backend found between an attachment and the page.
    fn check_attachment(&self, out: &mut Findings) {
        let Some(serde_json::Value::Array(lines)) = self.extra.get(ATTACHMENT_MISMATCH_KEY) else {
            return;
        };
        for mismatch in lines {
            // Records written before mismatches were structured hold one English line each.
            if let Some(line) = mismatch.as_str() {
                let field = line.split(':').next().unwrap_or_default();
                out.error("attachment.mismatch", &[field], line.to_owned());
                continue;
            }
            let text = |key: &str| mismatch.get(key).and_then(|v| v.as_str()).unwrap_or("");
            let field = text("field");
            let printed_in = match text("printed_in") {
                "ofd" => Phrase::new("the OFD", "OFD 版式文件"),
                _ => Phrase::new("the page text", "页面文字"),
            };
            let message = say!(
                out.lang,
                "{}: the attachment says {:?}, {} says {:?}",
                "{}：附件为 {:?}，{}为 {:?}",
                field_name(field, out.lang),
                text("attachment"),
                printed_in.get(out.lang),
                text("printed")
            );
            out.error("attachment.mismatch", &[field], message);
        }
    }

    fn check_rates(&self, out: &mut Findings) {
        for (i, line) in self.items.iter().enumerate() {
            let Some(TaxRate::Percent(percent)) = line.tax_rate else {
                continue;
            };
            let field = format!("items[{i}].tax_rate");
            // Whether a rate is known at all does not depend on the date.
            let Some(in_force) = rate_in_force(percent, self.date.unwrap_or_default()) else {
                let message = say!(
                    out.lang,
                    "line {}: {}% is not a known VAT rate",
                    "第 {} 行：{}% 不是已知的增值税税率",
                    i + 1,
                    percent
                );
                out.warning("rate.unknown", &[&field], message);
                continue;
            };
            let Some(date) = self.date.filter(|_| !in_force) else {
                continue;
            };
            // Red-letter lines reverse an earlier sale and keep its rate.
            let red_letter = line.amount.is_some_and(|a| a.is_sign_negative());
            let severity = if red_letter {
                Severity::Info
            } else {
                Severity::Warning
            };
            let message = say!(
                out.lang,
                "line {}: {}% was not a VAT rate on {}",
                "第 {} 行：{}% 在 {} 不是有效的增值税税率",
                i + 1,
                percent,
                date
            );
            out.push("rate.date", severity, &[&field, "date"], message);
        }
    }

    fn check_qr(&self, qr: &QrPayload, out: &mut Findings) {
        self.check_qr_identity(
            &QrIdentity {
                what: Phrase::new("the QR", "二维码"),
                kind: qr.kind(),
                kind_code: Some(&qr.kind_code),
                // The comma payload always has the field: empty on 数电 invoices.
                code: Some(qr.code.as_deref().unwrap_or("")),
                number: &qr.number,
                date: Some(qr.date),
                check_code: qr.check_code.as_deref(),
            },
            out,
        );
        self.check_qr_amount(qr, out);
    }

    /// A link carries fewer fields than the comma payload: each one it has must agree.
    fn check_url_qr(&self, qr: &UrlQr, out: &mut Findings) {
        self.check_qr_identity(
            &QrIdentity {
                what: Phrase::new("the QR link", "二维码链接"),
                kind: qr.kind(),
                kind_code: None,
                code: qr.code.as_deref(),
                number: &qr.number,
                date: None,
                check_code: qr.check_code.as_deref(),
            },
            out,
        );
        if let (Some(total), Some(in_qr)) = (self.total, qr.total)
            && total != in_qr
        {
            let message = say!(
                out.lang,
                "the total is {}, but the QR link's total_amount is {}",
                "价税合计为 {}，但二维码链接的 total_amount 为 {}",
                total,
                in_qr
            );
            out.error("qr.amount", &["total", "qr_payload"], message);
        }
    }

    /// Kind, code, number, date and check code against what a QR code says, each finding
    /// naming both values.
    fn check_qr_identity(&self, qr: &QrIdentity<'_>, out: &mut Findings) {
        if self.kind != InvoiceKind::Unknown
            && qr.kind != InvoiceKind::Unknown
            && !invoice_code::kinds_compatible(qr.kind, self.kind)
        {
            let lang = out.lang;
            let (in_qr, recorded) = (kind_name(qr.kind, lang), kind_name(self.kind, lang));
            let message = match qr.kind_code {
                Some(kind_code) => say!(
                    lang,
                    "the QR kind code {} means {}, but the invoice is {}",
                    "二维码种类代码 {} 表示{}，但发票为{}",
                    kind_code,
                    in_qr,
                    recorded
                ),
                None => say!(
                    lang,
                    "the QR link is a {} link, but the invoice is {}",
                    "二维码链接属于{}，但发票为{}",
                    in_qr,
                    recorded
                ),
            };
            out.error("qr.kind", &["kind", "qr_payload"], message);
        }
        if let (Some(code), Some(in_qr)) = (self.code.as_deref().filter(|c| !c.is_empty()), qr.code)
            && code != in_qr
        {
            let field = Phrase::new("the invoice code", "发票代码");
            let message = qr.disagreement(field, code, format!("{in_qr:?}"), out.lang);
            out.error("qr.code", &["code", "qr_payload"], message);
        }
        if let Some(number) = self.number.as_deref().filter(|n| !n.is_empty())
            && number != qr.number
        {
            let field = Phrase::new("the invoice number", "发票号码");
            let message = qr.disagreement(field, number, qr.number, out.lang);
            out.error("qr.number", &["number", "qr_payload"], message);
        }
        if let (Some(date), Some(in_qr)) = (self.date, qr.date)
            && date != in_qr
        {
            let field = Phrase::new("the issue date", "开票日期");
            let message = qr.disagreement(field, date, in_qr, out.lang);
            out.error("qr.date", &["date", "qr_payload"], message);
        }
        if let (Some(printed), Some(in_qr)) = (self.check_code.as_deref(), qr.check_code)
            && !check_codes_agree(printed, in_qr)
        {
            let field = Phrase::new("the check code", "校验码");
            let message = qr.disagreement(field, printed, in_qr, out.lang);
            out.error("qr.check_code", &["check_code", "qr_payload"], message);
        }
    }

    fn check_qr_amount(&self, qr: &QrPayload, out: &mut Findings) {
        let fields = ["amount", "total", "qr_payload"];
        match qr.amount_meaning() {
            AmountMeaning::ExcludingTax => {
                if let Some(amount) = self.amount.filter(|a| *a != qr.amount) {
                    let message = say!(
                        out.lang,
                        "the amount is {}, but the QR amount (excluding tax for kind code {}) is {}",
                        "合计金额为 {}，但二维码金额（种类代码 {} 为不含税金额）为 {}",
                        amount,
                        qr.kind_code,
                        qr.amount
                    );
                    out.error("qr.amount", &fields, message);
                }
            }
            AmountMeaning::IncludingTax => {
                if let Some(total) = self.total.filter(|t| *t != qr.amount) {
                    let message = say!(
                        out.lang,
                        "the total is {}, but the QR amount (including tax for kind code {}) is {}",
                        "价税合计为 {}，但二维码金额（种类代码 {} 为含税金额）为 {}",
                        total,
                        qr.kind_code,
                        qr.amount
                    );
                    out.error("qr.amount", &fields, message);
                }
            }
            AmountMeaning::Unknown => {
                let known = [self.amount, self.total];
                if known.iter().any(Option::is_some) && !known.contains(&Some(qr.amount)) {
                    let message = say!(
                        out.lang,
                        "the QR amount {} equals neither the amount nor the total",
                        "二维码金额 {} 既不等于合计金额，也不等于价税合计",
                        qr.amount
                    );
                    out.warning("qr.amount", &fields, message);
                }
            }
        }
    }
}

/// Whether a VAT rate of `percent` % was in force on `date`; `None` for a rate that is not
/// a known VAT rate at all.
///
/// | rate | in force |
/// |------|----------|
/// | 17 %, 11 % | until 2018-04-30 (财税〔2018〕32号 lowered them to 16 % and 10 %) |
/// | 16 %, 10 % | 2018-05-01 – 2019-03-31 (公告2019年第39号 lowered them to 13 % and 9 %) |
/// | 13 % | until 2017-06-30 (财税〔2017〕37号 merged it into 11 %) and from 2019-04-01 |
/// | 9 % | from 2019-04-01 |
/// | 0, 0.5, 1, 1.5, 2, 3, 4, 5, 6 % | any date (zero rate, small-scale and simplified levy rates) |
///
/// 免税 and 不征税 are valid on any date and are not percentages.
pub fn rate_in_force(percent: Decimal, date: NaiveDate) -> Option<bool> {
    let ymd = (date.year(), date.month(), date.day());
    let before_2017_07 = ymd < (2017, 7, 1);
    let before_2018_05 = ymd < (2018, 5, 1);
    let before_2019_04 = ymd < (2019, 4, 1);
    let tenths = percent.checked_mul(Decimal::TEN)?;
    if !tenths.fract().is_zero() {
        return None;
    }
    match tenths.to_i64()? {
        170 | 110 => Some(before_2018_05),
        160 | 100 => Some(!before_2018_05 && before_2019_04),
        130 => Some(before_2017_07 || !before_2019_04),
        90 => Some(!before_2019_04),
        0 | 5 | 10 | 15 | 20 | 30 | 40 | 50 | 60 => Some(true),
        _ => None,
    }
}

/// Findings collected by the checks, with the language their messages are rendered in.
struct Findings {
    lang: Lang,
    found: Vec<Finding>,
}

impl Findings {
    fn new(lang: Lang) -> Findings {
        Findings {
            lang,
            found: Vec::new(),
        }
    }

    fn push(&mut self, code: &'static str, severity: Severity, fields: &[&str], message: String) {
        self.found.push(Finding {
            code,
            severity,
            message,
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        });
    }

    fn error(&mut self, code: &'static str, fields: &[&str], message: String) {
        self.push(code, Severity::Error, fields, message);
    }

    fn warning(&mut self, code: &'static str, fields: &[&str], message: String) {
        self.push(code, Severity::Warning, fields, message);
    }
}

/// 专票 kinds, where the buyer must be a registered taxpayer.
fn is_special(kind: InvoiceKind) -> bool {
    use InvoiceKind::*;
    matches!(
        kind,
        VatSpecial | VatElectronicSpecial | DigitalSpecial | FreightVatSpecial
    )
}

/// The sum of one value over all lines: `None` when a line lacks it, `Some(None)` when the
/// sum overflows.
fn line_sum(
    items: &[LineItem],
    value: impl Fn(&LineItem) -> Option<Decimal>,
) -> Option<Option<Decimal>> {
    items.iter().try_fold(Some(Decimal::ZERO), |sum, line| {
        value(line).map(|v| sum.and_then(|s| s.checked_add(v)))
    })
}

/// Printed check codes may be grouped with spaces (`16197 83356 74145 07415`) or shortened
/// What a QR code, in any form, says about the invoice's identity.
struct QrIdentity<'q> {
    /// How findings name it: `the QR`, `the QR link`.
    what: Phrase,
    kind: InvoiceKind,
    /// The comma payload's kind code (`10`), which a link does not carry.
    kind_code: Option<&'q str>,
    /// `None` when this form of QR does not carry the field.
    code: Option<&'q str>,
    number: &'q str,
    date: Option<NaiveDate>,
    check_code: Option<&'q str>,
}

/// to the last six digits that verification services ask for.
fn check_codes_agree(printed: &str, in_qr: &str) -> bool {
    let digits: String = printed.chars().filter(|c| !c.is_whitespace()).collect();
    digits == in_qr || (digits.len() >= 6 && in_qr.ends_with(&digits))
}

impl QrIdentity<'_> {
    /// "`field` is `printed`, but the QR has `in_qr`", naming both values.
    fn disagreement(
        &self,
        field: Phrase,
        printed: impl std::fmt::Display,
        in_qr: impl std::fmt::Display,
        lang: Lang,
    ) -> String {
        say!(
            lang,
            "{} is {}, but {} has {}",
            "{}为 {}，但{}中为 {}",
            field.get(lang),
            printed,
            self.what.get(lang),
            in_qr
        )
    }
}

/// A unified field path as messages name it (`seller.tax_id` → `seller tax ID`,
/// `销售方纳税人识别号`; `items[2].tax` → `line 3 tax`, `第 3 行税额`); a path without a
/// name stays as it is, an identifier in either language.
fn field_name(path: &str, lang: Lang) -> String {
    let line = path
        .strip_prefix("items[")
        .and_then(|rest| rest.split_once("]."))
        .and_then(|(index, field)| Some((index.parse::<usize>().ok()?, field)));
    match line {
        Some((index, field)) => {
            let name = LINE_FIELD_NAMES.iter().find(|(f, _)| *f == field);
            let name = name.map_or(field, |(_, n)| n.get(lang));
            say!(lang, "line {} {}", "第 {} 行{}", index + 1, name)
        }
        None => FIELD_NAMES
            .iter()
            .find(|(f, _)| *f == path)
            .map_or(path, |(_, n)| n.get(lang))
            .to_owned(),
    }
}

/// Names of the invoice fields findings mention.
const FIELD_NAMES: &[(&str, Phrase)] = &[
    ("kind", Phrase::new("kind", "发票类型")),
    ("code", Phrase::new("invoice code", "发票代码")),
    ("number", Phrase::new("invoice number", "发票号码")),
    ("date", Phrase::new("issue date", "开票日期")),
    ("check_code", Phrase::new("check code", "校验码")),
    ("amount", Phrase::new("amount", "合计金额")),
    ("tax", Phrase::new("tax", "合计税额")),
    ("total", Phrase::new("total", "价税合计")),
    (
        "total_in_words",
        Phrase::new("total in words", "价税合计（大写）"),
    ),
    ("buyer.name", Phrase::new("buyer name", "购买方名称")),
    (
        "buyer.tax_id",
        Phrase::new("buyer tax ID", "购买方纳税人识别号"),
    ),
    ("seller.name", Phrase::new("seller name", "销售方名称")),
    (
        "seller.tax_id",
        Phrase::new("seller tax ID", "销售方纳税人识别号"),
    ),
    ("qr_payload", Phrase::new("QR payload", "二维码内容")),
];

/// Names of the line-item fields findings mention.
const LINE_FIELD_NAMES: &[(&str, Phrase)] = &[
    ("name", Phrase::new("name", "项目名称")),
    ("quantity", Phrase::new("quantity", "数量")),
    ("unit_price", Phrase::new("unit price", "单价")),
    ("amount", Phrase::new("amount", "金额")),
    ("tax_rate", Phrase::new("tax rate", "税率")),
    ("tax", Phrase::new("tax", "税额")),
];

/// A kind as messages name it: its id in English, its printed name in Chinese.
fn kind_name(kind: InvoiceKind, lang: Lang) -> &'static str {
    match lang {
        Lang::En => kind.id(),
        Lang::Zh => kind.label_zh(),
    }
}

/// A computed value, or what to say when computing it overflowed.
fn shown(value: Option<Decimal>, lang: Lang) -> String {
    value.map_or_else(
        || say!(lang, "an overflowing value", "溢出值"),
        |v| v.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::domain::tax_id::uscc_check_character;
    use crate::invoice::{MappingIssue, Party};

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn pct(p: &str) -> Option<TaxRate> {
        Some(TaxRate::Percent(dec(p)))
    }

    fn line(amount: &str, rate: Option<TaxRate>, tax: &str) -> LineItem {
        LineItem {
            amount: Some(dec(amount)),
            tax_rate: rate,
            tax: Some(dec(tax)),
            ..LineItem::default()
        }
    }

    const SEED_QR: &str = "01,10,012001100311,63591128,87.28,20190616,04656054380312409795,A1B2,";

    /// The numbers of Tencent's VatInvoiceOCR documentation example. Its tax IDs fail
    /// the GB 32100 check, so real codes printed on public sample invoices stand in.
    fn seed_invoice() -> Invoice {
        Invoice {
            kind: InvoiceKind::VatElectronicGeneral,
            code: Some("012001100311".into()),
            number: Some("63591128".into()),
            date: Some(ymd(2019, 6, 16)),
            check_code: Some("04656054380312409795".into()),
            buyer: Party {
                tax_id: Some("91110108690017781B".into()),
                ..Party::default()
            },
            seller: Party {
                tax_id: Some("91320211739560225X".into()),
                ..Party::default()
            },
            items: vec![LineItem {
                name: Some("客运服务费".into()),
                quantity: Some(dec("1")),
                unit_price: Some(dec("87.28")),
                ..line("87.28", pct("3"), "2.62")
            }],
            amount: Some(dec("87.28")),
            tax: Some(dec("2.62")),
            total: Some(dec("89.90")),
            total_in_words: Some("捌拾玖圆玖角整".into()),
            qr_payload: Some(SEED_QR.into()),
            ..Invoice::default()
        }
    }

    /// The 腾讯出行 数电 普票 from the research notes.
    fn digital_invoice() -> Invoice {
        Invoice {
            kind: InvoiceKind::DigitalGeneral,
            number: Some("25417000000256819006".into()),
            date: Some(ymd(2025, 11, 8)),
            items: vec![LineItem {
                quantity: Some(dec("1")),
                unit_price: Some(dec("26.5339805825243")),
                ..line("26.53", pct("3"), "0.80")
            }],
            amount: Some(dec("26.53")),
            tax: Some(dec("0.80")),
            total: Some(dec("27.33")),
            total_in_words: Some("贰拾柒圆叁角叁分".into()),
            qr_payload: Some("01,32,,25417000000256819006,27.33,20251108,,DB92".into()),
            ..Invoice::default()
        }
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code).collect()
    }

    /// Asserts that exactly the given codes fire, each with the given severity.
    fn assert_findings(invoice: &Invoice, expected: &[(&str, Severity)]) {
        let found: Vec<(&str, Severity)> = invoice
            .validate()
            .iter()
            .map(|f| (f.code, f.severity))
            .collect();
        assert_eq!(found, expected, "{:#?}", invoice.validate());
    }

    #[test]
    fn clean_invoices_have_no_findings() {
        assert_eq!(seed_invoice().validate(), vec![]);
        assert_eq!(digital_invoice().validate(), vec![]);
        let qr = InvoiceQr::parse(SEED_QR).unwrap();
        let without_payload = Invoice {
            qr_payload: None,
            ..seed_invoice()
        };
        assert_eq!(without_payload.validate_with_qr(&qr), vec![]);
    }

    #[test]
    fn the_documentation_example_tax_id_fails_its_check() {
        let mut invoice = seed_invoice();
        invoice.seller.tax_id = Some("911201103409033300".into());
        assert_findings(&invoice, &[("tax_id.check", Severity::Error)]);
        assert_eq!(invoice.validate()[0].fields, ["seller.tax_id"]);
    }

    #[test]
    fn mapping_issues_become_errors() {
        let mut invoice = seed_invoice();
        invoice.mapping_issues.push(MappingIssue {
            field: "tax".into(),
            source: "VatInvoiceInfos[Name=合计税额]".into(),
            value: "¥2x.62".into(),
            message: "not a money amount".into(),
            message_zh: None,
        });
        assert_findings(&invoice, &[("mapping.issue", Severity::Error)]);
        let finding = &invoice.validate()[0];
        assert_eq!(finding.fields, ["tax"]);
        assert!(finding.message.contains("¥2x.62"), "{}", finding.message);
    }

    #[test]
    fn totals_must_add_up_exactly() {
        let mut invoice = seed_invoice();
        invoice.total = Some(dec("89.91"));
        invoice.total_in_words = Some("捌拾玖圆玖角壹分".into());
        invoice.qr_payload = None;
        assert_findings(&invoice, &[("totals.sum", Severity::Error)]);
    }

    #[test]
    fn line_amounts_must_sum_to_the_total_amount() {
        let mut invoice = seed_invoice();
        invoice.items[0].amount = Some(dec("87.00"));
        invoice.items[0].unit_price = Some(dec("87.00"));
        assert_findings(&invoice, &[("lines.amount_sum", Severity::Error)]);
    }

    #[test]
    fn line_taxes_must_sum_to_the_total_tax() {
        let mut invoice = seed_invoice();
        invoice.items[0].tax = Some(dec("2.60"));
        assert_findings(&invoice, &[("lines.tax_sum", Severity::Error)]);
    }

    #[test]
    fn each_line_tax_must_match_its_rate() {
        let mut invoice = seed_invoice();
        invoice.items[0].tax_rate = pct("6");
        let found = invoice.validate();
        assert_eq!(codes(&found), ["line.tax", "lines.tax_deviation"]);
        assert_eq!(found[0].fields, ["items[0].tax"]);
    }

    #[test]
    fn line_tax_deviations_must_not_add_up_beyond_limit() {
        // 22 lines each 0.06 off (the most one line may be): 1.32 in all.
        let items = vec![line("1.00", pct("6"), "0.00"); 22];
        let invoice = Invoice {
            kind: InvoiceKind::VatElectronicGeneral,
            amount: Some(dec("22.00")),
            tax: Some(dec("0.00")),
            total: Some(dec("22.00")),
            items,
            ..Invoice::default()
        };
        assert_findings(&invoice, &[("lines.tax_deviation", Severity::Error)]);
        let mut within = invoice.clone();
        within.items.truncate(21);
        within.amount = Some(dec("21.00"));
        within.total = Some(dec("21.00"));
        assert_findings(&within, &[]);
    }

    #[test]
    fn unit_price_times_quantity_should_match_the_amount() {
        let mut invoice = seed_invoice();
        invoice.items[0].unit_price = Some(dec("80.00"));
        assert_findings(&invoice, &[("line.price", Severity::Warning)]);
        // Lines are counted from 1, as printed; the field path keeps the array index.
        let found = invoice.validate();
        assert!(
            found[0].message.starts_with("line 1: "),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].fields, ["items[0].amount"]);
        // 15-digit prices round to the amount within 0.01.
        invoice.items[0].unit_price = Some(dec("43.6400000000001"));
        invoice.items[0].quantity = Some(dec("2"));
        assert_findings(&invoice, &[]);
    }

    #[test]
    fn total_in_words_must_read_and_match() {
        let mut invoice = seed_invoice();
        invoice.total_in_words = Some("捌拾玖圆捌角整".into());
        assert_findings(&invoice, &[("total_in_words.mismatch", Severity::Error)]);
        invoice.total_in_words = Some("捌拾玖圆x".into());
        assert_findings(&invoice, &[("total_in_words.unreadable", Severity::Error)]);
        invoice.total_in_words = Some("⊗捌拾玖元玖角".into());
        assert_findings(&invoice, &[]);
    }

    #[test]
    fn tax_id_shape_is_an_error_except_for_general_invoice_buyers() {
        let mut invoice = seed_invoice();
        invoice.seller.tax_id = Some("12345".into());
        assert_findings(&invoice, &[("tax_id.shape", Severity::Error)]);

        let mut person = seed_invoice();
        person.buyer.tax_id = Some("TEST23232".into());
        assert_findings(&person, &[("tax_id.shape", Severity::Warning)]);
        person.kind = InvoiceKind::VatSpecial;
        person.code = Some("1200154130".into());
        person.check_code = None;
        person.qr_payload = None;
        assert_findings(&person, &[("tax_id.shape", Severity::Error)]);
    }

    #[test]
    fn natural_person_and_missing_buyers_are_fine_on_general_invoices() {
        let mut invoice = seed_invoice();
        invoice.buyer.tax_id = Some("11010519491231002X".into());
        assert_findings(&invoice, &[]);
        invoice.buyer.tax_id = None;
        assert_findings(&invoice, &[]);
        invoice.buyer.tax_id = Some(String::new());
        assert_findings(&invoice, &[]);
    }

    #[test]
    fn embedded_organisation_code_is_checked() {
        let mut id = String::from("91320211739560226");
        id.push(uscc_check_character(&id).unwrap());
        let mut invoice = seed_invoice();
        invoice.seller.tax_id = Some(id);
        assert_findings(&invoice, &[("tax_id.org_code", Severity::Warning)]);
    }

    #[test]
    fn invoice_code_must_fit_the_kind() {
        let mut invoice = seed_invoice();
        invoice.qr_payload = None;
        invoice.code = Some("01200110031".into());
        assert_findings(&invoice, &[("code.shape", Severity::Error)]);
        invoice.code = Some("3100153130".into());
        assert_findings(&invoice, &[("code.kind", Severity::Error)]);
        // A 通行费 code on an invoice recorded as a plain 电子普票 is fine.
        invoice.code = Some("012001100312".into());
        assert_findings(&invoice, &[]);
    }

    #[test]
    fn digital_invoices_have_no_code_and_twenty_digit_numbers() {
        let mut invoice = digital_invoice();
        invoice.code = Some("012001100311".into());
        let found = invoice.validate();
        assert_eq!(codes(&found), ["code.unexpected", "qr.code"]);

        let mut invoice = digital_invoice();
        invoice.number = Some("63591128".into());
        invoice.qr_payload = None;
        assert_findings(&invoice, &[("number.shape", Severity::Error)]);

        let mut invoice = seed_invoice();
        invoice.number = Some("6359112".into());
        invoice.qr_payload = None;
        assert_findings(&invoice, &[("number.shape", Severity::Error)]);
    }

    #[test]
    fn digital_number_year_should_match_the_issue_date() {
        let mut invoice = digital_invoice();
        invoice.date = Some(ymd(2024, 11, 8));
        invoice.qr_payload = None;
        assert_findings(&invoice, &[("number.year", Severity::Warning)]);
    }

    #[test]
    fn rates_must_be_in_force_on_the_issue_date() {
        let mut invoice = seed_invoice();
        invoice.items[0].tax_rate = pct("16");
        invoice.items[0].tax = Some(dec("13.96"));
        invoice.tax = Some(dec("13.96"));
        invoice.total = Some(dec("101.24"));
        invoice.total_in_words = Some("壹佰零壹圆贰角肆分".into());
        assert_findings(&invoice, &[("rate.date", Severity::Warning)]);
        invoice.date = Some(ymd(2018, 6, 1));
        invoice.qr_payload = None;
        assert_findings(&invoice, &[]);
    }

    #[test]
    fn unknown_rates_are_flagged_even_without_a_date() {
        let mut invoice = seed_invoice();
        invoice.items[0].tax_rate = pct("3.5");
        invoice.items[0].tax = Some(dec("3.05"));
        invoice.tax = Some(dec("3.05"));
        invoice.total = Some(dec("90.33"));
        invoice.total_in_words = Some("玖拾圆叁角叁分".into());
        invoice.qr_payload = None;
        invoice.date = None;
        assert_findings(&invoice, &[("rate.unknown", Severity::Warning)]);
    }

    #[test]
    fn red_letter_invoices_balance_with_negative_amounts() {
        let invoice = Invoice {
            kind: InvoiceKind::VatElectronicGeneral,
            date: Some(ymd(2020, 3, 2)),
            items: vec![LineItem {
                quantity: Some(dec("-2")),
                unit_price: Some(dec("50.00")),
                ..line("-100.00", pct("16"), "-16.00")
            }],
            amount: Some(dec("-100.00")),
            tax: Some(dec("-16.00")),
            total: Some(dec("-116.00")),
            total_in_words: Some("(负数)壹佰壹拾陆圆整".into()),
            ..Invoice::default()
        };
        // The 2018 rate on a 2020 reversal is noted, not flagged.
        assert_findings(&invoice, &[("rate.date", Severity::Info)]);
    }

    #[test]
    fn discount_and_exempt_lines_balance() {
        let invoice = Invoice {
            kind: InvoiceKind::DigitalSpecial,
            number: Some("24322000000489101796".into()),
            date: Some(ymd(2024, 5, 28)),
            items: vec![
                line("3160.00", pct("13"), "410.80"),
                line("-160.00", pct("13"), "-20.80"),
                line("181.14", Some(TaxRate::Exempt), "0"),
                line("10.00", pct("0"), "0"),
            ],
            amount: Some(dec("3191.14")),
            tax: Some(dec("390.00")),
            total: Some(dec("3581.14")),
            total_in_words: Some("叁仟伍佰捌拾壹圆壹角肆分".into()),
            ..Invoice::default()
        };
        assert_findings(&invoice, &[]);
    }

    #[test]
    fn qr_payload_must_be_readable() {
        let mut invoice = seed_invoice();
        invoice.qr_payload = Some("0".into());
        assert_findings(&invoice, &[("qr.unreadable", Severity::Warning)]);
    }

    #[test]
    fn qr_fields_must_agree_with_the_invoice() {
        let cases = [
            (
                "01,04,012001100311,63591128,87.28,20190616,04656054380312409795,",
                "qr.kind",
            ),
            (
                "01,10,012001100411,63591128,87.28,20190616,04656054380312409795,",
                "qr.code",
            ),
            (
                "01,10,012001100311,63591129,87.28,20190616,04656054380312409795,",
                "qr.number",
            ),
            (
                "01,10,012001100311,63591128,87.28,20190617,04656054380312409795,",
                "qr.date",
            ),
            (
                "01,10,012001100311,63591128,87.28,20190616,04656054380312409796,",
                "qr.check_code",
            ),
            (
                "01,10,012001100311,63591128,89.90,20190616,04656054380312409795,",
                "qr.amount",
            ),
        ];
        for (payload, code) in cases {
            let mut invoice = seed_invoice();
            invoice.qr_payload = Some(payload.into());
            assert_findings(&invoice, &[(code, Severity::Error)]);
            let qr = InvoiceQr::parse(payload).unwrap();
            invoice.qr_payload = None;
            assert_eq!(codes(&invoice.validate_with_qr(&qr)), [code]);
        }
    }

    #[test]
    fn qr_disagreements_name_both_values() {
        let mut invoice = digital_invoice();
        invoice.total = Some(dec("100.00"));
        invoice.qr_payload = Some("01,32,,25417000000256819006,90.00,20251108,,DB92".into());
        let message = |invoice: &Invoice, code: &str| {
            let findings = invoice.validate();
            let found = findings.iter().find(|f| f.code == code);
            found.map(|f| f.message.clone()).unwrap_or_default()
        };
        let text = message(&invoice, "qr.amount");
        assert!(text.contains("100.00") && text.contains("90.00"), "{text}");
        invoice.number = Some("25417000000256819007".into());
        let text = message(&invoice, "qr.number");
        assert!(
            text.contains("25417000000256819007") && text.contains("25417000000256819006"),
            "{text}"
        );
        invoice.date = Some(ymd(2025, 11, 9));
        let text = message(&invoice, "qr.date");
        assert!(
            text.contains("2025-11-09") && text.contains("2025-11-08"),
            "{text}"
        );
    }

    #[test]
    fn qr_links_are_checked_field_by_field() {
        let link = "https://bcfp.shenzhen.chinatax.gov.cn/verify/scan?hash=00ab&bill_num=30532037&total_amount=7200";
        let mut invoice = Invoice {
            kind: InvoiceKind::Blockchain,
            number: Some("30532037".into()),
            total: Some(dec("72.00")),
            qr_payload: Some(link.into()),
            ..Invoice::default()
        };
        assert_eq!(codes(&invoice.validate()), Vec::<&str>::new());
        invoice.total = Some(dec("72.10"));
        invoice.number = Some("30532038".into());
        let findings = invoice.validate();
        assert_eq!(codes(&findings), ["qr.number", "qr.amount"]);
        assert!(findings[1].message.contains("72.10") && findings[1].message.contains("72.00"));

        let fiscal = Invoice {
            code: Some("32020124".into()),
            number: Some("0007445174".into()),
            check_code: Some("RolVjw".into()),
            qr_payload: Some("http://einvoice.jsczt.cn/page/32020124/0007445174/RolVjv".into()),
            ..Invoice::default()
        };
        let findings = fiscal.validate();
        assert_eq!(codes(&findings), ["qr.check_code"]);
        assert!(findings[0].message.contains("RolVjw") && findings[0].message.contains("RolVjv"));
        let mut unknown = fiscal.clone();
        unknown.qr_payload = Some("https://example.com/page/1".into());
        assert_eq!(codes(&unknown.validate()), ["qr.unreadable"]);
    }

    #[test]
    fn qr_check_code_may_be_grouped_or_shortened() {
        let mut invoice = seed_invoice();
        invoice.check_code = Some("04656 05438 03124 09795".into());
        assert_findings(&invoice, &[]);
        invoice.check_code = Some("409795".into());
        assert_findings(&invoice, &[]);
    }

    #[test]
    fn qr_amount_is_the_total_on_digital_invoices() {
        let mut invoice = digital_invoice();
        invoice.qr_payload = Some("01,32,,25417000000256819006,26.53,20251108,,DB92".into());
        assert_findings(&invoice, &[("qr.amount", Severity::Error)]);
    }

    #[test]
    fn qr_amount_of_unknown_meaning_may_match_either_total() {
        let mut invoice = seed_invoice();
        invoice.kind = InvoiceKind::VatRoll;
        invoice.code = Some("012001100306".into());
        invoice.qr_payload =
            Some("01,11,012001100306,63591128,89.90,20190616,04656054380312409795,".into());
        assert_findings(&invoice, &[]);
        invoice.qr_payload =
            Some("01,11,012001100306,63591128,88.00,20190616,04656054380312409795,".into());
        assert_findings(&invoice, &[("qr.amount", Severity::Warning)]);
    }

    #[test]
    fn rate_table_follows_the_rate_changes() {
        let cases = [
            ("17", ymd(2018, 4, 30), Some(true)),
            ("17", ymd(2018, 5, 1), Some(false)),
            ("11", ymd(2017, 1, 1), Some(true)),
            ("16", ymd(2018, 5, 1), Some(true)),
            ("16", ymd(2019, 3, 31), Some(true)),
            ("16", ymd(2019, 4, 1), Some(false)),
            ("10", ymd(2018, 4, 30), Some(false)),
            ("13", ymd(2017, 6, 30), Some(true)),
            ("13", ymd(2018, 1, 1), Some(false)),
            ("13", ymd(2019, 4, 1), Some(true)),
            ("9", ymd(2019, 3, 31), Some(false)),
            ("9.00", ymd(2019, 4, 1), Some(true)),
            ("1.5", ymd(2010, 1, 1), Some(true)),
            ("0", ymd(2030, 1, 1), Some(true)),
            ("7", ymd(2020, 1, 1), None),
            ("0.13", ymd(2020, 1, 1), None),
        ];
        for (rate, date, expected) in cases {
            assert_eq!(
                rate_in_force(dec(rate), date),
                expected,
                "{rate}% on {date}"
            );
        }
        assert_eq!(rate_in_force(Decimal::MAX, ymd(2020, 1, 1)), None);
    }

    #[test]
    fn overflowing_amounts_are_findings_not_panics() {
        let invoice = Invoice {
            kind: InvoiceKind::VatGeneral,
            items: vec![LineItem {
                quantity: Some(Decimal::MAX),
                unit_price: Some(Decimal::MAX),
                ..line("79228162514264337593543950335", pct("13"), "1")
            }],
            amount: Some(Decimal::MAX),
            tax: Some(Decimal::MAX),
            total: Some(Decimal::MAX),
            ..Invoice::default()
        };
        assert_eq!(
            codes(&invoice.validate()),
            [
                "totals.sum",
                "lines.tax_sum",
                "line.tax",
                "lines.tax_deviation",
                "line.price"
            ]
        );
    }

    /// Every code the validator emits, as the module documentation lists them.
    const ALL_CODES: &[&str] = &[
        "mapping.issue",
        "totals.sum",
        "lines.amount_sum",
        "lines.tax_sum",
        "line.tax",
        "lines.tax_deviation",
        "line.price",
        "total_in_words.unreadable",
        "total_in_words.mismatch",
        "tax_id.shape",
        "tax_id.check",
        "tax_id.org_code",
        "code.shape",
        "code.kind",
        "code.unexpected",
        "number.shape",
        "number.year",
        "rate.date",
        "rate.unknown",
        "qr.unreadable",
        "qr.kind",
        "qr.code",
        "qr.number",
        "qr.date",
        "qr.check_code",
        "qr.amount",
        "attachment.mismatch",
    ];

    /// Invoices that between them trigger every code, most of them through more than one
    /// message form (overflow, link QR, unknown amount meaning, each domain error).
    fn one_of_each() -> Vec<Invoice> {
        let mut out = Vec::new();
        let mut push = |edit: &dyn Fn(&mut Invoice), base: fn() -> Invoice| {
            let mut invoice = base();
            edit(&mut invoice);
            out.push(invoice);
        };
        push(
            &|i| {
                let error = crate::normalize::money("¥2x.62").unwrap_err();
                i.mapping_issues.push(MappingIssue::new(
                    "items[0].tax".into(),
                    "VatInvoiceInfos[Name=税额]".into(),
                    "¥2x.62".into(),
                    |lang| error.message(lang),
                ))
            },
            seed_invoice,
        );
        push(&|i| i.total = Some(dec("89.91")), seed_invoice);
        push(&|i| i.amount = Some(dec("87.29")), seed_invoice);
        push(&|i| i.tax = Some(dec("2.63")), seed_invoice);
        push(&|i| i.items[0].tax = Some(dec("5.00")), seed_invoice);
        push(
            &|i| i.items[0].unit_price = Some(dec("80.00")),
            seed_invoice,
        );
        push(
            &|i| i.total_in_words = Some("捌拾玖圆x".into()),
            seed_invoice,
        );
        push(
            &|i| i.total_in_words = Some("捌拾玖圆捌角整".into()),
            seed_invoice,
        );
        push(&|i| i.seller.tax_id = Some("12345".into()), seed_invoice);
        push(
            &|i| i.buyer.tax_id = Some("91320621MA1MRHG207".into()),
            seed_invoice,
        );
        push(
            &|i| i.buyer.tax_id = Some("9150010807MGZHI002".into()),
            seed_invoice,
        );
        push(
            &|i| {
                let mut id = String::from("91320211739560226");
                id.push(uscc_check_character(&id).unwrap());
                i.seller.tax_id = Some(id);
            },
            seed_invoice,
        );
        push(&|i| i.code = Some("01200110031".into()), seed_invoice);
        push(&|i| i.code = Some("3100153130".into()), seed_invoice);
        push(&|i| i.code = Some("1100153130".into()), seed_invoice);
        push(&|i| i.code = Some("012001100311".into()), digital_invoice);
        push(&|i| i.number = Some("6359112".into()), seed_invoice);
        push(&|i| i.number = Some("63591128".into()), digital_invoice);
        push(&|i| i.date = Some(ymd(2024, 11, 8)), digital_invoice);
        push(&|i| i.items[0].tax_rate = pct("16"), seed_invoice);
        push(&|i| i.items[0].tax_rate = pct("3.5"), seed_invoice);
        let payloads = [
            "0",
            "01,10,0120011,63591128,87.28,20190616,04656054380312409795,",
            "01,04,012001100311,63591128,87.28,20190616,04656054380312409795,",
            "01,10,012001100411,63591129,87.28,20190617,04656054380312409796,",
            "01,10,012001100311,63591128,89.90,20190616,04656054380312409795,",
            "https://example.com/page/1",
            "ftp://example.com/page/1",
            "https://bcfp.shenzhen.chinatax.gov.cn/verify/scan?hash=ab&bill_num=3053203&total_amount=1",
            "http://einvoice.jsczt.cn/page/32020124/0007445174",
            "https://bcfp.shenzhen.chinatax.gov.cn/verify/scan?hash=ab&bill_num=63591129&total_amount=7200",
        ];
        for payload in payloads {
            let mut invoice = seed_invoice();
            invoice.qr_payload = Some(payload.into());
            out.push(invoice);
        }
        let mut roll = seed_invoice();
        roll.kind = InvoiceKind::VatRoll;
        roll.code = Some("012001100306".into());
        roll.qr_payload =
            Some("01,11,012001100306,63591128,88.00,20190616,04656054380312409795,".into());
        out.push(roll);
        let mut digital = digital_invoice();
        digital.qr_payload = Some("01,32,,25417000000256819006,26.53,20251108,,DB92".into());
        out.push(digital);
        let mut attached = seed_invoice();
        let mismatch = |printed_in: &str| {
            serde_json::json!({"field": "total", "attachment": "89.90",
                               "printed": "89.00", "printed_in": printed_in})
        };
        attached.extra.insert(
            ATTACHMENT_MISMATCH_KEY.to_owned(),
            serde_json::json!([mismatch("pdf"), mismatch("ofd")]),
        );
        out.push(attached);
        out.push(Invoice {
            kind: InvoiceKind::VatGeneral,
            items: vec![LineItem {
                quantity: Some(Decimal::MAX),
                unit_price: Some(Decimal::MAX),
                ..line("79228162514264337593543950335", pct("13"), "1")
            }],
            amount: Some(Decimal::MAX),
            tax: Some(Decimal::MAX),
            total: Some(Decimal::MAX),
            date: Some(ymd(2018, 1, 1)),
            ..Invoice::default()
        });
        out
    }

    /// `message` without the values it quotes (`"捌拾玖圆x"`, `'7'`): those are data, in
    /// whatever script the document used.
    fn unquoted(message: &str) -> String {
        let mut out = String::new();
        let mut quote = None;
        for c in message.chars() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => quote = Some(c),
                None => out.push(c),
            }
        }
        out
    }

    fn is_cjk(c: char) -> bool {
        matches!(c, '\u{3000}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
    }

    /// The ASCII words (runs of letters and `_`) of a Chinese message that are not
    /// identifiers or formats every language writes the same way.
    fn english_words(message: &str) -> Vec<String> {
        const SHARED: &[&str] = &[
            "OFD",
            "YYYYMMDD",
            "http",
            "s",
            "f",
            "total_amount",
            "bill_num",
            "page",
        ];
        unquoted(message)
            .split(|c: char| !(c.is_ascii_alphabetic() || c == '_'))
            .filter(|w| !w.is_empty() && !SHARED.contains(w))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn language_purity() {
        let invoices = one_of_each();
        for lang in [Lang::En, Lang::Zh] {
            let findings: Vec<Finding> =
                invoices.iter().flat_map(|i| i.validate_in(lang)).collect();
            let mut seen: Vec<&str> = codes(&findings);
            seen.sort_unstable();
            seen.dedup();
            let mut all = ALL_CODES.to_vec();
            all.sort_unstable();
            assert_eq!(seen, all, "{lang:?}");
            for finding in &findings {
                let message = finding.message.as_str();
                match lang {
                    Lang::En => assert!(
                        !unquoted(message).chars().any(is_cjk),
                        "{}: {message}",
                        finding.code
                    ),
                    Lang::Zh => {
                        let words = english_words(message);
                        assert!(words.is_empty(), "{}: {message} {words:?}", finding.code);
                        assert!(message.chars().any(is_cjk), "{}: {message}", finding.code);
                    }
                }
            }
        }
    }

    #[test]
    fn both_languages_give_the_same_findings() {
        for invoice in one_of_each() {
            let strip = |found: Vec<Finding>| -> Vec<_> {
                found
                    .into_iter()
                    .map(|f| (f.code, f.severity, f.fields))
                    .collect()
            };
            assert_eq!(
                strip(invoice.validate_in(Lang::Zh)),
                strip(invoice.validate())
            );
        }
    }

    #[test]
    fn attachment_mismatches_recorded_as_lines_still_read() {
        let mut invoice = seed_invoice();
        let line = "total: the attachment says \"86\", the OFD says \"96\"";
        invoice.extra.insert(
            ATTACHMENT_MISMATCH_KEY.to_owned(),
            serde_json::json!([line]),
        );
        let found = invoice.validate_in(Lang::Zh);
        assert_eq!(codes(&found), ["attachment.mismatch"]);
        assert_eq!(
            (found[0].message.as_str(), &found[0].fields[..]),
            (line, &["total".to_owned()][..])
        );
    }

    #[test]
    fn findings_serialise_with_stable_codes() {
        let mut invoice = seed_invoice();
        invoice.total = Some(dec("89.91"));
        let json = serde_json::to_value(&invoice.validate()[0]).unwrap();
        assert_eq!(json["code"], "totals.sum");
        assert_eq!(json["severity"], "error");
        assert_eq!(
            json["fields"],
            serde_json::json!(["amount", "tax", "total"])
        );
    }
}
