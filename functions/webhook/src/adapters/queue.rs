//! The flow queues on SQS, through spine-aws's publisher: one message per accepted event,
//! its body the envelope's JSON, with the spine's attributes (flow, contract version,
//! correlation id, event key) for routing and tracing without parsing the body.

use crate::ports::{EventQueue, QueueError};
use async_trait::async_trait;
use spine_aws::queue::{EventMeta, OutgoingEvent, SqsQueues};
use spine_core::{Envelope, Flow};
use std::collections::BTreeMap;

/// Sends envelopes to the queue of their flow.
pub struct SqsEventQueue {
    queues: SqsQueues,
    urls: BTreeMap<Flow, String>,
}

impl SqsEventQueue {
    /// A publisher over `queues` with the queue URL of each flow.
    pub fn new(queues: SqsQueues, urls: BTreeMap<Flow, String>) -> Self {
        Self { queues, urls }
    }
}

#[async_trait]
impl EventQueue for SqsEventQueue {
    #[tracing::instrument(skip_all, fields(event_key = %envelope.event_key, flow = %envelope.flow()))]
    async fn enqueue(&self, envelope: &Envelope) -> Result<(), QueueError> {
        let flow = envelope.flow();
        let url = self.urls.get(&flow).ok_or(QueueError::NoQueue(flow))?;
        let event = OutgoingEvent {
            body: envelope.to_json(),
            meta: EventMeta {
                flow,
                contract_version: envelope.contract().as_str().to_owned(),
                correlation_id: envelope.correlation_id.clone(),
                event_key: envelope.event_key.clone(),
            },
        };
        let report = self.queues.publish(url, std::slice::from_ref(&event)).await;
        match report.failed.first() {
            None if !report.accepted.is_empty() => Ok(()),
            None => Err(QueueError::Send {
                flow,
                source: "SQS reported the message neither accepted nor failed".into(),
            }),
            Some(failure) => Err(QueueError::Send {
                flow,
                source: format!("{}: {}", failure.code, failure.message).into(),
            }),
        }
    }
}
