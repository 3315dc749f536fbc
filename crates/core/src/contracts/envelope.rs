//! The envelope every canonical event travels in, from webhook ingest through the queue
//! to its worker, the ledger and the DLQ.

use super::validate::{ContractError, text};
use super::{OrderV1, PaymentV1, RefundV1, ShipmentV1};
use crate::ids::{BusinessKey, CorrelationId, EventKey, Flow, SourceEventId, SourceName};
use crate::money::Money;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A published contract and its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ContractVersion {
    #[serde(rename = "order.v1")]
    OrderV1,
    #[serde(rename = "payment.v1")]
    PaymentV1,
    #[serde(rename = "refund.v1")]
    RefundV1,
    #[serde(rename = "shipment.v1")]
    ShipmentV1,
}

impl ContractVersion {
    /// Every published contract version.
    pub const ALL: [ContractVersion; 4] = [Self::OrderV1, Self::PaymentV1, Self::RefundV1, Self::ShipmentV1];

    /// The name on the wire and in SQS attributes, e.g. `order.v1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderV1 => "order.v1",
            Self::PaymentV1 => "payment.v1",
            Self::RefundV1 => "refund.v1",
            Self::ShipmentV1 => "shipment.v1",
        }
    }

    /// The flow (and so the queue and worker) events of this contract belong to.
    pub fn flow(self) -> Flow {
        match self {
            Self::OrderV1 => Flow::Order,
            Self::PaymentV1 => Flow::Payment,
            Self::RefundV1 => Flow::Refund,
            Self::ShipmentV1 => Flow::Shipment,
        }
    }
}

impl fmt::Display for ContractVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ContractVersion {
    type Err = EnvelopeError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == value)
            .ok_or_else(|| EnvelopeError::UnknownContract(value.to_owned()))
    }
}

/// The canonical event itself, tagged by its contract version (`"contract": "order.v1"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "contract")]
#[allow(
    clippy::large_enum_variant,
    reason = "one event per message, built once and moved rarely: a box would buy nothing measurable"
)]
pub enum CanonicalEvent {
    #[serde(rename = "order.v1")]
    OrderV1(OrderV1),
    #[serde(rename = "payment.v1")]
    PaymentV1(PaymentV1),
    #[serde(rename = "refund.v1")]
    RefundV1(RefundV1),
    #[serde(rename = "shipment.v1")]
    ShipmentV1(ShipmentV1),
}

impl CanonicalEvent {
    /// The event's contract version.
    pub fn contract(&self) -> ContractVersion {
        match self {
            Self::OrderV1(_) => ContractVersion::OrderV1,
            Self::PaymentV1(_) => ContractVersion::PaymentV1,
            Self::RefundV1(_) => ContractVersion::RefundV1,
            Self::ShipmentV1(_) => ContractVersion::ShipmentV1,
        }
    }

    /// The flow the event belongs to.
    pub fn flow(&self) -> Flow {
        self.contract().flow()
    }

    /// The business identity its worker keys idempotency on: the source's id of the
    /// order, payment, refund or shipment and its revision, never a delivery id.
    pub fn business_key(&self, source: &SourceName) -> BusinessKey {
        let (entity_id, revision) = match self {
            Self::OrderV1(o) => (o.order_id.clone(), o.revision),
            Self::PaymentV1(p) => (p.payment_id.clone(), 0),
            Self::RefundV1(r) => (r.refund_id.clone(), 0),
            Self::ShipmentV1(s) => (s.shipment_id.clone(), s.status.rank()),
        };
        BusinessKey {
            flow: self.flow(),
            source: source.clone(),
            entity_id,
            revision,
        }
    }

    /// The amount reconciliation totals for this event, when it has one.
    pub fn amount(&self) -> Option<Money> {
        match self {
            Self::OrderV1(o) => Some(o.total),
            Self::PaymentV1(p) => Some(p.amount),
            Self::RefundV1(r) => Some(r.amount),
            Self::ShipmentV1(_) => None,
        }
    }

    /// Checks every rule of the event's contract that the schema cannot express.
    pub fn validate(&self) -> Result<(), ContractError> {
        match self {
            Self::OrderV1(o) => o.validate(),
            Self::PaymentV1(p) => p.validate(),
            Self::RefundV1(r) => r.validate(),
            Self::ShipmentV1(s) => s.validate(),
        }
    }
}

/// Why an envelope cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("unknown contract version {0:?}")]
    UnknownContract(String),
    #[error("the message is not a canonical event envelope: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("the event breaks its contract: {0}")]
    Contract(#[from] ContractError),
    #[error("the envelope's {field} does not match its event ({found} instead of {expected})")]
    Inconsistent {
        field: &'static str,
        found: String,
        expected: String,
    },
}

/// One accepted event with everything needed to route, dedupe, trace and replay it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The spine's key for this event, derived from source and source event id.
    pub event_key: EventKey,
    pub source: SourceName,
    /// The source's id of the delivery or event (ingress dedupe is on this).
    pub source_event_id: SourceEventId,
    /// The source's topic or event type, e.g. `orders/create`.
    pub topic: String,
    pub correlation_id: CorrelationId,
    /// When the source says the event happened.
    pub occurred_at: DateTime<Utc>,
    /// When the spine accepted it.
    pub received_at: DateTime<Utc>,
    /// What the worker keys its idempotency on.
    pub business_key: BusinessKey,
    pub event: CanonicalEvent,
}

impl Envelope {
    /// Wraps an event, deriving its event key and business key; validates the event.
    pub fn new(
        source: SourceName,
        source_event_id: SourceEventId,
        topic: impl Into<String>,
        correlation_id: CorrelationId,
        occurred_at: DateTime<Utc>,
        received_at: DateTime<Utc>,
        event: CanonicalEvent,
    ) -> Result<Self, ContractError> {
        let topic = topic.into();
        text("topic", &topic, 128)?;
        event.validate()?;
        Ok(Self {
            event_key: EventKey::derive(&source, &source_event_id),
            business_key: event.business_key(&source),
            source,
            source_event_id,
            topic,
            correlation_id,
            occurred_at,
            received_at,
            event,
        })
    }

    /// Reads an envelope from a queue message body and checks it is whole: its event
    /// satisfies its contract and its keys are the ones its content implies.
    pub fn from_json(body: &str) -> Result<Self, EnvelopeError> {
        let envelope: Self = serde_json::from_str(body)?;
        envelope.event.validate()?;
        let expected_key = EventKey::derive(&envelope.source, &envelope.source_event_id);
        if envelope.event_key != expected_key {
            return Err(inconsistent("event_key", &envelope.event_key, &expected_key));
        }
        let expected = envelope.event.business_key(&envelope.source);
        if envelope.business_key != expected {
            return Err(inconsistent("business_key", &envelope.business_key, &expected));
        }
        Ok(envelope)
    }

    /// The envelope as the JSON a queue message carries.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an envelope always serializes (no maps with non-string keys)")
    }

    /// The event's contract version.
    pub fn contract(&self) -> ContractVersion {
        self.event.contract()
    }

    /// The event's flow.
    pub fn flow(&self) -> Flow {
        self.event.flow()
    }
}

fn inconsistent(
    field: &'static str,
    found: &impl fmt::Display,
    expected: &impl fmt::Display,
) -> EnvelopeError {
    EnvelopeError::Inconsistent {
        field,
        found: found.to_string(),
        expected: expected.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::order::tests::sample;

    fn envelope() -> Envelope {
        Envelope::new(
            SourceName::parse("shopify").unwrap(),
            SourceEventId::parse("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043").unwrap(),
            "orders/create",
            CorrelationId::parse("Root=1-abc").unwrap(),
            "2026-11-20T10:00:00Z".parse().unwrap(),
            "2026-11-20T10:00:01Z".parse().unwrap(),
            CanonicalEvent::OrderV1(sample()),
        )
        .unwrap()
    }

    #[test]
    fn round_trips_through_json_with_its_contract_tag() {
        let envelope = envelope();
        let json = envelope.to_json();
        assert!(json.contains(r#""contract":"order.v1""#), "{json}");
        assert_eq!(Envelope::from_json(&json).unwrap(), envelope);
        assert_eq!(
            envelope.business_key.render(),
            "order:shopify:820982911946154508:r0"
        );
        assert_eq!(envelope.flow(), Flow::Order);
    }

    #[test]
    fn a_tampered_key_is_refused() {
        let mut json: serde_json::Value = serde_json::to_value(envelope()).unwrap();
        json["business_key"]["revision"] = 7.into();
        let error = Envelope::from_json(&json.to_string()).unwrap_err();
        assert!(
            matches!(
                error,
                EnvelopeError::Inconsistent {
                    field: "business_key",
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn contract_violations_and_garbage_are_told_apart() {
        let mut json: serde_json::Value = serde_json::to_value(envelope()).unwrap();
        json["event"]["lines"] = serde_json::json!([]);
        assert!(matches!(
            Envelope::from_json(&json.to_string()),
            Err(EnvelopeError::Contract(_))
        ));
        assert!(matches!(
            Envelope::from_json("{not json"),
            Err(EnvelopeError::Malformed(_))
        ));
        assert_eq!(
            "refund.v1".parse::<ContractVersion>().unwrap(),
            ContractVersion::RefundV1
        );
        assert!("order.v9".parse::<ContractVersion>().is_err());
    }
}
