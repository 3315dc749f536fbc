//! What is waiting rather than done: ledger entries stuck in RECEIVED or QUEUED beyond
//! their flow's SLA, and each flow's dead-letter queue (depth and oldest message).

use async_trait::async_trait;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use chrono::{DateTime, Utc};
use spine_core::{Flow, Ledger, StatusKind};

use crate::config::ReconcileConfig;
use crate::error::ReconcileError;
use crate::report::{Exception, ExceptionKind, ParkedQueue};
use crate::zone::DayZone;

/// Reads the dead-letter queues.
///
/// Contract: one [`ParkedQueue`] per configured flow; reading never hides, moves or
/// deletes a message (a later redrive sees every message the probe saw).
#[async_trait]
pub trait ParkedProbe: Send + Sync {
    async fn parked(&self, now: DateTime<Utc>) -> Result<Vec<ParkedQueue>, ReconcileError>;
}

/// The SQS probe: `GetQueueAttributes` for the depth and one receive with visibility
/// timeout 0 for the oldest `SentTimestamp` among up to 10 messages (SQS gives no exact
/// oldest age outside CloudWatch's `ApproximateAgeOfOldestMessage`, which the template's
/// alarms use).
pub struct SqsParked {
    client: aws_sdk_sqs::Client,
    dlqs: Vec<(Flow, String)>,
}

impl SqsParked {
    /// A probe of these (flow, DLQ URL) pairs.
    pub fn new(client: aws_sdk_sqs::Client, dlqs: Vec<(Flow, String)>) -> Self {
        Self { client, dlqs }
    }

    async fn one(&self, flow: Flow, url: &str, now: DateTime<Utc>) -> Result<ParkedQueue, ReconcileError> {
        let dlq = |e: aws_sdk_sqs::Error| ReconcileError::Dlq {
            flow,
            source: Box::new(e),
        };
        let attrs = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .map_err(|e| dlq(e.into()))?;
        let depth = attrs
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        let mut oldest_age_seconds = None;
        if depth > 0 {
            let received = self
                .client
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .visibility_timeout(0)
                .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
                .send()
                .await
                .map_err(|e| dlq(e.into()))?;
            let oldest_ms = received
                .messages()
                .iter()
                .filter_map(|m| {
                    m.attributes()?
                        .get(&MessageSystemAttributeName::SentTimestamp)?
                        .parse::<i64>()
                        .ok()
                })
                .min();
            oldest_age_seconds =
                oldest_ms.map(|ms| ((now.timestamp_millis() - ms).max(0) / 1000).unsigned_abs());
        }
        Ok(ParkedQueue {
            flow,
            depth,
            oldest_age_seconds,
        })
    }
}

#[async_trait]
impl ParkedProbe for SqsParked {
    async fn parked(&self, now: DateTime<Utc>) -> Result<Vec<ParkedQueue>, ReconcileError> {
        let mut out = Vec::with_capacity(self.dlqs.len());
        for (flow, url) in &self.dlqs {
            out.push(self.one(*flow, url, now).await?);
        }
        Ok(out)
    }
}

/// One exception per flow whose DLQ holds messages, counting them.
pub(crate) fn parked_exceptions(queues: &[ParkedQueue]) -> Vec<Exception> {
    queues
        .iter()
        .filter(|q| q.depth > 0)
        .map(|q| Exception {
            kind: ExceptionKind::Parked,
            flow: q.flow,
            day: None,
            event_key: None,
            source_id: format!("{}-dlq", q.flow),
            odoo: vec![],
            expected: None,
            found: None,
            detail: match q.oldest_age_seconds {
                Some(age) => format!("{} message(s), oldest {age} s", q.depth),
                None => format!("{} message(s)", q.depth),
            },
            action: "inspect with the operator CLI, fix the cause, redrive or discard".into(),
            count: q.depth,
        })
        .collect()
}

/// Every entry RECEIVED or QUEUED since before its flow's SLA, whatever its day.
pub(crate) async fn stuck(
    ledger: &dyn Ledger,
    config: &ReconcileConfig,
    zone: DayZone,
    now: DateTime<Utc>,
) -> Result<Vec<Exception>, ReconcileError> {
    let mut out = Vec::new();
    for flow in Flow::ALL {
        let sla = chrono::Duration::from_std(config.sla(flow)).unwrap_or(chrono::Duration::hours(1));
        for status in [StatusKind::Received, StatusKind::Queued] {
            let mut token = None;
            loop {
                let page = ledger
                    .query_by_status(status, Some(flow), now - sla, config.page_size, token)
                    .await?;
                out.extend(page.items.iter().map(|e| Exception {
                    kind: ExceptionKind::Stuck,
                    flow,
                    day: Some(zone.day_of(e.received_at)),
                    event_key: Some(e.event_key.as_str().to_owned()),
                    source_id: e.business_key.render(),
                    odoo: vec![],
                    expected: e.amount.map(crate::compare::amount),
                    found: None,
                    detail: format!("{status} since {}", e.updated_at.to_rfc3339()),
                    action: "check the flow's worker and queue; redrive or re-enqueue the event".into(),
                    count: 1,
                }));
                token = page.next;
                if token.is_none() {
                    break;
                }
            }
        }
    }
    Ok(out)
}
