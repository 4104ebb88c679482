//! PDF invoices (work in progress).
use super::{LocalError, LocalLimits};
use crate::invoice::Invoice;
pub(super) fn recognize(_bytes: &[u8], _limits: &LocalLimits) -> Result<Vec<Invoice>, LocalError> {
    Err(LocalError::Pdf {
        reason: "todo".into(),
    })
}
