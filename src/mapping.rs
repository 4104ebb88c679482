//! The runtime half of the spec mappings: generated `to_invoices()` code walks a typed
//! vendor payload and hands every value here, with its unified target, its provenance and
//! the spec's normalizer chain. This module parses, records provenance, keeps unmapped
//! vendor fields in `extra`, and turns unreadable values into [`MappingIssue`]s instead of
//! panicking or silently dropping them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Display;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::TaxRate;
use crate::invoice::{
    FlightSegment, Invoice, InvoiceKind, LineItem, MappingIssue, Point, Polygon, Provenance,
};
use crate::lang::Phrase;
use crate::normalize::{self, NormalizeError};

/// A vendor value on its way into the model: its text and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<'a> {
    /// The value as the vendor sent it.
    pub text: Cow<'a, str>,
    /// Vendor field it came from.
    pub field: &'static str,
    /// Its position in the image, when the vendor gives one.
    pub polygon: Option<Polygon>,
    /// The vendor's confidence, when given.
    pub confidence: Option<f64>,
}

/// A string field's value.
pub fn found<'a>(value: Option<&'a String>, field: &'static str) -> Option<Found<'a>> {
    value.map(|v| Found {
        text: Cow::Borrowed(v.as_str()),
        field,
        polygon: None,
        confidence: None,
    })
}

/// A number or boolean field's value, as text.
pub fn found_value<T: Display>(value: Option<&T>, field: &'static str) -> Option<Found<'static>> {
    value.map(|v| Found {
        text: Cow::Owned(v.to_string()),
        field,
        polygon: None,
        confidence: None,
    })
}

/// A list of scalars (e.g. the texts read from one seal), joined with `; `; `None` when the
/// list has no non-empty element.
pub fn found_list<T: Display>(
    values: Option<&Vec<T>>,
    field: &'static str,
) -> Option<Found<'static>> {
    joined(
        values?.iter().map(|v| Cow::Owned(v.to_string())),
        "; ",
        field,
    )
}

/// A constant from the spec.
pub fn constant(value: &'static str) -> Option<Found<'static>> {
    Some(Found {
        text: Cow::Borrowed(value),
        field: "const",
        polygon: None,
        confidence: None,
    })
}

/// The non-empty parts joined with `sep` (e.g. the four cipher rows); `None` when all are
/// empty.
pub fn join<'a, const N: usize>(
    parts: [Option<Found<'a>>; N],
    sep: &str,
    field: &'static str,
) -> Option<Found<'a>> {
    joined(parts.into_iter().flatten().map(|p| p.text), sep, field)
}

/// The non-blank `texts` joined with `sep`; `None` when all are blank.
fn joined<'a>(
    texts: impl Iterator<Item = Cow<'a, str>>,
    sep: &str,
    field: &'static str,
) -> Option<Found<'a>> {
    let texts: Vec<Cow<'a, str>> = texts.filter(|t| !t.trim().is_empty()).collect();
    (!texts.is_empty()).then(|| Found {
        text: Cow::Owned(texts.join(sep)),
        field,
        polygon: None,
        confidence: None,
    })
}

/// The first part with a non-empty value.
pub fn first<'a, const N: usize>(parts: [Option<Found<'a>>; N]) -> Option<Found<'a>> {
    parts
        .into_iter()
        .flatten()
        .find(|p| !p.text.trim().is_empty())
}

/// A vendor type that carries one point.
pub trait AsPoint {
    /// The point, when both coordinates are present.
    fn point(&self) -> Option<Point>;
}

/// A vendor type that carries a field's outline.
pub trait AsPolygon {
    /// The outline, when complete.
    fn polygon(&self) -> Option<Polygon>;
}

/// A vendor coordinate (integer or float pixels).
pub trait Coordinate: Copy {
    /// Rounded to whole pixels.
    fn pixels(self) -> i64;
}

impl Coordinate for i64 {
    fn pixels(self) -> i64 {
        self
    }
}

impl Coordinate for f64 {
    fn pixels(self) -> i64 {
        // Saturating float-to-int conversion: NaN becomes 0, huge values clamp.
        self.round() as i64
    }
}

/// A point from two optional coordinates.
pub fn point<C: Coordinate>(x: Option<C>, y: Option<C>) -> Option<Point> {
    Some(Point {
        x: x?.pixels(),
        y: y?.pixels(),
    })
}

/// An outline from an axis-aligned rectangle.
pub fn rect<C: Coordinate>(
    x: Option<C>,
    y: Option<C>,
    width: Option<C>,
    height: Option<C>,
) -> Option<Polygon> {
    let (width, height) = (width?.pixels(), height?.pixels());
    // Vendors send an all-zero box for fields they located nowhere.
    if width == 0 && height == 0 {
        return None;
    }
    Some(Polygon::from_rect(x?.pixels(), y?.pixels(), width, height))
}

/// An outline from four corners (left-top, right-top, right-bottom, left-bottom).
pub fn quad(points: [Option<Point>; 4]) -> Option<Polygon> {
    let [a, b, c, d] = points;
    Some(Polygon([a?, b?, c?, d?]))
}

/// A normalizer of the spec library (see `specs/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// Trim whitespace.
    Trim,
    /// Remove a prefix when present.
    StripPrefix(&'static str),
    /// Remove a suffix when present.
    StripSuffix(&'static str),
    /// Keep ASCII digits only.
    Digits,
    /// Look the value up in a code table (full-width brackets and spaces ignored).
    Table(&'static [(&'static str, &'static str)]),
    /// Parse money.
    Money,
    /// Parse a decimal quantity or price.
    Decimal,
    /// Parse a tax rate.
    Rate,
    /// Parse a date.
    Date,
    /// Parse a time of day.
    Time,
    /// Parse a yes/no mark.
    Flag,
    /// Parse a 大写 amount.
    AmountWords,
    /// The invoice kind a printed title names (`上海增值税普通发票` → `vat_general`).
    TitleKind,
}

/// A value after normalisation.
#[derive(Debug, Clone, PartialEq)]
enum Value<'a> {
    /// Text stays borrowed from the payload until a field keeps it.
    Text(Cow<'a, str>),
    Money(Decimal),
    Rate(TaxRate),
    Date(NaiveDate),
    Time(NaiveTime),
    Flag(bool),
}

/// `s` without whitespace and with ASCII brackets — vendors vary both in labels and codes.
/// Borrowed when there is nothing to change, which is nearly always.
fn canonical(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| c.is_whitespace() || c == '（' || c == '）')
    {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c,
            })
            .collect(),
    )
}

fn apply(norm: Norm, value: Value<'_>) -> Result<Value<'_>, NormalizeError> {
    let Value::Text(text) = value else {
        // The generator refuses chains that apply a text normalizer after a typed one.
        return Ok(value);
    };
    Ok(match norm {
        Norm::Trim => Value::Text(normalize::trim(&text)?.into()),
        Norm::StripPrefix(p) => Value::Text(normalize::strip_prefix(&text, p)?.into()),
        Norm::StripSuffix(s) => Value::Text(normalize::strip_suffix(&text, s)?.into()),
        Norm::Digits => Value::Text(normalize::digits(&text)?.into()),
        Norm::Table(table) => {
            // Table keys are written canonical; the generator checks every spec.
            let key = canonical(&text);
            match table.iter().find(|(k, _)| *k == key) {
                Some((_, v)) => Value::Text(Cow::Borrowed(v)),
                None => {
                    return Err(NormalizeError {
                        input: text.into_owned(),
                        expected: Phrase::new(
                            "a value listed in the code table",
                            "代码表中列出的值",
                        ),
                    });
                }
            }
        }
        Norm::Money => Value::Money(normalize::money(&text)?),
        Norm::Decimal => Value::Money(normalize::quantity(&text)?),
        Norm::Rate => Value::Rate(normalize::rate(&text)?),
        Norm::Date => Value::Date(normalize::date(&text)?),
        Norm::Time => Value::Time(normalize::time(&text)?),
        Norm::Flag => Value::Flag(normalize::flag(&text)?),
        Norm::AmountWords => Value::Money(normalize::amount_words(&text)?),
        Norm::TitleKind => match crate::domain::title::kind_from_title(&text) {
            Some(kind) => Value::Text(Cow::Borrowed(kind.id())),
            None => {
                return Err(NormalizeError {
                    input: text.into_owned(),
                    expected: Phrase::new("an invoice title naming its kind", "写明发票种类的标题"),
                });
            }
        },
    })
}

/// The chain, then the target type's default parser when the chain ends in text. `text` is
/// trimmed and not empty.
fn normalize_for<'a>(
    kind: SlotKind,
    text: &'a str,
    norms: &[Norm],
) -> Result<Value<'a>, NormalizeError> {
    let mut value = Value::Text(Cow::Borrowed(text));
    for n in norms {
        value = apply(*n, value)?;
    }
    let default = match kind {
        SlotKind::Text | SlotKind::Kind => None,
        SlotKind::Money => Some(Norm::Money),
        SlotKind::Decimal => Some(Norm::Decimal),
        SlotKind::Rate => Some(Norm::Rate),
        SlotKind::Date => Some(Norm::Date),
        SlotKind::Time => Some(Norm::Time),
        SlotKind::Flag => Some(Norm::Flag),
    };
    match (default, &value) {
        (Some(n), Value::Text(_)) => apply(n, value),
        _ => Ok(value),
    }
}

/// The type of value a model slot holds; decides the default parser of a chain.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    Text,
    Money,
    Decimal,
    Rate,
    Date,
    Time,
    Flag,
    Kind,
}

/// A place in a model struct that one target fills.
enum Slot<'m> {
    Text(&'m mut Option<String>),
    Money(&'m mut Option<Decimal>),
    Rate(&'m mut Option<TaxRate>),
    Date(&'m mut Option<NaiveDate>),
    Time(&'m mut Option<NaiveTime>),
    Flag(&'m mut Option<bool>),
    Kind(&'m mut InvoiceKind),
}

/// Stores `value` in `slot`; an error when the value does not fit (e.g. an unknown kind id).
fn store(slot: Slot<'_>, value: Value<'_>) -> Result<(), NormalizeError> {
    match (slot, value) {
        (Slot::Text(s), Value::Text(v)) => *s = Some(v.into_owned()),
        (Slot::Money(s), Value::Money(v)) => *s = Some(v),
        (Slot::Rate(s), Value::Rate(v)) => *s = Some(v),
        (Slot::Date(s), Value::Date(v)) => *s = Some(v),
        (Slot::Time(s), Value::Time(v)) => *s = Some(v),
        (Slot::Flag(s), Value::Flag(v)) => *s = Some(v),
        (Slot::Kind(s), Value::Text(v)) => match InvoiceKind::from_id(&v) {
            Some(k) => *s = k,
            None => {
                return Err(NormalizeError {
                    input: v.into_owned(),
                    expected: Phrase::new("an invoice kind id", "发票种类标识"),
                });
            }
        },
        (_, v) => {
            return Err(NormalizeError {
                input: format!("{v:?}"),
                expected: Phrase::new("a value of this field's type", "符合该字段类型的值"),
            });
        }
    }
    Ok(())
}

/// Something a list of the model is made of, filled field by field.
pub trait ListTarget: Copy {
    /// The element type.
    type Element: Default;
    /// Unified path of the list (`items`).
    const LIST: &'static str;
    /// Unified name of the field within an element.
    fn id(self) -> &'static str;
    /// The type of value the field holds.
    #[doc(hidden)]
    fn kind(self) -> SlotKind;
    /// The slot of this field in an element.
    #[doc(hidden)]
    fn slot(self, element: &mut Self::Element) -> SlotRef<'_>;
    /// The invoice's list of such elements.
    fn list(invoice: &mut Invoice) -> &mut Vec<Self::Element>;
    /// The element's vendor fields no mapping claimed.
    fn extra(element: &mut Self::Element) -> &mut BTreeMap<String, serde_json::Value>;
}

/// Opaque handle to a model slot (lets [`ListTarget`] implementors name slots without
/// exposing the internal value types).
#[doc(hidden)]
pub struct SlotRef<'m>(Slot<'m>);

macro_rules! targets {
    (
        $(#[$doc:meta])* $name:ident for $owner:ty {
            $( $variant:ident = $id:literal => $kind:ident($($path:tt)+) ),* $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                #[doc = concat!("`", $id, "`")]
                $variant,
            )*
        }

        impl $name {
            /// Every target.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The unified field path, as specs write it.
            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $id,)* }
            }

            fn slot(self, x: &mut $owner) -> Slot<'_> {
                match self { $($name::$variant => Slot::$kind(&mut x.$($path)+),)* }
            }

            fn kind(self) -> SlotKind {
                match self { $($name::$variant => SlotKind::$kind,)* }
            }
        }
    };
}

targets! {
    /// A scalar field of [`Invoice`] a mapping can fill.
    Target for Invoice {
        Kind = "kind" => Kind(kind),
        Title = "title" => Text(title),
        Code = "code" => Text(code),
        Number = "number" => Text(number),
        Date = "date" => Date(date),
        CheckCode = "check_code" => Text(check_code),
        MachineCode = "machine_code" => Text(machine_code),
        BuyerName = "buyer.name" => Text(buyer.name),
        BuyerTaxId = "buyer.tax_id" => Text(buyer.tax_id),
        BuyerAddressPhone = "buyer.address_phone" => Text(buyer.address_phone),
        BuyerBankAccount = "buyer.bank_account" => Text(buyer.bank_account),
        SellerName = "seller.name" => Text(seller.name),
        SellerTaxId = "seller.tax_id" => Text(seller.tax_id),
        SellerAddressPhone = "seller.address_phone" => Text(seller.address_phone),
        SellerBankAccount = "seller.bank_account" => Text(seller.bank_account),
        Amount = "amount" => Money(amount),
        Tax = "tax" => Money(tax),
        Total = "total" => Money(total),
        TotalInWords = "total_in_words" => Text(total_in_words),
        Payee = "payee" => Text(payee),
        Reviewer = "reviewer" => Text(reviewer),
        Issuer = "issuer" => Text(issuer),
        Remark = "remark" => Text(remark),
        Province = "province" => Text(province),
        City = "city" => Text(city),
        SealCompany = "seals.company" => Flag(seals.company),
        SealCompanyText = "seals.company_text" => Text(seals.company_text),
        SealSupervision = "seals.supervision" => Flag(seals.supervision),
        SealSupervisionText = "seals.supervision_text" => Text(seals.supervision_text),
        CipherText = "cipher_text" => Text(cipher_text),
        QrPayload = "qr_payload" => Text(qr_payload),
        Passenger = "ticket.passenger" => Text(ticket.passenger),
        PassengerId = "ticket.passenger_id" => Text(ticket.passenger_id),
        TrainNumber = "ticket.train_number" => Text(ticket.train_number),
        Departure = "ticket.departure" => Text(ticket.departure),
        Arrival = "ticket.arrival" => Text(ticket.arrival),
        TravelDate = "ticket.travel_date" => Date(ticket.travel_date),
        Time = "ticket.time" => Time(ticket.time),
        SeatClass = "ticket.seat_class" => Text(ticket.seat_class),
        SeatNumber = "ticket.seat_number" => Text(ticket.seat_number),
        SerialNumber = "ticket.serial_number" => Text(ticket.serial_number),
        Entrance = "ticket.entrance" => Text(ticket.entrance),
        Exit = "ticket.exit" => Text(ticket.exit),
        LicensePlate = "ticket.license_plate" => Text(ticket.license_plate),
        Mileage = "ticket.mileage" => Text(ticket.mileage),
        FuelSurcharge = "ticket.fuel_surcharge" => Money(ticket.fuel_surcharge),
        AirportFee = "ticket.airport_fee" => Money(ticket.airport_fee),
    }
}

targets! {
    /// A field of a [`LineItem`] a mapping can fill.
    ItemTarget for LineItem {
        Name = "name" => Text(name),
        Spec = "spec" => Text(spec),
        Unit = "unit" => Text(unit),
        Quantity = "quantity" => Money(quantity),
        UnitPrice = "unit_price" => Money(unit_price),
        Amount = "amount" => Money(amount),
        TaxRate = "tax_rate" => Rate(tax_rate),
        Tax = "tax" => Money(tax),
    }
}

targets! {
    /// A field of a [`FlightSegment`] a mapping can fill.
    FlightTarget for FlightSegment {
        From = "from" => Text(from),
        To = "to" => Text(to),
        Carrier = "carrier" => Text(carrier),
        FlightNumber = "flight_number" => Text(flight_number),
        SeatClass = "seat_class" => Text(seat_class),
        Date = "date" => Date(date),
        Time = "time" => Time(time),
    }
}

macro_rules! list_target {
    ($target:ident, $element:ty, $list:literal, $($path:ident).+) => {
        impl ListTarget for $target {
            type Element = $element;
            const LIST: &'static str = $list;

            fn id(self) -> &'static str {
                $target::id(self)
            }

            fn kind(self) -> SlotKind {
                $target::kind(self)
            }

            fn slot(self, element: &mut $element) -> SlotRef<'_> {
                SlotRef($target::slot(self, element))
            }

            fn list(invoice: &mut Invoice) -> &mut Vec<$element> {
                &mut invoice.$($path).+
            }

            fn extra(element: &mut $element) -> &mut BTreeMap<String, serde_json::Value> {
                &mut element.extra
            }
        }
    };
}

list_target!(ItemTarget, LineItem, "items", items);
list_target!(
    FlightTarget,
    FlightSegment,
    "ticket.flights",
    ticket.flights
);

/// A name/value list of labelled fields (Tencent `VatInvoiceInfos`, legacy `items`).
#[derive(Debug, Default)]
pub struct Labels<'a> {
    entries: Vec<LabelEntry<'a>>,
    /// Every entry's name as [`canonical`] makes it, in entry order; computed at the first
    /// lookup that finds no exact match (most never need it).
    keys: Option<Vec<Cow<'a, str>>>,
}

#[derive(Debug)]
struct LabelEntry<'a> {
    name: &'a str,
    value: &'a str,
    polygon: Option<Polygon>,
    confidence: Option<f64>,
    taken: bool,
}

impl<'a> Labels<'a> {
    /// An empty list.
    pub fn new() -> Labels<'a> {
        Labels::default()
    }

    /// Adds one entry (entries without a name are ignored).
    pub fn push(
        &mut self,
        name: Option<&'a str>,
        value: Option<&'a str>,
        polygon: Option<Polygon>,
        confidence: Option<f64>,
    ) {
        if let Some(name) = name {
            self.entries.push(LabelEntry {
                name,
                value: value.unwrap_or(""),
                polygon,
                confidence,
                taken: false,
            });
            self.keys = None;
        }
    }

    /// The value of the first entry with this label, marking it used. Entry names are compared
    /// ignoring whitespace and full-width brackets, since vendors vary both; `label` must
    /// already be in that form (no whitespace, ASCII brackets), which the generator checks in
    /// every spec.
    pub fn take(&mut self, label: &str, field: &'static str) -> Option<Found<'a>> {
        let exact = self.entries.iter().position(|e| e.name == label);
        let index = exact.or_else(|| {
            let entries = &self.entries;
            let keys = self
                .keys
                .get_or_insert_with(|| entries.iter().map(|e| canonical(e.name)).collect());
            keys.iter().position(|k| *k == label)
        })?;
        let entry = self.entries.get_mut(index)?;
        entry.taken = true;
        Some(Found {
            text: Cow::Borrowed(entry.value),
            field,
            polygon: entry.polygon,
            confidence: entry.confidence,
        })
    }
}

/// Pivots parallel column arrays of `{row, value}` cells into rows (Baidu sends each line-item
/// column as its own array). Cells of one row and column are joined in arrival order, since a
/// wrapped item name arrives as several cells with the same row key.
#[derive(Debug)]
pub struct Pivot<'a> {
    columns: usize,
    rows: Vec<(&'a str, Vec<Vec<&'a str>>)>,
}

/// One pivoted row.
#[derive(Debug)]
pub struct PivotRow {
    cells: Vec<String>,
}

impl<'a> Pivot<'a> {
    /// An empty pivot of `columns` columns.
    pub fn new(columns: usize) -> Pivot<'a> {
        Pivot {
            columns,
            rows: Vec::new(),
        }
    }

    /// Adds a cell (cells without a row key or value are ignored).
    pub fn add(&mut self, column: usize, row: Option<&'a str>, value: Option<&'a str>) {
        let (Some(row), Some(value)) = (row, value) else {
            return;
        };
        if column >= self.columns {
            return;
        }
        let index = match self.rows.iter().position(|(r, _)| *r == row) {
            Some(i) => i,
            None => {
                self.rows.push((row, vec![Vec::new(); self.columns]));
                self.rows.len() - 1
            }
        };
        if let Some(cells) = self
            .rows
            .get_mut(index)
            .and_then(|(_, c)| c.get_mut(column))
        {
            cells.push(value);
        }
    }

    /// The rows, ordered by numeric row key (then by key text).
    pub fn rows(mut self) -> Vec<PivotRow> {
        self.rows.sort_by(|(a, _), (b, _)| {
            let key = |s: &str| s.trim().parse::<u64>().ok();
            key(a).cmp(&key(b)).then_with(|| a.cmp(b))
        });
        self.rows
            .into_iter()
            .map(|(_, columns)| PivotRow {
                cells: columns.into_iter().map(|c| c.concat()).collect(),
            })
            .collect()
    }
}

impl PivotRow {
    /// The value of one column in this row.
    pub fn cell(&self, column: usize, field: &'static str) -> Option<Found<'_>> {
        self.cells.get(column).map(|text| Found {
            text: Cow::Borrowed(text.as_str()),
            field,
            polygon: None,
            confidence: None,
        })
    }
}

/// Builds one [`Invoice`] from mapped values.
#[derive(Debug)]
pub struct Mapper {
    invoice: Invoice,
}

impl Mapper {
    /// A mapper for an invoice from `api`.
    pub fn new(api: &'static str) -> Mapper {
        Mapper {
            invoice: Invoice {
                api: api.to_owned(),
                ..Invoice::default()
            },
        }
    }

    /// Normalises `value` and stores it in `target`; empty values are "not provided", bad
    /// ones become a [`MappingIssue`].
    pub fn set(&mut self, target: Target, value: Option<Found<'_>>, norms: &[Norm]) {
        let Some(found) = value else {
            return;
        };
        let text = found.text.trim();
        if text.is_empty() {
            return;
        }
        match normalize_for(target.kind(), text, norms) {
            Ok(v) => match store(target.slot(&mut self.invoice), v) {
                Ok(()) => {
                    self.invoice
                        .provenance
                        .insert(Cow::Borrowed(target.id()), provenance(&found));
                }
                Err(e) => self.issue(target.id().to_owned(), &found, &e),
            },
            Err(e) => self.issue(target.id().to_owned(), &found, &e),
        }
    }

    /// Sets the invoice kind decided by the document's variant.
    pub fn set_kind(&mut self, kind: InvoiceKind) {
        self.invoice.kind = kind;
    }

    /// Keeps an unmapped vendor field in `extra` when it holds something.
    pub fn extra<T: Serialize + ?Sized>(&mut self, key: &'static str, value: Option<&T>) {
        insert_extra(&mut self.invoice.extra, key, value);
    }

    /// Keeps an unmapped vendor text field in `extra` when it is not blank (what
    /// [`extra`](Self::extra) does, without serialising blanks first).
    pub fn extra_text(&mut self, key: &'static str, value: Option<&str>) {
        insert_text(&mut self.invoice.extra, key, value);
    }

    /// Keeps the labelled entries no mapping took (and that have a value) in `extra`.
    pub fn extra_labels(&mut self, labels: Labels<'_>, list: &str) {
        for e in labels.entries.into_iter().filter(|e| !e.taken) {
            if !e.value.trim().is_empty() {
                self.invoice.extra.insert(
                    concat(&[list, "[", e.name, "]"]),
                    serde_json::Value::String(e.value.to_owned()),
                );
            }
        }
    }

    /// Appends a finished list element (line item, flight segment).
    pub fn push<T: ListTarget>(&mut self, list: ListMapper<T>) {
        let index = T::list(&mut self.invoice).len();
        for (field, prov) in list.provenance {
            self.invoice
                .provenance
                .insert(Cow::Owned(element_path(T::LIST, index, field)), prov);
        }
        for mut issue in list.issues {
            issue.field = element_path(T::LIST, index, &issue.field);
            self.invoice.mapping_issues.push(issue);
        }
        T::list(&mut self.invoice).push(list.element);
    }

    /// The finished invoice.
    pub fn finish(self) -> Invoice {
        self.invoice
    }

    fn issue(&mut self, field: String, found: &Found<'_>, message: &NormalizeError) {
        self.invoice
            .mapping_issues
            .push(issue(field, found, message));
    }
}

/// Builds one list element (a line item, a flight segment).
#[derive(Debug)]
pub struct ListMapper<T: ListTarget> {
    element: T::Element,
    provenance: Vec<(&'static str, Provenance)>,
    issues: Vec<MappingIssue>,
}

impl<T: ListTarget> Default for ListMapper<T> {
    fn default() -> Self {
        ListMapper {
            element: T::Element::default(),
            provenance: Vec::new(),
            issues: Vec::new(),
        }
    }
}

impl<T: ListTarget> ListMapper<T> {
    /// An empty element.
    pub fn new() -> ListMapper<T> {
        ListMapper::default()
    }

    /// Normalises and stores one field of the element.
    pub fn set(&mut self, target: T, value: Option<Found<'_>>, norms: &[Norm]) {
        let Some(found) = value else {
            return;
        };
        let text = found.text.trim();
        if text.is_empty() {
            return;
        }
        let result = normalize_for(target.kind(), text, norms)
            .and_then(|v| store(target.slot(&mut self.element).0, v));
        match result {
            Ok(()) => self.provenance.push((target.id(), provenance(&found))),
            Err(e) => self.issues.push(issue(target.id().to_owned(), &found, &e)),
        }
    }
}

impl<T: ListTarget> ListMapper<T> {
    /// Keeps an unmapped vendor field of the element in the element's `extra`.
    pub fn extra<V: Serialize + ?Sized>(&mut self, key: &'static str, value: Option<&V>) {
        insert_extra(T::extra(&mut self.element), key, value);
    }

    /// Keeps an unmapped vendor text field of the element when it is not blank.
    pub fn extra_text(&mut self, key: &'static str, value: Option<&str>) {
        insert_text(T::extra(&mut self.element), key, value);
    }
}

/// Joins parts into one string. Keys are built per invoice field, so this avoids the
/// formatting machinery on the mapping's hot path.
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `items[3].amount`.
fn element_path(list: &str, index: usize, field: &str) -> String {
    let mut digits = [0u8; 20];
    let mut n = index;
    let mut start = digits.len();
    loop {
        start -= 1;
        // `n % 10` is below 10, so the cast cannot truncate.
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let index = std::str::from_utf8(&digits[start..]).unwrap_or("0");
    concat(&[list, "[", index, "].", field])
}

fn provenance(found: &Found<'_>) -> Provenance {
    Provenance {
        field: Cow::Borrowed(found.field),
        confidence: found.confidence,
        polygon: found.polygon,
    }
}

fn issue(field: String, found: &Found<'_>, error: &NormalizeError) -> MappingIssue {
    let (source, value) = (found.field.to_owned(), found.text.clone().into_owned());
    MappingIssue::new(field, source, value, |lang| error.message(lang))
}

/// Keeps the JSON of an unmapped value worth keeping (not absent, null or blank).
fn insert_extra<T: Serialize + ?Sized>(
    extra: &mut BTreeMap<String, serde_json::Value>,
    key: &str,
    value: Option<&T>,
) {
    let Some(json) = value.and_then(|v| serde_json::to_value(v).ok()) else {
        return;
    };
    if !is_empty(&json) {
        extra.insert(key.to_owned(), json);
    }
}

/// [`insert_extra`] for text: blank values are dropped before anything is allocated.
fn insert_text(extra: &mut BTreeMap<String, serde_json::Value>, key: &str, value: Option<&str>) {
    if let Some(text) = value.filter(|t| !t.trim().is_empty()) {
        extra.insert(key.to_owned(), serde_json::Value::String(text.to_owned()));
    }
}

fn is_empty(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => s.trim().is_empty(),
        serde_json::Value::Array(a) => a.iter().all(is_empty),
        serde_json::Value::Object(o) => o.values().all(is_empty),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        v.to_owned()
    }

    #[test]
    fn values_are_normalised_into_their_targets_with_provenance() {
        let total = s("¥89.90");
        let date = s("2019年06月16日");
        let mut m = Mapper::new("test.api");
        m.set(Target::Total, found(Some(&total), "Total"), &[]);
        m.set(Target::Date, found(Some(&date), "Date"), &[]);
        m.set(Target::Kind, constant("vat_general"), &[]);
        let inv = m.finish();
        assert_eq!(inv.total, Some(Decimal::new(8990, 2)));
        assert_eq!(inv.date, NaiveDate::from_ymd_opt(2019, 6, 16));
        assert_eq!(inv.kind, InvoiceKind::VatGeneral);
        assert_eq!(inv.provenance["total"].field, "Total");
        assert!(inv.mapping_issues.is_empty());
    }

    #[test]
    fn labels_find_entries_whatever_their_whitespace_and_bracket_width() {
        let names = [
            "发票\u{3000}代码",
            "发票号码\t",
            "\u{2003}金额（小写）",
            "价税合计\u{a0}(大写)",
            "合计「税额」",
        ];
        let mut labels = Labels::new();
        for (i, name) in names.iter().enumerate() {
            labels.push(Some(name), Some(["a", "b", "c", "d", "e"][i]), None, None);
        }
        let wanted = [
            "发票代码",
            "发票号码",
            "金额(小写)",
            "价税合计(大写)",
            "合计「税额」",
        ];
        for (label, value) in wanted.into_iter().zip(["a", "b", "c", "d", "e"]) {
            let found = labels.take(label, "L");
            assert_eq!(found.map(|f| f.text), Some(Cow::Borrowed(value)), "{label}");
        }
        assert!(
            labels.take("金额（小写）", "L").is_none(),
            "labels come canonical"
        );
    }

    #[test]
    fn a_target_stored_twice_keeps_the_last_value_and_its_provenance() {
        let (first, second, code) = (s("1.00"), s("2.00"), s("044001900111"));
        let mut m = Mapper::new("test.api");
        m.set(Target::Total, found(Some(&first), "First"), &[]);
        m.set(Target::Code, found(Some(&code), "Code"), &[]);
        m.set(Target::Total, found(Some(&second), "Second"), &[]);
        let inv = m.finish();
        assert_eq!(inv.total, Some(Decimal::new(200, 2)));
        assert_eq!(inv.provenance["total"].field, "Second");
        assert_eq!(inv.provenance["code"].field, "Code");
        assert_eq!(inv.provenance.len(), 2);
    }

    #[test]
    fn a_malformed_value_becomes_an_issue_not_a_zero() {
        let bad = s("¥8x.2");
        let mut m = Mapper::new("test.api");
        m.set(Target::Total, found(Some(&bad), "Total"), &[]);
        let inv = m.finish();
        assert_eq!(inv.total, None);
        assert_eq!(inv.mapping_issues.len(), 1);
        assert_eq!(inv.mapping_issues[0].field, "total");
        assert_eq!(inv.mapping_issues[0].value, "¥8x.2");
    }

    #[test]
    fn empty_values_are_not_provided() {
        let empty = s("  ");
        let mut m = Mapper::new("test.api");
        m.set(Target::Code, found(Some(&empty), "Code"), &[]);
        let inv = m.finish();
        assert_eq!(inv.code, None);
        assert!(inv.provenance.is_empty() && inv.mapping_issues.is_empty());
    }

    #[test]
    fn blank_text_extras_are_dropped_and_others_kept_as_strings() {
        let mut m = Mapper::new("test.api");
        m.extra_text("Blank", Some(" "));
        m.extra_text("Absent", None);
        m.extra_text("Kept", Some("x"));
        m.extra("Same", Some(&s("x")));
        let inv = m.finish();
        assert_eq!(inv.extra.keys().collect::<Vec<_>>(), ["Kept", "Same"]);
        assert_eq!(inv.extra["Kept"], inv.extra["Same"]);
    }

    #[test]
    fn tables_match_ignoring_bracket_width() {
        const T: &[(&str, &str)] = &[("电子发票(普通发票)", "digital_general")];
        let v = s("电子发票（普通发票）");
        let mut m = Mapper::new("test.api");
        m.set(Target::Kind, found(Some(&v), "k"), &[Norm::Table(T)]);
        assert_eq!(m.finish().kind, InvoiceKind::DigitalGeneral);
        let unknown = s("别的");
        let mut m = Mapper::new("test.api");
        m.set(Target::Kind, found(Some(&unknown), "k"), &[Norm::Table(T)]);
        let inv = m.finish();
        assert_eq!(inv.kind, InvoiceKind::Unknown);
        assert_eq!(inv.mapping_issues.len(), 1);
    }

    #[test]
    fn labels_are_taken_once_and_leftovers_kept() {
        let (n1, v1, n2, v2) = (s("发票代码"), s("012001100311"), s("二维码"), s("0"));
        let mut labels = Labels::new();
        labels.push(Some(&n1), Some(&v1), None, Some(0.9));
        labels.push(Some(&n2), Some(&v2), None, None);
        let mut m = Mapper::new("test.api");
        m.set(Target::Code, labels.take("发票代码", "L[发票代码]"), &[]);
        m.extra_labels(labels, "L");
        let inv = m.finish();
        assert_eq!(inv.code.as_deref(), Some("012001100311"));
        assert_eq!(inv.provenance["code"].confidence, Some(0.9));
        assert_eq!(inv.extra["L[二维码]"], serde_json::json!("0"));
        assert!(!inv.extra.contains_key("L[发票代码]"));
    }

    #[test]
    fn list_elements_carry_indexed_provenance() {
        let (name, rate) = (s("客运服务费"), s("3%"));
        let mut m = Mapper::new("test.api");
        let mut it = ListMapper::<ItemTarget>::new();
        it.set(ItemTarget::Name, found(Some(&name), "Items[].Name"), &[]);
        it.set(
            ItemTarget::TaxRate,
            found(Some(&rate), "Items[].TaxRate"),
            &[],
        );
        it.extra("LineNo", Some("1"));
        m.push(it);
        let inv = m.finish();
        assert_eq!(
            inv.items[0].tax_rate,
            Some(TaxRate::Percent(Decimal::new(3, 0)))
        );
        assert_eq!(inv.items[0].extra["LineNo"], serde_json::json!("1"));
        assert_eq!(inv.provenance["items[0].tax_rate"].field, "Items[].TaxRate");
    }

    #[test]
    fn join_and_first_skip_empty_parts() {
        let (a, b, e) = (s("033-<<"), s("*/78"), s(""));
        let j = join(
            [
                found(Some(&a), "a"),
                found(Some(&e), "e"),
                found(Some(&b), "b"),
            ],
            "",
            "j",
        );
        assert_eq!(j.unwrap().text, "033-<<*/78");
        let f = first([found(Some(&e), "e"), found(Some(&b), "b")]);
        assert_eq!(f.unwrap().field, "b");
        assert!(join([found(Some(&e), "e")], "", "j").is_none());
    }

    #[test]
    fn pivot_groups_cells_by_row_and_joins_wrapped_values() {
        let mut p = Pivot::new(2);
        p.add(0, Some("2"), Some("*运输服务*"));
        p.add(0, Some("1"), Some("*日用品*"));
        p.add(0, Some("2"), Some("客运费"));
        p.add(1, Some("1"), Some("15.31"));
        p.add(1, None, Some("lost row key"));
        p.add(5, Some("1"), Some("no such column"));
        let rows = p.rows();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].cell(0, "c").unwrap().text, "*日用品*");
        assert_eq!(rows[0].cell(1, "c").unwrap().text, "15.31");
        assert_eq!(rows[1].cell(0, "c").unwrap().text, "*运输服务*客运费");
        assert_eq!(rows[1].cell(1, "c").unwrap().text, "");
    }

    #[test]
    fn element_paths_spell_the_index_in_decimal() {
        assert_eq!(element_path("items", 0, "name"), "items[0].name");
        assert_eq!(
            element_path("ticket.flights", 1234, "to"),
            "ticket.flights[1234].to"
        );
        assert_eq!(
            element_path("items", usize::MAX, "tax"),
            format!("items[{}].tax", usize::MAX)
        );
    }

    #[test]
    fn every_target_id_is_a_unique_path() {
        let mut seen = std::collections::BTreeSet::new();
        for t in Target::ALL {
            assert!(seen.insert(t.id()), "{}", t.id());
        }
        assert_eq!(Target::ALL.len(), seen.len());
    }
}
