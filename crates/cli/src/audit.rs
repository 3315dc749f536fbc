//! The audit lines operator actions append to the ledger history: who, when, what, why.

use chrono::{DateTime, Utc};
use spine_core::ledger::HistoryEntry;

use crate::actor::Actor;

/// Action names written by the tooling (the ledger's own status lines use the status
/// names, e.g. `QUEUED`, `DISCARDED`).
pub mod action {
    /// One message sent back to its work queue.
    pub const REDRIVE: &str = "redrive";
    /// A redrive whose send failed after its `redrive` line was written.
    pub const REDRIVE_FAILED: &str = "redrive-failed";
    /// A whole DLQ handed to SQS StartMessageMoveTask.
    pub const BULK_REDRIVE: &str = "bulk-redrive";
    /// A duplicate copy of an already final event removed.
    pub const DISCARD: &str = "discard";
}

/// One history line by `actor` at `at`.
pub fn line(at: DateTime<Utc>, actor: &Actor, action: &str, detail: String) -> HistoryEntry {
    HistoryEntry {
        at,
        actor: actor.as_str().to_owned(),
        action: action.to_owned(),
        detail: Some(detail),
    }
}
