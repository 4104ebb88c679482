//! Records flattened into stable columns: one row per invoice (one row for a record with no
//! invoice, so every input shows) and one row per line item. CSV, xlsx and the table share
//! these definitions; the column order is part of the output format.

use rust_decimal::Decimal;

use fapiao::{Invoice, LineItem};

use crate::cli::record::Record;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// An exact decimal (money, quantity, price).
    Decimal(Decimal),
    /// A count or a 1-based position.
    Count(usize),
}

impl Cell {
    /// The cell as text (empty for [`Cell::Empty`]).
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Decimal(value) => value.to_string(),
            Cell::Count(n) => n.to_string(),
        }
    }
}

/// A named column.
pub struct Column<F> {
    /// The header.
    pub header: &'static str,
    /// Reads the cell from a row.
    pub value: F,
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
    fn invoice(&self) -> Option<&Invoice> {
        let index = self.index?;
        self.record.recognized()?.invoices.get(index)
    }

    fn text(&self, get: fn(&Invoice) -> Option<&String>) -> Cell {
        self.invoice()
            .and_then(get)
            .map_or(Cell::Empty, |t| Cell::Text(t.clone()))
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

    /// The findings of this invoice, `severity code` joined by `; `.
    fn findings(&self) -> Cell {
        let (Some(index), Some(recognized)) = (self.index, self.record.recognized()) else {
            return Cell::Empty;
        };
        let list: Vec<String> = recognized
            .findings
            .iter()
            .filter(|f| f.invoice_index == index)
            .map(|f| format!("{} {}", f.severity, f.code))
            .collect();
        if list.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(list.join("; "))
        }
    }
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn optional<T: ToString>(value: Option<T>) -> Cell {
    value.map_or(Cell::Empty, |v| Cell::Text(v.to_string()))
}

/// The invoice columns, in output order.
pub static INVOICE_COLUMNS: &[Column<InvoiceGetter>] = &[
    Column {
        header: "path",
        value: |r| text(&r.record.path),
    },
    Column {
        header: "sha256",
        value: |r| optional(r.record.sha256.as_ref()),
    },
    Column {
        header: "status",
        value: |r| text(r.record.status()),
    },
    Column {
        header: "api",
        value: |r| match (r.record.recognized(), r.record.failure()) {
            (Some(ok), _) => text(&ok.api),
            (_, Some(failure)) => text(&failure.api),
            _ => Cell::Empty,
        },
    },
    Column {
        header: "invoice",
        value: |r| r.index.map_or(Cell::Empty, |i| Cell::Count(i + 1)),
    },
    Column {
        header: "kind",
        value: |r| optional(r.invoice().map(|i| i.kind.id())),
    },
    Column {
        header: "title",
        value: |r| r.text(|i| i.title.as_ref()),
    },
    Column {
        header: "code",
        value: |r| r.text(|i| i.code.as_ref()),
    },
    Column {
        header: "number",
        value: |r| r.text(|i| i.number.as_ref()),
    },
    Column {
        header: "date",
        value: |r| optional(r.invoice().and_then(|i| i.date)),
    },
    Column {
        header: "check_code",
        value: |r| r.text(|i| i.check_code.as_ref()),
    },
    Column {
        header: "machine_code",
        value: |r| r.text(|i| i.machine_code.as_ref()),
    },
    Column {
        header: "buyer_name",
        value: |r| r.text(|i| i.buyer.name.as_ref()),
    },
    Column {
        header: "buyer_tax_id",
        value: |r| r.text(|i| i.buyer.tax_id.as_ref()),
    },
    Column {
        header: "buyer_address_phone",
        value: |r| r.text(|i| i.buyer.address_phone.as_ref()),
    },
    Column {
        header: "buyer_bank_account",
        value: |r| r.text(|i| i.buyer.bank_account.as_ref()),
    },
    Column {
        header: "seller_name",
        value: |r| r.text(|i| i.seller.name.as_ref()),
    },
    Column {
        header: "seller_tax_id",
        value: |r| r.text(|i| i.seller.tax_id.as_ref()),
    },
    Column {
        header: "seller_address_phone",
        value: |r| r.text(|i| i.seller.address_phone.as_ref()),
    },
    Column {
        header: "seller_bank_account",
        value: |r| r.text(|i| i.seller.bank_account.as_ref()),
    },
    Column {
        header: "amount",
        value: |r| r.decimal(|i| i.amount),
    },
    Column {
        header: "tax",
        value: |r| r.decimal(|i| i.tax),
    },
    Column {
        header: "total",
        value: |r| r.decimal(|i| i.total),
    },
    Column {
        header: "total_in_words",
        value: |r| r.text(|i| i.total_in_words.as_ref()),
    },
    Column {
        header: "payee",
        value: |r| r.text(|i| i.payee.as_ref()),
    },
    Column {
        header: "reviewer",
        value: |r| r.text(|i| i.reviewer.as_ref()),
    },
    Column {
        header: "issuer",
        value: |r| r.text(|i| i.issuer.as_ref()),
    },
    Column {
        header: "remark",
        value: |r| r.text(|i| i.remark.as_ref()),
    },
    Column {
        header: "province",
        value: |r| r.text(|i| i.province.as_ref()),
    },
    Column {
        header: "city",
        value: |r| r.text(|i| i.city.as_ref()),
    },
    Column {
        header: "qr_payload",
        value: |r| r.text(|i| i.qr_payload.as_ref()),
    },
    Column {
        header: "items",
        value: |r| {
            r.invoice()
                .map_or(Cell::Empty, |i| Cell::Count(i.items.len()))
        },
    },
    Column {
        header: "passenger",
        value: |r| r.text(|i| i.ticket.passenger.as_ref()),
    },
    Column {
        header: "train_number",
        value: |r| r.text(|i| i.ticket.train_number.as_ref()),
    },
    Column {
        header: "departure",
        value: |r| r.text(|i| i.ticket.departure.as_ref()),
    },
    Column {
        header: "arrival",
        value: |r| r.text(|i| i.ticket.arrival.as_ref()),
    },
    Column {
        header: "findings",
        value: |r| r.findings(),
    },
    Column {
        header: "error_kind",
        value: |r| r.error(0),
    },
    Column {
        header: "error_code",
        value: |r| r.error(1),
    },
    Column {
        header: "error_message",
        value: |r| r.error(2),
    },
];

/// The line-item columns, in output order.
pub static ITEM_COLUMNS: &[Column<ItemGetter>] = &[
    Column {
        header: "path",
        value: |r| text(&r.record.path),
    },
    Column {
        header: "sha256",
        value: |r| optional(r.record.sha256.as_ref()),
    },
    Column {
        header: "invoice",
        value: |r| Cell::Count(r.invoice + 1),
    },
    Column {
        header: "line",
        value: |r| Cell::Count(r.line + 1),
    },
    Column {
        header: "name",
        value: |r| optional(r.item.name.as_ref()),
    },
    Column {
        header: "spec",
        value: |r| optional(r.item.spec.as_ref()),
    },
    Column {
        header: "unit",
        value: |r| optional(r.item.unit.as_ref()),
    },
    Column {
        header: "quantity",
        value: |r| r.item.quantity.map_or(Cell::Empty, Cell::Decimal),
    },
    Column {
        header: "unit_price",
        value: |r| r.item.unit_price.map_or(Cell::Empty, Cell::Decimal),
    },
    Column {
        header: "amount",
        value: |r| r.item.amount.map_or(Cell::Empty, Cell::Decimal),
    },
    Column {
        header: "tax_rate",
        value: |r| optional(r.item.tax_rate),
    },
    Column {
        header: "tax",
        value: |r| r.item.tax.map_or(Cell::Empty, Cell::Decimal),
    },
];

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

/// The headers of `columns`.
pub fn headers<F>(columns: &[Column<F>]) -> Vec<&'static str> {
    columns.iter().map(|c| c.header).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::record::{Failure, Recognized};

    #[test]
    fn headers_are_unique() {
        for headers in [headers(INVOICE_COLUMNS), headers(ITEM_COLUMNS)] {
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
            cells[i].to_text()
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
            .map(|row| cells(ITEM_COLUMNS, row)[3].to_text())
            .collect();
        assert_eq!(lines, ["1", "2"]);
    }
}
