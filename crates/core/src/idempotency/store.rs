//! The port a worker's idempotency needs from a store, and the errors a store reports.

use super::{IdempotencyKey, IdempotencyRecord};
use crate::disposition::{Classify, Disposition};
use async_trait::async_trait;

/// A boxed error source kept inside [`StoreError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a store call failed. Shared by the idempotency store and the ledger, whose
/// adapters map their SDK errors onto it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Throttling, 5xx, timeouts, connection failures: retry with backoff.
    #[error("store unavailable: {message}")]
    Unavailable {
        message: String,
        #[source]
        source: BoxError,
    },
    /// The store refused the request (missing table, access denied, validation):
    /// retrying will not help until someone changes the configuration.
    #[error("store rejected the request: {message}")]
    Rejected {
        message: String,
        #[source]
        source: BoxError,
    },
    /// A stored item could not be read back; names the attribute.
    #[error("malformed stored item: attribute {attribute:?}: {reason}")]
    Malformed { attribute: String, reason: String },
    /// A conditional complete or release found the record no longer held by this run
    /// (it expired and was taken over, or was already released).
    #[error("idempotency record {key} is no longer held by this run")]
    NotHeld { key: IdempotencyKey },
}

impl StoreError {
    /// Shorthand for [`StoreError::Malformed`].
    pub fn malformed(attribute: &str, reason: impl Into<String>) -> Self {
        Self::Malformed {
            attribute: attribute.to_owned(),
            reason: reason.into(),
        }
    }
}

impl Classify for StoreError {
    fn disposition(&self) -> Disposition {
        match self {
            // Losing the record to a successor is safe to retry: the successor's result
            // (or a fresh run, keyed by external ids in Odoo) decides.
            Self::Unavailable { .. } | Self::NotHeld { .. } => Disposition::TRANSIENT,
            Self::Rejected { .. } | Self::Malformed { .. } => Disposition::Permanent,
        }
    }
}

/// Why [`IdempotencyStore::acquire`] did not write the record.
#[derive(Debug, thiserror::Error)]
pub enum AcquireError {
    /// A live record exists; it is returned as the store had it, so no second read is
    /// needed to decide what to do.
    #[error("idempotency record {} already exists", .0.key)]
    Exists(Box<IdempotencyRecord>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Persistence of idempotency records.
///
/// Contract for implementations:
/// - `acquire` is one atomic conditional write of `record` that succeeds only when no
///   record exists for the key or [`IdempotencyRecord::is_takeable`] holds for the
///   existing one at `now_ms`; on conflict it returns the existing record in
///   [`AcquireError::Exists`] from the same call. Retrying it is safe.
/// - `complete` stores `result`, sets COMPLETED and `expiration`, only while the record
///   is INPROGRESS and owned by `owner`; otherwise [`StoreError::NotHeld`].
/// - `release` deletes the record only while it is INPROGRESS and owned by `owner`;
///   a record that is already gone or held by someone else is left alone and `Ok`
///   is returned (the goal, "this run no longer blocks the key", holds either way).
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Writes `record` (INPROGRESS) if the key is free or takeable at `now_ms`.
    async fn acquire(&self, record: &IdempotencyRecord, now_ms: i64) -> Result<(), AcquireError>;

    /// Marks the record COMPLETED with `result`, expiring at `expiration` (epoch s).
    async fn complete(
        &self,
        key: &IdempotencyKey,
        owner: &str,
        result: &serde_json::Value,
        expiration: i64,
    ) -> Result<(), StoreError>;

    /// Deletes the record if this run still holds it.
    async fn release(&self, key: &IdempotencyKey, owner: &str) -> Result<(), StoreError>;

    /// Deletes a COMPLETED record, so the next delivery of its event runs again instead
    /// of replaying the stored result (reconciliation's healing of an event whose Odoo
    /// records were deleted). A record in progress is left alone. Answers whether a
    /// record was deleted.
    async fn forget_completed(&self, key: &IdempotencyKey) -> Result<bool, StoreError>;
}
