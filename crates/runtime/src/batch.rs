//! The partial-batch wrapper: one typed handler call per message, concurrently, each in
//! its own span; failures turned into item failures, delays or parks.

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::Utc;
use serde::de::DeserializeOwned;
use spine_aws::queue::ParkReason;
use spine_core::disposition::Classify;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::{Action, BatchPolicy, MessageActions, MessageContext, decide, park_class};

/// A batch the wrapper refuses as a whole (Lambda then retries every message in it).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A record without a message id cannot be reported individually.
    #[error("an SQS record has no message id")]
    MissingMessageId,
}

/// Lifts `handler: Fn(T, MessageContext) -> Future<Output = Result<(), E>>` to an SQS
/// batch handler.
///
/// Contract, per message: a body that does not parse into `T` is parked (class `parse`,
/// the JSON path and reason); `Ok` is a success; an error is decided by
/// [`decide`] from its [`Classify`] disposition: a retry is reported as a batch item
/// failure after its visibility was extended, a park moves it to the DLQ. A park that
/// fails, and a handler that panics, are reported as item failures: a message is never
/// reported as done unless it was handled or parked.
pub struct BatchHandler<T, H> {
    handler: Arc<H>,
    actions: Arc<dyn MessageActions>,
    policy: BatchPolicy,
    _message: PhantomData<fn() -> T>,
}

impl<T, H> Clone for BatchHandler<T, H> {
    fn clone(&self) -> Self {
        Self {
            handler: self.handler.clone(),
            actions: self.actions.clone(),
            policy: self.policy,
            _message: PhantomData,
        }
    }
}

/// How one message ended, as seen by the batch response.
enum Outcome {
    Done,
    Failed,
}

impl<T, H, Fut, E> BatchHandler<T, H>
where
    T: DeserializeOwned + Send + 'static,
    H: Fn(T, MessageContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Classify + std::fmt::Display + Send + 'static,
{
    /// A wrapper around `handler`, acting on messages through `actions`.
    pub fn new(handler: H, actions: Arc<dyn MessageActions>, policy: BatchPolicy) -> Self {
        Self {
            handler: Arc::new(handler),
            actions,
            policy,
            _message: PhantomData,
        }
    }

    /// Handles one Lambda SQS event; the response lists exactly the messages to retry.
    pub async fn handle(&self, event: SqsEvent) -> Result<SqsBatchResponse, BatchError> {
        if event
            .records
            .iter()
            .any(|r| r.message_id.as_deref().is_none_or(str::is_empty))
        {
            return Err(BatchError::MissingMessageId);
        }
        let limit = Arc::new(Semaphore::new(self.policy.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        let mut ids = HashMap::new();
        for record in event.records {
            let id = record.message_id.clone().unwrap_or_default();
            let this = self.clone();
            let limit = limit.clone();
            let handle = tasks.spawn(async move {
                // The semaphore is never closed, so acquire only fails if it were.
                let _permit = limit.acquire_owned().await;
                this.one(record).await
            });
            ids.insert(handle.id(), id);
        }
        let mut response = SqsBatchResponse::default();
        while let Some(joined) = tasks.join_next_with_id().await {
            let (task, outcome) = match joined {
                Ok((task, outcome)) => (task, outcome),
                Err(e) => {
                    tracing::error!(error = %e, "message task panicked; reporting it as failed");
                    (e.id(), Outcome::Failed)
                }
            };
            if let (Outcome::Failed, Some(id)) = (outcome, ids.remove(&task)) {
                response.add_failure(id);
            }
        }
        Ok(response)
    }

    async fn one(&self, record: SqsMessage) -> Outcome {
        let ctx = MessageContext::from_record(&record);
        let span = tracing::info_span!(
            "message",
            message_id = %ctx.message_id,
            event_key = ctx.event_key.as_ref().map(tracing::field::display),
            correlation_id = ctx.correlation_id.as_ref().map(tracing::field::display),
            receive_count = ctx.receive_count,
        );
        self.process(record, ctx).instrument(span).await
    }

    async fn process(&self, record: SqsMessage, ctx: MessageContext) -> Outcome {
        let body = record.body.as_deref().unwrap_or_default();
        let mut de = serde_json::Deserializer::from_str(body);
        let message = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(message) => message,
            Err(e) => {
                let message = format!("body does not parse at {}: {}", e.path(), e.inner());
                let reason = ctx.park_reason("parse", message, Utc::now());
                return self.park(&record, &ctx, reason).await;
            }
        };
        let error = match (self.handler)(message, ctx.clone()).await {
            Ok(()) => return Outcome::Done,
            Err(error) => error,
        };
        let disposition = error.disposition();
        match decide(disposition, &ctx, &self.policy, Utc::now(), &error.to_string()) {
            Action::Retry { delay } => {
                tracing::warn!(error = %error, ?disposition, delay_s = delay.as_secs(), "retrying later");
                if let Err(e) = self.actions.delay(&ctx.queued(&record), delay).await {
                    tracing::warn!(error = %e, "could not extend visibility; the queue default applies");
                }
                Outcome::Failed
            }
            Action::Park(reason) => self.park(&record, &ctx, reason).await,
            Action::Requeue { delay, waiting_since } => {
                let queued = ctx.queued(&record);
                match self.actions.requeue(&queued, delay, waiting_since).await {
                    Ok(()) => {
                        tracing::warn!(error = %error, delay_s = delay.as_secs(), %waiting_since, "still waiting on a dependency; sent again");
                        Outcome::Done
                    }
                    Err(e) => {
                        // The last receive: SQS would move it without a reason, so park it.
                        tracing::warn!(error = %e, "could not send it again; parking it");
                        let reason =
                            ctx.park_reason(park_class(disposition), error.to_string(), waiting_since);
                        self.park(&record, &ctx, reason).await
                    }
                }
            }
        }
    }

    async fn park(&self, record: &SqsMessage, ctx: &MessageContext, reason: ParkReason) -> Outcome {
        match self.actions.park(&ctx.queued(record), &reason).await {
            Ok(()) => {
                tracing::warn!(class = %reason.class, reason = %reason.message, "parked");
                Outcome::Done
            }
            Err(e) => {
                tracing::error!(error = %e, class = %reason.class, "parking failed; reporting the message as failed");
                Outcome::Failed
            }
        }
    }
}
