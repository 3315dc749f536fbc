//! Redrive: parked messages sent back to their flow's work queue, one at a time.
//!
//! Per message: send to the work queue (without the park attributes, body unchanged),
//! then the ledger audit (QUEUED plus a `redrive` line), then delete from the DLQ. The
//! delete comes last, so a failure or a kill at any point leaves the message in the DLQ
//! (it reappears after the scan's hold) and possibly also on the work queue: two copies
//! of the same body, which the workers' idempotency (keyed on the business key, never
//! the message id) applies once. Never none. An event that fails again at once comes
//! back to the DLQ as a new message during the run; the scan leaves that copy there
//! instead of redriving it forever.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use spine_aws::queue::{FlowQueues, redrive_attributes};
use spine_core::Flow;
use spine_core::ledger::LedgerError;

use crate::actor::Actor;
use crate::audit::{self, action};
use crate::error::{OpError, first_line};
use crate::operator::Operator;
use crate::parked::{Filter, Parked};

/// What to redrive. The same request drives the CLI and the redrive function.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedriveRequest {
    /// One flow, or every configured flow.
    #[serde(default)]
    pub flow: Option<Flow>,
    #[serde(flatten)]
    pub filter: Filter,
    /// Stop after this many matching messages (per run, over all flows).
    #[serde(default)]
    pub max: Option<u64>,
    /// List what would be redriven; change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Why (goes into the audit line), e.g. "SKU MUG-01 created in Odoo".
    #[serde(default)]
    pub note: Option<String>,
}

/// What happened to one matching message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "error")]
pub enum Outcome {
    /// Dry run: it matched and would have been redriven.
    WouldRedrive,
    /// On its work queue and gone from the DLQ; audit written.
    Redriven,
    /// Not done, or done only in part; the message is still in the DLQ.
    Failed(String),
}

/// One matching message and its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub flow: Flow,
    pub message_id: String,
    pub event_key: Option<String>,
    pub reason_class: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The result of a redrive run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedriveSummary {
    pub dry_run: bool,
    /// Messages looked at.
    pub scanned: u64,
    /// Messages the filter selected (up to `max`).
    pub matched: u64,
    pub redriven: u64,
    pub failed: u64,
    pub items: Vec<Item>,
}

/// Progress of a run, reported after every batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub flow: Flow,
    pub scanned: u64,
    pub matched: u64,
    pub done: u64,
    /// The DLQ's approximate depth when the run started.
    pub total: u64,
}

static SENDS: AtomicU64 = AtomicU64::new(0);

impl Operator {
    /// Runs `request` as `actor`, calling `progress` after each batch. Messages the
    /// filter does not select are released untouched at the end of each flow.
    pub async fn redrive(
        &self,
        request: &RedriveRequest,
        actor: &Actor,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<RedriveSummary, OpError> {
        let flows = self.selected(request.flow)?;
        if !request.dry_run {
            self.ledger()?;
        }
        let mut summary = RedriveSummary {
            dry_run: request.dry_run,
            ..RedriveSummary::default()
        };
        for (flow, queues) in flows {
            self.redrive_flow(*flow, queues, request, actor, &mut summary, progress)
                .await?;
        }
        Ok(summary)
    }

    async fn redrive_flow(
        &self,
        flow: Flow,
        queues: &FlowQueues,
        request: &RedriveRequest,
        actor: &Actor,
        summary: &mut RedriveSummary,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), OpError> {
        let dlq = self.dlq(flow, queues);
        let total = dlq.depth().await?;
        let (mut seen, mut held) = (HashSet::new(), Vec::new());
        // A redriven event that fails again at once is parked as a new message (a new
        // id): without this, the scan would meet it again and redrive it forever.
        // Only copies parked after the run started are left; older copies of a redriven
        // event go back too (the worker absorbs the duplicate), so none is left behind.
        let (mut redriven_keys, started) = (HashSet::new(), Utc::now());
        let max = request.max.unwrap_or(u64::MAX);
        let walked = async {
            while summary.matched < max
                && let Some(batch) = dlq.next_batch(&mut seen).await?
            {
                for parked in batch {
                    summary.scanned += 1;
                    let again = parked
                        .event_key
                        .as_ref()
                        .is_some_and(|k| redriven_keys.contains(k))
                        && parked.parked_at.is_none_or(|at| at >= started);
                    if again || summary.matched >= max || !request.filter.matches(&parked) {
                        held.push(parked);
                        continue;
                    }
                    summary.matched += 1;
                    let outcome = if request.dry_run {
                        Outcome::WouldRedrive
                    } else {
                        self.redrive_one(queues, &parked, request, actor).await
                    };
                    if let (Outcome::Redriven, Some(key)) = (&outcome, &parked.event_key) {
                        redriven_keys.insert(key.clone());
                    }
                    match outcome {
                        Outcome::Redriven => summary.redriven += 1,
                        Outcome::Failed(_) => summary.failed += 1,
                        Outcome::WouldRedrive => {}
                    }
                    if !matches!(outcome, Outcome::Redriven) {
                        held.push(parked.clone());
                    }
                    summary.items.push(item(&parked, outcome));
                }
                let done = summary.redriven + summary.failed;
                let (scanned, matched) = (summary.scanned, summary.matched);
                progress(Progress {
                    flow,
                    scanned,
                    matched,
                    done,
                    total,
                });
            }
            Ok::<_, OpError>(())
        }
        .await;
        dlq.release(&held).await;
        walked
    }

    /// Audit, send, mark QUEUED, delete; see the module notes for why in this order.
    /// The audit line comes first so that a message is never moved without a trace (an
    /// event without a ledger entry is refused before anything is sent).
    async fn redrive_one(
        &self,
        queues: &FlowQueues,
        parked: &Parked,
        request: &RedriveRequest,
        actor: &Actor,
    ) -> Outcome {
        let Some(key) = parked.event_key.as_ref() else {
            return Outcome::Failed("no event key: not redriven (it could not be audited)".into());
        };
        let Ok(ledger) = self.ledger() else {
            return Outcome::Failed(OpError::NoLedger.to_string());
        };
        let at = Utc::now();
        let line = audit::line(at, actor, action::REDRIVE, detail(queues, parked, request));
        if let Err(e) = ledger.append_audit(key, &line).await {
            return Outcome::Failed(format!("not redriven: audit not written: {e}"));
        }
        if let Err(e) = self.send(queues, parked).await {
            let failed = audit::line(Utc::now(), actor, action::REDRIVE_FAILED, e.to_string());
            if let Err(audit) = ledger.append_audit(key, &failed).await {
                tracing::warn!(event_key = %key, error = %audit, "could not record the failed redrive");
            }
            return Outcome::Failed(format!("not sent: {e}"));
        }
        self.fault_after_send();
        match ledger.mark_queued(key, at, actor.as_str()).await {
            // The worker was faster than this write: the event is done, the audit stands.
            Ok(()) | Err(LedgerError::InvalidTransition { .. }) => {}
            // The redrive line is written; APPLIED is allowed from PARKED too.
            Err(e) => tracing::warn!(event_key = %key, error = %e, "could not mark QUEUED"),
        }
        match self
            .queues
            .delete(&queues.dlq_url, &parked.message.receipt_handle)
            .await
        {
            Ok(()) => Outcome::Redriven,
            Err(e) => Outcome::Failed(format!(
                "sent, but not deleted from the DLQ (a duplicate the worker absorbs): {}",
                first_line(&e.to_string())
            )),
        }
    }

    /// The body unchanged, the original attributes without the park reason.
    async fn send(&self, queues: &FlowQueues, parked: &Parked) -> Result<(), OpError> {
        let mut send = self
            .queues
            .client()
            .send_message()
            .queue_url(&queues.queue_url)
            .message_body(&parked.message.body);
        for (name, value) in redrive_attributes(&parked.message) {
            let value = aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| OpError::Usage(format!("attribute {name}: {e}")))?;
            send = send.message_attributes(name, value);
        }
        send.send()
            .await
            .map(|_| ())
            .map_err(|e| OpError::from_sdk("SendMessage", &queues.queue_url, e))
    }

    fn fault_after_send(&self) {
        if let Some(n) = self.abort_after_sends
            && SENDS.fetch_add(1, Ordering::SeqCst) + 1 >= n
        {
            eprintln!("spinectl: test fault: aborting after send {n}, before its delete");
            std::process::abort();
        }
    }
}

fn detail(queues: &FlowQueues, parked: &Parked, request: &RedriveRequest) -> String {
    let was = parked
        .reason
        .as_ref()
        .map_or("no recorded reason".to_owned(), |r| {
            format!("{}: {}", r.class, r.message)
        });
    let note = request.note.as_deref().unwrap_or("no note given");
    format!("to {} (was {was}); note: {note}", queues.queue_url)
}

fn item(parked: &Parked, outcome: Outcome) -> Item {
    Item {
        flow: parked.flow,
        message_id: parked.message.message_id.clone(),
        event_key: parked.event_key.as_ref().map(|k| k.to_string()),
        reason_class: parked.class().to_owned(),
        outcome,
    }
}
