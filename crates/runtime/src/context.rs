//! What a per-message handler knows about its message besides the body.

use std::collections::BTreeMap;

use aws_lambda_events::sqs::SqsMessage;
use chrono::{DateTime, Utc};
use spine_aws::queue::{ParkReason, QueuedMessage, attr};
use spine_core::ids::{CorrelationId, EventKey, Flow};

/// The message's identity and delivery facts, read from SQS's system attributes and the
/// spine's message attributes. Attributes that are absent or malformed are `None`: they
/// label logs and reasons, they never decide whether a message is processed.
#[derive(Clone, Debug, Default)]
pub struct MessageContext {
    /// SQS's message id (changes on redrive; never an idempotency key).
    pub message_id: String,
    /// `ApproximateReceiveCount`, at least 1.
    pub receive_count: u32,
    /// `ApproximateFirstReceiveTimestamp`.
    pub first_received_at: Option<DateTime<Utc>>,
    /// The `waiting_since` attribute: set on a copy sent again to keep waiting on a
    /// dependency, the first receive of the first copy.
    pub waiting_since: Option<DateTime<Utc>>,
    /// The `correlation_id` attribute.
    pub correlation_id: Option<CorrelationId>,
    /// The `event_key` attribute.
    pub event_key: Option<EventKey>,
    /// The `flow` attribute.
    pub flow: Option<Flow>,
    /// Every string message attribute, as sent.
    pub attributes: BTreeMap<String, String>,
}

impl MessageContext {
    /// Reads the context of one record of a Lambda SQS event.
    pub fn from_record(record: &SqsMessage) -> Self {
        let attributes: BTreeMap<String, String> = record
            .message_attributes
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.string_value.clone()?)))
            .collect();
        let receive_count = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1u32)
            .max(1);
        let first_received_at = record
            .attributes
            .get("ApproximateFirstReceiveTimestamp")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_millis);
        let get = |name: &str| attributes.get(name).map(String::as_str);
        Self {
            message_id: record.message_id.clone().unwrap_or_default(),
            receive_count,
            first_received_at,
            waiting_since: get(attr::WAITING_SINCE)
                .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
                .map(|t| t.with_timezone(&Utc)),
            correlation_id: get(attr::CORRELATION_ID).and_then(|v| CorrelationId::parse(v).ok()),
            event_key: get(attr::EVENT_KEY).and_then(|v| EventKey::parse(v).ok()),
            flow: get(attr::FLOW).and_then(|v| v.parse().ok()),
            attributes,
        }
    }

    /// When this event's failures started: the first copy's first receive when it was sent
    /// again to keep waiting, else this message's first receive.
    pub fn first_attempt(&self) -> Option<DateTime<Utc>> {
        self.waiting_since.or(self.first_received_at)
    }

    /// Why this message is parked: `class` and `message`, its receive count, and its
    /// [`Self::first_attempt`] (`now` when unknown) as the first failure.
    pub fn park_reason(&self, class: &str, message: impl Into<String>, now: DateTime<Utc>) -> ParkReason {
        ParkReason {
            class: class.to_owned(),
            message: message.into(),
            attempts: self.receive_count,
            first_failure: self.first_attempt().unwrap_or(now),
        }
    }

    /// The message in the shape the queue adapter moves (for parking).
    pub(crate) fn queued(&self, record: &SqsMessage) -> QueuedMessage {
        QueuedMessage {
            message_id: self.message_id.clone(),
            receipt_handle: record.receipt_handle.clone().unwrap_or_default(),
            body: record.body.clone().unwrap_or_default(),
            attributes: self.attributes.clone(),
        }
    }
}
