//! DLQ read helpers for the operator tooling: peek without consuming, redrive one.

use aws_sdk_sqs::types::{ChangeMessageVisibilityBatchRequestEntry, MessageSystemAttributeName};
use chrono::{DateTime, Utc};

use super::error::boxed;
use super::park::QueuedMessage;
use super::{ParkReason, QueueError, SqsQueues, attr};

/// A parked message with its reason read back from the attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DlqMessage {
    /// The message as received from the DLQ.
    pub message: QueuedMessage,
    /// The park reason, when the message carries the reason attributes (messages put in
    /// the DLQ by SQS's own redrive policy do not).
    pub reason: Option<ParkReason>,
    /// The queue it was parked from (the redrive target), when recorded.
    pub source_queue: Option<String>,
}

/// The attributes a redriven message keeps: the original ones without the park reason.
pub fn redrive_attributes(message: &QueuedMessage) -> impl Iterator<Item = (&String, &String)> {
    message
        .attributes
        .iter()
        .filter(|(name, _)| !attr::PARK_ATTRIBUTES.contains(&name.as_str()))
}

impl DlqMessage {
    fn from_message(message: QueuedMessage) -> Self {
        let get = |name: &str| message.attributes.get(name).cloned();
        let reason = (|| {
            Some(ParkReason {
                class: get(attr::ERROR_CLASS)?,
                message: get(attr::ERROR_MESSAGE).unwrap_or_default(),
                attempts: get(attr::ATTEMPTS)?.parse().ok()?,
                first_failure: DateTime::parse_from_rfc3339(&get(attr::FIRST_FAILURE)?)
                    .ok()?
                    .with_timezone(&Utc),
            })
        })();
        let source_queue = get(attr::SOURCE_QUEUE);
        Self {
            message,
            reason,
            source_queue,
        }
    }
}

impl SqsQueues {
    /// Receives up to `max` (1..=10) messages and makes them visible again at once, so
    /// looking at a DLQ never hides its messages from the next look or a redrive. A
    /// message may appear in two consecutive peeks or, under concurrency, be missed by
    /// one: peek is for inspection, not for exactly-once consumption.
    #[tracing::instrument(skip(self))]
    pub async fn peek(&self, queue_url: &str, max: i32) -> Result<Vec<DlqMessage>, QueueError> {
        let received = self.receive(queue_url, max).await?;
        if received.is_empty() {
            return Ok(Vec::new());
        }
        let mut request = self.client.change_message_visibility_batch().queue_url(queue_url);
        for (i, m) in received.iter().enumerate() {
            let entry = ChangeMessageVisibilityBatchRequestEntry::builder()
                .id(i.to_string())
                .receipt_handle(&m.receipt_handle)
                .visibility_timeout(0)
                .build()
                .map_err(|e| QueueError::Visibility {
                    queue_url: queue_url.to_owned(),
                    source: boxed(e),
                })?;
            request = request.entries(entry);
        }
        request.send().await.map_err(|e| QueueError::Visibility {
            queue_url: queue_url.to_owned(),
            source: boxed(e),
        })?;
        Ok(received.into_iter().map(DlqMessage::from_message).collect())
    }

    /// Receives up to `max` (1..=10) messages with all their attributes, without waiting.
    /// They stay invisible for the queue's visibility timeout.
    pub async fn receive(&self, queue_url: &str, max: i32) -> Result<Vec<QueuedMessage>, QueueError> {
        let output = self
            .client
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(max.clamp(1, 10))
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(|e| QueueError::Receive {
                queue_url: queue_url.to_owned(),
                source: boxed(e),
            })?;
        Ok(output.messages().iter().map(QueuedMessage::from_sdk).collect())
    }

    /// Moves one message received from `dlq_url` back to `target_url` (without the park
    /// attributes), deleting it from the DLQ only after the send succeeded.
    #[tracing::instrument(skip(self, message), fields(message_id = %message.message_id))]
    pub async fn redrive_one(
        &self,
        dlq_url: &str,
        target_url: &str,
        message: &QueuedMessage,
    ) -> Result<(), QueueError> {
        self.relay(dlq_url, target_url, message, [], None).await
    }
}
