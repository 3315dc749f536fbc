//! Payment sync (`payment.v1`): the order's customer invoice created and posted when it
//! has none (registered under `invoice_xid`), then the payment registered on the source's
//! bank journal through Odoo's payment wizard (amount, date, the gateway's reference as
//! memo) and tagged with `payment_xid`.
//!
//! Idempotent per payment id: an existing `payment_xid` means done. Odoo's wizards create
//! the invoice and the payment themselves, so between their commit and the tagging there
//! is a window; a retry closes it by adopting the order's existing invoice and, when the
//! invoice already has payments, the payment carrying this payment's memo.
//! A payment that differs from the invoice's residual is registered as it is (partial,
//! or over-payment left as customer credit) and flagged, never rounded to fit.

use serde_json::{Value, json};
use spine_core::contracts::PaymentV1;
use spine_core::{Money, SourceName};
use spine_odoo::{Domain, Kwargs, Record, SearchOpts};

use crate::applied::Applied;
use crate::error::SyncError;
use crate::invoice::{Invoice, invoice_for_order, post, read_invoice};
use crate::syncer::Syncer;
use crate::xids::{self, action_res_id};

const ORDER: &str = "sale.order";
const MOVE: &str = "account.move";
const PAYMENT: &str = "account.payment";

/// Applies one payment (see the module documentation).
pub(crate) async fn sync(s: &Syncer, source: &SourceName, payment: &PaymentV1) -> Result<Applied, SyncError> {
    let order_xid = payment.order.sale_order_xid();
    let invoice_xid = payment.order.invoice_xid();
    let payment_xid = payment.payment_xid(source);
    let journal = s
        .config
        .bank_journal(source)
        .ok_or_else(|| SyncError::NoBankJournal(source.clone()))?;
    let known = xids::lookup(&s.odoo, &[&order_xid, &invoice_xid, &payment_xid]).await?;
    let mut applied = Applied::default();
    if let Some(id) = known.id(&payment_xid, PAYMENT).filter(|_| !s.skip_record_checks) {
        applied.already_applied = true;
        applied.touch(PAYMENT, id, Some(&payment_xid));
        return Ok(applied);
    }
    let Some(order_id) = known.id(&order_xid, ORDER) else {
        return Err(SyncError::Waiting {
            what: "sale order",
            xid: order_xid,
        });
    };
    let invoice_tagged = known.id(&invoice_xid, MOVE);
    let (mut invoice, created_now) = match invoice_tagged {
        Some(id) => (read_invoice(s, id, &invoice_xid).await?, false),
        None => invoice_for_order(s, order_id, &order_xid).await?,
    };
    if invoice.state == "draft" {
        post(s, &mut invoice).await?;
    }
    check_currency(payment, &invoice)?;
    let memo = memo(source, payment);
    // With no payment at all on the invoice, no earlier attempt of this one registered.
    let earlier = if created_now || invoice.payment_state == "not_paid" || s.skip_record_checks {
        None
    } else {
        find_by_memo(s, &memo).await?
    };
    let payment_id = match earlier {
        Some(id) => id,
        None => {
            flag_amount(payment, &invoice, &mut applied)?;
            register(s, &invoice, journal, payment, &memo).await?
        }
    };
    let mut tags = vec![(&payment_xid, PAYMENT, payment_id)];
    if invoice_tagged.is_none() {
        tags.push((&invoice_xid, MOVE, invoice.id));
    }
    xids::register(&s.odoo, &tags).await?;
    applied.touch(PAYMENT, payment_id, Some(&payment_xid));
    applied.touch(MOVE, invoice.id, Some(&invoice_xid));
    applied.touch(ORDER, order_id, Some(&order_xid));
    Ok(applied)
}

/// The memo Odoo keeps on the payment: the gateway and its reference, and the payment
/// id when the reference is something else (the retry path searches for it).
fn memo(source: &SourceName, payment: &PaymentV1) -> String {
    let id = payment.payment_id.as_str();
    if payment.reference == id {
        format!("{source} {}", payment.reference)
    } else {
        format!("{source} {} ({id})", payment.reference)
    }
}

fn check_currency(payment: &PaymentV1, invoice: &Invoice) -> Result<(), SyncError> {
    if invoice.currency == payment.amount.currency.as_str() {
        return Ok(());
    }
    Err(SyncError::CurrencyMismatch {
        payment: payment.amount.currency,
        invoice: invoice.currency.clone(),
        invoice_id: invoice.id,
    })
}

fn flag_amount(payment: &PaymentV1, invoice: &Invoice, applied: &mut Applied) -> Result<(), SyncError> {
    let residual = Money::from_odoo_float(invoice.residual, payment.amount.currency).map_err(|e| {
        SyncError::Unexpected {
            step: "read account.move",
            detail: format!("residual {}: {e}", invoice.residual),
        }
    })?;
    let amount = payment.amount;
    if amount.minor < residual.minor {
        applied.flags.push(format!(
            "partial payment: {amount} registered against a residual of {residual}"
        ));
    } else if amount.minor > residual.minor {
        applied.flags.push(format!(
            "over-payment: {amount} registered against a residual of {residual}; the excess stays as customer credit"
        ));
    }
    Ok(())
}

async fn find_by_memo(s: &Syncer, memo: &str) -> Result<Option<i64>, SyncError> {
    let domain = Domain::all().eq("memo", memo);
    let opts = SearchOpts {
        order: Some("id asc".into()),
        limit: Some(1),
        ..SearchOpts::default()
    };
    let ids = s
        .odoo
        .search(PAYMENT, &domain, &opts)
        .await
        .map_err(SyncError::odoo("find payment by memo"))?;
    Ok(ids.first().copied())
}

/// Registers the payment through the wizard; the new account.payment's id.
async fn register(
    s: &Syncer,
    invoice: &Invoice,
    journal: i64,
    payment: &PaymentV1,
    memo: &str,
) -> Result<i64, SyncError> {
    let context = active(MOVE, invoice.id);
    let vals = rec(json!({
        "journal_id": journal,
        "amount": payment.amount.to_odoo_float(),
        "payment_date": payment.paid_at.date_naive().format("%Y-%m-%d").to_string(),
        "communication": memo,
    }));
    let wizard = s
        .odoo
        .create_with_context("account.payment.register", &[vals], Some(&context))
        .await
        .map_err(SyncError::odoo("create payment wizard"))?;
    let answer = s
        .odoo
        .call(
            "account.payment.register",
            "action_create_payments",
            &wizard,
            Kwargs::new(),
            Some(&context),
        )
        .await
        .map_err(SyncError::odoo("register payment"))?;
    if let Some(id) = action_res_id(&answer) {
        return Ok(id);
    }
    find_by_memo(s, memo).await?.ok_or_else(|| SyncError::Unexpected {
        step: "register payment",
        detail: "no account.payment carries the memo after registering".into(),
    })
}

/// The wizard context: `active_model` / `active_ids` (and `active_id`) of one record.
pub(crate) fn active(model: &str, id: i64) -> Kwargs {
    rec(json!({"active_model": model, "active_ids": [id], "active_id": id}))
}

pub(crate) fn rec(value: Value) -> Record {
    match value {
        Value::Object(map) => map,
        _ => Record::new(),
    }
}
