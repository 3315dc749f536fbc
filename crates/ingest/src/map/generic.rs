//! The generic source, for in-house systems and carriers: a body
//! `{"id": ..., "type": ..., "occurred_at": ..., "data": {...}}`.
//!
//! - `shipment.tracking`: a carrier's tracking update, `data` holding `shipment_id`,
//!   `order_id` (of the configured `order_source`), `carrier`, `tracking_number`,
//!   optional `tracking_url`, `status` (carrier spellings such as `IN_TRANSIT` are
//!   understood) and `status_at` (RFC 3339).
//! - `order.v1`, `payment.v1`, `refund.v1`, `shipment.v1`: `data` is already the
//!   canonical event (systems that speak the contract directly).
//!
//! Every other type is ignored.

use super::{Context, Mapped};
use crate::error::{FieldError, Rejection};
use crate::json::Node;
use serde::de::DeserializeOwned;
use spine_core::CanonicalEvent;
use spine_core::contracts::{ShipmentStatus, ShipmentV1};

pub(super) fn map(cx: &Context, root: &Node) -> Result<Mapped, Rejection> {
    let source_event_id = root.get("id").id()?;
    let topic = root.get("type").str()?.to_owned();
    let occurred_at = match root.get("occurred_at").present() {
        Some(_) => root.get("occurred_at").rfc3339()?,
        None => cx.received_at,
    };
    let data = root.get("data");
    let event = match topic.as_str() {
        "shipment.tracking" => Some(tracking(cx, &data)?),
        "order.v1" => Some(CanonicalEvent::OrderV1(canonical(&data)?)),
        "payment.v1" => Some(CanonicalEvent::PaymentV1(canonical(&data)?)),
        "refund.v1" => Some(CanonicalEvent::RefundV1(canonical(&data)?)),
        "shipment.v1" => Some(CanonicalEvent::ShipmentV1(canonical(&data)?)),
        _ => None,
    };
    Ok(Mapped {
        source_event_id,
        topic,
        occurred_at,
        event,
    })
}

fn tracking(cx: &Context, data: &Node) -> Result<CanonicalEvent, FieldError> {
    let status = data.get("status");
    let status_text = status.str()?;
    let parsed = ShipmentStatus::parse(status_text)
        .ok_or_else(|| status.error(format!("{status_text:?} is not a known shipment status")))?;
    Ok(CanonicalEvent::ShipmentV1(ShipmentV1 {
        shipment_id: data.get("shipment_id").id()?,
        order: cx.order_ref(&data.get("order_id"))?,
        carrier: data.get("carrier").str()?.to_owned(),
        tracking_number: data.get("tracking_number").str()?.to_owned(),
        tracking_url: data.get("tracking_url").opt_str()?.map(str::to_owned),
        status: parsed,
        status_at: data.get("status_at").rfc3339()?,
    }))
}

/// `data` read as a canonical contract; serde's message names the offending field.
fn canonical<T: DeserializeOwned>(data: &Node) -> Result<T, FieldError> {
    T::deserialize(data.required()?.to_value()).map_err(|e| data.error(e.to_string()))
}
