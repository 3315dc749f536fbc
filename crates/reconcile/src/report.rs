//! The report, `report.v1`: summary numbers per day and flow, the parked queues, and
//! every exception with what an operator should do about it.
//!
//! The document is deterministic for a window and a state of the world: days, flows and
//! exceptions are sorted, so two runs over the same window compare equal apart from
//! their run id and times (runs are idempotent and never double-count).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use spine_core::Flow;

/// The version tag every stored report carries; a reader refuses any other.
pub const REPORT_VERSION: &str = "report.v1";

/// What kind of difference an exception is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// Applied in the ledger, absent in Odoo.
    Missing,
    /// In Odoo under the spine's module, without a ledger entry.
    Unknown,
    /// More than one Odoo record for one source id.
    Duplicate,
    /// Odoo's total, payment or state differs from the source's.
    Mismatch,
    /// RECEIVED or QUEUED for longer than the flow's SLA.
    Stuck,
    /// Messages waiting in a flow's dead-letter queue.
    Parked,
}

impl ExceptionKind {
    /// Every kind, in report order.
    pub const ALL: [ExceptionKind; 6] = [
        Self::Missing,
        Self::Unknown,
        Self::Duplicate,
        Self::Mismatch,
        Self::Stuck,
        Self::Parked,
    ];

    /// The name used in JSON, metrics (`Kind` dimension) and renderings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Unknown => "unknown",
            Self::Duplicate => "duplicate",
            Self::Mismatch => "mismatch",
            Self::Stuck => "stuck",
            Self::Parked => "parked",
        }
    }
}

/// One difference between what the spine accepted and what Odoo holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Exception {
    pub kind: ExceptionKind,
    pub flow: Flow,
    /// The local day the event was received (or the record dated), when there is one.
    pub day: Option<NaiveDate>,
    /// The ledger's event key, when a ledger entry is involved.
    pub event_key: Option<String>,
    /// The source's id: the business key (`order:shopify:1001#0`), the external id, or
    /// the client reference for duplicates.
    pub source_id: String,
    /// The Odoo records concerned (`model:id`).
    pub odoo: Vec<String>,
    /// The source's amount in minor units with its currency, when it has one.
    pub expected: Option<Amount>,
    /// What Odoo holds, when it has an amount.
    pub found: Option<Amount>,
    /// What differs, in words (`total`, `payment_vs_invoice`, `state: not_paid`, ...).
    pub detail: String,
    /// What an operator should do.
    pub action: String,
    /// For parked exceptions: how many messages (else 1).
    pub count: u64,
}

/// An amount in minor units and its currency code; reports carry no floats for money.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Amount {
    pub minor: i64,
    pub currency: String,
}

/// Totals of one currency on one day and flow, in minor units.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Every accepted event with an amount.
    pub accepted: i64,
    /// Applied events.
    pub applied: i64,
    /// What Odoo holds for the applied events found there.
    pub odoo: i64,
}

/// Counts of one local day and flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFlow {
    pub day: NaiveDate,
    pub flow: Flow,
    /// Every ledger entry received that day (whatever its status).
    pub accepted: u64,
    pub applied: u64,
    pub parked: u64,
    /// RECEIVED or QUEUED (not yet applied or parked).
    pub in_flight: u64,
    /// DISCARDED or IGNORED.
    pub closed: u64,
    /// Applied events whose Odoo record was found.
    pub odoo_found: u64,
    /// Per currency code.
    pub totals: BTreeMap<String, Totals>,
}

/// A flow's dead-letter queue at the time of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedQueue {
    pub flow: Flow,
    /// `ApproximateNumberOfMessages`.
    pub depth: u64,
    /// Age of the oldest message seen, in seconds.
    pub oldest_age_seconds: Option<u64>,
}

/// The inclusive window of local days a run covered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowInfo {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The zone days are counted in as configured: a fixed offset (`+07:00`) or an
    /// IANA name (`Europe/Berlin`). The name predates named zones.
    pub utc_offset: String,
}

/// The whole `report.v1` document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_VERSION`].
    pub version: String,
    pub run_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub window: WindowInfo,
    /// Sorted by day, then flow.
    pub days: Vec<DayFlow>,
    pub parked: Vec<ParkedQueue>,
    /// Sorted; parked messages are one exception per flow with `count` messages.
    pub exceptions: Vec<Exception>,
    /// Exceptions per kind (parked counted per message), every kind present.
    pub counts: BTreeMap<ExceptionKind, u64>,
    /// Odoo HTTP round trips the run spent.
    pub odoo_round_trips: u64,
}

impl Report {
    /// The sum of [`Report::counts`].
    pub fn total_exceptions(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Every local day of the window, in order.
    pub fn window_days(&self) -> impl Iterator<Item = NaiveDate> {
        let to = self.window.to;
        self.window.from.iter_days().take_while(move |d| *d <= to)
    }

    /// The exceptions of one kind.
    pub fn of_kind(&self, kind: ExceptionKind) -> impl Iterator<Item = &Exception> {
        self.exceptions.iter().filter(move |e| e.kind == kind)
    }
}

/// Counts per kind of a sorted exception list: parked counts its messages.
pub(crate) fn count_kinds(exceptions: &[Exception]) -> BTreeMap<ExceptionKind, u64> {
    let mut counts: BTreeMap<ExceptionKind, u64> = ExceptionKind::ALL.iter().map(|k| (*k, 0)).collect();
    for e in exceptions {
        *counts.entry(e.kind).or_default() += e.count;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cover_every_kind_and_parked_counts_messages() {
        let parked = Exception {
            kind: ExceptionKind::Parked,
            flow: Flow::Order,
            day: None,
            event_key: None,
            source_id: "dlq".into(),
            odoo: vec![],
            expected: None,
            found: None,
            detail: String::new(),
            action: String::new(),
            count: 2,
        };
        let missing = Exception {
            kind: ExceptionKind::Missing,
            count: 1,
            ..parked.clone()
        };
        let counts = count_kinds(&[missing, parked]);
        assert_eq!(counts.len(), 6);
        assert_eq!(counts[&ExceptionKind::Parked], 2);
        assert_eq!(counts[&ExceptionKind::Missing], 1);
        assert_eq!(counts[&ExceptionKind::Unknown], 0);
    }

    #[test]
    fn kinds_serialize_as_their_names() {
        for kind in ExceptionKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
