//! Reading a DLQ without consuming it: receive with a hold, then release.
//!
//! `SqsQueues::peek` makes messages visible again at once, so repeated peeks see the same
//! first ten. To see a whole DLQ (or walk it for a redrive) the scan keeps what it has
//! received invisible for [`Dlq::hold`] and releases it (visibility 0) when done. A scan
//! that dies midway releases nothing: the messages come back by themselves after the
//! hold. Nothing is ever deleted here.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
};
use chrono::DateTime;
use spine_aws::queue::QueuedMessage;
use spine_core::Flow;

use crate::error::OpError;
use crate::parked::Parked;

/// One flow's DLQ.
#[derive(Clone, Debug)]
pub struct Dlq<'a> {
    pub(crate) client: &'a Client,
    pub(crate) flow: Flow,
    pub(crate) url: &'a str,
    pub(crate) hold: Duration,
}

/// Receives in a row that bring nothing new before a scan stops: short polling may
/// answer empty once while messages remain on another SQS server.
const QUIET_ROUNDS: u32 = 2;

impl Dlq<'_> {
    /// Up to ten messages not seen before in this scan, kept invisible for the hold.
    /// `None` once the DLQ has had nothing new for [`QUIET_ROUNDS`] receives.
    pub async fn next_batch(&self, seen: &mut HashSet<String>) -> Result<Option<Vec<Parked>>, OpError> {
        for _ in 0..QUIET_ROUNDS {
            let fresh: Vec<Parked> = self
                .receive()
                .await?
                .into_iter()
                .filter(|p| seen.insert(p.message.message_id.clone()))
                .collect();
            if !fresh.is_empty() {
                return Ok(Some(fresh));
            }
        }
        Ok(None)
    }

    /// Every message currently in the DLQ, released again before returning.
    pub async fn scan_all(&self) -> Result<Vec<Parked>, OpError> {
        let mut seen = HashSet::new();
        let mut all = Vec::new();
        let outcome = async {
            while let Some(batch) = self.next_batch(&mut seen).await? {
                all.extend(batch);
            }
            Ok::<_, OpError>(())
        }
        .await;
        self.release(&all).await;
        outcome.map(|()| all)
    }

    /// The approximate number of messages (visible and in flight).
    pub async fn depth(&self) -> Result<u64, OpError> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(self.url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(|e| OpError::from_sdk("GetQueueAttributes", self.url, e))?;
        let attrs = out.attributes.unwrap_or_default();
        let n = |name| attrs.get(&name).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        Ok(n(QueueAttributeName::ApproximateNumberOfMessages)
            + n(QueueAttributeName::ApproximateNumberOfMessagesNotVisible))
    }

    async fn receive(&self) -> Result<Vec<Parked>, OpError> {
        let hold = i32::try_from(self.hold.as_secs()).unwrap_or(i32::MAX);
        let out = self
            .client
            .receive_message()
            .queue_url(self.url)
            .max_number_of_messages(10)
            .visibility_timeout(hold)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
            .map_err(|e| OpError::from_sdk("ReceiveMessage", self.url, e))?;
        Ok(out.messages().iter().map(|m| self.to_parked(m)).collect())
    }

    fn to_parked(&self, m: &aws_sdk_sqs::types::Message) -> Parked {
        let parked_at = m
            .attributes()
            .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
            .and_then(|t| t.parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_millis);
        Parked::read(self.flow, QueuedMessage::from_sdk(m), parked_at)
    }

    /// Makes `messages` visible again at once. Best effort: a failed release only delays
    /// the messages until the hold ends, so it is logged, not returned.
    pub async fn release(&self, messages: &[Parked]) {
        for chunk in messages.chunks(10) {
            let entries = chunk.iter().enumerate().filter_map(|(i, p)| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(&p.message.receipt_handle)
                    .visibility_timeout(0)
                    .build()
                    .ok()
            });
            let result = self
                .client
                .change_message_visibility_batch()
                .queue_url(self.url)
                .set_entries(Some(entries.collect()))
                .send()
                .await;
            if let Err(e) = result {
                tracing::warn!(queue = self.url, error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "release failed; messages return after the hold");
            }
        }
    }
}
