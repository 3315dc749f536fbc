//! What the Odoo sweep looks for in each model the spine writes, and the pure rules that
//! turn what it read into exceptions: no I/O here, so every rule is unit-tested.
//!
//! Per model ([`SPECS`]): the records dated in the window (by the date the spine sets
//! from the source's time where it sets one), the field that names the source object
//! (the duplicate key the sync writes), and which states no longer count.
//!
//! - **unknown**: a record dated in the window whose spine external id names no event
//!   the ledger holds for the window or the day on each side of it.
//! - **duplicate**: more than one live record for one key, at least one of them the
//!   spine's (an external id, or for credit notes the spine's marker itself), unless
//!   every one is the spine's and each comes from another source (two shops' order
//!   `#1001` are not a duplicate).

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;
use spine_core::Flow;
use spine_core::ids::EXTERNAL_ID_MODULE;
use spine_odoo::Record;

use crate::report::{Exception, ExceptionKind};
use crate::zone::DayZone;

/// Odoo's datetime text, in UTC.
pub(crate) const ODOO_DATETIME: &str = "%Y-%m-%d %H:%M:%S";

/// How a model's records are dated.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Dated {
    /// A UTC datetime field, compared with the window's UTC instants.
    At(&'static str),
    /// A date field (Odoo dates carry no zone), compared with the window's local days.
    On(&'static str),
}

/// Where a record's duplicate key comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Key {
    /// A text field holding it whole; other records with the key are found by `in`.
    Field(&'static str),
    /// The spine's external id written into a text field (the refund marker in a credit
    /// note's `ref`); other records with it are found through the many2one `link`
    /// (the reversed invoice), since a text search cannot be indexed.
    Marker { field: &'static str, link: &'static str },
}

/// One model the sweep reads.
#[derive(Debug)]
pub(crate) struct Spec {
    pub model: &'static str,
    /// Plural words for details: `sale orders`.
    pub label: &'static str,
    /// The flow whose sync creates these records.
    pub flow: Flow,
    /// The kind word inside the spine's external id names (`shopify_order_1001`).
    pub xid_kind: &'static str,
    /// Extra `=` terms that select the records (`move_type`).
    pub select: &'static [(&'static str, &'static str)],
    pub dated: Dated,
    pub key: Key,
    /// States that no longer count as a copy (cancelled).
    pub cancelled: &'static [&'static str],
}

/// The models swept, in order. Shipments are not swept: the spine creates no picking
/// (it marks Odoo's own delivery), so a picking cannot be made twice by the spine, and
/// Odoo keeps no date of the marking that both Odoo and the simulator can filter on.
pub(crate) const SPECS: [Spec; 4] = [
    Spec {
        model: "sale.order",
        label: "sale orders",
        flow: Flow::Order,
        xid_kind: "order",
        select: &[],
        dated: Dated::At("date_order"),
        key: Key::Field("client_order_ref"),
        cancelled: &["cancel"],
    },
    Spec {
        model: "account.move",
        label: "customer invoices",
        flow: Flow::Payment,
        xid_kind: "invoice",
        select: &[("move_type", "out_invoice")],
        dated: Dated::On("invoice_date"),
        key: Key::Field("invoice_origin"),
        cancelled: &["cancel"],
    },
    Spec {
        model: "account.move",
        label: "credit notes",
        flow: Flow::Refund,
        xid_kind: "refund",
        select: &[("move_type", "out_refund")],
        dated: Dated::On("invoice_date"),
        key: Key::Marker {
            field: "ref",
            link: "reversed_entry_id",
        },
        cancelled: &["cancel"],
    },
    Spec {
        model: "account.payment",
        label: "payments",
        flow: Flow::Payment,
        xid_kind: "payment",
        select: &[],
        dated: Dated::On("date"),
        key: Key::Field("memo"),
        cancelled: &["canceled", "rejected"],
    },
];

impl Spec {
    /// The fields a sweep or lookup reads (`id` comes with every row).
    pub(crate) fn fields(&self) -> Vec<&'static str> {
        let date = match self.dated {
            Dated::At(f) | Dated::On(f) => f,
        };
        match self.key {
            Key::Field(f) => vec![date, "state", f],
            Key::Marker { field, link } => vec![date, "state", field, link],
        }
    }

    /// The source in one of this model's spine names (`shopify` of `shopify_order_1`).
    fn source_of<'a>(&self, name: &'a str) -> &'a str {
        name.split_once(&format!("_{}_", self.xid_kind))
            .map_or(name, |(source, _)| source)
    }
}

/// One record as the sweep keeps it: no payload, a few dozen bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    pub id: i64,
    pub day: Option<NaiveDate>,
    pub key: Option<String>,
    /// The many2one a [`Key::Marker`] lookup follows.
    pub link: Option<i64>,
    /// Not in one of the spec's cancelled states: a copy that still counts.
    pub live: bool,
}

impl Row {
    /// Reads one answered record; `None` without an id.
    pub(crate) fn of(spec: &Spec, record: &Record, zone: DayZone) -> Option<Self> {
        let id = record.get("id").and_then(Value::as_i64)?;
        let text = |field: &str| record.get(field).and_then(Value::as_str);
        let day = match spec.dated {
            Dated::At(field) => text(field).and_then(|t| local_day(t, zone)),
            Dated::On(field) => text(field).and_then(|t| t.parse().ok()),
        };
        let (key, link) = match spec.key {
            Key::Field(field) => (text(field).filter(|k| !k.trim().is_empty()), None),
            Key::Marker { field, link } => (
                text(field).and_then(spine_marker),
                record.get(link).and_then(m2o_id),
            ),
        };
        let live = !text("state").is_some_and(|s| spec.cancelled.contains(&s));
        Some(Self {
            id,
            day,
            key: key.map(str::to_owned),
            link,
            live,
        })
    }
}

/// The local day of an Odoo UTC datetime text.
pub(crate) fn local_day(text: &str, zone: DayZone) -> Option<NaiveDate> {
    let naive = NaiveDateTime::parse_from_str(text, ODOO_DATETIME).ok()?;
    Some(zone.day_of(DateTime::<Utc>::from_naive_utc_and_offset(naive, Utc)))
}

/// The spine external id inside a text (`Reversal of: INV/1, spine.stripe_refund_re_1:
/// damaged` gives `spine.stripe_refund_re_1`): names are lower-case ASCII, digits and
/// underscores.
pub(crate) fn spine_marker(text: &str) -> Option<&str> {
    let prefix = format!("{EXTERNAL_ID_MODULE}.");
    let start = text.find(&prefix)?;
    let rest = &text[start + prefix.len()..];
    let len = rest
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        .unwrap_or(rest.len());
    (len > 0).then(|| &text[start..start + prefix.len() + len])
}

/// The id of a many2one answer (`[7, "INV/2026/00001"]`).
fn m2o_id(value: &Value) -> Option<i64> {
    value.as_array()?.first()?.as_i64()
}

/// A tagged record whose name the ledger does not account for.
pub(crate) fn unknown(spec: &Spec, row: &Row, name: &str, known: &HashSet<String>) -> Option<Exception> {
    if known.contains(name) {
        return None;
    }
    Some(Exception {
        kind: ExceptionKind::Unknown,
        flow: spec.flow,
        day: row.day,
        event_key: None,
        source_id: format!("{EXTERNAL_ID_MODULE}.{name}"),
        odoo: vec![format!("{}:{}", spec.model, row.id)],
        expected: None,
        found: None,
        detail: format!("spine external id on {} without a ledger entry", spec.label),
        action: "find who created it (import, restore, another environment) and remove or adopt it".into(),
        count: 1,
    })
}

/// One live record of a key's group and its spine name, if it has one.
pub(crate) type Member = (Row, Option<String>);

/// The duplicate exception for the records sharing `key`, when the rules make it one.
pub(crate) fn duplicate(spec: &Spec, key: &str, members: &[Member]) -> Option<Exception> {
    if members.len() < 2 {
        return None;
    }
    let tagged: Vec<&str> = members.iter().filter_map(|(_, n)| n.as_deref()).collect();
    let marker = matches!(spec.key, Key::Marker { .. });
    if tagged.is_empty() && !marker {
        return None;
    }
    let sources: HashSet<&str> = tagged.iter().map(|n| spec.source_of(n)).collect();
    if tagged.len() == members.len() && sources.len() == members.len() {
        return None;
    }
    let label = |(row, _): &Member| format!("{}:{}", spec.model, row.id);
    let untagged: Vec<String> = members.iter().filter(|(_, n)| n.is_none()).map(label).collect();
    let action = if untagged.is_empty() {
        format!(
            "several spine {} for one source id: check the source's ids",
            spec.label
        )
    } else {
        format!(
            "cancel the record(s) the spine did not make: {}",
            untagged.join(", ")
        )
    };
    let key_name = match spec.key {
        Key::Field(f) => f,
        Key::Marker { .. } => "refund marker",
    };
    Some(Exception {
        kind: ExceptionKind::Duplicate,
        flow: spec.flow,
        day: members.iter().filter_map(|(r, _)| r.day).min(),
        event_key: None,
        source_id: key.to_owned(),
        odoo: members.iter().map(label).collect(),
        expected: None,
        found: None,
        detail: format!("{} {} share this {key_name}", members.len(), spec.label),
        action,
        count: 1,
    })
}

#[cfg(test)]
#[path = "sweep_rules_tests.rs"]
mod tests;
