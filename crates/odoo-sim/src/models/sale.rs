//! sale.order: sequence names, currency checks, totals with the configured tax rate,
//! confirmation (which creates the delivery) and the rules on confirmed orders.

use serde_json::{Map, Value, json};

use crate::error::{OdooError, OdooResult};
use crate::orm::env::Env;
use crate::orm::read_group::round2;
use crate::orm::store::Record;

const ORDER: &str = "sale.order";
const LINE: &str = "sale.order.line";

/// Names the order from its sequence and refuses an inactive currency.
pub fn before_create(env: &mut Env, rec: &mut Record) -> OdooResult<()> {
    if let Some(currency) = rec.get("currency_id").and_then(Value::as_i64) {
        check_currency(env, currency)?;
    }
    if !rec.get("name").is_some_and(Value::is_string) {
        let n = env.store.next_sequence(ORDER);
        rec.insert("name".to_owned(), json!(format!("S{n:05}")));
    }
    Ok(())
}

/// An order in a currency the company has not enabled is a business error.
fn check_currency(env: &Env, currency: i64) -> OdooResult<()> {
    if env.get("res.currency", currency, "active") == Value::Bool(true) {
        return Ok(());
    }
    let name = env.display_name("res.currency", currency);
    Err(OdooError::User(format!(
        "The currency {name} is not active. Activate it in the accounting settings before using it on a sales order."
    )))
}

/// A write that changes the currency must name an active one.
pub fn check_order_write(env: &Env, vals: &Map<String, Value>) -> OdooResult<()> {
    match vals.get("currency_id").and_then(Value::as_i64) {
        Some(currency) => check_currency(env, currency),
        None => Ok(()),
    }
}

fn is_confirmed(env: &Env, order: Option<i64>) -> bool {
    order.is_some_and(|o| env.text(ORDER, o, "state") == "sale")
}

/// The product of a confirmed order's line cannot change.
pub fn check_line_write(env: &Env, ids: &[i64], vals: &Map<String, Value>) -> OdooResult<()> {
    let Some(product) = vals.get("product_id") else {
        return Ok(());
    };
    for &id in ids {
        let confirmed = is_confirmed(env, env.m2o(LINE, id, "order_id"));
        if confirmed && env.m2o(LINE, id, "product_id") != product.as_i64() {
            return Err(OdooError::User(
                "You cannot change the product of a line of a confirmed order: add a new line instead."
                    .to_owned(),
            ));
        }
    }
    Ok(())
}

/// Confirmed orders and their lines cannot be deleted.
pub fn check_unlink(env: &Env, model: &str, ids: &[i64]) -> OdooResult<()> {
    for &id in ids {
        if model == ORDER && env.text(ORDER, id, "state") == "sale" {
            return Err(OdooError::User(
                "You can not delete a sent quotation or a confirmed sales order. You must first cancel it."
                    .to_owned(),
            ));
        }
        if model == LINE && is_confirmed(env, env.m2o(LINE, id, "order_id")) {
            return Err(OdooError::User(
                "Once a sales order is confirmed, you can't remove one of its lines (we need to track if something gets invoiced or delivered).\nSet the quantity to 0 instead.".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Untaxed amount, tax at the configured rate and total, rounded to cents.
pub fn recompute(env: &mut Env, id: i64) -> OdooResult<()> {
    let lines = env.children(LINE, "order_id", id);
    let untaxed = round2(lines.iter().map(|l| env.num(LINE, *l, "price_subtotal")).sum());
    let tax = round2(untaxed * f64::from(env.cfg.tax_rate_bp) / 10_000.0);
    env.set(ORDER, id, "amount_untaxed", json!(untaxed))?;
    env.set(ORDER, id, "amount_tax", json!(tax))?;
    env.set(ORDER, id, "amount_total", json!(round2(untaxed + tax)))
}

/// Confirms draft/sent orders: state `sale`, `to invoice`, a delivery for goods.
pub fn action_confirm(env: &mut Env, ids: &[i64]) -> OdooResult<Value> {
    env.ensure_exist(ORDER, ids)?;
    let blocked: Vec<String> = ids
        .iter()
        .filter(|id| !matches!(env.text(ORDER, **id, "state").as_str(), "draft" | "sent"))
        .map(|id| env.display_name(ORDER, *id))
        .collect();
    if !blocked.is_empty() {
        return Err(OdooError::User(format!(
            "The following orders are not in a state requiring confirmation: {}",
            blocked.join(", ")
        )));
    }
    for &id in ids {
        if let Some(currency) = env.m2o(ORDER, id, "currency_id") {
            check_currency(env, currency)?;
        }
        let has_lines = !env.children(LINE, "order_id", id).is_empty();
        env.set(ORDER, id, "state", json!("sale"))?;
        env.set(
            ORDER,
            id,
            "invoice_status",
            json!(if has_lines { "to invoice" } else { "no" }),
        )?;
        super::stock::create_delivery(env, id)?;
    }
    Ok(json!(true))
}

/// `action_cancel` / `action_draft`.
pub fn set_state(env: &mut Env, ids: &[i64], state: &str) -> OdooResult<Value> {
    env.ensure_exist(ORDER, ids)?;
    for &id in ids {
        env.set(ORDER, id, "state", json!(state))?;
        if state == "cancel" {
            env.set(ORDER, id, "invoice_status", json!("no"))?;
            let pickings = env.get(ORDER, id, "picking_ids");
            for p in pickings
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
            {
                if env.text("stock.picking", p, "state") != "done" {
                    env.set("stock.picking", p, "state", json!("cancel"))?;
                }
            }
        }
    }
    Ok(json!(true))
}
