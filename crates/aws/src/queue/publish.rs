//! Publishing canonical events with SendMessageBatch, retrying only the failed entries.

use std::time::Duration;

use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchError;
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};
use spine_core::ids::{CorrelationId, EventKey, Flow};

use super::{SqsQueues, attr};

/// SQS accepts at most ten entries per batch.
const BATCH: usize = 10;
/// Attempts per entry (the first send plus retries of entries SQS rejected as its fault).
const ATTEMPTS: u32 = 3;

/// The attributes every canonical event carries on its queue.
#[derive(Clone, Debug)]
pub struct EventMeta {
    /// The flow.
    pub flow: Flow,
    /// The contract version, e.g. `order.v1`.
    pub contract_version: String,
    /// The correlation id.
    pub correlation_id: CorrelationId,
    /// The event key.
    pub event_key: EventKey,
}

/// One event to publish: its JSON body and attributes.
#[derive(Clone, Debug)]
pub struct OutgoingEvent {
    /// The serialized canonical envelope.
    pub body: String,
    /// Its attributes.
    pub meta: EventMeta,
}

/// Why one entry was not accepted after all attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryFailure {
    /// Index of the event in the slice given to [`SqsQueues::publish`].
    pub index: usize,
    /// SQS's error code (or `RequestFailed` when the whole call failed).
    pub code: String,
    /// SQS's message, if any.
    pub message: String,
    /// True when SQS blamed the request (retrying the same entry cannot help).
    pub sender_fault: bool,
}

/// The outcome per entry. Every index appears in exactly one of the two lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Indices SQS accepted, with the message id it assigned.
    pub accepted: Vec<(usize, String)>,
    /// Indices not accepted.
    pub failed: Vec<EntryFailure>,
}

impl PublishReport {
    /// True when every entry was accepted.
    pub fn all_accepted(&self) -> bool {
        self.failed.is_empty()
    }
}

impl EventMeta {
    pub(crate) fn attributes(&self) -> Vec<(&'static str, String)> {
        vec![
            (attr::FLOW, self.flow.as_str().to_owned()),
            (attr::CONTRACT_VERSION, self.contract_version.clone()),
            (attr::CORRELATION_ID, self.correlation_id.to_string()),
            (attr::EVENT_KEY, self.event_key.to_string()),
        ]
    }
}

pub(crate) fn string_attr(value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .expect("data_type is set") // the builder only fails without data_type
}

impl SqsQueues {
    /// Publishes `events` to `queue_url` in batches of ten. Entries SQS rejects through no
    /// fault of the sender (and whole failed calls) are retried, only them, up to three
    /// attempts with a short backoff. Never reports an entry as accepted unless SQS
    /// returned it in `Successful`; an entry missing from both lists counts as failed.
    #[tracing::instrument(skip(self, events), fields(count = events.len()))]
    pub async fn publish(&self, queue_url: &str, events: &[OutgoingEvent]) -> PublishReport {
        let mut report = PublishReport::default();
        for start in (0..events.len()).step_by(BATCH) {
            let end = (start + BATCH).min(events.len());
            let mut pending: Vec<usize> = (start..end).collect();
            for attempt in 1..=ATTEMPTS {
                let failures = self.send_batch(queue_url, events, &pending, &mut report).await;
                let (retry, fatal): (Vec<_>, Vec<_>) = failures
                    .into_iter()
                    .partition(|f| !f.sender_fault && attempt < ATTEMPTS);
                report.failed.extend(fatal);
                pending = retry.into_iter().map(|f| f.index).collect();
                if pending.is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
            }
        }
        report.failed.sort_by_key(|f| f.index);
        report.accepted.sort();
        report
    }

    /// One SendMessageBatch of `indices`; records accepted ones, returns the failures.
    async fn send_batch(
        &self,
        queue_url: &str,
        events: &[OutgoingEvent],
        indices: &[usize],
        report: &mut PublishReport,
    ) -> Vec<EntryFailure> {
        let mut request = self.client.send_message_batch().queue_url(queue_url);
        for &index in indices {
            let event = &events[index];
            let mut entry = SendMessageBatchRequestEntry::builder()
                .id(index.to_string())
                .message_body(&event.body);
            for (name, value) in event.meta.attributes() {
                entry = entry.message_attributes(name, string_attr(&value));
            }
            match entry.build() {
                Ok(entry) => request = request.entries(entry),
                Err(e) => tracing::error!(index, error = %e, "batch entry could not be built"),
            }
        }
        let output = match request.send().await {
            Ok(output) => output,
            Err(e) => {
                return self
                    .whole_batch_failed(queue_url, events, indices, report, &e)
                    .await;
            }
        };
        let mut seen = Vec::with_capacity(indices.len());
        for ok in output.successful() {
            if let Ok(index) = ok.id().parse::<usize>() {
                seen.push(index);
                report.accepted.push((index, ok.message_id().to_owned()));
            }
        }
        let mut failures: Vec<EntryFailure> = output
            .failed()
            .iter()
            .filter_map(|f| {
                let index = f.id().parse::<usize>().ok()?;
                seen.push(index);
                Some(failure(
                    index,
                    f.code(),
                    f.message().unwrap_or_default(),
                    f.sender_fault(),
                ))
            })
            .collect();
        // An entry SQS mentioned in neither list was not accepted: retry it.
        for &index in indices.iter().filter(|i| !seen.contains(i)) {
            failures.push(failure(
                index,
                "Unanswered",
                "entry missing from the answer",
                false,
            ));
        }
        failures
    }
}

impl SqsQueues {
    /// A refused call: when SQS blamed the request and several entries were in it, one
    /// bad entry must not hold the others hostage, so each is sent alone to find it.
    async fn whole_batch_failed(
        &self,
        queue_url: &str,
        events: &[OutgoingEvent],
        indices: &[usize],
        report: &mut PublishReport,
        error: &SdkError<SendMessageBatchError, HttpResponse>,
    ) -> Vec<EntryFailure> {
        let sender_fault = matches!(error, SdkError::ServiceError(e) if e.raw().status().is_client_error());
        let (code, message) = match error.as_service_error() {
            Some(e) => (
                e.code().unwrap_or("ServiceError"),
                e.message().unwrap_or_default().to_owned(),
            ),
            None => (
                "RequestFailed",
                aws_sdk_sqs::error::DisplayErrorContext(error).to_string(),
            ),
        };
        tracing::warn!(code, %message, sender_fault, "SendMessageBatch refused as a whole");
        if sender_fault && indices.len() > 1 {
            let mut failures = Vec::new();
            for &index in indices {
                failures.extend(Box::pin(self.send_batch(queue_url, events, &[index], report)).await);
            }
            return failures;
        }
        indices
            .iter()
            .map(|&index| failure(index, code, &message, sender_fault))
            .collect()
    }
}

fn failure(index: usize, code: &str, message: &str, sender_fault: bool) -> EntryFailure {
    EntryFailure {
        index,
        code: code.to_owned(),
        message: message.to_owned(),
        sender_fault,
    }
}
