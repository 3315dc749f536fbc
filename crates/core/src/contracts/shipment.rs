//! `shipment.v1`: a carrier's tracking update for an order, as the shipment sync puts it
//! on the order's delivery in Odoo.

use super::payment::OrderRef;
use super::validate::{ContractError, optional_text, text};
use crate::ids::SourceEventId;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a parcel is. Later states have higher ranks: a shipment's revision is its
/// status's rank, so a late "in transit" never undoes a "delivered".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    LabelCreated,
    InTransit,
    OutForDelivery,
    Delivered,
    /// The carrier gave up (returned to sender, lost); no later state follows.
    Failed,
}

impl ShipmentStatus {
    /// The status's place in a parcel's life, used as the event's revision.
    pub fn rank(self) -> u64 {
        match self {
            Self::LabelCreated => 0,
            Self::InTransit => 1,
            Self::OutForDelivery => 2,
            Self::Delivered => 3,
            Self::Failed => 4,
        }
    }

    /// Accepts the snake_case names (`in_transit`) and common carrier spellings
    /// (`IN_TRANSIT`, `in-transit`, `shipped`).
    pub fn parse(value: &str) -> Option<Self> {
        let normal = value.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Some(match normal.as_str() {
            "label_created" | "pre_transit" | "created" => Self::LabelCreated,
            "in_transit" | "shipped" | "picked_up" => Self::InTransit,
            "out_for_delivery" => Self::OutForDelivery,
            "delivered" => Self::Delivered,
            "failed" | "failure" | "returned" | "return_to_sender" | "lost" => Self::Failed,
            _ => return None,
        })
    }
}

/// A parcel of an order, with its tracking reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentV1 {
    /// The carrier's (or shop's) id of the shipment.
    pub shipment_id: SourceEventId,
    pub order: OrderRef,
    /// The carrier's name, e.g. `jne`, `ups`.
    pub carrier: String,
    /// The tracking number; goes to the delivery's `carrier_tracking_ref` in Odoo.
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub status: ShipmentStatus,
    /// When the carrier reported this status.
    pub status_at: DateTime<Utc>,
}

impl ShipmentV1 {
    /// Checks every rule the schema cannot express.
    pub fn validate(&self) -> Result<(), ContractError> {
        text("carrier", &self.carrier, 64)?;
        text("tracking_number", &self.tracking_number, 128)?;
        if self.tracking_number.chars().any(char::is_whitespace) {
            return Err(ContractError::new(
                "tracking_number",
                "must not contain white space",
            ));
        }
        optional_text("tracking_url", self.tracking_url.as_deref(), 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_from_carrier_spellings_and_rank_in_order() {
        assert_eq!(
            ShipmentStatus::parse("IN_TRANSIT"),
            Some(ShipmentStatus::InTransit)
        );
        assert_eq!(
            ShipmentStatus::parse("out-for-delivery"),
            Some(ShipmentStatus::OutForDelivery)
        );
        assert_eq!(ShipmentStatus::parse("teleported"), None);
        assert!(ShipmentStatus::Delivered.rank() > ShipmentStatus::InTransit.rank());
    }
}
