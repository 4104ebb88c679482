//! The unified fields the local readers fill, and a draft [`Invoice`] that keeps the first
//! (most exact) value offered for each field together with its provenance.
//!
//! Readers offer values in priority order — OFD XML, then OFD tags, then OFD custom data or
//! PDF text, then the QR code — so "first writer wins" implements the preference rule.

use std::borrow::Cow;

use crate::domain::qr::InvoiceQr;
use crate::invoice::{Invoice, InvoiceKind, LineItem, MappingIssue, Provenance};
use crate::lang::Lang;
use crate::normalize::{self, NormalizeError};

/// An invoice-level field a local source can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    Title,
    Code,
    Number,
    Date,
    CheckCode,
    MachineCode,
    CipherText,
    BuyerName,
    BuyerTaxId,
    BuyerAddressPhone,
    BuyerBankAccount,
    SellerName,
    SellerTaxId,
    SellerAddressPhone,
    SellerBankAccount,
    Amount,
    Tax,
    Total,
    TotalInWords,
    Payee,
    Reviewer,
    Issuer,
    Remark,
}

/// A line-item field a local source can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ItemField {
    Name,
    Spec,
    Unit,
    Quantity,
    UnitPrice,
    Amount,
    TaxRate,
    Tax,
}

impl Field {
    /// The unified field path used as provenance key.
    pub fn path(self) -> &'static str {
        use Field::*;
        match self {
            Title => "title",
            Code => "code",
            Number => "number",
            Date => "date",
            CheckCode => "check_code",
            MachineCode => "machine_code",
            CipherText => "cipher_text",
            BuyerName => "buyer.name",
            BuyerTaxId => "buyer.tax_id",
            BuyerAddressPhone => "buyer.address_phone",
            BuyerBankAccount => "buyer.bank_account",
            SellerName => "seller.name",
            SellerTaxId => "seller.tax_id",
            SellerAddressPhone => "seller.address_phone",
            SellerBankAccount => "seller.bank_account",
            Amount => "amount",
            Tax => "tax",
            Total => "total",
            TotalInWords => "total_in_words",
            Payee => "payee",
            Reviewer => "reviewer",
            Issuer => "issuer",
            Remark => "remark",
        }
    }

    /// The field an element of `original_invoice.xml` or `CustomTag.xml` holds (both use
    /// the e-invoice 2019 schema names).
    pub fn from_ofd_element(name: &str) -> Option<Field> {
        use Field::*;
        Some(match name {
            "InvoiceCode" => Code,
            "InvoiceNo" => Number,
            "IssueDate" => Date,
            "InvoiceCheckCode" => CheckCode,
            "MachineNo" => MachineCode,
            "TaxControlCode" => CipherText,
            "BuyerName" => BuyerName,
            "BuyerTaxID" => BuyerTaxId,
            "BuyerAddrTel" => BuyerAddressPhone,
            "BuyerFinancialAccount" => BuyerBankAccount,
            "SellerName" => SellerName,
            "SellerTaxID" => SellerTaxId,
            "SellerAddrTel" => SellerAddressPhone,
            "SellerFinancialAccount" => SellerBankAccount,
            "TaxExclusiveTotalAmount" => Amount,
            "TaxTotalAmount" => Tax,
            "TaxInclusiveTotalAmount" => Total,
            "Note" => Remark,
            "InvoiceClerk" => Issuer,
            "Payee" => Payee,
            "Checker" => Reviewer,
            _ => return None,
        })
    }

    /// The field an `OFD.xml` `CustomData` entry (named in Chinese) holds.
    pub fn from_custom_data(name: &str) -> Option<Field> {
        use Field::*;
        Some(match name {
            "发票代码" => Code,
            "发票号码" => Number,
            "开票日期" => Date,
            "校验码" => CheckCode,
            "合计金额" => Amount,
            "合计税额" => Tax,
            "价税合计" => Total,
            "购买方纳税人识别号" => BuyerTaxId,
            "销售方纳税人识别号" => SellerTaxId,
            "购买方名称" => BuyerName,
            "销售方名称" => SellerName,
            _ => return None,
        })
    }
}

impl ItemField {
    /// The field name inside `items[i]`.
    pub fn name(self) -> &'static str {
        use ItemField::*;
        match self {
            Name => "name",
            Spec => "spec",
            Unit => "unit",
            Quantity => "quantity",
            UnitPrice => "unit_price",
            Amount => "amount",
            TaxRate => "tax_rate",
            Tax => "tax",
        }
    }

    /// The line-item field an e-invoice 2019 schema element holds.
    pub fn from_ofd_element(name: &str) -> Option<ItemField> {
        use ItemField::*;
        Some(match name {
            "Item" => Name,
            "Specification" => Spec,
            "MeasurementDimension" => Unit,
            "Quantity" => Quantity,
            "Price" => UnitPrice,
            "Amount" => Amount,
            "TaxScheme" => TaxRate,
            "TaxAmount" => Tax,
            _ => return None,
        })
    }
}

/// An [`Invoice`] being filled from several sources, first writer wins per field.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    /// The invoice so far.
    pub invoice: Invoice,
}

impl Draft {
    /// A draft already marked as coming from the local backend.
    pub fn new() -> Draft {
        Draft {
            invoice: Invoice {
                api: "local".to_owned(),
                ..Invoice::default()
            },
        }
    }

    /// Offers `raw` for `field`; ignored when empty or when the field is already filled.
    /// A value that does not parse is kept as a mapping issue.
    pub fn set(&mut self, field: Field, raw: &str, source: String) {
        let raw = raw.trim();
        if raw.is_empty() {
            return;
        }
        let inv = &mut self.invoice;
        let filled = match field {
            Field::Date => fill(&mut inv.date, raw, normalize::date),
            Field::Amount => fill(&mut inv.amount, raw, normalize::money),
            Field::Tax => fill(&mut inv.tax, raw, normalize::money),
            Field::Total => fill(&mut inv.total, raw, normalize::money),
            _ => {
                let compact = matches!(
                    field,
                    Field::Code | Field::Number | Field::CheckCode | Field::MachineCode
                );
                match text_slot(inv, field) {
                    Some(slot) if compact => fill(slot, raw, |s| Ok(without_spaces(s))),
                    Some(slot) => fill(slot, raw, |s| Ok(s.to_owned())),
                    None => return,
                }
            }
        };
        self.note(Cow::Borrowed(field.path()), filled, raw, source);
    }

    /// Offers `raw` for field `field` of line item `index` (created when missing).
    pub fn set_item(&mut self, index: usize, field: ItemField, raw: &str, source: String) {
        let raw = raw.trim();
        if raw.is_empty() {
            return;
        }
        let items = &mut self.invoice.items;
        if items.len() <= index {
            items.resize_with(index + 1, LineItem::default);
        }
        let Some(item) = items.get_mut(index) else {
            return;
        };
        let filled = match field {
            ItemField::Name => fill(&mut item.name, raw, |s| Ok(s.to_owned())),
            ItemField::Spec => fill(&mut item.spec, raw, |s| Ok(s.to_owned())),
            ItemField::Unit => fill(&mut item.unit, raw, |s| Ok(s.to_owned())),
            ItemField::Quantity => fill(&mut item.quantity, raw, normalize::quantity),
            ItemField::UnitPrice => fill(&mut item.unit_price, raw, normalize::quantity),
            ItemField::Amount => fill(&mut item.amount, raw, normalize::money),
            ItemField::TaxRate => fill(&mut item.tax_rate, raw, normalize::rate),
            ItemField::Tax => fill(&mut item.tax, raw, normalize::money),
        };
        let path = Cow::Owned(format!("items[{index}].{}", field.name()));
        self.note(path, filled, raw, source);
    }

    /// Keeps a source value no unified field claims, unless the key is taken.
    pub fn extra(&mut self, key: String, value: &str) {
        let value = value.trim();
        if !value.is_empty() {
            self.invoice
                .extra
                .entry(key)
                .or_insert_with(|| value.into());
        }
    }

    /// Fills the fields still empty from a parsed QR payload, keeping its provenance
    /// (`qr:f3`, …), and records the payload itself unless one is already recorded. A field
    /// the text gave keeps the text's value; the payload stays in `qr_payload`, where the
    /// validator compares the two.
    pub fn merge_qr(&mut self, qr: &InvoiceQr) {
        let from = qr.to_invoice();
        let inv = &mut self.invoice;
        let mut taken: Vec<&'static str> = Vec::new();
        if inv.kind == InvoiceKind::Unknown && from.kind != InvoiceKind::Unknown {
            inv.kind = from.kind;
            taken.push("kind");
        }
        take(&mut inv.code, from.code, "code", &mut taken);
        take(&mut inv.number, from.number, "number", &mut taken);
        take(&mut inv.date, from.date, "date", &mut taken);
        take(
            &mut inv.check_code,
            from.check_code,
            "check_code",
            &mut taken,
        );
        take(&mut inv.amount, from.amount, "amount", &mut taken);
        take(&mut inv.total, from.total, "total", &mut taken);
        take(
            &mut inv.qr_payload,
            from.qr_payload,
            "qr_payload",
            &mut taken,
        );
        for field in taken {
            if let Some(p) = from.provenance.get(field) {
                inv.provenance.insert(Cow::Borrowed(field), p.clone());
            }
        }
        for (key, value) in from.extra {
            inv.extra.entry(key).or_insert(value);
        }
    }

    /// Sets the kind from a structured source unless one is known; credits `source`.
    pub fn set_kind(&mut self, kind: InvoiceKind, source: String) {
        if self.invoice.kind == InvoiceKind::Unknown && kind != InvoiceKind::Unknown {
            self.invoice.kind = kind;
            self.credit(Cow::Borrowed("kind"), source);
        }
    }

    /// Records `source` as the provenance of a field the caller filled itself (ticket
    /// fields, which have no [`Field`]).
    pub fn credit(&mut self, path: Cow<'static, str>, source: String) {
        self.note(path, Filled::Yes, "", source);
    }

    /// Records a value that could not be used, and why in either language.
    pub fn issue(
        &mut self,
        field: &str,
        source: &str,
        value: &str,
        reason: impl Fn(Lang) -> String,
    ) {
        let (field, source, value) = (field.to_owned(), source.to_owned(), value.to_owned());
        let issue = MappingIssue::new(field, source, value, reason);
        self.invoice.mapping_issues.push(issue);
    }

    /// Fills 收款人/复核人/开票人 from the remark, where 数电 invoices print them
    /// (`收款人:李蓉蓉;    复核人:周欣铭;`), crediting the remark's own source.
    pub fn people_from_remark(&mut self) {
        let Some(remark) = self.invoice.remark.clone() else {
            return;
        };
        let source = self
            .invoice
            .provenance
            .get("remark")
            .map_or_else(|| "remark".to_owned(), |p| p.field.to_string());
        let people = [
            ("收款人", Field::Payee),
            ("复核人", Field::Reviewer),
            ("开票人", Field::Issuer),
        ];
        for (label, field) in people {
            if let Some(name) = value_after_label(&remark, label) {
                self.set(field, name, source.clone());
            }
        }
    }

    /// Sets the kind from the printed title when no QR code told it.
    pub fn infer_kind_from_title(&mut self) {
        let inv = &mut self.invoice;
        if inv.kind != InvoiceKind::Unknown {
            return;
        }
        if let Some(kind) = inv
            .title
            .as_deref()
            .and_then(crate::domain::title::kind_from_title)
        {
            inv.kind = kind;
            inv.provenance
                .insert(Cow::Borrowed("kind"), Provenance::from_field("title"));
        }
    }

    /// The finished invoice.
    pub fn finish(self) -> Invoice {
        self.invoice
    }

    fn note(&mut self, path: Cow<'static, str>, filled: Filled, raw: &str, source: String) {
        match filled {
            Filled::Yes => {
                self.invoice
                    .provenance
                    .insert(path, Provenance::from_field(source));
            }
            Filled::AlreadySet => {}
            Filled::Invalid(error) => {
                let (field, value) = (path.into_owned(), raw.to_owned());
                let issue = MappingIssue::new(field, source, value, |lang| error.message(lang));
                self.invoice.mapping_issues.push(issue);
            }
        }
    }
}

/// What offering a value to a slot did.
enum Filled {
    Yes,
    AlreadySet,
    Invalid(NormalizeError),
}

fn fill<T>(
    slot: &mut Option<T>,
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, NormalizeError>,
) -> Filled {
    if slot.is_some() {
        return Filled::AlreadySet;
    }
    match parse(raw) {
        Ok(v) => {
            *slot = Some(v);
            Filled::Yes
        }
        Err(message) => Filled::Invalid(message),
    }
}

fn take<T>(slot: &mut Option<T>, value: Option<T>, field: &'static str, taken: &mut Vec<&str>) {
    if slot.is_none() && value.is_some() {
        *slot = value;
        taken.push(field);
    }
}

/// The slot of a text field; `None` for the typed (date, money) fields.
fn text_slot(inv: &mut Invoice, field: Field) -> Option<&mut Option<String>> {
    use Field::*;
    Some(match field {
        Title => &mut inv.title,
        Code => &mut inv.code,
        Number => &mut inv.number,
        CheckCode => &mut inv.check_code,
        MachineCode => &mut inv.machine_code,
        CipherText => &mut inv.cipher_text,
        BuyerName => &mut inv.buyer.name,
        BuyerTaxId => &mut inv.buyer.tax_id,
        BuyerAddressPhone => &mut inv.buyer.address_phone,
        BuyerBankAccount => &mut inv.buyer.bank_account,
        SellerName => &mut inv.seller.name,
        SellerTaxId => &mut inv.seller.tax_id,
        SellerAddressPhone => &mut inv.seller.address_phone,
        SellerBankAccount => &mut inv.seller.bank_account,
        TotalInWords => &mut inv.total_in_words,
        Payee => &mut inv.payee,
        Reviewer => &mut inv.reviewer,
        Issuer => &mut inv.issuer,
        Remark => &mut inv.remark,
        Date | Amount | Tax | Total => return None,
    })
}

/// The text after `label:` up to the next separator (`;`, `；`, `,`, whitespace).
fn value_after_label<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let (_, rest) = text.split_once(label)?;
    let rest = rest.strip_prefix([':', '：'])?;
    let end = rest
        .find(|c: char| matches!(c, ';' | '；' | ',' | '，') || c.is_whitespace())
        .unwrap_or(rest.len());
    rest.get(..end).filter(|v| !v.is_empty())
}

fn without_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    use super::*;
    use crate::invoice::TaxRate;

    #[test]
    fn first_writer_wins_and_provenance_follows_it() {
        let mut d = Draft::new();
        d.set(
            Field::Total,
            "¥526.00",
            "ofd-xml:TaxInclusiveTotalAmount".into(),
        );
        d.set(Field::Total, "999.00", "pdf-text:小写".into());
        let inv = d.finish();
        assert_eq!(inv.total, Some(Decimal::new(52600, 2)));
        assert_eq!(
            inv.provenance["total"].field,
            "ofd-xml:TaxInclusiveTotalAmount"
        );
        assert_eq!(inv.api, "local");
    }

    #[test]
    fn bad_values_become_mapping_issues_and_leave_the_field_empty() {
        let mut d = Draft::new();
        d.set(Field::Date, "2020年13月40日", "ofd-xml:IssueDate".into());
        d.set_item(0, ItemField::TaxRate, "13x", "ofd-xml:TaxScheme".into());
        let inv = d.finish();
        assert_eq!(inv.date, None);
        assert_eq!(inv.mapping_issues.len(), 2);
        assert_eq!(inv.mapping_issues[1].field, "items[0].tax_rate");
    }

    #[test]
    fn typed_values_parse_from_printed_forms() {
        let mut d = Draft::new();
        d.set(Field::Date, "2020年07月23日", "a".into());
        d.set(Field::CheckCode, "16197 83356 74145 07415", "b".into());
        d.set_item(1, ItemField::Tax, "***", "c".into());
        d.set_item(1, ItemField::TaxRate, "免税", "c".into());
        let inv = d.finish();
        assert_eq!(inv.date, NaiveDate::from_ymd_opt(2020, 7, 23));
        assert_eq!(inv.check_code.as_deref(), Some("16197833567414507415"));
        assert_eq!(inv.items.len(), 2);
        assert_eq!(inv.items[1].tax, Some(Decimal::ZERO));
        assert_eq!(inv.items[1].tax_rate, Some(TaxRate::Exempt));
        assert!(inv.provenance.contains_key("items[1].tax"));
    }

    #[test]
    fn people_printed_in_the_remark_fill_empty_fields_only() {
        let mut d = Draft::new();
        d.set(
            Field::Remark,
            "收款人:李蓉蓉;    复核人:周欣铭;",
            "ofd-tags:Note".into(),
        );
        d.set(Field::Payee, "王五", "ofd-xml:Payee".into());
        d.people_from_remark();
        let inv = d.finish();
        assert_eq!(inv.payee.as_deref(), Some("王五"));
        assert_eq!(inv.reviewer.as_deref(), Some("周欣铭"));
        assert_eq!(inv.provenance["reviewer"].field, "ofd-tags:Note");
        assert_eq!(inv.issuer, None);
    }

    #[test]
    fn qr_fills_only_what_is_missing() {
        let qr = InvoiceQr::parse("01,31,,24112000000048542163,4449.00,20240528,,B2B6").unwrap();
        let mut d = Draft::new();
        d.set(
            Field::Number,
            "24112000000048542163",
            "ofd-tags:InvoiceNo".into(),
        );
        d.merge_qr(&qr);
        let inv = d.finish();
        assert_eq!(inv.kind, InvoiceKind::DigitalSpecial);
        assert_eq!(inv.provenance["number"].field, "ofd-tags:InvoiceNo");
        assert_eq!(inv.provenance["total"].field, "qr:f4");
        assert_eq!(inv.total, Some(Decimal::new(444900, 2)));
        assert_eq!(inv.qr_payload.as_deref(), Some(qr.raw()));
    }

    #[test]
    fn text_wins_a_disagreement_and_the_qr_stays_for_the_validator() {
        let qr = InvoiceQr::parse("01,32,,25417000000256819006,90.00,20251108,,DB92").unwrap();
        let mut d = Draft::new();
        d.set(Field::Total, "100.00", "pdf-text".into());
        d.merge_qr(&qr);
        let inv = d.finish();
        assert_eq!(inv.total, Some(Decimal::new(10000, 2)));
        assert_eq!(inv.qr_payload.as_deref(), Some(qr.raw()));
        let finding = inv.validate().into_iter().find(|f| f.code == "qr.amount");
        let message = finding.map(|f| f.message).unwrap_or_default();
        assert!(
            message.contains("100.00") && message.contains("90.00"),
            "{message}"
        );
    }

    #[test]
    fn link_qr_fills_fields() {
        let qr =
            InvoiceQr::parse("http://einvoice.jsczt.cn/page/32020124/0007445174/RolVjv").unwrap();
        let mut d = Draft::new();
        d.merge_qr(&qr);
        let inv = d.finish();
        assert_eq!(inv.code.as_deref(), Some("32020124"));
        assert_eq!(inv.number.as_deref(), Some("0007445174"));
        assert_eq!(inv.check_code.as_deref(), Some("RolVjv"));
        assert_eq!(inv.provenance["number"].field, "qr:url:path[2]");
    }
}
