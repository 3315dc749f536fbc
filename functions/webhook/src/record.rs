//! The ledger entries the webhook writes: RECEIVED for an accepted event, IGNORED for a
//! topic the spine does not handle.

use chrono::{DateTime, Utc};
use spine_core::ledger::{HistoryEntry, LedgerEntry, LedgerStatus};
use spine_core::{BusinessKey, CorrelationId, Envelope, EventKey, SourceEventId};
use spine_ingest::{FieldError, Rejection, SourceConfig};

/// The RECEIVED entry of an accepted event ([`LedgerEntry::received`]).
pub fn received_entry(envelope: &Envelope) -> Result<LedgerEntry, Rejection> {
    LedgerEntry::received(envelope, crate::service::ACTOR).map_err(|e| {
        Rejection::Unprocessable(FieldError::new("", format!("the event cannot be stored: {e}")))
    })
}

/// The IGNORED entry of a delivery whose topic the spine does not handle. It has no
/// canonical event: it is filed under its source's usual flow, with the delivery id as
/// the business entity and no contract version, so a repeat still dedupes and
/// reconciliation can count what was ignored.
pub fn ignored_entry(
    config: &SourceConfig,
    source_event_id: SourceEventId,
    topic: &str,
    correlation_id: &CorrelationId,
    received_at: DateTime<Utc>,
    occurred_at: DateTime<Utc>,
) -> Result<LedgerEntry, Rejection> {
    let flow = config.kind.home_flow();
    Ok(LedgerEntry {
        event_key: EventKey::derive(&config.name, &source_event_id),
        source: config.name.clone(),
        business_key: BusinessKey {
            flow,
            source: config.name.clone(),
            entity_id: source_event_id.clone(),
            revision: 0,
        },
        source_event_id,
        flow,
        contract_version: "none".to_owned(),
        topic: topic.chars().take(128).collect(),
        correlation_id: correlation_id.clone(),
        received_at,
        occurred_at: Some(occurred_at),
        amount: None,
        status: LedgerStatus::Ignored,
        updated_at: received_at,
        history: vec![history(received_at, "IGNORED")],
        payload: serde_json::json!({ "topic": topic }),
    })
}

fn history(at: DateTime<Utc>, action: &str) -> HistoryEntry {
    HistoryEntry {
        at,
        actor: crate::service::ACTOR.to_owned(),
        action: action.to_owned(),
        detail: None,
    }
}
