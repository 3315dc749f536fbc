//! Refund sync (`refund.v1`): a credit note for the order's invoice through Odoo's
//! reversal wizard (`account.move.reversal` → `refund_moves`), registered under
//! `credit_note_xid`, one per refund id.
//!
//! The wizard creates the credit note itself, so its reason carries a marker (the
//! credit note's external id); a retry after a lost answer finds the reversal by it
//! instead of reversing again. A refund of the invoice's whole total is posted; a
//! partial one is left in draft (the reversal copies every line) and flagged, so an
//! accountant adjusts the lines: the amount is never forced to fit.

use serde_json::{Value, json};
use spine_core::contracts::RefundV1;
use spine_core::{Money, SourceName};
use spine_odoo::{Domain, Kwargs, Op, Record, SearchOpts};

use crate::applied::Applied;
use crate::error::SyncError;
use crate::payment::{active, rec};
use crate::syncer::Syncer;
use crate::xids::{self, action_res_id, text};

const MOVE: &str = "account.move";
const WIZARD: &str = "account.move.reversal";

/// Applies one refund (see the module documentation).
pub(crate) async fn sync(s: &Syncer, source: &SourceName, refund: &RefundV1) -> Result<Applied, SyncError> {
    let invoice_xid = refund.order.invoice_xid();
    let credit_xid = refund.credit_note_xid(source);
    let known = xids::lookup(&s.odoo, &[&invoice_xid, &credit_xid]).await?;
    let mut applied = Applied::default();
    if let Some(id) = known.id(&credit_xid, MOVE).filter(|_| !s.skip_record_checks) {
        applied.already_applied = true;
        applied.touch(MOVE, id, Some(&credit_xid));
        return Ok(applied);
    }
    let Some(invoice_id) = known.id(&invoice_xid, MOVE) else {
        // The invoice is created by the order's payment: refunds wait for it.
        return Err(SyncError::Waiting {
            what: "customer invoice",
            xid: invoice_xid,
        });
    };
    let marker = credit_xid.as_str();
    let earlier = if s.skip_record_checks {
        None
    } else {
        find_reversal(s, invoice_id, marker).await?
    };
    let credit = match earlier {
        Some(row) => row,
        None => reverse(s, invoice_id, marker, refund).await?,
    };
    let credit_id = credit
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| SyncError::Unexpected {
            step: "read credit note",
            detail: "a credit note without an id".into(),
        })?;
    settle(s, &credit, credit_id, refund, &mut applied).await?;
    xids::register(&s.odoo, &[(&credit_xid, MOVE, credit_id)]).await?;
    applied.touch(MOVE, credit_id, Some(&credit_xid));
    applied.touch(MOVE, invoice_id, Some(&invoice_xid));
    Ok(applied)
}

const CREDIT_FIELDS: [&str; 4] = ["state", "amount_total", "currency_id", "ref"];

/// The credit note an earlier attempt created for this refund, found by its marker.
async fn find_reversal(s: &Syncer, invoice_id: i64, marker: &str) -> Result<Option<Record>, SyncError> {
    let domain = Domain::all()
        .eq("reversed_entry_id", invoice_id)
        .eq("move_type", "out_refund")
        .term("ref", Op::Like, marker);
    let opts = SearchOpts {
        order: Some("id asc".into()),
        limit: Some(1),
        ..SearchOpts::default()
    };
    let rows = s
        .odoo
        .search_read(MOVE, &domain, &CREDIT_FIELDS, &opts)
        .await
        .map_err(SyncError::odoo("find credit note"))?;
    Ok(rows.into_iter().next())
}

/// Runs the reversal wizard on the invoice; the new credit note.
async fn reverse(s: &Syncer, invoice_id: i64, marker: &str, refund: &RefundV1) -> Result<Record, SyncError> {
    let context = active(MOVE, invoice_id);
    let reason = match &refund.reason {
        Some(why) => format!("{marker}: {}", why.chars().take(200).collect::<String>()),
        None => marker.to_owned(),
    };
    let vals = rec(json!({
        "reason": reason,
        "date": refund.refunded_at.date_naive().format("%Y-%m-%d").to_string(),
    }));
    let wizard = s
        .odoo
        .create_with_context(WIZARD, &[vals], Some(&context))
        .await
        .map_err(SyncError::odoo("create reversal wizard"))?;
    let answer = s
        .odoo
        .call(WIZARD, "refund_moves", &wizard, Kwargs::new(), Some(&context))
        .await
        .map_err(SyncError::odoo("reverse invoice"))?;
    let found = match action_res_id(&answer) {
        Some(id) => s
            .odoo
            .read(MOVE, &[id], &CREDIT_FIELDS)
            .await
            .map_err(SyncError::odoo("read credit note"))?
            .into_iter()
            .next(),
        None => find_reversal(s, invoice_id, marker).await?,
    };
    found.ok_or_else(|| SyncError::Unexpected {
        step: "reverse invoice",
        detail: "no credit note after the reversal".into(),
    })
}

/// Posts a draft credit note when it refunds exactly the refund's amount; flags it
/// otherwise.
async fn settle(
    s: &Syncer,
    credit: &Record,
    id: i64,
    refund: &RefundV1,
    applied: &mut Applied,
) -> Result<(), SyncError> {
    let total = credit.get("amount_total").and_then(Value::as_f64).unwrap_or(0.0);
    let total = Money::from_odoo_float(total, refund.amount.currency).map_err(|e| SyncError::Unexpected {
        step: "read credit note",
        detail: e.to_string(),
    })?;
    if total.minor != refund.amount.minor {
        applied.flags.push(format!(
            "partial refund: {} refunded, credit note {id} totals {total} and is left in draft for adjustment",
            refund.amount
        ));
        return Ok(());
    }
    if text(credit, "state") == "draft" {
        s.odoo
            .call(MOVE, "action_post", &[id], Kwargs::new(), None)
            .await
            .map_err(SyncError::odoo("post credit note"))?;
    }
    Ok(())
}
