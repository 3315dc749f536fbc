//! Ledger entries to DynamoDB items and back, and page tokens.

use super::table::*;
use crate::idempotency::sdk::{Item, get_json, get_n, get_s, n, opt_n, opt_s, s};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use spine_core::idempotency::StoreError;
use spine_core::ledger::{HistoryEntry, LedgerEntry, LedgerStatus, OdooRecords, PageToken, StatusKind};
use spine_core::{CorrelationId, Currency, EventKey, Flow, LedgerError, Money, SourceEventId, SourceName};

/// `order#2026-11-23`: the `by-flow-day` partition of an entry received at `at`.
pub fn flow_day(flow: Flow, day: chrono::NaiveDate) -> String {
    format!("{flow}#{}", day.format("%Y-%m-%d"))
}

/// `QUEUED`: the `by-status-age` partition, `None` for final statuses.
pub fn open_status(status: StatusKind) -> Option<&'static str> {
    (!status.is_final()).then(|| status.as_str())
}

/// The item for a new entry.
pub fn entry_to_item(entry: &LedgerEntry) -> Item {
    let mut item = Item::with_capacity(24);
    let mut put = |name: &str, value: AttributeValue| {
        item.insert(name.to_owned(), value);
    };
    put(ATTR_EVENT_KEY, s(entry.event_key.as_str()));
    put(ATTR_SOURCE, s(entry.source.as_str()));
    put(ATTR_SOURCE_EVENT_ID, s(entry.source_event_id.as_str()));
    put(ATTR_FLOW, s(entry.flow.as_str()));
    // BusinessKey's serde form is plain data; serializing it cannot fail.
    put(
        ATTR_BUSINESS_KEY,
        s(serde_json::to_string(&entry.business_key).unwrap_or_default()),
    );
    put(ATTR_CONTRACT_VERSION, s(entry.contract_version.as_str()));
    put(ATTR_TOPIC, s(entry.topic.as_str()));
    put(ATTR_CORRELATION_ID, s(entry.correlation_id.as_str()));
    put(ATTR_RECEIVED_MS, n(entry.received_at.timestamp_millis()));
    put(ATTR_FLOW_DAY, s(flow_day(entry.flow, entry.received_day())));
    put(ATTR_UPDATED_MS, n(entry.updated_at.timestamp_millis()));
    if let Some(occurred) = entry.occurred_at {
        put(ATTR_OCCURRED_MS, n(occurred.timestamp_millis()));
    }
    if let Some(amount) = entry.amount {
        put(ATTR_AMOUNT_MINOR, n(amount.minor));
        put(ATTR_CURRENCY, s(amount.currency.as_str()));
    }
    for (name, value) in status_attributes(&entry.status) {
        put(name, value);
    }
    if let Some(open) = open_status(entry.status.kind()) {
        put(ATTR_OPEN_STATUS, s(open));
    }
    put(
        ATTR_HISTORY,
        AttributeValue::L(entry.history.iter().map(history_to_value).collect()),
    );
    put(ATTR_PAYLOAD, s(entry.payload.to_string()));
    item
}

/// The attributes that spell out `status` (its name and its details).
pub fn status_attributes(status: &LedgerStatus) -> Vec<(&'static str, AttributeValue)> {
    let mut out = vec![(ATTR_STATUS, s(status.kind().as_str()))];
    match status {
        LedgerStatus::Applied { records } => {
            let json = serde_json::to_string(records).unwrap_or_else(|_| "[]".into());
            out.push((ATTR_ODOO_RECORDS, s(json)));
        }
        LedgerStatus::Parked {
            reason_class,
            message,
        } => {
            out.push((ATTR_REASON_CLASS, s(reason_class.as_str())));
            out.push((ATTR_REASON_MESSAGE, s(message.as_str())));
        }
        LedgerStatus::Discarded { reason, by } => {
            out.push((ATTR_DISCARD_REASON, s(reason.as_str())));
            out.push((ATTR_DISCARDED_BY, s(by.as_str())));
        }
        LedgerStatus::Received | LedgerStatus::Queued | LedgerStatus::Ignored => {}
    }
    out
}

/// One history line as a map.
pub fn history_to_value(line: &HistoryEntry) -> AttributeValue {
    let mut map = Item::with_capacity(4);
    map.insert("at".into(), n(line.at.timestamp_millis()));
    map.insert("actor".into(), s(line.actor.as_str()));
    map.insert("action".into(), s(line.action.as_str()));
    if let Some(detail) = &line.detail {
        map.insert("detail".into(), s(detail.as_str()));
    }
    AttributeValue::M(map)
}

fn history_from_value(value: &AttributeValue) -> Result<HistoryEntry, StoreError> {
    let map = value
        .as_m()
        .map_err(|_| StoreError::malformed(ATTR_HISTORY, "a line is not a map"))?;
    let named = |e: StoreError| match e {
        StoreError::Malformed { attribute, reason } => {
            StoreError::malformed(ATTR_HISTORY, format!("{attribute}: {reason}"))
        }
        other => other,
    };
    Ok(HistoryEntry {
        at: millis(ATTR_HISTORY, get_n(map, "at").map_err(named)?)?,
        actor: get_s(map, "actor").map_err(named)?.to_owned(),
        action: get_s(map, "action").map_err(named)?.to_owned(),
        detail: opt_s(map, "detail").map_err(named)?.map(str::to_owned),
    })
}

fn millis(attribute: &str, ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::malformed(attribute, "time out of range"))
}

fn parsed<T, E: std::fmt::Display>(attribute: &str, result: Result<T, E>) -> Result<T, StoreError> {
    result.map_err(|e| StoreError::malformed(attribute, e.to_string()))
}

/// The status spelled by an item, with its details.
pub fn status_from_item(item: &Item) -> Result<LedgerStatus, StoreError> {
    let name = get_s(item, ATTR_STATUS)?;
    let kind = StatusKind::parse(name)
        .ok_or_else(|| StoreError::malformed(ATTR_STATUS, format!("unknown status {name:?}")))?;
    let text = |attr: &str| get_s(item, attr).map(str::to_owned);
    Ok(match kind {
        StatusKind::Received => LedgerStatus::Received,
        StatusKind::Queued => LedgerStatus::Queued,
        StatusKind::Ignored => LedgerStatus::Ignored,
        StatusKind::Applied => LedgerStatus::Applied {
            records: get_json::<Vec<OdooRecords>>(item, ATTR_ODOO_RECORDS)?,
        },
        StatusKind::Parked => LedgerStatus::Parked {
            reason_class: text(ATTR_REASON_CLASS)?,
            message: text(ATTR_REASON_MESSAGE)?,
        },
        StatusKind::Discarded => LedgerStatus::Discarded {
            reason: text(ATTR_DISCARD_REASON)?,
            by: text(ATTR_DISCARDED_BY)?,
        },
    })
}

/// Reads an entry back; a malformed item is an error naming the attribute.
pub fn entry_from_item(item: &Item) -> Result<LedgerEntry, StoreError> {
    let amount = match (opt_n(item, ATTR_AMOUNT_MINOR)?, opt_s(item, ATTR_CURRENCY)?) {
        (Some(minor), Some(code)) => Some(Money::from_minor(
            minor,
            parsed(ATTR_CURRENCY, Currency::parse(code))?,
        )),
        (None, None) => None,
        _ => {
            return Err(StoreError::malformed(
                ATTR_CURRENCY,
                "amount and currency must come together",
            ));
        }
    };
    let history = match item.get(ATTR_HISTORY) {
        None => Vec::new(),
        Some(AttributeValue::L(lines)) => lines.iter().map(history_from_value).collect::<Result<_, _>>()?,
        Some(_) => return Err(StoreError::malformed(ATTR_HISTORY, "expected a list (L)")),
    };
    Ok(LedgerEntry {
        event_key: parsed(ATTR_EVENT_KEY, EventKey::parse(get_s(item, ATTR_EVENT_KEY)?))?,
        source: parsed(ATTR_SOURCE, SourceName::parse(get_s(item, ATTR_SOURCE)?))?,
        source_event_id: parsed(
            ATTR_SOURCE_EVENT_ID,
            SourceEventId::parse(get_s(item, ATTR_SOURCE_EVENT_ID)?),
        )?,
        flow: parsed(ATTR_FLOW, get_s(item, ATTR_FLOW)?.parse::<Flow>())?,
        business_key: get_json(item, ATTR_BUSINESS_KEY)?,
        contract_version: get_s(item, ATTR_CONTRACT_VERSION)?.to_owned(),
        topic: get_s(item, ATTR_TOPIC)?.to_owned(),
        correlation_id: parsed(
            ATTR_CORRELATION_ID,
            CorrelationId::parse(get_s(item, ATTR_CORRELATION_ID)?),
        )?,
        received_at: millis(ATTR_RECEIVED_MS, get_n(item, ATTR_RECEIVED_MS)?)?,
        occurred_at: opt_n(item, ATTR_OCCURRED_MS)?
            .map(|ms| millis(ATTR_OCCURRED_MS, ms))
            .transpose()?,
        amount,
        status: status_from_item(item)?,
        updated_at: millis(ATTR_UPDATED_MS, get_n(item, ATTR_UPDATED_MS)?)?,
        history,
        payload: get_json(item, ATTR_PAYLOAD)?,
    })
}

/// Key attributes a page token may carry (the table key and both index keys).
const TOKEN_ATTRS: [&str; 5] = [
    ATTR_EVENT_KEY,
    ATTR_FLOW_DAY,
    ATTR_RECEIVED_MS,
    ATTR_OPEN_STATUS,
    ATTR_UPDATED_MS,
];

/// A page token for DynamoDB's `LastEvaluatedKey`: JSON `{"name": "S:value" | "N:value"}`.
pub fn token_from_key(key: &Item) -> PageToken {
    let map: serde_json::Map<String, serde_json::Value> = key
        .iter()
        .filter_map(|(name, value)| {
            let text = match value {
                AttributeValue::S(v) => format!("S:{v}"),
                AttributeValue::N(v) => format!("N:{v}"),
                _ => return None,
            };
            Some((name.clone(), serde_json::Value::String(text)))
        })
        .collect();
    PageToken(serde_json::Value::Object(map).to_string())
}

/// The `ExclusiveStartKey` for a token this adapter handed out.
pub fn key_from_token(token: &PageToken) -> Result<Item, LedgerError> {
    let invalid = || LedgerError::InvalidPageToken(token.0.clone());
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&token.0).map_err(|_| invalid())?;
    let mut key = Item::with_capacity(map.len());
    for (name, value) in map {
        let text = value.as_str().ok_or_else(invalid)?;
        let attr = match text.split_once(':') {
            Some(("S", v)) => AttributeValue::S(v.to_owned()),
            Some(("N", v)) if v.parse::<i64>().is_ok() => AttributeValue::N(v.to_owned()),
            _ => return Err(invalid()),
        };
        if !TOKEN_ATTRS.contains(&name.as_str()) {
            return Err(invalid());
        }
        key.insert(name, attr);
    }
    if key.is_empty() {
        return Err(invalid());
    }
    Ok(key)
}
