//! The port the batch wrapper uses to act on a message: park it, delay it, or send it
//! again to keep waiting.

use std::time::Duration;

use chrono::{DateTime, Utc};
use spine_aws::queue::{FlowQueues, ParkReason, QueueError, QueuedMessage, SqsQueues};

/// What the batch wrapper needs from the queue. Implemented on SQS by [`SqsActions`];
/// tests may use an in-memory one.
#[async_trait::async_trait]
pub trait MessageActions: Send + Sync {
    /// Moves the message to the DLQ with `reason` and removes it from its queue.
    /// `Ok` only when the DLQ holds it; on `Err` the caller must report the message as
    /// failed so it is not lost.
    async fn park(&self, message: &QueuedMessage, reason: &ParkReason) -> Result<(), QueueError>;

    /// Hides the message for `delay` before its next receive. Best effort: on failure the
    /// queue's own visibility timeout applies.
    async fn delay(&self, message: &QueuedMessage, delay: Duration) -> Result<(), QueueError>;

    /// Sends the message again as a new one (fresh receive count) delivered after
    /// `delay`, stamped `waiting_since`, and removes the received copy. `Ok` only when the
    /// new copy was sent; on `Err` the caller parks the message instead.
    async fn requeue(
        &self,
        message: &QueuedMessage,
        delay: Duration,
        waiting_since: DateTime<Utc>,
    ) -> Result<(), QueueError>;
}

/// [`MessageActions`] on one flow's SQS queue and DLQ.
#[derive(Clone, Debug)]
pub struct SqsActions {
    queues: SqsQueues,
    urls: FlowQueues,
}

impl SqsActions {
    /// Acts on messages of `urls.queue_url`, parking them in `urls.dlq_url`.
    pub fn new(queues: SqsQueues, urls: FlowQueues) -> Self {
        Self { queues, urls }
    }
}

#[async_trait::async_trait]
impl MessageActions for SqsActions {
    async fn park(&self, message: &QueuedMessage, reason: &ParkReason) -> Result<(), QueueError> {
        self.queues
            .park(&self.urls.queue_url, &self.urls.dlq_url, message, reason)
            .await
    }

    async fn delay(&self, message: &QueuedMessage, delay: Duration) -> Result<(), QueueError> {
        self.queues
            .extend_visibility(&self.urls.queue_url, &message.receipt_handle, delay)
            .await
    }

    async fn requeue(
        &self,
        message: &QueuedMessage,
        delay: Duration,
        waiting_since: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        self.queues
            .requeue(&self.urls.queue_url, message, delay, waiting_since)
            .await
    }
}
