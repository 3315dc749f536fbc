//! The order's customer invoice for the payment flow: the one an earlier attempt
//! created (found through the order, before its external id is registered) or a new
//! one from Odoo's invoicing wizard, posted.

use serde_json::{Value, json};
use spine_core::ExternalId;
use spine_odoo::{Domain, Kwargs, Record, SearchOpts};

use crate::error::SyncError;
use crate::payment::{active, rec};
use crate::syncer::Syncer;
use crate::xids::{self, action_res_id, m2o_name, text};

const ORDER: &str = "sale.order";
const MOVE: &str = "account.move";

/// A customer invoice as the payment flow needs it.
#[derive(Clone, Debug)]
pub(crate) struct Invoice {
    pub id: i64,
    pub state: String,
    pub payment_state: String,
    pub residual: f64,
    pub total: f64,
    pub currency: String,
}

const INVOICE_FIELDS: [&str; 6] = [
    "move_type",
    "state",
    "payment_state",
    "amount_residual",
    "amount_total",
    "currency_id",
];

fn invoice_from(row: &Record) -> Option<Invoice> {
    Some(Invoice {
        id: row.get("id")?.as_i64()?,
        state: text(row, "state").to_owned(),
        payment_state: text(row, "payment_state").to_owned(),
        residual: row.get("amount_residual").and_then(Value::as_f64)?,
        total: row.get("amount_total").and_then(Value::as_f64)?,
        currency: m2o_name(row.get("currency_id")).unwrap_or("").to_owned(),
    })
}

pub(crate) async fn read_invoice(s: &Syncer, id: i64, xid: &ExternalId) -> Result<Invoice, SyncError> {
    let rows = s
        .odoo
        .read(MOVE, &[id], &INVOICE_FIELDS)
        .await
        .map_err(SyncError::odoo("read account.move"))?;
    rows.first()
        .and_then(invoice_from)
        .ok_or_else(|| SyncError::Unexpected {
            step: "read account.move",
            detail: format!("invoice {xid} (id {id}) is registered but cannot be read"),
        })
}

/// The order's customer invoice: an existing one (an earlier attempt's, not yet
/// tagged), or a new one from the invoicing wizard. True when created now.
pub(crate) async fn invoice_for_order(
    s: &Syncer,
    order_id: i64,
    order_xid: &ExternalId,
) -> Result<(Invoice, bool), SyncError> {
    let rows = s
        .odoo
        .read(ORDER, &[order_id], &["state", "invoice_ids"])
        .await
        .map_err(SyncError::odoo("read sale.order"))?;
    let Some(order) = rows.first() else {
        return Err(SyncError::Waiting {
            what: "sale order",
            xid: order_xid.clone(),
        });
    };
    let state = text(order, "state");
    if state != "sale" {
        return Err(SyncError::NotConfirmed {
            xid: order_xid.clone(),
            state: state.to_owned(),
        });
    }
    let existing = xids::ids(order.get("invoice_ids"));
    if let Some(invoice) = first_open_invoice(s, &existing).await? {
        return Ok((invoice, false));
    }
    let context = active(ORDER, order_id);
    let wizard = s
        .odoo
        .create_with_context(
            "sale.advance.payment.inv",
            &[rec(json!({"advance_payment_method": "delivered"}))],
            Some(&context),
        )
        .await
        .map_err(SyncError::odoo("create invoicing wizard"))?;
    let answer = s
        .odoo
        .call(
            "sale.advance.payment.inv",
            "create_invoices",
            &wizard,
            Kwargs::new(),
            Some(&context),
        )
        .await
        .map_err(SyncError::odoo("create invoice"))?;
    // The wizard answers a window action, not the invoice. One invoice is usually its
    // `res_id` (the search below checks it is a customer invoice); otherwise read the order.
    let ids = match action_res_id(&answer) {
        Some(id) => vec![id],
        None => {
            let rows = s
                .odoo
                .read(ORDER, &[order_id], &["invoice_ids"])
                .await
                .map_err(SyncError::odoo("read sale.order"))?;
            rows.first()
                .map(|r| xids::ids(r.get("invoice_ids")))
                .unwrap_or_default()
        }
    };
    match first_open_invoice(s, &ids).await? {
        Some(invoice) => Ok((invoice, true)),
        None => Err(SyncError::Unexpected {
            step: "create invoice",
            detail: "the order has no customer invoice after invoicing".into(),
        }),
    }
}

async fn first_open_invoice(s: &Syncer, ids: &[i64]) -> Result<Option<Invoice>, SyncError> {
    if ids.is_empty() {
        return Ok(None);
    }
    let domain = Domain::all()
        .is_in("id", ids.iter().copied())
        .eq("move_type", "out_invoice")
        .is_in("state", ["draft", "posted"]);
    let opts = SearchOpts {
        order: Some("id asc".into()),
        limit: Some(1),
        ..SearchOpts::default()
    };
    let rows = s
        .odoo
        .search_read(MOVE, &domain, &INVOICE_FIELDS, &opts)
        .await
        .map_err(SyncError::odoo("find the order's invoice"))?;
    Ok(rows.first().and_then(invoice_from))
}

/// Posts a draft invoice (`action_post` answers `false`, which is success).
pub(crate) async fn post(s: &Syncer, invoice: &mut Invoice) -> Result<(), SyncError> {
    s.odoo
        .call(MOVE, "action_post", &[invoice.id], Kwargs::new(), None)
        .await
        .map_err(SyncError::odoo("post invoice"))?;
    // What posting does to an unpaid invoice; reading it back would cost a round trip.
    invoice.state = "posted".into();
    invoice.payment_state = "not_paid".into();
    invoice.residual = invoice.total;
    Ok(())
}
