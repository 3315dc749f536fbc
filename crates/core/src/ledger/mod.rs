//! The event ledger: one entry per accepted event, from ingress (RECEIVED) to its end
//! (APPLIED, PARKED, DISCARDED, IGNORED), with the history of every change.
//!
//! The ledger is the spine's memory for "nothing lost": the webhook dedupes on it
//! (layer 1 of DESIGN.md), workers record outcomes in it, reconciliation compares it with
//! Odoo and re-enqueues missing events from the canonical payload it keeps, and
//! operators' redrives and discards leave audit entries in it.
//!
//! The storage is a port ([`Ledger`]); the status rules are pure code in [`transition`]
//! so the DynamoDB adapter and the in-memory fake ([`memory`]) enforce the same ones.

pub mod memory;
mod port;
pub mod transition;

pub use port::{Ledger, LedgerError, Page, PageToken, PutOutcome};

use crate::ids::{BusinessKey, CorrelationId, EventKey, Flow, SourceEventId, SourceName};
use crate::money::Money;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The name of a status, without its details; what indexes and guards work on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum StatusKind {
    Received,
    Queued,
    Applied,
    Parked,
    Discarded,
    Ignored,
}

impl StatusKind {
    /// Every status, in lifecycle order.
    pub const ALL: [StatusKind; 6] = [
        Self::Received,
        Self::Queued,
        Self::Applied,
        Self::Parked,
        Self::Discarded,
        Self::Ignored,
    ];

    /// The stored spelling, e.g. `QUEUED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "RECEIVED",
            Self::Queued => "QUEUED",
            Self::Applied => "APPLIED",
            Self::Parked => "PARKED",
            Self::Discarded => "DISCARDED",
            Self::Ignored => "IGNORED",
        }
    }

    /// Parses the stored spelling; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    /// True for statuses an event never leaves (except for audit entries).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Applied | Self::Discarded | Self::Ignored)
    }
}

impl fmt::Display for StatusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Odoo records of one model that applying an event touched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OdooRecords {
    /// The Odoo model, e.g. `sale.order`.
    pub model: String,
    pub ids: Vec<i64>,
}

/// Where an event stands, with the details of that status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LedgerStatus {
    /// Accepted and recorded, not yet on its flow's queue.
    Received,
    /// On its flow's queue.
    Queued,
    /// Written to Odoo; these records were touched.
    Applied { records: Vec<OdooRecords> },
    /// In the dead-letter queue: `reason_class` is the error class (e.g. `business`,
    /// `contract`, `credentials`), `message` a short safe text.
    Parked { reason_class: String, message: String },
    /// Removed for good by an operator.
    Discarded { reason: String, by: String },
    /// Its topic is not handled by the spine; recorded, never enqueued.
    Ignored,
}

impl LedgerStatus {
    /// The status's name.
    pub fn kind(&self) -> StatusKind {
        match self {
            Self::Received => StatusKind::Received,
            Self::Queued => StatusKind::Queued,
            Self::Applied { .. } => StatusKind::Applied,
            Self::Parked { .. } => StatusKind::Parked,
            Self::Discarded { .. } => StatusKind::Discarded,
            Self::Ignored => StatusKind::Ignored,
        }
    }
}

/// One line of an entry's history: a status change or an operator's audit action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// Who did it: a function name (`webhook`, `order-sync`) or an operator identity.
    pub actor: String,
    /// A status name (`QUEUED`) for status changes, or the operator action (`redrive`).
    pub action: String,
    /// Free text: the park reason, the redrive target, the discard reason.
    pub detail: Option<String>,
}

impl HistoryEntry {
    /// The line a status change writes: the new status's name as the action.
    pub fn status_change(at: DateTime<Utc>, actor: &str, to: StatusKind, detail: Option<String>) -> Self {
        Self {
            at,
            actor: actor.to_owned(),
            action: to.as_str().to_owned(),
            detail,
        }
    }
}

/// Everything the ledger keeps about one accepted event.
#[derive(Clone, Debug, PartialEq)]
pub struct LedgerEntry {
    /// Derived from (source, source event id): the dedupe key.
    pub event_key: EventKey,
    pub source: SourceName,
    pub source_event_id: SourceEventId,
    pub flow: Flow,
    pub business_key: BusinessKey,
    /// The canonical contract's version, e.g. `order.v1`.
    pub contract_version: String,
    /// The source's topic, e.g. `orders/create`.
    pub topic: String,
    pub correlation_id: CorrelationId,
    pub received_at: DateTime<Utc>,
    /// When the source says the event happened, when it says so.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The event's amount, for events that carry one (orders, payments, refunds).
    pub amount: Option<Money>,
    pub status: LedgerStatus,
    /// When the status last changed.
    pub updated_at: DateTime<Utc>,
    /// Oldest first.
    pub history: Vec<HistoryEntry>,
    /// The canonical event as JSON, so reconciliation can re-enqueue it.
    pub payload: serde_json::Value,
}

impl LedgerEntry {
    /// The RECEIVED entry the webhook writes for an accepted `envelope`, its first
    /// history line by `actor`. The payload is the whole envelope as JSON, so
    /// reconciliation can re-enqueue exactly what the queue got; the only failure is an
    /// envelope serde cannot render.
    pub fn received(envelope: &crate::Envelope, actor: &str) -> Result<Self, serde_json::Error> {
        Ok(Self {
            event_key: envelope.event_key.clone(),
            source: envelope.source.clone(),
            source_event_id: envelope.source_event_id.clone(),
            flow: envelope.flow(),
            business_key: envelope.business_key.clone(),
            contract_version: envelope.contract().as_str().to_owned(),
            topic: envelope.topic.clone(),
            correlation_id: envelope.correlation_id.clone(),
            received_at: envelope.received_at,
            occurred_at: Some(envelope.occurred_at),
            amount: envelope.event.amount(),
            status: LedgerStatus::Received,
            updated_at: envelope.received_at,
            history: vec![HistoryEntry::status_change(
                envelope.received_at,
                actor,
                StatusKind::Received,
                None,
            )],
            payload: serde_json::to_value(envelope)?,
        })
    }

    /// The UTC day the event was received: the "day" of by-flow-and-day queries.
    pub fn received_day(&self) -> chrono::NaiveDate {
        self.received_at.date_naive()
    }
}

#[cfg(test)]
mod tests;
