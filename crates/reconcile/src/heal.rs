//! Healing, on request only: the missing events of a report re-enqueued to their flow's
//! queue from the envelope the ledger stored at ingress. Never a write to Odoo: the
//! worker applies the event again, by external id, as it did the first time.
//!
//! [`Healer::plan`] is the dry-run: it loads every missing entry and checks its payload
//! is a whole envelope, publishing nothing. [`Healer::apply`] first forgets each event's
//! COMPLETED idempotency record (otherwise the worker would replay its stored result and
//! never write the deleted records again), then publishes what the plan found and appends
//! an audit line (`reconcile-heal`) to each entry's history.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use spine_aws::queue::{EventMeta, OutgoingEvent, SqsQueues};
use spine_core::ledger::HistoryEntry;
use spine_core::{Envelope, EventKey, Flow, IdempotencyKey, IdempotencyStore, Ledger};

use crate::error::ReconcileError;
use crate::report::{ExceptionKind, Report};

/// One event the plan would re-enqueue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HealItem {
    pub event_key: String,
    pub flow: Flow,
    pub source_id: String,
}

/// The dry-run's answer: what would be re-enqueued, and what cannot be, with why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HealPlan {
    pub items: Vec<HealItem>,
    /// (event key, reason): no ledger entry, or a payload that is not an envelope.
    pub skipped: Vec<(String, String)>,
}

/// What a real run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HealOutcome {
    /// Event keys SQS accepted.
    pub enqueued: Vec<String>,
    /// (event key, reason) not enqueued: skipped by the plan or refused by SQS.
    pub failed: Vec<(String, String)>,
}

/// Re-enqueues missing events. The queues are per flow (the flows' main queues).
pub struct Healer {
    ledger: Arc<dyn Ledger>,
    idempotency: Arc<dyn IdempotencyStore>,
    queues: SqsQueues,
    urls: BTreeMap<Flow, String>,
}

impl Healer {
    pub fn new(
        ledger: Arc<dyn Ledger>,
        idempotency: Arc<dyn IdempotencyStore>,
        queues: SqsQueues,
        urls: BTreeMap<Flow, String>,
    ) -> Self {
        Self {
            ledger,
            idempotency,
            queues,
            urls,
        }
    }

    /// The dry-run: reads the ledger, publishes nothing.
    pub async fn plan(&self, report: &Report) -> Result<HealPlan, ReconcileError> {
        Ok(self.load(report).await?.0)
    }

    /// Publishes the plan's events and audits each one enqueued. `actor` names who
    /// asked (an operator, or `reconcile` for a scheduled heal).
    pub async fn apply(
        &self,
        report: &Report,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<HealOutcome, ReconcileError> {
        let (plan, envelopes) = self.load(report).await?;
        let mut outcome = HealOutcome {
            failed: plan.skipped,
            ..HealOutcome::default()
        };
        for flow in Flow::ALL {
            let mut batch: Vec<&Envelope> = Vec::new();
            for envelope in envelopes.iter().filter(|e| e.flow() == flow) {
                // Forget before publishing: a worker fast enough to see the message before
                // the record is gone would replay it and the heal would do nothing.
                let key = IdempotencyKey::from_business_key(&envelope.business_key);
                match self.idempotency.forget_completed(&key).await {
                    Ok(_) => batch.push(envelope),
                    Err(e) => outcome.failed.push((
                        envelope.event_key.as_str().to_owned(),
                        format!("idempotency record: {e}"),
                    )),
                }
            }
            if batch.is_empty() {
                continue;
            }
            let url = self.urls.get(&flow).ok_or(ReconcileError::NoQueue(flow))?;
            let events: Vec<OutgoingEvent> = batch.iter().map(|e| outgoing(e)).collect();
            let published = self.queues.publish(url, &events).await;
            for failure in &published.failed {
                if let Some(e) = batch.get(failure.index) {
                    outcome
                        .failed
                        .push((e.event_key.as_str().to_owned(), failure.message.clone()));
                }
            }
            for (index, _) in &published.accepted {
                let Some(envelope) = batch.get(*index) else {
                    continue;
                };
                let audit = HistoryEntry {
                    at: now,
                    actor: actor.to_owned(),
                    action: "reconcile-heal".into(),
                    detail: Some(format!("re-enqueued (report {})", report.run_id)),
                };
                self.ledger.append_audit(&envelope.event_key, &audit).await?;
                outcome.enqueued.push(envelope.event_key.as_str().to_owned());
            }
        }
        Ok(outcome)
    }

    async fn load(&self, report: &Report) -> Result<(HealPlan, Vec<Envelope>), ReconcileError> {
        let mut plan = HealPlan::default();
        let mut envelopes = Vec::new();
        let missing = report.of_kind(ExceptionKind::Missing);
        for exception in missing {
            let Some(key) = &exception.event_key else { continue };
            let Ok(event_key) = EventKey::parse(key) else {
                plan.skipped.push((key.clone(), "not a valid event key".into()));
                continue;
            };
            let Some(entry) = self.ledger.get(&event_key).await? else {
                plan.skipped.push((key.clone(), "no ledger entry".into()));
                continue;
            };
            // from_json checks the envelope is whole (contract, derived keys), as a worker would.
            match Envelope::from_json(&entry.payload.to_string()) {
                Ok(envelope) => {
                    plan.items.push(HealItem {
                        event_key: key.clone(),
                        flow: envelope.flow(),
                        source_id: exception.source_id.clone(),
                    });
                    envelopes.push(envelope);
                }
                Err(e) => plan
                    .skipped
                    .push((key.clone(), format!("stored payload is not an envelope: {e}"))),
            }
        }
        Ok((plan, envelopes))
    }
}

fn outgoing(envelope: &Envelope) -> OutgoingEvent {
    OutgoingEvent {
        body: envelope.to_json(),
        meta: EventMeta {
            flow: envelope.flow(),
            contract_version: envelope.contract().as_str().to_owned(),
            correlation_id: envelope.correlation_id.clone(),
            event_key: envelope.event_key.clone(),
        },
    }
}
