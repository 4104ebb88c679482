//! Records flattened into stable columns: one row per invoice (one row for a record with no
//! invoice, so every input shows) and one row per line item. CSV, xlsx and the table share
//! these definitions; the column order is part of the output format.
//!
//! What identifies an invoice comes first — kind, code, number, date, seller, buyer, the
//! amounts — then duplicates, findings and errors, then where the record came from, so a
//! finance reader sees what matters without scrolling. Every column has an English id
//! (`--headers en`, stable for scripts) and the Chinese label printed on the invoice.

use chrono::NaiveDate;
use clap::ValueEnum;
use rust_decimal::Decimal;

use fapiao::{Invoice, InvoiceKind, LineItem, TaxRate};

use crate::cli::record::Record;
use crate::cli::validate::finding_text;

/// The language of headers and kind names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Headers {
    /// The Chinese labels printed on invoices (`发票号码`), kinds by name.
    #[default]
    Zh,
    /// Stable snake_case ids (`number`), kinds by id.
    En,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// An identifier (invoice code, number, tax id): text even when it is all digits.
    Id(String),
    /// An exact decimal (money, quantity, price).
    Decimal(Decimal),
    /// A count or a 1-based position.
    Count(usize),
    /// A calendar date.
    Date(NaiveDate),
    /// A tax rate.
    Rate(TaxRate),
    /// An invoice kind.
    Kind(InvoiceKind),
}

impl Cell {
    /// The cell as text (empty for [`Cell::Empty`]); kinds in the language of `headers`.
    pub fn to_text(&self, headers: Headers) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) | Cell::Id(text) => text.clone(),
            Cell::Decimal(value) => value.to_string(),
            Cell::Count(n) => n.to_string(),
            Cell::Date(date) => date.to_string(),
            Cell::Rate(rate) => rate.to_string(),
            Cell::Kind(kind) => match headers {
                Headers::Zh => kind.label_zh().to_owned(),
                Headers::En => kind.id().to_owned(),
            },
        }
    }
}

/// A named column.
pub struct Column<F> {
    /// The English id, e.g. `number`.
    pub header: &'static str,
    /// The Chinese label, e.g. `发票号码`.
    pub zh: &'static str,
    /// Reads the cell from a row.
    pub value: F,
}

impl<F> Column<F> {
    /// The header in `headers`' language.
    pub fn title(&self, headers: Headers) -> &'static str {
        match headers {
            Headers::Zh => self.zh,
            Headers::En => self.header,
        }
    }
}

/// One invoice of a record, or the record alone when it has no invoice.
pub struct InvoiceRow<'a> {
    /// The record.
    pub record: &'a Record,
    /// The invoice's index in the record, if any.
    pub index: Option<usize>,
}

/// One line item.
pub struct ItemRow<'a> {
    /// The record.
    pub record: &'a Record,
    /// Index of the invoice in the record.
    pub invoice: usize,
    /// Index of the line in the invoice.
    pub line: usize,
    /// The line.
    pub item: &'a LineItem,
}

/// Reads an invoice cell.
pub type InvoiceGetter = fn(&InvoiceRow<'_>) -> Cell;
/// Reads an item cell.
pub type ItemGetter = fn(&ItemRow<'_>) -> Cell;

impl InvoiceRow<'_> {
    /// The invoice of this row, if any.
    pub fn invoice(&self) -> Option<&Invoice> {
        let index = self.index?;
        self.record.recognized()?.invoices.get(index)
    }

    fn text(&self, get: fn(&Invoice) -> Option<&String>) -> Cell {
        self.invoice()
            .and_then(get)
            .map_or(Cell::Empty, |t| Cell::Text(t.clone()))
    }

    fn id(&self, get: fn(&Invoice) -> Option<&String>) -> Cell {
        self.invoice()
            .and_then(get)
            .map_or(Cell::Empty, |t| Cell::Id(t.clone()))
    }

    fn decimal(&self, get: fn(&Invoice) -> Option<Decimal>) -> Cell {
        self.invoice()
            .and_then(get)
            .map_or(Cell::Empty, Cell::Decimal)
    }

    /// A part of the error — `[kind, code, message]` — or of why the file was skipped
    /// (whose code is its kind too).
    fn error(&self, part: usize) -> Cell {
        let parts = match (self.record.failure(), self.record.skip()) {
            (Some(f), _) => [&f.kind, &f.code, &f.message],
            (_, Some(skip)) => [&skip.code, &skip.code, &skip.message],
            _ => return Cell::Empty,
        };
        Cell::Text(parts[part].clone())
    }

    /// The findings of this invoice, `severity code: message` (`错误 code：message` for
    /// Chinese findings) joined by `; `.
    fn findings(&self) -> Cell {
        let (Some(index), Some(recognized)) = (self.index, self.record.recognized()) else {
            return Cell::Empty;
        };
        let lang = recognized.findings_lang.unwrap_or_default();
        let list: Vec<String> = recognized
            .findings
            .iter()
            .filter(|f| f.invoice_index == index)
            .map(|f| finding_text(&f.severity, &f.code, &f.message, lang))
            .collect();
        joined(list)
    }

    /// The APIs the chain fell back from, `api (kind code)` joined by `; `.
    fn fallbacks(&self) -> Cell {
        let list = self
            .record
            .fallbacks
            .iter()
            .map(|f| format!("{} ({} {})", f.api, f.kind, f.code))
            .collect();
        joined(list)
    }
}

fn joined(list: Vec<String>) -> Cell {
    if list.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(list.join("; "))
    }
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn optional<T: ToString>(value: Option<T>) -> Cell {
    value.map_or(Cell::Empty, |v| Cell::Text(v.to_string()))
}

/// A column: id, Chinese label, getter.
macro_rules! columns {
    ($($header:literal $zh:literal => $value:expr,)*) => {
        &[$(Column { header: $header, zh: $zh, value: $value },)*]
    };
}

/// The invoice columns, in output order.
pub static INVOICE_COLUMNS: &[Column<InvoiceGetter>] = columns! {
    "kind" "发票类型" => |r| r.invoice().map_or(Cell::Empty, |i| Cell::Kind(i.kind)),
    "code" "发票代码" => |r| r.id(|i| i.code.as_ref()),
    "number" "发票号码" => |r| r.id(|i| i.number.as_ref()),
    "date" "开票日期" => |r| r.invoice().and_then(|i| i.date).map_or(Cell::Empty, Cell::Date),
    "seller_name" "销售方名称" => |r| r.text(|i| i.seller.name.as_ref()),
    "seller_tax_id" "销售方纳税人识别号" => |r| r.id(|i| i.seller.tax_id.as_ref()),
    "buyer_name" "购买方名称" => |r| r.text(|i| i.buyer.name.as_ref()),
    "buyer_tax_id" "购买方纳税人识别号" => |r| r.id(|i| i.buyer.tax_id.as_ref()),
    "amount" "金额" => |r| r.decimal(|i| i.amount),
    "tax" "税额" => |r| r.decimal(|i| i.tax),
    "total" "价税合计" => |r| r.decimal(|i| i.total),
    "duplicate_of" "重复于" => |r| optional(r.record.duplicate_of.as_ref()),
    "findings" "校验结果" => |r| r.findings(),
    "status" "状态" => |r| text(r.record.status()),
    "error_kind" "错误类型" => |r| r.error(0),
    "error_code" "错误代码" => |r| r.error(1),
    "error_message" "错误信息" => |r| r.error(2),
    "path" "文件" => |r| text(&r.record.path),
    "invoice" "文件内序号" => |r| r.index.map_or(Cell::Empty, |i| Cell::Count(i + 1)),
    "api" "识别接口" => |r| match (r.record.recognized(), r.record.failure()) {
        (Some(ok), _) => text(&ok.api),
        (_, Some(failure)) => text(&failure.api),
        _ => Cell::Empty,
    },
    "fallbacks" "回退记录" => |r| r.fallbacks(),
    "title" "发票名称" => |r| r.text(|i| i.title.as_ref()),
    "check_code" "校验码" => |r| r.id(|i| i.check_code.as_ref()),
    "machine_code" "机器编号" => |r| r.id(|i| i.machine_code.as_ref()),
    "buyer_address_phone" "购买方地址、电话" => |r| r.text(|i| i.buyer.address_phone.as_ref()),
    "buyer_bank_account" "购买方开户行及账号" => |r| r.text(|i| i.buyer.bank_account.as_ref()),
    "seller_address_phone" "销售方地址、电话" => |r| r.text(|i| i.seller.address_phone.as_ref()),
    "seller_bank_account" "销售方开户行及账号" => |r| r.text(|i| i.seller.bank_account.as_ref()),
    "total_in_words" "价税合计（大写）" => |r| r.text(|i| i.total_in_words.as_ref()),
    "payee" "收款人" => |r| r.text(|i| i.payee.as_ref()),
    "reviewer" "复核" => |r| r.text(|i| i.reviewer.as_ref()),
    "issuer" "开票人" => |r| r.text(|i| i.issuer.as_ref()),
    "remark" "备注" => |r| r.text(|i| i.remark.as_ref()),
    "province" "省份" => |r| r.text(|i| i.province.as_ref()),
    "city" "城市" => |r| r.text(|i| i.city.as_ref()),
    "qr_payload" "二维码内容" => |r| r.text(|i| i.qr_payload.as_ref()),
    "items" "明细行数" => |r| r.invoice().map_or(Cell::Empty, |i| Cell::Count(i.items.len())),
    "passenger" "乘车人" => |r| r.text(|i| i.ticket.passenger.as_ref()),
    "train_number" "车次" => |r| r.text(|i| i.ticket.train_number.as_ref()),
    "departure" "出发站" => |r| r.text(|i| i.ticket.departure.as_ref()),
    "arrival" "到达站" => |r| r.text(|i| i.ticket.arrival.as_ref()),
    "sha256" "SHA-256" => |r| optional(r.record.sha256.as_ref()),
};

/// The line-item columns, in output order.
pub static ITEM_COLUMNS: &[Column<ItemGetter>] = columns! {
    "number" "发票号码" => |r| {
        let invoice = r.record.recognized().and_then(|ok| ok.invoices.get(r.invoice));
        invoice.and_then(|i| i.number.clone()).map_or(Cell::Empty, Cell::Id)
    },
    "line" "行号" => |r| Cell::Count(r.line + 1),
    "name" "项目名称" => |r| optional(r.item.name.as_ref()),
    "spec" "规格型号" => |r| optional(r.item.spec.as_ref()),
    "unit" "单位" => |r| optional(r.item.unit.as_ref()),
    "quantity" "数量" => |r| r.item.quantity.map_or(Cell::Empty, Cell::Decimal),
    "unit_price" "单价" => |r| r.item.unit_price.map_or(Cell::Empty, Cell::Decimal),
    "amount" "金额" => |r| r.item.amount.map_or(Cell::Empty, Cell::Decimal),
    "tax_rate" "税率" => |r| r.item.tax_rate.map_or(Cell::Empty, Cell::Rate),
    "tax" "税额" => |r| r.item.tax.map_or(Cell::Empty, Cell::Decimal),
    "path" "文件" => |r| text(&r.record.path),
    "invoice" "文件内序号" => |r| Cell::Count(r.invoice + 1),
    "sha256" "SHA-256" => |r| optional(r.record.sha256.as_ref()),
};

/// One row per invoice of `record`, or one row for the record when it has none.
pub fn invoice_rows(record: &Record) -> Vec<InvoiceRow<'_>> {
    let count = record.recognized().map_or(0, |r| r.invoices.len());
    if count == 0 {
        return vec![InvoiceRow {
            record,
            index: None,
        }];
    }
    (0..count)
        .map(|index| InvoiceRow {
            record,
            index: Some(index),
        })
        .collect()
}

/// One row per line item of every invoice of `record`.
pub fn item_rows(record: &Record) -> Vec<ItemRow<'_>> {
    let Some(recognized) = record.recognized() else {
        return Vec::new();
    };
    recognized
        .invoices
        .iter()
        .enumerate()
        .flat_map(|(invoice, inv)| {
            inv.items
                .iter()
                .enumerate()
                .map(move |(line, item)| ItemRow {
                    record,
                    invoice,
                    line,
                    item,
                })
        })
        .collect()
}

/// The cells of a row under `columns`.
pub fn cells<R, F: Fn(&R) -> Cell>(columns: &[Column<F>], row: &R) -> Vec<Cell> {
    columns.iter().map(|c| (c.value)(row)).collect()
}

/// The headers of `columns` in `headers`' language.
pub fn headers<F>(columns: &[Column<F>], headers: Headers) -> Vec<&'static str> {
    columns.iter().map(|c| c.title(headers)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::record::{Failure, Recognized};

    #[test]
    fn headers_are_unique() {
        let all = [Headers::Zh, Headers::En]
            .into_iter()
            .flat_map(|h| [headers(INVOICE_COLUMNS, h), headers(ITEM_COLUMNS, h)]);
        for headers in all {
            let mut sorted = headers.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), headers.len(), "{headers:?}");
        }
    }

    #[test]
    fn an_error_record_is_one_row_with_the_error_columns() {
        let record = Record::error(
            "x.gif".into(),
            Some("ab".into()),
            Failure {
                api: "local".into(),
                kind: "unsupported_format".into(),
                code: "unsupported".into(),
                message: "GIF image".into(),
            },
        );
        let rows = invoice_rows(&record);
        assert_eq!(rows.len(), 1);
        let cells = cells(INVOICE_COLUMNS, &rows[0]);
        let at = |name| {
            let i = INVOICE_COLUMNS
                .iter()
                .position(|c| c.header == name)
                .unwrap();
            cells[i].to_text(Headers::En)
        };
        assert_eq!(at("status"), "error");
        assert_eq!(at("error_code"), "unsupported");
        assert_eq!(at("number"), "");
        assert!(item_rows(&record).is_empty());
    }

    #[test]
    fn money_stays_exact_and_items_are_numbered_from_one() {
        let invoice = Invoice {
            total: Some(Decimal::new(52600, 2)),
            items: vec![LineItem::default(), LineItem::default()],
            ..Invoice::default()
        };
        let record = Record::ok(
            "a.ofd".into(),
            "cd".into(),
            Recognized {
                api: "local".into(),
                invoices: vec![invoice],
                findings: Vec::new(),
                qr_cross_check: None,
                findings_lang: None,
            },
        );
        let rows = invoice_rows(&record);
        let total = INVOICE_COLUMNS
            .iter()
            .position(|c| c.header == "total")
            .unwrap();
        assert_eq!(
            cells(INVOICE_COLUMNS, &rows[0])[total],
            Cell::Decimal(Decimal::new(52600, 2))
        );
        let lines: Vec<String> = item_rows(&record)
            .iter()
            .map(|row| cells(ITEM_COLUMNS, row)[1].to_text(Headers::En))
            .collect();
        assert_eq!(lines, ["1", "2"]);
    }
}
