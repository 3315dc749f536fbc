//! Order events for tests that park, redrive or apply them: the sample order envelope of
//! `events/sqs/order.json` under fresh ids, and the ledger entry the redrive path needs
//! for one.

use serde_json::{Value, json};
use spine_core::contracts::OrderLine;
use spine_core::ledger::{LedgerEntry, LedgerStatus};
use spine_core::{Currency, Envelope, EventKey, Money, Sku, SourceEventId, SourceName};

const ORDER: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../events/sqs/order.json"
));

/// The sample order envelope's JSON (Shopify, MUG-01 and CUP-02) under the source event
/// id `source_event_id` and the Shopify order id `order_id`, with the event key derived
/// from them: a new event and a new order, the rest as in the sample.
///
/// Panics (test code) when `source_event_id` is not a valid source event id.
pub fn order_json(source_event_id: &str, order_id: &str) -> Value {
    let sample: Value = serde_json::from_str(ORDER).expect("the order sample is JSON");
    let body = sample["Records"][0]["body"]
        .as_str()
        .expect("the sample has a body");
    let mut envelope: Value = serde_json::from_str(body).expect("the sample's body is JSON");
    let shopify = SourceName::parse("shopify").expect("a source name");
    let id = SourceEventId::parse(source_event_id).expect("a valid source event id");
    envelope["source_event_id"] = json!(source_event_id);
    envelope["event_key"] = json!(EventKey::derive(&shopify, &id).to_string());
    envelope["event"]["order_id"] = json!(order_id);
    envelope["business_key"]["entity_id"] = json!(order_id);
    envelope
}

/// [`order_json`] as an envelope.
pub fn order_envelope(source_event_id: &str, order_id: &str) -> Envelope {
    Envelope::from_json(&order_json(source_event_id, order_id).to_string()).expect("a valid envelope")
}

/// A RECEIVED ledger entry for `envelope` with only what the redrive path reads: no
/// payload, amount, occurrence time or history (unlike `LedgerEntry::received`, which
/// records what the webhook writes).
pub fn bare_received_entry(envelope: &Envelope) -> LedgerEntry {
    LedgerEntry {
        event_key: envelope.event_key.clone(),
        source: envelope.source.clone(),
        source_event_id: envelope.source_event_id.clone(),
        flow: envelope.flow(),
        business_key: envelope.business_key.clone(),
        contract_version: envelope.contract().to_string(),
        topic: envelope.topic.clone(),
        correlation_id: envelope.correlation_id.clone(),
        received_at: envelope.received_at,
        occurred_at: None,
        amount: None,
        status: LedgerStatus::Received,
        updated_at: envelope.received_at,
        history: vec![],
        payload: json!({}),
    }
}

/// `minor` US cents.
pub fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::parse("USD").expect("USD is a currency"))
}

/// An order line `line_id` of `quantity` × `sku` named "Item <sku>" at `unit_price`
/// US cents each, without discount.
pub fn usd_line(line_id: &str, sku: &Sku, quantity: u32, unit_price: i64) -> OrderLine {
    OrderLine {
        line_id: line_id.into(),
        sku: sku.clone(),
        name: format!("Item {sku}"),
        quantity,
        unit_price: usd(unit_price),
        discount: usd(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_envelope_carries_its_new_ids_and_key() {
        let envelope = order_envelope("evt-1", "4242");
        let again = order_envelope("evt-1", "4242");
        assert_eq!(envelope.source_event_id.as_str(), "evt-1");
        assert_eq!(envelope.business_key.entity_id.as_str(), "4242");
        assert_eq!(envelope.event_key, again.event_key);
        assert_ne!(envelope.event_key, order_envelope("evt-2", "4242").event_key);
        let entry = bare_received_entry(&envelope);
        assert_eq!(entry.event_key, envelope.event_key);
        assert!(matches!(entry.status, LedgerStatus::Received));
    }
}
