//! Running a guarded body at most once per key: acquire, run, complete or release.

use super::{
    AcquireError, Decision, IdempotencyKey, IdempotencyRecord, IdempotencyStatus, IdempotencyStore,
    PayloadHash, StoreError,
};
use crate::disposition::{Classify, Disposition};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The time source; replaceable so tests can stand exactly on an expiry boundary.
pub trait Clock: Send + Sync {
    /// Now, in epoch milliseconds.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        // A clock before 1970 is a broken host; 0 makes every record look live, which
        // errs toward "do not run twice".
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// Timing rules of the idempotency layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdempotencyConfig {
    /// How long a COMPLETED result is replayed. Default 24 h: longer than SQS's
    /// redrive and retry windows for one message (visibility backoff stays within
    /// hours), short enough that the table stays small; a later revision of the same
    /// business object has its own key anyway.
    pub completed_ttl: Duration,
    /// In-progress expiry when the caller has no Lambda deadline. Default 15 min, the
    /// longest a Lambda can run, so a live run is never taken over.
    pub in_progress_fallback: Duration,
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        Self {
            completed_ttl: Duration::from_secs(24 * 3600),
            in_progress_fallback: Duration::from_secs(15 * 60),
        }
    }
}

/// What a guarded run produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome<T> {
    /// The body ran now and its result was stored.
    Ran(T),
    /// An earlier run completed; this is its stored result. The body did not run.
    Replayed(T),
    /// Another run holds the key. The body did not run.
    InProgress { retry_after: Duration },
}

impl<T> Outcome<T> {
    /// `None` when there is a result; for [`Outcome::InProgress`] a transient
    /// disposition carrying the retry delay.
    pub fn disposition(&self) -> Option<Disposition> {
        match self {
            Self::InProgress { retry_after } => Some(Disposition::Transient {
                retry_after: Some(*retry_after),
                overload: false,
            }),
            Self::Ran(_) | Self::Replayed(_) => None,
        }
    }
}

/// Why a guarded run failed. `E` is the body's own error.
#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError<E: std::error::Error + 'static> {
    /// The key has a live record for a different payload.
    #[error("idempotency key {key} was already used with a different payload")]
    PayloadMismatch { key: IdempotencyKey },
    #[error("idempotency store: {0}")]
    Store(#[from] StoreError),
    /// The body failed; the record was released so a retry runs again. When the release
    /// itself failed, the record blocks the key until its in-progress expiry.
    #[error("guarded body failed")]
    Body {
        #[source]
        source: E,
        release_error: Option<StoreError>,
    },
    /// A result could not be stored or a stored result could not be read as `T`.
    #[error("idempotency result encoding for {key}")]
    Encoding {
        key: IdempotencyKey,
        #[source]
        source: serde_json::Error,
    },
}

impl<E: std::error::Error + Classify + 'static> Classify for IdempotencyError<E> {
    fn disposition(&self) -> Disposition {
        match self {
            Self::PayloadMismatch { .. } | Self::Encoding { .. } => Disposition::Permanent,
            Self::Store(error) => error.disposition(),
            Self::Body { source, .. } => source.disposition(),
        }
    }
}

/// The idempotency layer: a store, timing rules and a clock, built once per cold start.
#[derive(Clone)]
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    config: IdempotencyConfig,
    clock: Arc<dyn Clock>,
}

impl Idempotency {
    /// With the system clock.
    pub fn new(store: Arc<dyn IdempotencyStore>, config: IdempotencyConfig) -> Self {
        Self::with_clock(store, config, Arc::new(SystemClock))
    }

    /// With an explicit clock.
    pub fn with_clock(
        store: Arc<dyn IdempotencyStore>,
        config: IdempotencyConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { store, config, clock }
    }

    /// Runs `body` at most once per `key` while its result is live.
    ///
    /// `deadline_ms` is the Lambda invocation's deadline (epoch ms): a run that dies at
    /// it can be taken over from then on. The body's result is stored as JSON and
    /// replayed to later runs with the same payload. When the body fails the record is
    /// released, so the next delivery runs it again.
    pub async fn run<T, E, F, Fut>(
        &self,
        key: &IdempotencyKey,
        payload: &PayloadHash,
        deadline_ms: Option<i64>,
        body: F,
    ) -> Result<Outcome<T>, IdempotencyError<E>>
    where
        T: Serialize + DeserializeOwned,
        E: std::error::Error + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let now_ms = self.clock.now_ms();
        let record = self.in_progress_record(key, payload, now_ms, deadline_ms);
        match self.store.acquire(&record, now_ms).await {
            Ok(()) => {}
            Err(AcquireError::Store(error)) => return Err(error.into()),
            Err(AcquireError::Exists(existing)) => return decode_existing(key, payload, &existing, now_ms),
        }
        match body().await {
            Ok(result) => self.complete(key, &record.owner, result).await,
            Err(source) => {
                let release_error = self.store.release(key, &record.owner).await.err();
                Err(IdempotencyError::Body {
                    source,
                    release_error,
                })
            }
        }
    }

    /// Stores a successful body's result and marks the record COMPLETED.
    async fn complete<T: Serialize, E: std::error::Error + 'static>(
        &self,
        key: &IdempotencyKey,
        owner: &str,
        result: T,
    ) -> Result<Outcome<T>, IdempotencyError<E>> {
        let json = match serde_json::to_value(&result) {
            Ok(json) => json,
            Err(source) => {
                // An unstorable result must not block the key until its expiry.
                let _ = self.store.release(key, owner).await;
                return Err(IdempotencyError::Encoding {
                    key: key.clone(),
                    source,
                });
            }
        };
        let expiration = self.clock.now_ms().div_euclid(1000) + ttl_secs(self.config.completed_ttl);
        self.store.complete(key, owner, &json, expiration).await?;
        Ok(Outcome::Ran(result))
    }

    /// The INPROGRESS record a new run writes.
    fn in_progress_record(
        &self,
        key: &IdempotencyKey,
        payload: &PayloadHash,
        now_ms: i64,
        deadline_ms: Option<i64>,
    ) -> IdempotencyRecord {
        let fallback = now_ms.saturating_add(ttl_secs(self.config.in_progress_fallback).saturating_mul(1000));
        // A deadline already in the past would make our own record takeable at once.
        let in_progress_expiration = deadline_ms.filter(|d| *d > now_ms).unwrap_or(fallback);
        IdempotencyRecord {
            key: key.clone(),
            status: IdempotencyStatus::InProgress,
            expiration: now_ms.div_euclid(1000) + ttl_secs(self.config.completed_ttl),
            in_progress_expiration,
            payload_hash: payload.clone(),
            owner: uuid::Uuid::new_v4().simple().to_string(),
            result: None,
        }
    }
}

fn ttl_secs(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2000)
}

fn decode_existing<T: DeserializeOwned, E: std::error::Error + 'static>(
    key: &IdempotencyKey,
    payload: &PayloadHash,
    existing: &IdempotencyRecord,
    now_ms: i64,
) -> Result<Outcome<T>, IdempotencyError<E>> {
    match existing.decide(payload, now_ms) {
        Decision::Replay(json) => serde_json::from_value(json)
            .map(Outcome::Replayed)
            .map_err(|source| IdempotencyError::Encoding {
                key: key.clone(),
                source,
            }),
        Decision::InProgress { retry_after } => Ok(Outcome::InProgress { retry_after }),
        Decision::PayloadMismatch => Err(IdempotencyError::PayloadMismatch { key: key.clone() }),
        // The store refused a record our own rules call takeable: our clock and the
        // record disagree by a hair (a boundary crossed between the two reads). Asking
        // for a short retry is safe; running now is not.
        Decision::TakeOver => Ok(Outcome::InProgress {
            retry_after: Duration::from_secs(1),
        }),
    }
}
