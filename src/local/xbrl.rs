//! Railway and air e-ticket XBRL instances (root `xbrl`, taxonomies
//! `http://xbrl.mof.gov.cn/taxonomy/<date>/rai` and `…/atr`), read standalone or as an
//! attachment of the ticket's PDF or OFD.
//!
//! Facts are matched by local name (`rai:Fare` → `Fare`), whatever the taxonomy date; `xsi:nil`
//! facts are empty and fill nothing. Invoice fields come with provenance `xbrl:<prefix>:<fact>`,
//! ticket fields go to [`crate::invoice::TicketInfo`], and every other fact with a value is
//! kept in `extra` as `xbrl:<fact>`. The passenger's id number is stored masked as the ticket
//! prints it (`1427241988****1627`), even when the file carries it in full.

use std::borrow::Cow;
use std::collections::HashSet;

use chrono::NaiveTime;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::invoice::{FlightSegment, InvoiceKind};
use crate::normalize;

use super::einvoice_xml::rate_as_printed;
use super::fields::{Draft, Field};
use super::xml::Element;

/// The root element's name.
pub(super) const ROOT: &str = "xbrl";

/// The ticket an XBRL instance describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ticket {
    /// 电子发票（铁路电子客票）, taxonomy `rai`.
    Railway,
    /// 电子发票（航空运输电子客票行程单）, taxonomy `atr`.
    Air,
}

impl Ticket {
    /// The ticket of an `xbrl` root: by the taxonomy namespace it declares, else by the fact
    /// that holds its invoice number. `None` for any other XBRL.
    pub(super) fn of(root: &Element) -> Option<Ticket> {
        let declared = root.attrs.iter().find_map(|(_, uri)| {
            let taxonomy = uri.trim_end_matches('/').strip_prefix(TAXONOMY_BASE)?;
            match taxonomy.rsplit('/').next()? {
                "rai" => Some(Ticket::Railway),
                "atr" => Some(Ticket::Air),
                _ => None,
            }
        });
        declared.or_else(|| {
            root.children.iter().find_map(|c| match c.name.as_str() {
                RAILWAY_NUMBER => Some(Ticket::Railway),
                AIR_NUMBER => Some(Ticket::Air),
                _ => None,
            })
        })
    }

    fn prefix(self) -> &'static str {
        match self {
            Ticket::Railway => "rai",
            Ticket::Air => "atr",
        }
    }
}

const TAXONOMY_BASE: &str = "http://xbrl.mof.gov.cn/taxonomy/";
const RAILWAY_NUMBER: &str = "ElectronicInvoiceRailwayETicketNumber";
const AIR_NUMBER: &str = "ElectronicInvoiceAirTransportReceiptNumber";

/// Invoice fields of a railway ticket, by fact.
const RAILWAY_FIELDS: &[(&str, Field)] = &[
    (RAILWAY_NUMBER, Field::Number),
    ("DateOfIssue", Field::Date),
    ("Fare", Field::Total),
    ("TotalAmountExcludingTax", Field::Amount),
    ("TaxAmount", Field::Tax),
    ("NameOfPurchaser", Field::BuyerName),
    ("UnifiedSocialCreditCodeOfPurchaser", Field::BuyerTaxId),
    ("AddressPhoneNumberOfPurchaser", Field::BuyerAddressPhone),
    (
        "DepositBankAndAccountNumberOfPurchaser",
        Field::BuyerBankAccount,
    ),
    ("IssueParty", Field::SellerName),
    ("IssuePartyCode", Field::SellerTaxId),
    ("Remarks", Field::Remark),
];

/// Invoice fields of an air itinerary, by fact (the amount is computed, see [`apply`]).
const AIR_FIELDS: &[(&str, Field)] = &[
    (AIR_NUMBER, Field::Number),
    ("IssueDate", Field::Date),
    ("DateOfIssue", Field::Date),
    ("TotalAmount", Field::Total),
    ("VatTaxAmount", Field::Tax),
    ("NameOfPurchaser", Field::BuyerName),
    ("UnifiedSocialCreditCodeOfPurchaser", Field::BuyerTaxId),
    ("NameOfSeller", Field::SellerName),
    ("IssueParty", Field::SellerName),
    ("Remarks", Field::Remark),
];

/// Reads a railway or air ticket XBRL tree into the draft.
pub(super) fn apply(draft: &mut Draft, root: &Element, ticket: Ticket) {
    let mut facts = Facts {
        root,
        prefix: ticket.prefix(),
        used: HashSet::new(),
    };
    let (fields, kind) = match ticket {
        Ticket::Railway => (RAILWAY_FIELDS, InvoiceKind::DigitalTrainTicket),
        Ticket::Air => (AIR_FIELDS, InvoiceKind::DigitalAirItinerary),
    };
    // The taxonomy, not any one fact, says which ticket this is.
    draft.set_kind(kind, format!("xbrl:{}", ticket.prefix()));
    for (name, field) in fields {
        if let Some(text) = facts.take(name) {
            draft.set(*field, &text, facts.source(name));
        }
    }
    match ticket {
        Ticket::Railway => railway(draft, &mut facts),
        Ticket::Air => air(draft, &mut facts),
    }
    let rate_fact = match ticket {
        Ticket::Railway => "TaxRate",
        Ticket::Air => "VatRate",
    };
    if let Some(rate) = facts.take(rate_fact) {
        draft.extra("local:tax_rate".to_owned(), &rate_as_printed(&rate));
    }
    for fact in &root.children {
        if !facts.used.contains(fact.name.as_str()) && fact.children.is_empty() {
            draft.extra(format!("xbrl:{}", fact.name), &fact.text);
        }
    }
}

/// The facts of one instance, remembering which were read.
struct Facts<'a> {
    root: &'a Element,
    prefix: &'static str,
    used: HashSet<&'a str>,
}

impl<'a> Facts<'a> {
    /// The trimmed text of a top-level fact, `None` when absent or nil.
    fn take(&mut self, name: &str) -> Option<String> {
        let fact = self.root.child(name)?;
        self.used.insert(fact.name.as_str());
        Some(fact.text.trim().to_owned()).filter(|t| !t.is_empty())
    }

    fn source(&self, name: &str) -> String {
        format!("xbrl:{}:{name}", self.prefix)
    }
}

fn railway(draft: &mut Draft, facts: &mut Facts<'_>) {
    ticket_text(draft, facts, "Name", "passenger", |t| &mut t.passenger);
    passenger_id(draft, facts, "IdNumber");
    ticket_text(draft, facts, "TrainNumber", "train_number", |t| {
        &mut t.train_number
    });
    ticket_text(draft, facts, "DepartureStation", "departure", |t| {
        &mut t.departure
    });
    ticket_text(draft, facts, "DestinationStation", "arrival", |t| {
        &mut t.arrival
    });
    ticket_text(draft, facts, "SeatLevel", "seat_class", |t| {
        &mut t.seat_class
    });
    ticket_text(draft, facts, "ETicketNumber", "serial_number", |t| {
        &mut t.serial_number
    });
    // The ticket prints carriage and seat together: `01车05C号`.
    let seat: String = ["Carriage", "Seat"]
        .iter()
        .filter_map(|name| facts.take(name))
        .collect();
    if !seat.is_empty() && draft.invoice.ticket.seat_number.is_none() {
        draft.invoice.ticket.seat_number = Some(seat);
        draft.credit(
            Cow::Borrowed("ticket.seat_number"),
            facts.source("Carriage+Seat"),
        );
    }
    if let Some(date) = facts.take("TravelDate")
        && let Ok(date) = normalize::date(&date)
        && draft.invoice.ticket.travel_date.is_none()
    {
        draft.invoice.ticket.travel_date = Some(date);
        draft.credit(
            Cow::Borrowed("ticket.travel_date"),
            facts.source("TravelDate"),
        );
    }
    if let Some(time) = facts.take("DepartureTime").as_deref().and_then(parse_time)
        && draft.invoice.ticket.time.is_none()
    {
        draft.invoice.ticket.time = Some(time);
        draft.credit(Cow::Borrowed("ticket.time"), facts.source("DepartureTime"));
    }
    if let Some(business) = facts.take("TypeOfBusiness") {
        if business.contains('退') {
            draft
                .invoice
                .extra
                .entry("local:refund".to_owned())
                .or_insert(Value::Bool(true));
        }
        draft.extra("xbrl:TypeOfBusiness".to_owned(), &business);
    }
}

fn air(draft: &mut Draft, facts: &mut Facts<'_>) {
    ticket_text(draft, facts, "PassengerName", "passenger", |t| {
        &mut t.passenger
    });
    passenger_id(draft, facts, "ValidIdNumber");
    ticket_text(draft, facts, "ETicketNumber", "serial_number", |t| {
        &mut t.serial_number
    });
    let fare = money_fact(facts, "Fare");
    let fuel = money_fact(facts, "FuelSurcharge");
    let fund = money_fact(facts, "CivilAviationDevelopmentFund");
    // The taxable base is fare plus fuel surcharge; the development fund and other taxes
    // are outside VAT (价税合计 = base + VAT + fund + other taxes).
    if let Some(fare) = fare {
        let base = fare + fuel.unwrap_or_default();
        draft.set(
            Field::Amount,
            &base.to_string(),
            facts.source("Fare+FuelSurcharge"),
        );
    }
    let ticket = &mut draft.invoice.ticket;
    ticket.fuel_surcharge = ticket.fuel_surcharge.or(fuel);
    ticket.airport_fee = ticket.airport_fee.or(fund);
    let segments: Vec<&Element> = facts
        .root
        .children_named("DetailInformationOfAirTicketTuple")
        .collect();
    facts.used.insert("DetailInformationOfAirTicketTuple");
    if draft.invoice.ticket.flights.is_empty() {
        draft.invoice.ticket.flights = segments.into_iter().map(flight).collect();
    }
}

/// One `DetailInformationOfAirTicketTuple`.
fn flight(tuple: &Element) -> FlightSegment {
    let mut segment = FlightSegment::default();
    for fact in &tuple.children {
        let text = fact.text.trim();
        if text.is_empty() {
            continue;
        }
        let owned = || Some(text.to_owned());
        match fact.name.as_str() {
            "DepartureStation" => segment.from = owned(),
            "DestinationStation" => segment.to = owned(),
            "Carrier" => segment.carrier = owned(),
            "Flight" => segment.flight_number = owned(),
            "Class" | "SeatClass" | "ClassOfSeat" => segment.seat_class = owned(),
            "CarrierDate" => segment.date = normalize::date(text).ok(),
            "DepartureTime" => segment.time = parse_time(text),
            other => {
                segment
                    .extra
                    .insert(format!("xbrl:{other}"), Value::String(text.to_owned()));
            }
        }
    }
    segment
}

/// Fills a text ticket field from a fact, first writer wins, with provenance.
fn ticket_text(
    draft: &mut Draft,
    facts: &mut Facts<'_>,
    name: &str,
    path: &'static str,
    slot: impl FnOnce(&mut crate::invoice::TicketInfo) -> &mut Option<String>,
) {
    let Some(text) = facts.take(name) else { return };
    let slot = slot(&mut draft.invoice.ticket);
    if slot.is_none() {
        *slot = Some(text);
        let source = facts.source(name);
        draft.credit(Cow::Owned(format!("ticket.{path}")), source);
    }
}

/// The passenger's id number, masked as printed.
fn passenger_id(draft: &mut Draft, facts: &mut Facts<'_>, name: &str) {
    let Some(id) = facts.take(name) else { return };
    if draft.invoice.ticket.passenger_id.is_none() {
        draft.invoice.ticket.passenger_id = Some(mask_id(&id));
        draft.credit(Cow::Borrowed("ticket.passenger_id"), facts.source(name));
    }
}

/// An id number as tickets print it: an 18-character resident id keeps its first ten and
/// last four characters (`1427241988****1627`), other ids their last four only. An id that
/// is already masked is kept as it is.
pub(super) fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    if chars.contains(&'*') {
        return chars.into_iter().collect();
    }
    let (head, tail) = if chars.len() == 18 { (10, 4) } else { (0, 4) };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < head || i + tail >= chars.len() {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

fn money_fact(facts: &mut Facts<'_>, name: &str) -> Option<Decimal> {
    normalize::money(&facts.take(name)?).ok()
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_masked_as_printed() {
        assert_eq!(mask_id("142724198801011627"), "1427241988****1627");
        assert_eq!(mask_id("1427241988****1627"), "1427241988****1627");
        assert_eq!(mask_id("E1234567"), "****4567");
        assert_eq!(mask_id("12"), "12");
    }
}
