//! What the handler needs from the world besides the ledger (whose port is the core's
//! [`spine_core::ledger::Ledger`]): the signing keys of a source and the flow queues.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spine_core::{Envelope, Flow};
use spine_ingest::{SigningKeys, SourceConfig};

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why the keys of a source could not be had. Every case answers 503: the sender
/// retries, and the event is not lost.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("secret {secret} could not be read")]
    Unavailable {
        secret: String,
        #[source]
        source: BoxError,
    },
    #[error("secret {0} holds no usable value")]
    Empty(String),
}

/// The signing keys of each source.
#[async_trait]
pub trait KeySource: Send + Sync {
    /// The keys a delivery of `source` may be signed with at `now`: the current secret,
    /// and the previous one while its grace period lasts. Implementations may cache;
    /// a rotation must be visible within the cache time.
    async fn keys(&self, source: &SourceConfig, now: DateTime<Utc>) -> Result<SigningKeys, KeyError>;
}

/// Why an event could not be put on its queue.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("no queue is configured for flow {0}")]
    NoQueue(Flow),
    #[error("sending to the {flow} queue failed")]
    Send {
        flow: Flow,
        #[source]
        source: BoxError,
    },
}

/// The flow queues.
#[async_trait]
pub trait EventQueue: Send + Sync {
    /// Puts the envelope on its flow's queue. `Ok` means the queue has it durably; on
    /// error it may or may not have it (the caller answers 5xx and the retry re-sends:
    /// workers are idempotent on the business key, so a second copy is harmless).
    async fn enqueue(&self, envelope: &Envelope) -> Result<(), QueueError>;
}
