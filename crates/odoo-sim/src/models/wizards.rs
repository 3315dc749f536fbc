//! The wizards the UI uses for invoicing, payments and refunds, driven by the context's
//! `active_model` / `active_ids` exactly as over the external API.

use serde_json::{Map, Value, json};

use crate::error::{OdooError, OdooResult};
use crate::orm::crud;
use crate::orm::env::Env;
use crate::orm::read_group::round2;
use crate::orm::store::Record;

const MOVE: &str = "account.move";

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn ids_of(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// Wizard defaults taken from the context (`active_ids` of the expected `active_model`).
pub fn defaults(env: &Env, model: &str) -> Value {
    let active_model = env
        .ctx
        .get("active_model")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let active = env.active_ids();
    match (model, active_model) {
        ("sale.advance.payment.inv", "sale.order") => {
            json!({"advance_payment_method": "delivered", "sale_order_ids": active})
        }
        ("sale.advance.payment.inv", _) => json!({"advance_payment_method": "delivered"}),
        ("account.payment.register", "account.move") => {
            let residual: f64 = active.iter().map(|i| env.num(MOVE, *i, "amount_residual")).sum();
            let bank = env
                .store
                .rows("account.journal")
                .find(|(_, r)| r.get("type") == Some(&json!("bank")));
            json!({"move_ids": active, "amount": round2(residual), "journal_id": bank.map(|(id, _)| id),
                   "payment_date": chrono::Utc::now().format("%Y-%m-%d").to_string()})
        }
        ("account.move.reversal", "account.move") => json!({"move_ids": active}),
        _ => json!({}),
    }
}

/// Payments can only be registered on posted invoices.
pub fn check_register(env: &Env, rec: &Record) -> OdooResult<()> {
    let moves = ids_of(rec.get("move_ids").unwrap_or(&Value::Null));
    if moves.is_empty() || moves.iter().any(|m| env.text(MOVE, *m, "state") != "posted") {
        return Err(OdooError::User(
            "You can only register payment for posted journal entries.".to_owned(),
        ));
    }
    Ok(())
}

/// Creates a draft customer invoice per confirmed order; answers a window action.
pub fn create_invoices(env: &mut Env, ids: &[i64]) -> OdooResult<Value> {
    env.ensure_exist("sale.advance.payment.inv", ids)?;
    let mut invoices = Vec::new();
    for &wizard in ids {
        for order in ids_of(&env.get("sale.advance.payment.inv", wizard, "sale_order_ids")) {
            invoices.push(invoice_order(env, order)?);
        }
    }
    if invoices.is_empty() {
        return Err(nothing_to_invoice());
    }
    let mut action = json!({"type": "ir.actions.act_window", "name": "Invoices", "res_model": MOVE,
        "context": {"default_move_type": "out_invoice"}, "views": [[false, "form"]], "view_mode": "form"});
    action["res_id"] = json!(invoices[0]);
    Ok(action)
}

fn nothing_to_invoice() -> OdooError {
    OdooError::User("Cannot create an invoice. No items are available to invoice.\n\nTo resolve this issue, please ensure that:\n   • The products have been delivered before attempting to invoice them.\n   • The invoicing policy of the product is configured correctly.\n\nIf you want to invoice based on ordered quantities instead:\n   • For consumable or storable products, open the product, go to the 'General Information' tab and change the 'Invoicing Policy' from 'Delivered Quantities' to 'Ordered Quantities'.\n   • For services (and other products), change the 'Invoicing Policy' to 'Prepaid/Fixed Price'.".to_owned())
}

fn invoice_order(env: &mut Env, order: i64) -> OdooResult<i64> {
    let so = "sale.order";
    if env.text(so, order, "invoice_status") != "to invoice" {
        return Err(nothing_to_invoice());
    }
    let mut lines = Vec::new();
    for l in env.children("sale.order.line", "order_id", order) {
        let get = |f| env.get("sale.order.line", l, f);
        lines.push(json!([0, 0, {"product_id": get("product_id"), "name": get("name"), "quantity": get("product_uom_qty"),
            "price_unit": get("price_unit"), "price_subtotal": get("price_subtotal")}]));
    }
    let total = env.num(so, order, "amount_total");
    let vals = json!({"move_type": "out_invoice", "partner_id": env.get(so, order, "partner_id"),
        "invoice_origin": env.display_name(so, order), "currency_id": env.get(so, order, "currency_id"),
        "amount_untaxed": env.get(so, order, "amount_untaxed"), "amount_tax": env.get(so, order, "amount_tax"),
        "amount_total": total, "amount_residual": total, "invoice_line_ids": lines});
    let invoice = crud::create(env, MOVE, &obj(vals))?;
    let mut linked = ids_of(&env.get(so, order, "invoice_ids"));
    linked.push(invoice);
    env.set(so, order, "invoice_ids", json!(linked))?;
    env.set(so, order, "invoice_status", json!("invoiced"))?;
    Ok(invoice)
}

/// Creates the payment (memo = communication) and lowers the invoices' residual.
pub fn action_create_payments(env: &mut Env, ids: &[i64]) -> OdooResult<Value> {
    let wiz = "account.payment.register";
    env.ensure_exist(wiz, ids)?;
    let mut payments = Vec::new();
    for &w in ids {
        let moves = ids_of(&env.get(wiz, w, "move_ids"));
        let mut left = env.num(wiz, w, "amount");
        let first = moves.first().copied().unwrap_or(0);
        let vals = json!({"amount": left, "memo": env.get(wiz, w, "communication"), "journal_id": env.get(wiz, w, "journal_id"),
            "date": env.get(wiz, w, "payment_date"), "partner_id": env.get(MOVE, first, "partner_id"),
            "currency_id": env.get(MOVE, first, "currency_id"), "state": "paid", "invoice_ids": moves});
        payments.push(crud::create(env, "account.payment", &obj(vals))?);
        for m in moves {
            let residual = env.num(MOVE, m, "amount_residual");
            let paid = left.min(residual);
            left -= paid;
            let rest = round2(residual - paid);
            env.set(MOVE, m, "amount_residual", json!(rest))?;
            let state = if rest <= 0.0 {
                "paid"
            } else if paid > 0.0 {
                "partial"
            } else {
                "not_paid"
            };
            env.set(MOVE, m, "payment_state", json!(state))?;
        }
    }
    Ok(
        json!({"name": "Payments", "type": "ir.actions.act_window", "res_model": "account.payment",
        "context": {"create": false}, "view_mode": "form", "res_id": payments.first()}),
    )
}

/// Creates a draft credit note per posted invoice, pointing back at it.
pub fn refund_moves(env: &mut Env, ids: &[i64]) -> OdooResult<Value> {
    let wiz = "account.move.reversal";
    env.ensure_exist(wiz, ids)?;
    let mut refunds = Vec::new();
    for &w in ids {
        let reason = env.text(wiz, w, "reason");
        for m in ids_of(&env.get(wiz, w, "move_ids")) {
            if env.text(MOVE, m, "state") != "posted" {
                return Err(OdooError::User("You can only reverse posted moves.".to_owned()));
            }
            let mut lines = Vec::new();
            for l in env.children("account.move.line", "move_id", m) {
                let get = |f| env.get("account.move.line", l, f);
                lines.push(json!([0, 0, {"product_id": get("product_id"), "name": get("name"), "quantity": get("quantity"),
                    "price_unit": get("price_unit"), "price_subtotal": get("price_subtotal")}]));
            }
            let total = env.get(MOVE, m, "amount_total");
            let vals = json!({"move_type": "out_refund", "partner_id": env.get(MOVE, m, "partner_id"), "reversed_entry_id": m,
                "ref": format!("Reversal of: {}, {reason}", env.display_name(MOVE, m)), "invoice_origin": env.get(MOVE, m, "invoice_origin"),
                "currency_id": env.get(MOVE, m, "currency_id"), "amount_untaxed": env.get(MOVE, m, "amount_untaxed"),
                "amount_tax": env.get(MOVE, m, "amount_tax"), "amount_total": total, "amount_residual": total,
                "journal_id": env.get(wiz, w, "journal_id"), "invoice_line_ids": lines});
            refunds.push(crud::create(env, MOVE, &obj(vals))?);
        }
    }
    Ok(
        json!({"name": "Reverse Moves", "type": "ir.actions.act_window", "res_model": MOVE, "view_mode": "form",
        "res_id": refunds.first(), "context": {"default_move_type": "out_refund"}}),
    )
}
