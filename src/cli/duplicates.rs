//! Duplicate detection across a run and the journal it resumes: the reimbursement fraud
//! finance users most want caught is the same invoice handed in twice.
//!
//! * **Same bytes** — a file whose SHA-256 an earlier input already has is not sent again
//!   (the answer would be the same, and paid twice): its record is `skipped` / `same_file`
//!   with `duplicate_of`. Files claim their hash in input order, however many are read at
//!   once, so the first input of identical files is the one sent ([`Hashes`]).
//! * **Same invoice** — a result whose invoice an earlier result already has carries
//!   `duplicate_of` with the earlier path ([`Identities`]). An invoice is identified by its
//!   code and number (the 发票代码 encodes the kind, so the same paper invoice read by two
//!   APIs matches even when they name its kind differently); a 数电 invoice, which has no
//!   code, by its 20-digit number alone; any other invoice without a code by its kind and
//!   number (tickets by their ticket number).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};

use clap::ValueEnum;
use fapiao::{Invoice, InvoiceKind};
use tokio::sync::Notify;

use super::record::Record;

/// What `--duplicates` does with a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Policy {
    /// Keep it, marked with `duplicate_of`, in every output.
    #[default]
    Flag,
    /// Keep its record (json, jsonl) but leave its rows out of csv, xlsx and table.
    Skip,
    /// Flag it and exit 1.
    Fail,
}

/// Content hashes claimed by the inputs read so far: hash → the first path; and whose turn
/// it is to claim.
#[derive(Debug, Default)]
pub struct Hashes {
    claimed: Mutex<HashMap<String, String>>,
    turns: Mutex<Turns>,
    turn_passed: Notify,
}

/// Which inputs of the batch (by position) are past their turn to claim.
#[derive(Debug, Default)]
struct Turns {
    /// Every input before this one is past its turn.
    next: usize,
    /// Inputs at or after `next` that are past their turn already.
    passed: BTreeSet<usize>,
}

/// The turn of the input at one position; passed when claimed or dropped (a file that was
/// not read, a task that ended early), so no later input waits for it forever.
pub struct Turn<'a> {
    hashes: &'a Hashes,
    index: usize,
}

impl Turn<'_> {
    /// Waits until every earlier input has had its turn, then claims `sha256` for `path`
    /// (see [`Hashes::claim`]).
    pub async fn claim(self, sha256: &str, path: &str) -> Option<String> {
        loop {
            let passed = self.hashes.turn_passed.notified();
            tokio::pin!(passed);
            // Registered before the check, so a turn passed in between still wakes us.
            passed.as_mut().enable();
            if self.hashes.lock_turns().next >= self.index {
                break;
            }
            passed.await;
        }
        self.hashes.claim(sha256, path)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut guard = self.hashes.lock_turns();
        let turns = &mut *guard;
        turns.passed.insert(self.index);
        while turns.passed.remove(&turns.next) {
            turns.next += 1;
        }
        drop(guard);
        self.hashes.turn_passed.notify_waiters();
    }
}

impl Hashes {
    /// The turn of the input at `index` (0-based, in the order inputs are started).
    pub fn turn(&self, index: usize) -> Turn<'_> {
        Turn {
            hashes: self,
            index,
        }
    }

    fn lock_turns(&self) -> std::sync::MutexGuard<'_, Turns> {
        self.turns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Claims `sha256` for `path`; the path that claimed it first when that was another.
    pub fn claim(&self, sha256: &str, path: &str) -> Option<String> {
        let mut claimed = self.claimed.lock().unwrap_or_else(PoisonError::into_inner);
        match claimed.get(sha256) {
            Some(first) if first != path => Some(first.clone()),
            Some(_) => None,
            None => {
                claimed.insert(sha256.to_owned(), path.to_owned());
                None
            }
        }
    }

    /// Gives a claim back: its file failed, so it stands for no other.
    pub fn release(&self, sha256: &str, path: &str) {
        let mut claimed = self.claimed.lock().unwrap_or_else(PoisonError::into_inner);
        if claimed.get(sha256).is_some_and(|first| first == path) {
            claimed.remove(sha256);
        }
    }
}

/// Invoice identities of the results recorded so far: identity → the first path.
#[derive(Debug, Default)]
pub struct Identities(HashMap<String, String>);

impl Identities {
    /// Sets `record.duplicate_of` when one of its invoices was recorded under another path,
    /// and remembers the others.
    pub fn mark(&mut self, record: &mut Record) {
        let Some(recognized) = record.recognized() else {
            return;
        };
        let mut first = None;
        for key in recognized.invoices.iter().filter_map(identity) {
            match self.0.get(&key) {
                Some(path) if *path != record.path => {
                    first.get_or_insert_with(|| path.clone());
                }
                Some(_) => {}
                None => {
                    self.0.insert(key, record.path.clone());
                }
            }
        }
        if record.duplicate_of.is_none() {
            record.duplicate_of = first;
        }
    }
}

/// What identifies an invoice (see the module docs); `None` without a number.
pub fn identity(invoice: &Invoice) -> Option<String> {
    let number = invoice
        .number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())?;
    let code = invoice
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    Some(match code {
        Some(code) => format!("{code}/{number}"),
        None if is_digital(invoice.kind) => number.to_owned(),
        None => format!("{}/{number}", invoice.kind.id()),
    })
}

/// 数电 documents: their 20-digit number is unique across kinds.
fn is_digital(kind: InvoiceKind) -> bool {
    matches!(
        kind,
        InvoiceKind::DigitalSpecial | InvoiceKind::DigitalGeneral | InvoiceKind::DigitalTrainTicket
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::record::Recognized;

    fn invoice(kind: InvoiceKind, code: Option<&str>, number: &str) -> Invoice {
        Invoice {
            kind,
            code: code.map(str::to_owned),
            number: Some(number.to_owned()),
            ..Invoice::default()
        }
    }

    fn record(path: &str, invoices: Vec<Invoice>) -> Record {
        Record::ok(
            path.into(),
            "sha".into(),
            Recognized {
                api: "local".into(),
                invoices,
                findings: Vec::new(),
                qr_cross_check: None,
                findings_lang: None,
            },
        )
    }

    #[test]
    fn the_same_invoice_under_another_path_is_a_duplicate_of_the_first() {
        let paper = |kind| invoice(kind, Some("044032300111"), "12345678");
        let mut seen = Identities::default();
        let mut first = record("a.ofd", vec![paper(InvoiceKind::VatElectronicGeneral)]);
        // The same invoice read by an API that names its kind differently.
        let mut again = record("b.png", vec![paper(InvoiceKind::Unknown)]);
        let digital = "24112000000048542163";
        let mut third = record(
            "c.pdf",
            vec![invoice(InvoiceKind::DigitalGeneral, None, digital)],
        );
        let mut fourth = record(
            "d.png",
            vec![invoice(InvoiceKind::DigitalSpecial, None, digital)],
        );
        for r in [&mut first, &mut again, &mut third, &mut fourth] {
            seen.mark(r);
        }
        assert_eq!(first.duplicate_of, None);
        assert_eq!(again.duplicate_of.as_deref(), Some("a.ofd"));
        assert_eq!(third.duplicate_of, None);
        assert_eq!(fourth.duplicate_of.as_deref(), Some("c.pdf"));
        // Marking a path again (a resumed record) does not make it its own duplicate.
        seen.mark(&mut first);
        assert_eq!(first.duplicate_of, None);
    }

    #[test]
    fn tickets_of_different_kinds_or_invoices_without_number_are_not_duplicates() {
        let mut seen = Identities::default();
        let mut train = record("a", vec![invoice(InvoiceKind::TrainTicket, None, "E1")]);
        let mut taxi = record("b", vec![invoice(InvoiceKind::TaxiTicket, None, "E1")]);
        let mut blank = record("c", vec![Invoice::default()]);
        let mut blank2 = record("d", vec![Invoice::default()]);
        for r in [&mut train, &mut taxi, &mut blank, &mut blank2] {
            seen.mark(r);
        }
        assert!(
            [train, taxi, blank, blank2]
                .iter()
                .all(|r| r.duplicate_of.is_none())
        );
    }

    #[test]
    fn identical_files_are_claimed_in_input_order_whichever_is_read_first() {
        use std::sync::Arc;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let hashes = Arc::new(Hashes::default());
            // Input 2 has read its file first; it waits for inputs 0 and 1.
            let later = tokio::spawn({
                let hashes = Arc::clone(&hashes);
                async move { hashes.turn(2).claim("h", "c").await }
            });
            tokio::task::yield_now().await;
            assert!(!later.is_finished());
            // Input 0 ends without claiming (not read, or another hash).
            drop(hashes.turn(0));
            tokio::task::yield_now().await;
            assert!(!later.is_finished());
            assert_eq!(hashes.turn(1).claim("h", "b").await, None);
            assert_eq!(later.await.unwrap().as_deref(), Some("b"));
        });
    }

    #[test]
    fn a_hash_belongs_to_its_first_path_until_released() {
        let hashes = Hashes::default();
        assert_eq!(hashes.claim("h", "a"), None);
        assert_eq!(hashes.claim("h", "a"), None);
        assert_eq!(hashes.claim("h", "b").as_deref(), Some("a"));
        hashes.release("h", "b");
        assert_eq!(hashes.claim("h", "b").as_deref(), Some("a"));
        hashes.release("h", "a");
        assert_eq!(hashes.claim("h", "b"), None);
    }
}
