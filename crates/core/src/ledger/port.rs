//! The port the webhook, workers, reconciliation and the operator CLI use to read and
//! write the ledger.

use super::{HistoryEntry, LedgerEntry, LedgerStatus, OdooRecords, StatusKind};
use crate::disposition::{Classify, Disposition};
use crate::idempotency::StoreError;
use crate::ids::{EventKey, Flow};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// Why a ledger call failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("no ledger entry for event {0}")]
    NotFound(EventKey),
    /// The status change breaks the rules in [`super::transition`].
    #[error("ledger entry {event_key} cannot go from {from} to {to}")]
    InvalidTransition {
        event_key: EventKey,
        from: StatusKind,
        to: StatusKind,
    },
    /// `put_received` was given an entry that is neither RECEIVED nor IGNORED.
    #[error("a new ledger entry must be RECEIVED or IGNORED, not {0}")]
    InvalidInitialStatus(StatusKind),
    /// A page token that this ledger did not hand out.
    #[error("invalid page token: {0}")]
    InvalidPageToken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Classify for LedgerError {
    fn disposition(&self) -> Disposition {
        match self {
            // A worker may see its event before the webhook's put is visible.
            Self::NotFound(_) => Disposition::TRANSIENT,
            Self::InvalidTransition { .. } | Self::InvalidInitialStatus(_) | Self::InvalidPageToken(_) => {
                Disposition::Permanent
            }
            Self::Store(error) => error.disposition(),
        }
    }
}

/// What the ingress put found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// The entry is new.
    Inserted,
    /// The (source, source event id) was already recorded with this status. RECEIVED
    /// means an earlier attempt never got it onto the queue: enqueue it now. Anything
    /// else means answer "duplicate".
    Duplicate { status: StatusKind },
}

/// An opaque position in a paged query, handed back to continue it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageToken(pub String);

/// One page of a query, oldest first; `next` is `None` on the last page.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<PageToken>,
}

/// Storage of ledger entries.
///
/// Contract for implementations:
/// - `put_received` is one conditional write on the event key being absent (the key is
///   derived from (source, source event id), so this is the ingress dedupe); on conflict
///   the existing entry's status comes back from the same call.
/// - Every `mark_*` is one conditional update guarded by
///   [`super::transition::allowed_from`]; it appends a history line with `at` and
///   `actor`, and returns [`LedgerError::InvalidTransition`] (with the current status) or
///   [`LedgerError::NotFound`]. Re-marking a final status it already has is `Ok` and
///   writes nothing, so retries are safe.
/// - `append_audit` adds a history line whatever the status, never changing it.
/// - Queries return whole entries, oldest first, at most `limit` per page.
#[async_trait]
pub trait Ledger: Send + Sync {
    /// Records a new event (status RECEIVED or IGNORED) unless its key exists.
    async fn put_received(&self, entry: &LedgerEntry) -> Result<PutOutcome, LedgerError>;

    /// One guarded status change (the rules above), recorded with its history `line`.
    /// The `mark_*` methods are this with the status and line built for them.
    async fn transition(
        &self,
        key: &EventKey,
        status: LedgerStatus,
        line: HistoryEntry,
    ) -> Result<(), LedgerError>;

    /// RECEIVED or PARKED (redrive) -> QUEUED.
    async fn mark_queued(&self, key: &EventKey, at: DateTime<Utc>, actor: &str) -> Result<(), LedgerError> {
        let line = HistoryEntry::status_change(at, actor, StatusKind::Queued, None);
        self.transition(key, LedgerStatus::Queued, line).await
    }

    /// -> APPLIED with the Odoo records the worker touched.
    async fn mark_applied(
        &self,
        key: &EventKey,
        records: &[OdooRecords],
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<(), LedgerError> {
        let status = LedgerStatus::Applied {
            records: records.to_vec(),
        };
        let line = HistoryEntry::status_change(at, actor, StatusKind::Applied, None);
        self.transition(key, status, line).await
    }

    /// -> PARKED with the error class and a short safe message.
    async fn mark_parked(
        &self,
        key: &EventKey,
        reason_class: &str,
        message: &str,
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<(), LedgerError> {
        let status = LedgerStatus::Parked {
            reason_class: reason_class.to_owned(),
            message: message.to_owned(),
        };
        let detail = Some(format!("{reason_class}: {message}"));
        let line = HistoryEntry::status_change(at, actor, StatusKind::Parked, detail);
        self.transition(key, status, line).await
    }

    /// -> DISCARDED by an operator (`by`) for `reason`.
    async fn mark_discarded(
        &self,
        key: &EventKey,
        reason: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        let status = LedgerStatus::Discarded {
            reason: reason.to_owned(),
            by: by.to_owned(),
        };
        let line = HistoryEntry::status_change(at, by, StatusKind::Discarded, Some(reason.to_owned()));
        self.transition(key, status, line).await
    }

    /// Appends an operator's action to the entry's history.
    async fn append_audit(&self, key: &EventKey, entry: &HistoryEntry) -> Result<(), LedgerError>;

    /// The entry for `key`, `None` when there is none.
    async fn get(&self, key: &EventKey) -> Result<Option<LedgerEntry>, LedgerError>;

    /// Entries of `flow` received on `day` (UTC), by received time.
    async fn query_by_flow_day(
        &self,
        flow: Flow,
        day: NaiveDate,
        limit: u32,
        page: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError>;

    /// Entries in non-final `status` (of `flow`, or of every flow for `None`) whose
    /// status last changed before `older_than`, by that time (stuck detection and DLQ
    /// views). A final status is not indexed and yields an empty page. With a flow, a
    /// page may hold fewer than `limit` items (even none) while `next` is still set.
    async fn query_by_status(
        &self,
        status: StatusKind,
        flow: Option<Flow>,
        older_than: DateTime<Utc>,
        limit: u32,
        page: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError>;
}
