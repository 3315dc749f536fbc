//! The worker around the flows: idempotency keyed by the event's business key, one
//! credentials refresh, and the ledger's APPLIED / PARKED marks. Core ports only (no
//! AWS): the Lambda functions plug in the DynamoDB and Secrets Manager adapters.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use secrecy::SecretString;
use spine_core::idempotency::{
    Idempotency, IdempotencyError, IdempotencyKey, Outcome, PayloadHash, StoreError,
};
use spine_core::ledger::{Ledger, LedgerError, OdooRecords};
use spine_core::{Classify, Disposition, Envelope, Flow};

use crate::applied::Applied;
use crate::error::SyncError;
use crate::syncer::Syncer;

/// A boxed error from a port adapter.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where a rotated Odoo API key comes from (Secrets Manager in the functions).
///
/// Contract: `fresh_api_key` reads the current key now, bypassing any cache; it is
/// called at most once per event, right after Odoo rejected the key in use.
#[async_trait::async_trait]
pub trait ApiKeySource: Send + Sync {
    /// The current API key, read now.
    async fn fresh_api_key(&self) -> Result<SecretString, BoxError>;
}

/// How a handled event ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    /// The flow ran now.
    Applied(Applied),
    /// An earlier run's stored result; Odoo was not called.
    Replayed(Applied),
}

/// Why a worker could not finish an event. Each variant's [`Classify`] decides retry,
/// wait or park.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The flow failed (after at most one credentials refresh).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// This worker does not handle the event's flow: a routing bug, parked.
    #[error("a {found} event reached the {expected} worker")]
    WrongFlow { expected: Flow, found: Flow },
    /// Another run holds the event's business key.
    #[error("event {key} is being applied by another run")]
    InProgress {
        key: IdempotencyKey,
        retry_after: Duration,
    },
    /// The business key was used before with a different payload.
    #[error("idempotency key {key} was already used with a different payload")]
    PayloadMismatch { key: IdempotencyKey },
    /// The idempotency store failed or could not store the result.
    #[error("idempotency store: {0}")]
    Idempotency(String, #[source] Option<StoreError>),
    /// The ledger could not be updated (the Odoo side is done; a retry replays).
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    /// Odoo rejected the key and reading a fresh one failed.
    #[error("reading a fresh Odoo API key failed")]
    Credentials(#[source] BoxError),
}

impl Classify for WorkerError {
    fn disposition(&self) -> Disposition {
        match self {
            // Still refused after one fresh read of the secret: the key was rotated on
            // one side only so far (Odoo or Secrets Manager). Waited out with backoff;
            // parked with class `credentials` on the queue's last receive if it stays.
            Self::Sync(e) if e.is_credentials() => Disposition::TRANSIENT,
            Self::Sync(e) => e.disposition(),
            Self::InProgress { retry_after, .. } => Disposition::Transient {
                retry_after: Some(*retry_after),
                overload: false,
            },
            Self::WrongFlow { .. } | Self::PayloadMismatch { .. } => Disposition::Permanent,
            Self::Idempotency(_, Some(e)) => e.disposition(),
            Self::Idempotency(_, None) => Disposition::Permanent,
            Self::Ledger(e) => e.disposition(),
            // Secrets Manager unreachable or throttled: worth another try.
            Self::Credentials(_) => Disposition::TRANSIENT,
        }
    }
}

impl WorkerError {
    /// The class the ledger and the DLQ record for a parked event.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Sync(e) if e.is_credentials() => "credentials",
            Self::Sync(SyncError::Odoo { .. }) => "odoo",
            Self::Sync(SyncError::Waiting { .. } | SyncError::NotConfirmed { .. }) => "waiting_on_dependency",
            Self::Sync(_) => "business",
            Self::WrongFlow { .. } => "routing",
            Self::PayloadMismatch { .. } => "payload_mismatch",
            Self::InProgress { .. } | Self::Idempotency(..) => "idempotency",
            Self::Ledger(_) => "ledger",
            Self::Credentials(_) => "credentials",
        }
    }
}

/// One flow's worker: built once per Lambda instance, shared by every message.
///
/// Contract of [`Worker::handle`]: the flow runs at most once per business key and
/// payload while its idempotency record lives (a redelivery with a new message id
/// replays the stored result without calling Odoo); the ledger entry is marked APPLIED
/// with the touched records after a run or a replay (so a lost ledger write is repaired
/// by the next delivery).
pub struct Worker {
    flow: Flow,
    syncer: Arc<Syncer>,
    idempotency: Idempotency,
    ledger: Arc<dyn Ledger>,
    keys: Option<Arc<dyn ApiKeySource>>,
    actor: String,
    /// Runs the flow without an idempotency record (the proof's unsafe test mode only).
    skip_idempotency: bool,
}

impl Worker {
    /// A worker for `flow`; `actor` names it in ledger history (e.g. `order-sync`).
    pub fn new(
        flow: Flow,
        syncer: Arc<Syncer>,
        idempotency: Idempotency,
        ledger: Arc<dyn Ledger>,
        keys: Option<Arc<dyn ApiKeySource>>,
        actor: impl Into<String>,
    ) -> Self {
        Self {
            flow,
            syncer,
            idempotency,
            ledger,
            keys,
            actor: actor.into(),
            skip_idempotency: false,
        }
    }

    /// Test mode ([`spine_core::idempotency::UNSAFE_SKIP_ENV`]): every delivery runs the
    /// flow with no idempotency record, leaving only Odoo's external ids between a
    /// repeated message and a second record.
    pub fn without_idempotency(mut self) -> Self {
        self.skip_idempotency = true;
        self
    }

    /// The syncer (and through it the Odoo client and its round-trip counter).
    pub fn syncer(&self) -> &Syncer {
        &self.syncer
    }

    /// Applies `envelope` once; `deadline_ms` is the Lambda deadline (epoch ms), after
    /// which another run may take the business key over.
    pub async fn handle(
        &self,
        envelope: &Envelope,
        deadline_ms: Option<i64>,
    ) -> Result<Handled, WorkerError> {
        if envelope.flow() != self.flow {
            return Err(WorkerError::WrongFlow {
                expected: self.flow,
                found: envelope.flow(),
            });
        }
        let key = IdempotencyKey::from_business_key(&envelope.business_key);
        let event = serde_json::to_value(&envelope.event).unwrap_or_default();
        let payload = PayloadHash::of_json(&event);
        let outcome = if self.skip_idempotency {
            Outcome::Ran(self.apply(envelope).await?)
        } else {
            self.idempotency
                .run(&key, &payload, deadline_ms, || self.apply(envelope))
                .await
                .map_err(|e| lift(e, &key))?
        };
        let handled = match outcome {
            Outcome::Ran(applied) => Handled::Applied(applied),
            Outcome::Replayed(applied) => Handled::Replayed(applied),
            Outcome::InProgress { retry_after } => return Err(WorkerError::InProgress { key, retry_after }),
        };
        let applied = match &handled {
            Handled::Applied(a) | Handled::Replayed(a) => a,
        };
        self.ledger
            .mark_applied(&envelope.event_key, &group(applied), Utc::now(), &self.actor)
            .await?;
        Ok(handled)
    }

    /// Records in the ledger that the event was parked with `error`'s class and reason.
    pub async fn mark_parked(&self, envelope: &Envelope, error: &WorkerError) -> Result<(), LedgerError> {
        let reason = match error {
            WorkerError::Sync(e) => e.reason(),
            other => other.to_string(),
        };
        self.ledger
            .mark_parked(
                &envelope.event_key,
                error.class(),
                &reason,
                Utc::now(),
                &self.actor,
            )
            .await
    }

    /// The flow, with one fresh API key and one more try when Odoo rejects the key.
    async fn apply(&self, envelope: &Envelope) -> Result<Applied, WorkerError> {
        match self.syncer.apply(envelope).await {
            Err(e) if e.is_credentials() => {
                let Some(keys) = &self.keys else {
                    return Err(e.into());
                };
                tracing::warn!("Odoo rejected the API key; reading it again once");
                let key = keys.fresh_api_key().await.map_err(WorkerError::Credentials)?;
                self.syncer.odoo().set_api_key(key).await;
                Ok(self.syncer.apply(envelope).await?)
            }
            other => Ok(other?),
        }
    }
}

fn lift(error: IdempotencyError<WorkerError>, key: &IdempotencyKey) -> WorkerError {
    match error {
        IdempotencyError::Body { source, .. } => source,
        IdempotencyError::PayloadMismatch { key } => WorkerError::PayloadMismatch { key },
        IdempotencyError::Store(e) => WorkerError::Idempotency(e.to_string(), Some(e)),
        IdempotencyError::Encoding { source, .. } => {
            WorkerError::Idempotency(format!("result of {key}: {source}"), None)
        }
    }
}

/// The touched records grouped by model, in first-touched order.
fn group(applied: &Applied) -> Vec<OdooRecords> {
    let mut order: Vec<String> = Vec::new();
    let mut by_model: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for t in &applied.touched {
        if !by_model.contains_key(&t.model) {
            order.push(t.model.clone());
        }
        by_model.entry(t.model.clone()).or_default().push(t.id);
    }
    order
        .into_iter()
        .map(|model| OdooRecords {
            ids: by_model.remove(&model).unwrap_or_default(),
            model,
        })
        .collect()
}
