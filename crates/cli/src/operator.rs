//! The operator's view of the DLQs: which flows are configured, listing, showing and
//! discarding. Redrive is in [`crate::redrive`], the bulk path in [`crate::bulk`].

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use spine_aws::queue::{FlowQueues, QueueConfig, SqsQueues};
use spine_core::ledger::{Ledger, LedgerEntry, LedgerError, StatusKind};
use spine_core::{EventKey, Flow};

use crate::actor::Actor;
use crate::dlq::Dlq;
use crate::error::OpError;
use crate::parked::{Filter, Parked};

/// How long a scan keeps received messages invisible before it releases them; long
/// enough for a redrive of a few thousand messages, short enough that a killed run's
/// messages come back soon.
pub const DEFAULT_HOLD: Duration = Duration::from_secs(300);

/// Where the flows' queues are: the flows whose `<FLOW>_QUEUE_URL` and `<FLOW>_DLQ_URL`
/// are both set. Flows without them are simply absent.
pub fn flows_from_env() -> Vec<(Flow, FlowQueues)> {
    Flow::ALL
        .into_iter()
        .filter_map(|flow| Some((flow, QueueConfig::flow_from_env(flow).ok()?)))
        .collect()
}

/// The DLQ tooling over the SQS adapter and (for actions that leave an audit) the
/// ledger. Built once; every method is safe to call concurrently.
pub struct Operator {
    pub(crate) queues: SqsQueues,
    pub(crate) flows: Vec<(Flow, FlowQueues)>,
    pub(crate) ledger: Option<Arc<dyn Ledger>>,
    pub(crate) hold: Duration,
    pub(crate) abort_after_sends: Option<u64>,
}

/// A parked message with its ledger entry, for `dlq show`.
#[derive(Debug)]
pub struct Shown {
    pub parked: Parked,
    /// `None` when no ledger is configured or the event has no entry.
    pub ledger: Option<LedgerEntry>,
}

/// What a discard did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discarded {
    pub event_key: EventKey,
    pub flow: Flow,
    /// DLQ copies deleted (more than one when a crash left a duplicate).
    pub deleted: usize,
    /// The ledger status after the discard (`DISCARDED`, or the final status an applied
    /// duplicate already had, with the discard appended as an audit line).
    pub status: StatusKind,
    pub at: DateTime<Utc>,
}

impl Operator {
    /// An operator over `flows` (see [`flows_from_env`]); `ledger` is needed by redrive
    /// and discard, which refuse to run without it.
    pub fn new(queues: SqsQueues, flows: Vec<(Flow, FlowQueues)>, ledger: Option<Arc<dyn Ledger>>) -> Self {
        Self {
            queues,
            flows,
            ledger,
            hold: DEFAULT_HOLD,
            abort_after_sends: None,
        }
    }

    /// Sets how long scans keep messages invisible (tests use a short hold).
    pub fn with_hold(mut self, hold: Duration) -> Self {
        self.hold = hold;
        self
    }

    /// Test-only fault: abort the process right after the `n`th successful send of a
    /// redrive, before its delete (what a killed operator terminal does).
    pub fn with_abort_after_sends(mut self, n: Option<u64>) -> Self {
        self.abort_after_sends = n;
        self
    }

    /// The configured flows `flow` selects: that one (an error naming its variables when
    /// it is not configured) or all of them.
    pub fn selected(&self, flow: Option<Flow>) -> Result<Vec<&(Flow, FlowQueues)>, OpError> {
        let chosen: Vec<_> = self
            .flows
            .iter()
            .filter(|(f, _)| flow.is_none_or(|want| *f == want))
            .collect();
        match (flow, chosen.is_empty()) {
            (Some(flow), true) => {
                let (_, queue_var, dlq_var) = QueueConfig::ENV
                    .into_iter()
                    .find(|(f, _, _)| *f == flow)
                    .unwrap_or(QueueConfig::ENV[0]);
                Err(OpError::FlowNotConfigured {
                    flow,
                    queue_var,
                    dlq_var,
                })
            }
            (None, true) => Err(OpError::NoFlowConfigured),
            _ => Ok(chosen),
        }
    }

    pub(crate) fn dlq<'a>(&'a self, flow: Flow, queues: &'a FlowQueues) -> Dlq<'a> {
        Dlq {
            client: self.queues.client(),
            flow,
            url: &queues.dlq_url,
            hold: self.hold,
        }
    }

    pub(crate) fn ledger(&self) -> Result<&dyn Ledger, OpError> {
        self.ledger.as_deref().ok_or(OpError::NoLedger)
    }

    /// The parked messages of `flow` (or every configured flow) that `filter` selects,
    /// oldest failure first. Peeks: every message is visible again when this returns.
    pub async fn list(&self, flow: Option<Flow>, filter: &Filter) -> Result<Vec<Parked>, OpError> {
        let mut out = Vec::new();
        for (flow, queues) in self.selected(flow)? {
            let all = self.dlq(*flow, queues).scan_all().await?;
            out.extend(all.into_iter().filter(|p| filter.matches(p)));
        }
        out.sort_by_key(|p| (p.first_failure(), p.message.message_id.clone()));
        Ok(out)
    }

    /// The message whose event key or message id is `id`, with its ledger entry.
    pub async fn show(&self, flow: Option<Flow>, id: &str) -> Result<Shown, OpError> {
        let found = self.list(flow, &Filter::default()).await?;
        let parked = found
            .into_iter()
            .find(|p| p.is(id))
            .ok_or_else(|| OpError::NotFound(id.to_owned()))?;
        let ledger = match (&self.ledger, &parked.event_key) {
            (Some(ledger), Some(key)) => ledger.get(key).await?,
            _ => None,
        };
        Ok(Shown { parked, ledger })
    }

    /// Removes every DLQ copy of event `key` for good, after marking its ledger entry
    /// DISCARDED with `reason` and `actor` (the trace comes first: if the ledger write
    /// fails nothing is deleted). An event already APPLIED or DISCARDED keeps its status
    /// and gets the discard as an audit line instead (the copy was a duplicate).
    pub async fn discard(
        &self,
        flow: Option<Flow>,
        key: &str,
        reason: &str,
        actor: &Actor,
    ) -> Result<Discarded, OpError> {
        let ledger = self.ledger()?;
        if reason.trim().is_empty() {
            return Err(OpError::Usage("discard needs a non-empty --reason".into()));
        }
        for (f, queues) in self.selected(flow)? {
            let dlq = self.dlq(*f, queues);
            let all = dlq.scan_all().await?;
            let (copies, _): (Vec<_>, Vec<_>) = all.into_iter().partition(|p| p.is(key));
            let Some(first) = copies.first() else { continue };
            let event_key = first
                .event_key
                .clone()
                .ok_or_else(|| OpError::NoEventKey(first.message.message_id.clone()))?;
            let at = Utc::now();
            let status = mark_discarded(ledger, &event_key, reason, actor, at).await?;
            let mut deleted = 0;
            for copy in &copies {
                let handle = &copy.message.receipt_handle;
                self.queues
                    .delete(dlq.url, handle)
                    .await
                    .map_err(|e| OpError::Sqs {
                        operation: "DeleteMessage",
                        queue_url: dlq.url.to_owned(),
                        detail: e.to_string(),
                        source: Box::new(e),
                    })?;
                deleted += 1;
            }
            return Ok(Discarded {
                event_key,
                flow: *f,
                deleted,
                status,
                at,
            });
        }
        Err(OpError::NotFound(key.to_owned()))
    }
}

async fn mark_discarded(
    ledger: &dyn Ledger,
    key: &EventKey,
    reason: &str,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<StatusKind, OpError> {
    if ledger.get(key).await?.is_none() {
        return Err(OpError::NoLedgerEntry(key.clone()));
    }
    match ledger.mark_discarded(key, reason, actor.as_str(), at).await {
        Ok(()) => Ok(StatusKind::Discarded),
        Err(LedgerError::InvalidTransition { from, .. }) if from.is_final() => {
            let line = crate::audit::line(
                at,
                actor,
                crate::audit::action::DISCARD,
                format!("duplicate copy removed: {reason}"),
            );
            ledger.append_audit(key, &line).await?;
            Ok(from)
        }
        Err(e) => Err(e.into()),
    }
}
