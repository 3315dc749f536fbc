//! Stripe: `payment_intent.succeeded` becomes `payment.v1`, `charge.refunded` becomes
//! `refund.v1`; every other event type is ignored. The event id (`evt_...`) is the
//! delivery id. Stripe amounts are already in minor units.
//!
//! The order is named by `metadata.order_id` on the PaymentIntent (and the Charge),
//! in the source configured as `order_source`.

use super::{Context, Mapped};
use crate::error::{FieldError, Rejection};
use crate::json::Node;
use spine_core::contracts::{PaymentV1, RefundV1};
use spine_core::{CanonicalEvent, SourceEventId};

pub(super) fn map(cx: &Context, root: &Node) -> Result<Mapped, Rejection> {
    let source_event_id = root.get("id").id()?;
    let topic = root.get("type").str()?.to_owned();
    let occurred_at = root.get("created").unix()?;
    let data = root.get("data");
    let object = data.get("object");
    let event = match topic.as_str() {
        "payment_intent.succeeded" => Some(payment(cx, &object, occurred_at)?),
        "charge.refunded" => Some(refund(cx, &object)?),
        _ => None,
    };
    Ok(Mapped {
        source_event_id,
        topic,
        occurred_at,
        event,
    })
}

/// The payload members this mapping reads (the parser skips the rest).
pub(super) fn keep(key: &str) -> bool {
    matches!(
        key,
        "id" | "type"
            | "created"
            | "data"
            | "object"
            | "currency"
            | "payment_method_types"
            | "metadata"
            | "order_id"
            | "amount_received"
            | "refunds"
            | "payment_intent"
            | "amount"
            | "reason"
    )
}

fn payment(
    cx: &Context,
    intent: &Node,
    paid_at: chrono::DateTime<chrono::Utc>,
) -> Result<CanonicalEvent, FieldError> {
    let currency = intent.get("currency").currency()?;
    let payment_id = intent.get("id").id()?;
    let methods = intent.get("payment_method_types");
    let method = match methods.opt_array()?.first() {
        Some(first) => first.str()?.to_owned(),
        None => "card".to_owned(),
    };
    let metadata = intent.get("metadata");
    Ok(CanonicalEvent::PaymentV1(PaymentV1 {
        reference: payment_id.to_string(),
        payment_id,
        order: cx.order_ref(&metadata.get("order_id"))?,
        amount: intent.get("amount_received").minor(currency)?,
        paid_at,
        method,
    }))
}

/// Since API version 2022-11-15 a Charge's `refunds` list is only present when expanded;
/// without it the single refund cannot be told apart from the cumulative
/// `amount_refunded`, so the event is refused rather than guessed at.
fn refund(cx: &Context, charge: &Node) -> Result<CanonicalEvent, FieldError> {
    let currency = charge.get("currency").currency()?;
    let refunds = charge.get("refunds");
    let list = refunds.get("data");
    let items = list.array()?;
    // Stripe lists refunds newest first: the first is the one this event is about.
    let latest = items.first().ok_or_else(|| list.error("holds no refund"))?;
    let payment_id = match charge.get("payment_intent").opt_str()? {
        Some(id) => {
            Some(SourceEventId::parse(id).map_err(|e| charge.get("payment_intent").error(e.to_string()))?)
        }
        None => None,
    };
    let metadata = charge.get("metadata");
    Ok(CanonicalEvent::RefundV1(RefundV1 {
        refund_id: latest.get("id").id()?,
        payment_id,
        order: cx.order_ref(&metadata.get("order_id"))?,
        amount: latest.get("amount").minor(currency)?,
        refunded_at: latest.get("created").unix()?,
        reason: latest.get("reason").opt_str()?.map(str::to_owned),
    }))
}
