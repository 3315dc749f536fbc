//! The bulk path: SQS StartMessageMoveTask moves a whole DLQ to its work queue inside
//! SQS (fast, no per-message round trips from here). Real AWS only: emulators (moto)
//! answer it with HTTP 500, which is reported as [`OpError::BulkUnsupported`].
//!
//! SQS moves the messages itself, so the per-message audit is written from a scan made
//! just before the task starts: every event key then in the DLQ gets a `bulk-redrive`
//! line naming the task. Messages parked after the scan are moved without their line.

use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::QueueAttributeName;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use spine_core::Flow;

use crate::actor::Actor;
use crate::audit::{self, action};
use crate::error::OpError;
use crate::operator::Operator;

/// A started move task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkStarted {
    pub flow: Flow,
    pub task_handle: String,
    /// Event keys audited from the scan before the start.
    pub audited: u64,
}

impl Operator {
    /// Starts a move of everything in `flow`'s DLQ back to its work queue.
    pub async fn bulk_redrive(
        &self,
        flow: Flow,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<BulkStarted, OpError> {
        let ledger = self.ledger()?;
        let (flow, queues) = *self
            .selected(Some(flow))?
            .first()
            .ok_or(OpError::NoFlowConfigured)?;
        let source_arn = self.queue_arn(&queues.dlq_url).await?;
        let destination_arn = self.queue_arn(&queues.queue_url).await?;
        let parked = self.dlq(*flow, queues).scan_all().await?;
        let started = self
            .queues
            .client()
            .start_message_move_task()
            .source_arn(&source_arn)
            .destination_arn(&destination_arn)
            .send()
            .await
            .map_err(|e| bulk_error(&queues.dlq_url, e))?;
        let task_handle = started.task_handle().unwrap_or_default().to_owned();
        let detail = format!(
            "StartMessageMoveTask {task_handle} to {}; note: {}",
            queues.queue_url,
            note.unwrap_or("no note given")
        );
        let mut audited = 0;
        for key in parked.iter().filter_map(|p| p.event_key.as_ref()) {
            let line = audit::line(Utc::now(), actor, action::BULK_REDRIVE, detail.clone());
            match ledger.append_audit(key, &line).await {
                Ok(()) => audited += 1,
                Err(e) => tracing::warn!(event_key = %key, error = %e, "bulk redrive audit line not written"),
            }
        }
        Ok(BulkStarted {
            flow: *flow,
            task_handle,
            audited,
        })
    }

    async fn queue_arn(&self, url: &str) -> Result<String, OpError> {
        let out = self
            .queues
            .client()
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| OpError::from_sdk("GetQueueAttributes", url, e))?;
        out.attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .ok_or_else(|| OpError::Usage(format!("queue {url} reports no ARN")))
    }
}

/// A 5xx, or a code saying the action is unknown, means "not supported here"; anything
/// else keeps its usual mapping.
fn bulk_error<E, R>(url: &str, error: SdkError<E, R>) -> OpError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let SdkError::ServiceError(e) = &error {
        let code = e.err().code().unwrap_or_default();
        let status = format!("{:?}", e.raw());
        let server_error = status.contains("StatusCode(5") || status.contains("status: 5");
        if server_error || matches!(code, "InvalidAction" | "UnsupportedOperation" | "NotImplemented") {
            let code = if code.is_empty() { "no error code" } else { code };
            return OpError::BulkUnsupported {
                detail: format!("the endpoint answered a server error ({code})"),
            };
        }
    }
    OpError::from_sdk("StartMessageMoveTask", url, error)
}
