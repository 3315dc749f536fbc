//! SQS: publishing canonical events, visibility backoff, parking in the DLQ, and the DLQ
//! read helpers the operator tooling uses.
//!
//! Guarantees: a publish reports success only for entries SQS accepted; a park deletes
//! from the source queue only after the DLQ send succeeded; a redrive deletes from the
//! DLQ only after the send to the target succeeded. A crash between the two steps leaves
//! two copies, never none; the workers' idempotency absorbs the copy.

mod config;
mod dlq;
mod error;
mod park;
mod publish;

pub use config::{FlowQueues, QueueConfig, QueueConfigError};
pub use dlq::{DlqMessage, redrive_attributes};
pub use error::QueueError;
pub use park::QueuedMessage;
pub use park::{ParkReason, truncate_at_char_boundary};
pub use publish::{EntryFailure, EventMeta, OutgoingEvent, PublishReport};

/// Names of the message attributes the spine sets. Workers, the DLQ tooling and the
/// ledger agree on these; changing one is a contract change.
pub mod attr {
    /// The flow (`order`, `payment`, `refund`, `shipment`).
    pub const FLOW: &str = "flow";
    /// The canonical contract version, e.g. `order.v1`.
    pub const CONTRACT_VERSION: &str = "contract_version";
    /// The correlation id carried from ingress to Odoo.
    pub const CORRELATION_ID: &str = "correlation_id";
    /// The event key (`source:event id`).
    pub const EVENT_KEY: &str = "event_key";
    /// Park reason: the error class (`parse`, `permanent`, `waiting_on_dependency`, ...).
    pub const ERROR_CLASS: &str = "error_class";
    /// Park reason: a short, safe message.
    pub const ERROR_MESSAGE: &str = "error_message";
    /// Park reason: how many times the message was received.
    pub const ATTEMPTS: &str = "attempts";
    /// Park reason: first failure (RFC 3339, UTC).
    pub const FIRST_FAILURE: &str = "first_failure";
    /// Park reason: the URL of the queue the message was parked from (redrive target).
    pub const SOURCE_QUEUE: &str = "source_queue";
    /// When a message sent again to wait longer on a dependency first waited (RFC 3339,
    /// UTC): its copies keep it, so the dependency window spans them all.
    pub const WAITING_SINCE: &str = "waiting_since";
    /// The attributes a park adds, and the one of a delivery history (`waiting_since`):
    /// a park and a redrive drop them, so a redriven message starts afresh.
    pub const PARK_ATTRIBUTES: [&str; 6] = [
        ERROR_CLASS,
        ERROR_MESSAGE,
        ATTEMPTS,
        FIRST_FAILURE,
        SOURCE_QUEUE,
        WAITING_SINCE,
    ];
}

use aws_sdk_sqs::Client;

/// The SQS adapter. Owns the client (built once at cold start); queue URLs are passed per
/// call, taken from [`QueueConfig`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SqsQueues {
    client: Client,
}

impl SqsQueues {
    /// Wraps a client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }
}
