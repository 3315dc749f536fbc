//! Xendit invoice callbacks: status `PAID` (and `SETTLED`, which follows it) become
//! `payment.v1`; `EXPIRED` and every other status are ignored. The order is the
//! invoice's `external_id`. Xendit sends no delivery id: the id is `{id}:{status}`.

use super::{Context, Mapped, composite_id};
use crate::error::{FieldError, Rejection};
use crate::json::Node;
use spine_core::contracts::PaymentV1;
use spine_core::{CanonicalEvent, Currency};

pub(super) fn map(cx: &Context, root: &Node) -> Result<Mapped, Rejection> {
    let invoice_id = root.get("id").str()?;
    let status = root.get("status").str()?;
    let source_event_id = composite_id(root, &[invoice_id, status])?;
    let event = match status {
        "PAID" | "SETTLED" => Some(payment(cx, root)?),
        _ => None,
    };
    let occurred_at = match event {
        Some(CanonicalEvent::PaymentV1(ref p)) => p.paid_at,
        _ => root.get("updated").rfc3339().unwrap_or(cx.received_at),
    };
    Ok(Mapped {
        source_event_id,
        topic: format!("invoice/{}", status.to_ascii_lowercase()),
        occurred_at,
        event,
    })
}

/// The payload members this mapping reads (the parser skips the rest).
pub(super) fn keep(key: &str) -> bool {
    matches!(
        key,
        "id" | "status"
            | "updated"
            | "currency"
            | "paid_amount"
            | "amount"
            | "payment_channel"
            | "payment_method"
            | "payment_id"
            | "external_id"
            | "paid_at"
    )
}

fn payment(cx: &Context, root: &Node) -> Result<CanonicalEvent, FieldError> {
    let currency = match root.get("currency").opt_str()? {
        Some(_) => root.get("currency").currency()?,
        None => Currency::parse("IDR").map_err(|e| root.error(e.to_string()))?,
    };
    // paid_amount is what arrived; amount is the invoice's, used by older callbacks.
    let amount = match root.get("paid_amount").present() {
        Some(_) => root.get("paid_amount").decimal(currency)?,
        None => root.get("amount").decimal(currency)?,
    };
    let payment_id = root.get("id").id()?;
    let method = match root.get("payment_channel").opt_str()? {
        Some(channel) => channel.to_owned(),
        None => root.get("payment_method").str()?.to_owned(),
    };
    Ok(CanonicalEvent::PaymentV1(PaymentV1 {
        reference: match root.get("payment_id").opt_str()? {
            Some(id) => id.to_owned(),
            None => payment_id.to_string(),
        },
        payment_id,
        order: cx.order_ref(&root.get("external_id"))?,
        amount,
        paid_at: root.get("paid_at").rfc3339()?,
        method,
    }))
}
