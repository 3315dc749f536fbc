//! SQS adapter errors.

use spine_core::disposition::{Classify, Disposition};

type Source = Box<dyn std::error::Error + Send + Sync>;

/// A failed SQS operation. `queue_url` says which queue; the SDK error is kept as source.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// SendMessage / SendMessageBatch failed.
    #[error("sending to {queue_url} failed")]
    Send {
        /// Target queue.
        queue_url: String,
        /// SDK error.
        #[source]
        source: Source,
    },
    /// DeleteMessage failed (the message will become visible again: a duplicate, not a loss).
    #[error("deleting from {queue_url} failed")]
    Delete {
        /// Queue.
        queue_url: String,
        /// SDK error.
        #[source]
        source: Source,
    },
    /// ChangeMessageVisibility failed.
    #[error("changing visibility on {queue_url} failed")]
    Visibility {
        /// Queue.
        queue_url: String,
        /// SDK error.
        #[source]
        source: Source,
    },
    /// ReceiveMessage failed.
    #[error("receiving from {queue_url} failed")]
    Receive {
        /// Queue.
        queue_url: String,
        /// SDK error.
        #[source]
        source: Source,
    },
    /// A message lacks what the operation needs (receipt handle, body).
    #[error("message {message_id} has no {what}")]
    Incomplete {
        /// The message id, or empty.
        message_id: String,
        /// The missing part.
        what: &'static str,
    },
}

impl Classify for QueueError {
    fn disposition(&self) -> Disposition {
        match self {
            QueueError::Incomplete { .. } => Disposition::Permanent,
            // SQS failures are network, throttling or a queue being created: worth a retry.
            _ => Disposition::TRANSIENT,
        }
    }
}

pub(crate) fn boxed<E: std::error::Error + Send + Sync + 'static>(e: E) -> Source {
    Box::new(e)
}
