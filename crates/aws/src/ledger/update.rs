//! The one `UpdateItem` that moves a ledger entry to a new status: built here as plain
//! data (expressions, names, values) so its shape can be checked without a table.

use super::item::{history_to_value, open_status, status_attributes};
use super::table::*;
use crate::idempotency::sdk::{n, s};
use aws_sdk_dynamodb::types::AttributeValue;
use spine_core::ledger::transition;
use spine_core::ledger::{HistoryEntry, LedgerStatus};
use std::collections::HashMap;

/// Expressions and placeholders of a guarded status change.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub update: String,
    pub condition: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

/// SET the status, its details, `updated_ms` and the open-status index key (REMOVE it
/// once final), append `line` to the history; only if the entry exists and its status
/// is one [`transition::allowed_from`] permits.
pub fn status_update(status: &LedgerStatus, line: &HistoryEntry) -> StatusUpdate {
    let to = status.kind();
    let mut names: HashMap<String, String> = [
        ("#pk", ATTR_EVENT_KEY),
        ("#status", ATTR_STATUS),
        ("#updated", ATTR_UPDATED_MS),
        ("#history", ATTR_HISTORY),
        ("#open", ATTR_OPEN_STATUS),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut values: HashMap<String, AttributeValue> = HashMap::new();
    values.insert(":at".into(), n(line.at.timestamp_millis()));
    values.insert(":line".into(), AttributeValue::L(vec![history_to_value(line)]));
    values.insert(":empty".into(), AttributeValue::L(vec![]));
    let mut set = vec![
        "#history = list_append(if_not_exists(#history, :empty), :line)".to_owned(),
        "#updated = :at".to_owned(),
    ];
    for (i, (name, value)) in status_attributes(status).into_iter().enumerate() {
        set.push(format!("#d{i} = :d{i}"));
        names.insert(format!("#d{i}"), name.to_owned());
        values.insert(format!(":d{i}"), value);
    }
    let update = match open_status(to) {
        Some(open) => {
            set.push("#open = :open".to_owned());
            values.insert(":open".into(), s(open));
            format!("SET {}", set.join(", "))
        }
        // Leaving the sparse by-status index once final.
        None => format!("SET {} REMOVE #open", set.join(", ")),
    };
    let allowed = transition::allowed_from(to);
    let mut placeholders = Vec::with_capacity(allowed.len());
    for (i, from) in allowed.iter().enumerate() {
        placeholders.push(format!(":from{i}"));
        values.insert(format!(":from{i}"), s(from.as_str()));
    }
    let condition = if placeholders.is_empty() {
        // Nothing may move into this status; failing for existing entries too makes the
        // refusal come back with the current status (ALL_OLD).
        "attribute_not_exists(#pk) AND attribute_exists(#pk)".to_owned()
    } else {
        format!(
            "attribute_exists(#pk) AND #status IN ({})",
            placeholders.join(", ")
        )
    };
    StatusUpdate {
        update,
        condition,
        names,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn line() -> HistoryEntry {
        HistoryEntry {
            at: Utc::now(),
            actor: "w".into(),
            action: "APPLIED".into(),
            detail: None,
        }
    }

    #[test]
    fn final_status_leaves_the_open_index_and_is_guarded() {
        let u = status_update(&LedgerStatus::Applied { records: vec![] }, &line());
        assert!(u.update.ends_with("REMOVE #open"), "{}", u.update);
        assert!(!u.values.contains_key(":open"));
        assert_eq!(
            u.condition,
            "attribute_exists(#pk) AND #status IN (:from0, :from1, :from2)"
        );
        let froms: Vec<_> = (0..3).map(|i| u.values[&format!(":from{i}")].clone()).collect();
        assert_eq!(froms, [s("RECEIVED"), s("QUEUED"), s("PARKED")]);
        // Every placeholder used is defined, and none is left unused.
        for name in u.names.keys() {
            assert!(
                u.update.contains(name.as_str()) || u.condition.contains(name.as_str()),
                "{name}"
            );
        }
        for value in u.values.keys() {
            assert!(
                u.update.contains(value.as_str()) || u.condition.contains(value.as_str()),
                "{value}"
            );
        }
    }

    #[test]
    fn open_status_is_set_with_the_details() {
        let parked = LedgerStatus::Parked {
            reason_class: "business".into(),
            message: "m".into(),
        };
        let u = status_update(&parked, &line());
        assert!(!u.update.contains("REMOVE"));
        assert_eq!(u.values[":open"], s("PARKED"));
        let detail_names: Vec<&str> = u
            .names
            .iter()
            .filter(|(k, _)| k.starts_with("#d"))
            .map(|(_, v)| v.as_str())
            .collect();
        for attr in [ATTR_STATUS, ATTR_REASON_CLASS, ATTR_REASON_MESSAGE] {
            assert!(detail_names.contains(&attr), "{attr} missing");
        }
    }
}
