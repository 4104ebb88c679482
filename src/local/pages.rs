//! Invoices printed over several pages: a further page (or a 销货清单 page) continues the
//! invoice its first page began. Shared by the PDF and the OFD page-text readers.

use crate::invoice::Invoice;

/// Adds a page's reading: a new invoice, or the continuation of the one before — a
/// 销货清单 or a further page of the same invoice (no number and no QR of its own, or the
/// same number again). A continuation's items replace a `详见销货清单` placeholder or are
/// appended; totals printed only on the last page fill what the first lacked.
pub(super) fn add_page(invoices: &mut Vec<Invoice>, page: Invoice) {
    let continues = |first: &Invoice| {
        let unnamed = page.number.is_none() && page.qr_payload.is_none();
        let same = page.number.is_some() && page.number == first.number && page.code == first.code;
        (unnamed && !page.items.is_empty()) || same
    };
    match invoices.last_mut() {
        Some(first) if continues(first) => continue_invoice(first, page),
        _ if page.number.is_some() || page.qr_payload.is_some() => invoices.push(page),
        _ => {}
    }
}

/// Continues `first` with a further page's reading: the page's items replace a
/// `详见销货清单` placeholder line or are appended in order (their provenance renumbered);
/// totals printed only on the last page fill what the first page lacked.
pub(super) fn continue_invoice(first: &mut Invoice, page: Invoice) {
    let offset = if first.items.len() == 1
        && first.items[0]
            .name
            .as_deref()
            .is_some_and(is_list_placeholder)
    {
        first.items.clear();
        0
    } else {
        first.items.len()
    };
    for (key, source) in page.provenance {
        if let Some(rest) = key.strip_prefix("items[")
            && let Some((index, field)) = rest.split_once(']')
            && let Ok(index) = index.parse::<usize>()
        {
            first
                .provenance
                .insert(format!("items[{}]{field}", index + offset).into(), source);
        } else if !first.provenance.contains_key(&key) && is_total(&key) {
            first.provenance.insert(key, source);
        }
    }
    first.items.extend(page.items);
    first.amount = first.amount.or(page.amount);
    first.tax = first.tax.or(page.tax);
    first.total = first.total.or(page.total);
    first.total_in_words = first.total_in_words.take().or(page.total_in_words);
}

/// `（详见销货清单）`, `详见销货清单`, `详见清单`: the item line that points at the list.
fn is_list_placeholder(name: &str) -> bool {
    name.contains("详见") && name.contains("清单")
}

fn is_total(key: &str) -> bool {
    matches!(key, "amount" | "tax" | "total" | "total_in_words")
}
