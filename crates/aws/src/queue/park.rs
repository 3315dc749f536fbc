//! Parking a message in its DLQ with the reason, and visibility backoff.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use super::error::boxed;
use super::publish::string_attr;
use super::{QueueError, SqsQueues, attr};

/// Longest `error_message` attribute kept, in bytes.
pub const MAX_REASON_BYTES: usize = 512;
/// SQS's longest visibility timeout is 12 hours; stay strictly below it.
const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 3600 - 1);
/// SQS's longest delivery delay of a sent message.
const MAX_SEND_DELAY: Duration = Duration::from_secs(15 * 60);

/// A message as received: what a park or a redrive needs to move it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueuedMessage {
    /// SQS's message id.
    pub message_id: String,
    /// The receipt handle of this receive.
    pub receipt_handle: String,
    /// The body, unchanged.
    pub body: String,
    /// String message attributes (the spine only sets string attributes).
    pub attributes: BTreeMap<String, String>,
}

impl QueuedMessage {
    /// A message as SQS's ReceiveMessage gave it (missing parts become empty).
    pub fn from_sdk(m: &aws_sdk_sqs::types::Message) -> Self {
        let attributes = m
            .message_attributes()
            .map(|attrs| {
                attrs
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.string_value()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            message_id: m.message_id().unwrap_or_default().to_owned(),
            receipt_handle: m.receipt_handle().unwrap_or_default().to_owned(),
            body: m.body().unwrap_or_default().to_owned(),
            attributes,
        }
    }
}

/// Why a message is parked; becomes the DLQ message's reason attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParkReason {
    /// Error class, e.g. `parse`, `permanent`, `waiting_on_dependency`.
    pub class: String,
    /// A short human-readable message, safe to show an operator (no secrets, no PII).
    pub message: String,
    /// How many times the message had been received.
    pub attempts: u32,
    /// When it first failed (or was first received).
    pub first_failure: DateTime<Utc>,
}

/// `text` cut to at most `max` bytes without splitting a character.
pub fn truncate_at_char_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl ParkReason {
    pub(crate) fn attributes(&self, source_queue: &str) -> [(&'static str, String); 5] {
        [
            (attr::ERROR_CLASS, self.class.clone()),
            (
                attr::ERROR_MESSAGE,
                truncate_at_char_boundary(&self.message, MAX_REASON_BYTES).to_owned(),
            ),
            (attr::ATTEMPTS, self.attempts.to_string()),
            (
                attr::FIRST_FAILURE,
                self.first_failure.to_rfc3339_opts(SecondsFormat::Millis, true),
            ),
            (attr::SOURCE_QUEUE, source_queue.to_owned()),
        ]
    }
}

impl SqsQueues {
    /// Sends `message` to `dlq_url` with its original attributes plus the reason
    /// attributes, then deletes it from `source_queue_url`. The delete happens only after
    /// the send succeeded: on a send failure the message stays where it was (it will be
    /// received again); on a delete failure it exists in both queues, which the DLQ
    /// tooling and the idempotency layer tolerate. Empty reason fields are sent as `-`
    /// because SQS refuses empty attribute values.
    #[tracing::instrument(skip(self, message, reason), fields(message_id = %message.message_id, class = %reason.class))]
    pub async fn park(
        &self,
        source_queue_url: &str,
        dlq_url: &str,
        message: &QueuedMessage,
        reason: &ParkReason,
    ) -> Result<(), QueueError> {
        if message.receipt_handle.is_empty() {
            return Err(QueueError::Incomplete {
                message_id: message.message_id.clone(),
                what: "receipt handle",
            });
        }
        // SQS refuses empty attribute values.
        let reasons = reason
            .attributes(source_queue_url)
            .map(|(name, value)| (name, if value.is_empty() { "-".to_owned() } else { value }));
        self.relay(source_queue_url, dlq_url, message, reasons, None)
            .await
    }

    /// Sends `message` again to its own queue as a new message, delivered after `delay`
    /// (at most SQS's 15 minutes) and stamped [`attr::WAITING_SINCE`], then deletes the
    /// received copy. A message still waiting on a dependency on its queue's last receive
    /// so starts a fresh receive count instead of going to the DLQ. Same order as
    /// [`Self::park`]: on a send failure nothing changed; on a delete failure both copies
    /// exist, which the idempotency layer tolerates.
    #[tracing::instrument(skip(self, message), fields(message_id = %message.message_id))]
    pub async fn requeue(
        &self,
        queue_url: &str,
        message: &QueuedMessage,
        delay: Duration,
        waiting_since: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        if message.receipt_handle.is_empty() {
            return Err(QueueError::Incomplete {
                message_id: message.message_id.clone(),
                what: "receipt handle",
            });
        }
        let delay_seconds = i32::try_from(delay.as_secs().min(MAX_SEND_DELAY.as_secs())).unwrap_or(0);
        let since = waiting_since.to_rfc3339_opts(SecondsFormat::Millis, true);
        let stamp = [(attr::WAITING_SINCE, since)];
        self.relay(queue_url, queue_url, message, stamp, Some(delay_seconds))
            .await
    }

    /// Sends `message`'s body to `to_url` with its attributes less the park ones
    /// ([`super::redrive_attributes`]) plus `added`, after `delay_seconds` when given,
    /// then deletes it from `from_url`. The delete happens only after the send succeeded:
    /// on a send failure the message stays where it was; on a delete failure it exists
    /// in both queues, which the DLQ tooling and the idempotency layer tolerate.
    pub(super) async fn relay(
        &self,
        from_url: &str,
        to_url: &str,
        message: &QueuedMessage,
        added: impl IntoIterator<Item = (&'static str, String)>,
        delay_seconds: Option<i32>,
    ) -> Result<(), QueueError> {
        let mut send = self
            .client
            .send_message()
            .queue_url(to_url)
            .message_body(&message.body)
            .set_delay_seconds(delay_seconds);
        for (name, value) in super::redrive_attributes(message) {
            send = send.message_attributes(name, string_attr(value));
        }
        for (name, value) in added {
            send = send.message_attributes(name, string_attr(&value));
        }
        send.send().await.map_err(|e| QueueError::Send {
            queue_url: to_url.to_owned(),
            source: boxed(e),
        })?;
        self.delete(from_url, &message.receipt_handle).await
    }

    /// Deletes one received message.
    pub async fn delete(&self, queue_url: &str, receipt_handle: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(queue_url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| QueueError::Delete {
                queue_url: queue_url.to_owned(),
                source: boxed(e),
            })
    }

    /// Makes a received message invisible for `delay` from now (capped just below SQS's
    /// 12 h limit): the backoff before its next attempt.
    #[tracing::instrument(skip(self, receipt_handle))]
    pub async fn extend_visibility(
        &self,
        queue_url: &str,
        receipt_handle: &str,
        delay: Duration,
    ) -> Result<(), QueueError> {
        let seconds = delay.min(MAX_VISIBILITY).as_secs();
        self.client
            .change_message_visibility()
            .queue_url(queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(i32::try_from(seconds).unwrap_or(i32::MAX))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| QueueError::Visibility {
                queue_url: queue_url.to_owned(),
                source: boxed(e),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_splits_a_character() {
        let text = "aé€😀"; // 1 + 2 + 3 + 4 bytes
        assert_eq!(truncate_at_char_boundary(text, 10), text);
        assert_eq!(truncate_at_char_boundary(text, 9), "aé€");
        assert_eq!(truncate_at_char_boundary(text, 2), "a");
        assert_eq!(truncate_at_char_boundary(text, 0), "");
    }

    #[test]
    fn reason_attributes_are_truncated_and_dated_in_utc() {
        let reason = ParkReason {
            class: "permanent".into(),
            message: "é".repeat(400),
            attempts: 3,
            first_failure: DateTime::from_timestamp(0, 0).unwrap_or_default(),
        };
        let attrs = reason.attributes("q");
        assert!(attrs[1].1.len() <= MAX_REASON_BYTES && attrs[1].1.len() == 512);
        assert_eq!(attrs[3].1, "1970-01-01T00:00:00.000Z");
        assert_eq!(attrs[4], (attr::SOURCE_QUEUE, "q".to_owned()));
    }
}
