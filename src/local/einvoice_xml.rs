//! 数电 XML e-invoices (root `EInvoice`, no namespace; versions 0.36 and 0.37), the
//! authoritative copy the e-invoice service platform issues beside the PDF and the OFD.
//!
//! Elements are looked up by name below their block (`SellerInformation`, `BasicInformation`,
//! …) so the versions' small differences and unknown extra elements (`<ptbh>`) do not matter;
//! every leaf no field claims is kept in `extra` under `xml:<path>` — the `UndefinedLabel`
//! labels (特定征税方式 不征税, …), `SpecificInformation` (toll, construction, …) and the
//! `TaxBureauSignature` (algorithm, time, value; not checked) among them; a toll plate also
//! fills `ticket.license_plate`. Provenance is `xml:<element>`.
//!
//! Traps of real files: `TaxRate`/`ComTaxAm` written `*` under 不征税 (read as 不征税 and
//! 0); a personal buyer with an empty `BuyerIdNum`; an empty bank name with name and account
//! merged into `…BankAccNum` (kept as written); no `TaxBureauSignature` at all.

use std::borrow::Cow;
use std::collections::HashMap;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::invoice::InvoiceKind;

use super::fields::{Draft, Field, ItemField};
use super::xml::Element;

/// The root element's name.
pub(super) const ROOT: &str = "EInvoice";

/// Elements the reader maps to fields; every other leaf goes to `extra`.
const MAPPED: &[&str] = &[
    "EIid",
    "InvoiceNumber",
    "IssueTime",
    "RequestTime",
    "TotalAmWithoutTax",
    "TotalTaxAm",
    "TotalTax-includedAmount",
    "TotalTax-includedAmountInChinese",
    "Drawer",
    "Remark",
    "SellerIdNum",
    "SellerName",
    "SellerAddr",
    "SellerTelNum",
    "SellerBankName",
    "SellerBankAccNum",
    "BuyerIdNum",
    "BuyerName",
    "BuyerAddr",
    "BuyerTelNum",
    "BuyerBankName",
    "BuyerBankAccNum",
];

/// Reads an `EInvoice` tree into the draft.
pub(super) fn apply(draft: &mut Draft, root: &Element) {
    let header = root.child("Header");
    let data = root.child("EInvoiceData");
    let basic = data.and_then(|d| d.child("BasicInformation"));
    let supervision = root.child("TaxSupervisionInfo");
    offer(draft, Field::Number, header, "EIid");
    offer(draft, Field::Number, supervision, "InvoiceNumber");
    offer_date(draft, supervision, "IssueTime");
    offer_date(draft, basic, "RequestTime");
    offer(draft, Field::Amount, basic, "TotalAmWithoutTax");
    offer(draft, Field::Tax, basic, "TotalTaxAm");
    offer(draft, Field::Total, basic, "TotalTax-includedAmount");
    offer(
        draft,
        Field::TotalInWords,
        basic,
        "TotalTax-includedAmountInChinese",
    );
    offer(draft, Field::Issuer, basic, "Drawer");
    if let Some(data) = data {
        party(draft, data.child("SellerInformation"), "Seller");
        party(draft, data.child("BuyerInformation"), "Buyer");
        let remark = data.child("AdditionalInformation");
        offer(draft, Field::Remark, remark, "Remark");
        for (row, item) in data.children_named("IssuItemInformation").enumerate() {
            line_item(draft, row, item);
        }
        if let Some(specific) = data.child("SpecificInformation") {
            license_plate(draft, specific);
        }
    }
    if let Some(inherent) = header.and_then(|h| h.child("InherentLabel")) {
        kind(draft, inherent);
    }
    if let Some(labels) = header.and_then(|h| h.child("UndefinedLabel")) {
        // One label may sit directly in the block rather than in `Label` children.
        if labels.child("LabelCode").is_some() {
            undefined_label(draft, labels);
        } else {
            for label in &labels.children {
                undefined_label(draft, label);
            }
        }
    }
    let mut rest = Vec::new();
    unmapped_leaves(root, "", &mut rest);
    for (path, text) in rest {
        draft.extra(format!("xml:{path}"), &text);
    }
}

/// Offers the text of `parent/name` for `field`.
fn offer(draft: &mut Draft, field: Field, parent: Option<&Element>, name: &str) {
    if let Some(text) = parent.and_then(|p| p.child_text(name)) {
        draft.set(field, text, format!("xml:{name}"));
    }
}

/// Offers the date part of `parent/name` (`YYYY-MM-DD`, possibly followed by `hh:mm:ss`).
fn offer_date(draft: &mut Draft, parent: Option<&Element>, name: &str) {
    if let Some(text) = parent.and_then(|p| p.child_text(name)) {
        let date = text.split_whitespace().next().unwrap_or_default();
        draft.set(Field::Date, date, format!("xml:{name}"));
    }
}

/// The first vehicle plate of a toll or transport invoice's `SpecificInformation` (its
/// full detail stays in `extra`).
fn license_plate(draft: &mut Draft, specific: &Element) {
    let plate = specific
        .descendants()
        .find(|e| e.name == "PlateNumber" && !e.text.trim().is_empty());
    if let Some(plate) = plate
        && draft.invoice.ticket.license_plate.is_none()
    {
        draft.invoice.ticket.license_plate = Some(plate.text.trim().to_owned());
        draft.credit(
            Cow::Borrowed("ticket.license_plate"),
            "xml:PlateNumber".to_owned(),
        );
    }
}

/// One party block: `<role>IdNum`, `<role>Name`, address and phone, bank and account.
fn party(draft: &mut Draft, block: Option<&Element>, role: &str) {
    let Some(block) = block else { return };
    let seller = role == "Seller";
    let pick = |seller_field, buyer_field| if seller { seller_field } else { buyer_field };
    let text = |suffix: &str| block.child_text(&format!("{role}{suffix}")).unwrap_or("");
    let source = |suffix: &str| format!("xml:{role}{suffix}");
    draft.set(
        pick(Field::SellerName, Field::BuyerName),
        text("Name"),
        source("Name"),
    );
    // A personal buyer has an empty IdNum: `set` ignores it, leaving the field empty.
    draft.set(
        pick(Field::SellerTaxId, Field::BuyerTaxId),
        text("IdNum"),
        source("IdNum"),
    );
    draft.set(
        pick(Field::SellerAddressPhone, Field::BuyerAddressPhone),
        &joined(text("Addr"), text("TelNum")),
        source("Addr+TelNum"),
    );
    // An empty bank name leaves the account text as written (it may hold both).
    draft.set(
        pick(Field::SellerBankAccount, Field::BuyerBankAccount),
        &joined(text("BankName"), text("BankAccNum")),
        source("BankName+BankAccNum"),
    );
}

/// Two printed parts separated by a space, or whichever one is present.
fn joined(a: &str, b: &str) -> String {
    format!("{a} {b}").trim().to_owned()
}

/// One `IssuItemInformation` line.
fn line_item(draft: &mut Draft, row: usize, item: &Element) {
    const FIELDS: &[(&str, ItemField)] = &[
        ("ItemName", ItemField::Name),
        ("SpecMod", ItemField::Spec),
        ("MeaUnits", ItemField::Unit),
        ("Quantity", ItemField::Quantity),
        ("UnPrice", ItemField::UnitPrice),
        ("Amount", ItemField::Amount),
        ("ComTaxAm", ItemField::Tax),
    ];
    for (name, field) in FIELDS {
        if let Some(text) = item.child_text(name) {
            draft.set_item(row, *field, text, format!("xml:{name}"));
        }
    }
    if let Some(rate) = item.child_text("TaxRate") {
        draft.set_item(
            row,
            ItemField::TaxRate,
            &rate_as_printed(rate),
            "xml:TaxRate".into(),
        );
    }
    let extras: Vec<(String, String)> = item
        .children
        .iter()
        .filter(|c| c.children.is_empty() && !c.text.trim().is_empty())
        .filter(|c| !FIELDS.iter().any(|(n, _)| *n == c.name) && c.name != "TaxRate")
        .map(|c| (c.name.clone(), c.text.trim().to_owned()))
        .collect();
    if let Some(line) = draft.invoice.items.get_mut(row) {
        for (name, text) in extras {
            line.extra
                .insert(format!("xml:{name}"), Value::String(text));
        }
    }
}

/// A rate written as a fraction (`0.06`) in the printed form (`6%`); `*` — what the
/// platform writes on 不征税 lines — as `不征税`. Anything else is passed on as written.
pub(super) fn rate_as_printed(raw: &str) -> String {
    let raw = raw.trim();
    if raw == "*" {
        return "不征税".to_owned();
    }
    match raw.parse::<Decimal>() {
        Ok(fraction) if fraction <= Decimal::ONE => {
            format!("{}%", (fraction * Decimal::ONE_HUNDRED).normalize())
        }
        _ => raw.to_owned(),
    }
}

/// The kind from `GeneralOrSpecialVAT` (01 专票, 02 普票) of an `EInvoiceType` 01 invoice.
fn kind(draft: &mut Draft, inherent: &Element) {
    let label = |name: &str| {
        inherent
            .child(name)
            .map(|l| (l.child_text("LabelCode"), l.child_text("LabelName")))
    };
    let e_invoice = match label("EInvoiceType") {
        Some((code, name)) => code == Some("01") || name.is_some_and(|n| n == "电子发票"),
        None => true,
    };
    let Some((code, name)) = label("GeneralOrSpecialVAT").filter(|_| e_invoice) else {
        return;
    };
    let name = name.unwrap_or_default();
    let kind = if code == Some("01") || name.contains("专用") {
        InvoiceKind::DigitalSpecial
    } else if code == Some("02") || name.contains("普通") {
        InvoiceKind::DigitalGeneral
    } else {
        return;
    };
    draft.set_kind(kind, "xml:GeneralOrSpecialVAT".to_owned());
}

/// A `Label` of `UndefinedLabel`: kept as `xml:label:<LabelType>` = name (or code).
fn undefined_label(draft: &mut Draft, label: &Element) {
    let value = label
        .child_text("LabelName")
        .filter(|n| !n.is_empty())
        .or_else(|| label.child_text("LabelCode"));
    let key = label
        .child_text("LabelType")
        .filter(|t| !t.is_empty())
        .unwrap_or(&label.name);
    if let Some(value) = value {
        draft.extra(format!("xml:label:{key}"), value);
    }
}

/// Every leaf with text that no field claims, as (`Parent/Leaf`, text); repeated siblings
/// are numbered (`Toll[1]/PlateNumber`). Items and labels are read on their own.
fn unmapped_leaves(element: &Element, prefix: &str, out: &mut Vec<(String, String)>) {
    const OWN_READERS: &[&str] = &["IssuItemInformation", "InherentLabel", "UndefinedLabel"];
    for (index, child) in numbered(&element.children) {
        let name = match index {
            Some(i) => format!("{}[{i}]", child.name),
            None => child.name.clone(),
        };
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if child.children.is_empty() {
            if !MAPPED.contains(&child.name.as_str()) && !child.text.trim().is_empty() {
                out.push((path, child.text.trim().to_owned()));
            }
        } else if !OWN_READERS.contains(&child.name.as_str()) {
            unmapped_leaves(child, &path, out);
        }
    }
}

/// Children with their index among same-named siblings, `None` when the name is unique.
fn numbered(children: &[Element]) -> Vec<(Option<usize>, &Element)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for child in children {
        *counts.entry(child.name.as_str()).or_default() += 1;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    children
        .iter()
        .map(|child| {
            let name = child.name.as_str();
            let index = seen.entry(name).or_default();
            let numbered = (counts.get(name) > Some(&1)).then_some(*index);
            *index += 1;
            (numbered, child)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_become_printed_rates() {
        assert_eq!(rate_as_printed("0.06"), "6%");
        assert_eq!(rate_as_printed("0.13"), "13%");
        assert_eq!(rate_as_printed("0"), "0%");
        assert_eq!(rate_as_printed("*"), "不征税");
        assert_eq!(rate_as_printed("免税"), "免税");
    }
}
