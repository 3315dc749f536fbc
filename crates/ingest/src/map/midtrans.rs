//! Midtrans HTTP notifications: `settlement` and accepted `capture` become `payment.v1`,
//! `refund` and `partial_refund` become `refund.v1`; every other status is ignored.
//!
//! Midtrans has no delivery id: the id is `{transaction_id}:{transaction_status}` (and
//! the refund's key for refunds), so a retried notification dedupes while the next
//! status of the same transaction does not. A card payment notifies `capture` and later
//! `settlement`: both map to the very same payment (same id, time and amount), which the
//! payment worker applies once. Times are Asia/Jakarta (UTC+7) without an offset.

use super::{Context, Mapped, composite_id};
use crate::error::{FieldError, Rejection};
use crate::json::Node;
use spine_core::contracts::{PaymentV1, RefundV1};
use spine_core::{CanonicalEvent, Currency, SourceEventId};

const JAKARTA_OFFSET_SECS: i32 = 7 * 3600;

pub(super) fn map(cx: &Context, root: &Node) -> Result<Mapped, Rejection> {
    let transaction_id = root.get("transaction_id").str()?;
    let status = root.get("transaction_status").str()?;
    let currency = match root.get("currency").opt_str()? {
        Some(_) => root.get("currency").currency()?,
        None => Currency::parse("IDR").map_err(|e| root.error(e.to_string()))?,
    };
    let fraud = root.get("fraud_status").opt_str()?;
    let (event, id) = match status {
        "settlement" => (
            Some(payment(cx, root, currency)?),
            composite_id(root, &[transaction_id, status])?,
        ),
        "capture" if matches!(fraud, None | Some("accept")) => (
            Some(payment(cx, root, currency)?),
            composite_id(root, &[transaction_id, status])?,
        ),
        "refund" | "partial_refund" => {
            let (refund, key) = refund(cx, root, currency)?;
            (
                Some(refund),
                composite_id(root, &[transaction_id, "refund", &key])?,
            )
        }
        _ => (None, composite_id(root, &[transaction_id, status])?),
    };
    let occurred_at = match root.get("settlement_time").present() {
        Some(_) => root.get("settlement_time").local_time(JAKARTA_OFFSET_SECS),
        None => root.get("transaction_time").local_time(JAKARTA_OFFSET_SECS),
    }
    .unwrap_or(cx.received_at);
    Ok(Mapped {
        source_event_id: id,
        topic: format!("notification/{status}"),
        occurred_at,
        event,
    })
}

/// The payload members this mapping reads (the parser skips the rest).
pub(super) fn keep(key: &str) -> bool {
    matches!(
        key,
        "transaction_id"
            | "transaction_status"
            | "currency"
            | "fraud_status"
            | "settlement_time"
            | "transaction_time"
            | "order_id"
            | "gross_amount"
            | "payment_type"
            | "refunds"
            | "refund_chargeback_id"
            | "refund_key"
            | "refund_amount"
            | "created_at"
            | "reason"
            | "signature_key"
            | "status_code"
    )
}

fn payment(cx: &Context, root: &Node, currency: Currency) -> Result<CanonicalEvent, FieldError> {
    let payment_id = root.get("transaction_id").id()?;
    Ok(CanonicalEvent::PaymentV1(PaymentV1 {
        reference: payment_id.to_string(),
        payment_id,
        order: cx.order_ref(&root.get("order_id"))?,
        amount: root.get("gross_amount").decimal(currency)?,
        // transaction_time, not settlement_time: capture and settlement must map to
        // the same payment.
        paid_at: root.get("transaction_time").local_time(JAKARTA_OFFSET_SECS)?,
        method: root.get("payment_type").str()?.to_owned(),
    }))
}

/// The latest refund of the transaction's `refunds` list, and its key.
fn refund(cx: &Context, root: &Node, currency: Currency) -> Result<(CanonicalEvent, String), FieldError> {
    let list = root.get("refunds");
    let items = list.array()?;
    let latest = items.last().ok_or_else(|| list.error("holds no refund"))?;
    let key_node = latest.get("refund_chargeback_id");
    let refund_id = match key_node.present() {
        Some(_) => key_node.id()?,
        None => latest.get("refund_key").id()?,
    };
    let refund = RefundV1 {
        refund_id: refund_id.clone(),
        payment_id: Some(root.get("transaction_id").id()?),
        order: cx.order_ref(&root.get("order_id"))?,
        amount: latest.get("refund_amount").decimal(currency)?,
        refunded_at: latest.get("created_at").local_time(JAKARTA_OFFSET_SECS)?,
        reason: latest.get("reason").opt_str()?.map(str::to_owned),
    };
    Ok((CanonicalEvent::RefundV1(refund), SourceEventId::into(refund_id)))
}
