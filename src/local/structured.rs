//! XML invoices told apart by their root element: the 数电 e-invoice (`EInvoice`) and the
//! railway and air e-ticket XBRL (`xbrl`), read as standalone files and as attachments of an
//! OFD or a PDF. Any other XML is refused, naming what was expected.

use crate::invoice::Invoice;

use super::fields::Draft;
use super::xbrl::Ticket;
use super::xml::{self, Element};
use super::{LocalError, einvoice_xml, xbrl};

/// What the local backend reads from XML, for error messages.
pub(super) const EXPECTED: &str = "expected a 数电 e-invoice (root <EInvoice>) or a railway or \
     air e-ticket XBRL (root <xbrl>, taxonomy …/rai or …/atr)";

/// The invoice data an XML tree holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Structured {
    /// A 数电 `EInvoice`.
    EInvoice,
    /// A railway or air ticket XBRL instance.
    Ticket(Ticket),
}

impl Structured {
    /// What `root` holds, or why it is not an invoice this backend reads.
    pub(super) fn of(root: &Element) -> Result<Structured, String> {
        match root.name.as_str() {
            einvoice_xml::ROOT => Ok(Structured::EInvoice),
            xbrl::ROOT => Ticket::of(root)
                .map(Structured::Ticket)
                .ok_or_else(|| format!("an XBRL instance of another taxonomy; {EXPECTED}")),
            other => Err(format!("XML with root <{other}>; {EXPECTED}")),
        }
    }

    /// Reads `root` (of this kind) into the draft.
    pub(super) fn apply(self, draft: &mut Draft, root: &Element) {
        match self {
            Structured::EInvoice => einvoice_xml::apply(draft, root),
            Structured::Ticket(ticket) => xbrl::apply(draft, root, ticket),
        }
    }
}

/// Whether the bytes start like an XML document (after a byte-order mark and blanks).
pub fn looks_like_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let rest = start.and_then(|s| bytes.get(s..)).unwrap_or_default();
    rest.first() == Some(&b'<')
        && rest
            .get(1)
            .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'?' | b'!' | b'_' | b':'))
}

/// Reads a standalone XML invoice file.
pub(super) fn recognize(bytes: &[u8]) -> Result<Vec<Invoice>, LocalError> {
    let unsupported = |what: String| LocalError::Unsupported { what };
    let root = xml::parse(bytes).map_err(|e| unsupported(format!("unreadable XML ({e})")))?;
    let kind = Structured::of(&root).map_err(unsupported)?;
    let mut draft = Draft::new();
    kind.apply(&mut draft, &root);
    let invoice = draft.finish();
    if invoice.number.is_none() && invoice.total.is_none() {
        return Err(LocalError::NothingFound {
            reason: format!(
                "the <{}> document has no invoice number or total",
                root.name
            ),
        });
    }
    Ok(vec![invoice])
}
