//! Which status changes the ledger allows. One table, used by every implementation.
//!
//! - RECEIVED -> QUEUED, APPLIED, PARKED, DISCARDED: the webhook enqueues; a worker may
//!   finish before the webhook's QUEUED write lands (SQS is faster than a second write).
//! - QUEUED -> QUEUED (a webhook retry re-enqueued), APPLIED, PARKED, DISCARDED.
//! - PARKED -> QUEUED (redrive), APPLIED, PARKED (a new reason), DISCARDED.
//! - APPLIED, DISCARDED and IGNORED are final: nothing moves out of them; in particular
//!   APPLIED never goes back to QUEUED, so a late duplicate cannot reopen an event.
//!   Only audit entries are appended to them.
//! - Writing the status an entry already has when that status is final (a worker's
//!   retry marking APPLIED twice) changes nothing and is not an error.

use super::StatusKind;

/// What a requested status change amounts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// Write the new status.
    Apply,
    /// Already there and final: leave the entry as it is, report success.
    NoOp,
    /// Not allowed.
    Refuse,
}

/// The statuses from which `to` may be written (besides the final no-op).
pub fn allowed_from(to: StatusKind) -> &'static [StatusKind] {
    use StatusKind::*;
    match to {
        Queued => &[Received, Queued, Parked],
        Applied => &[Received, Queued, Parked],
        Parked => &[Received, Queued, Parked],
        Discarded => &[Received, Queued, Parked],
        // Both are only ever written by the first put.
        Received | Ignored => &[],
    }
}

/// The decision for moving from `from` to `to`.
pub fn check(from: StatusKind, to: StatusKind) -> Transition {
    if allowed_from(to).contains(&from) {
        Transition::Apply
    } else if from == to && from.is_final() {
        Transition::NoOp
    } else {
        Transition::Refuse
    }
}
