//! Model-specific behaviour: defaults, constraints, computed fields and the business
//! methods of ODOO.md's order-to-cash section, hooked into the generic ORM.

mod account;
mod registry;
mod sale;
mod stock;
mod wizards;

use serde_json::{Map, Value, json};

use crate::error::{OdooError, OdooResult};
use crate::orm::env::{Env, empty_value};
use crate::orm::methods::{Args, Signature};
use crate::orm::schema::Kind;
use crate::orm::store::Record;

pub use registry::{registry, seed};

const fn action(name: &'static str) -> Signature {
    Signature {
        name,
        on_records: true,
        params: &[],
    }
}

const SALE_ORDER: &[Signature] = &[
    action("action_confirm"),
    action("action_cancel"),
    action("action_draft"),
];
const ACCOUNT_MOVE: &[Signature] = &[action("action_post"), action("button_draft")];
const ADVANCE_INV: &[Signature] = &[action("create_invoices")];
const PAY_REGISTER: &[Signature] = &[action("action_create_payments")];
const REVERSAL: &[Signature] = &[action("refund_moves")];
const PICKING: &[Signature] = &[action("button_validate")];
const QUANT: &[Signature] = &[action("action_apply_inventory")];

/// The business methods of a model, callable like any public method.
pub fn business_methods(model: &str) -> &'static [Signature] {
    match model {
        "sale.order" => SALE_ORDER,
        "account.move" => ACCOUNT_MOVE,
        "sale.advance.payment.inv" => ADVANCE_INV,
        "account.payment.register" => PAY_REGISTER,
        "account.move.reversal" => REVERSAL,
        "stock.picking" => PICKING,
        "stock.quant" => QUANT,
        _ => &[],
    }
}

/// Runs a business method found by [`business_methods`].
pub fn call_business(env: &mut Env, model: &str, method: &str, args: &Args) -> OdooResult<Value> {
    let ids = &args.ids;
    match (model, method) {
        ("sale.order", "action_confirm") => sale::action_confirm(env, ids),
        ("sale.order", "action_cancel") => sale::set_state(env, ids, "cancel"),
        ("sale.order", "action_draft") => sale::set_state(env, ids, "draft"),
        ("account.move", "action_post") => account::action_post(env, ids),
        ("account.move", "button_draft") => account::button_draft(env, ids),
        ("sale.advance.payment.inv", _) => wizards::create_invoices(env, ids),
        ("account.payment.register", _) => wizards::action_create_payments(env, ids),
        ("account.move.reversal", _) => wizards::refund_moves(env, ids),
        ("stock.picking", _) => stock::button_validate(env, ids),
        ("stock.quant", _) => stock::apply_inventory(env, ids),
        _ => Err(OdooError::Attribute(format!(
            "The method '{model}.{method}' does not exist"
        ))),
    }
}

/// Default values of a new record: empty values, then the model's own defaults.
pub fn defaults(env: &Env, model: &str) -> Record {
    let mut rec = Map::new();
    if let Ok(m) = env.model(model) {
        for f in m
            .fields
            .iter()
            .filter(|f| !f.computed && !matches!(f.kind, Kind::One2many(..)))
        {
            rec.insert(f.name.to_owned(), empty_value(f.kind));
        }
        if m.has_active() {
            rec.insert("active".to_owned(), json!(true));
        }
    }
    let extra = match model {
        "product.product" => json!({"type": "consu"}),
        "sale.order" => json!({
            "state": "draft", "invoice_status": "no", "currency_id": company_currency(env),
            "date_order": chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string(),
        }),
        "account.move" => json!({
            "state": "draft", "move_type": "out_invoice", "payment_state": "not_paid", "name": "/",
            "currency_id": company_currency(env),
        }),
        "account.payment" => json!({"state": "draft", "currency_id": company_currency(env)}),
        "stock.picking" | "stock.move" => json!({"state": "assigned"}),
        _ => wizards::defaults(env, model),
    };
    if let Value::Object(extra) = extra {
        rec.extend(extra);
    }
    rec
}

/// The company currency's id (USD in the demo data).
pub fn company_currency(env: &Env) -> Value {
    env.store
        .rows("res.company")
        .next()
        .and_then(|(_, r)| r.get("currency_id").cloned())
        .unwrap_or(json!(false))
}

/// Checks and completes a record before it is stored.
pub fn before_create(env: &mut Env, model: &str, rec: &mut Record) -> OdooResult<()> {
    match model {
        "sale.order" => sale::before_create(env, rec),
        "account.payment.register" => wizards::check_register(env, rec),
        _ => Ok(()),
    }
}

/// Checks a write before anything of it is applied.
pub fn before_write(env: &mut Env, model: &str, ids: &[i64], vals: &Map<String, Value>) -> OdooResult<()> {
    match model {
        "res.partner" => check_partner_recursion(env, ids, vals),
        "sale.order" => sale::check_order_write(env, vals),
        "sale.order.line" => sale::check_line_write(env, ids, vals),
        _ => Ok(()),
    }
}

/// Refuses deletions Odoo refuses.
pub fn before_unlink(env: &mut Env, model: &str, ids: &[i64]) -> OdooResult<()> {
    match model {
        "sale.order" | "sale.order.line" => sale::check_unlink(env, model, ids),
        _ => Ok(()),
    }
}

/// Records whose computed totals depend on this one.
pub fn parents(env: &Env, model: &str, id: i64) -> Vec<(&'static str, i64)> {
    match (model, env.m2o(model, id, "order_id")) {
        ("sale.order.line", Some(order)) => vec![("sale.order", order)],
        _ => Vec::new(),
    }
}

/// Recomputes stored totals after a record changed.
pub fn after_change(env: &mut Env, model: &str, id: i64) -> OdooResult<()> {
    match model {
        "sale.order" if env.exists(model, id) => sale::recompute(env, id),
        "sale.order.line" => {
            if env.exists(model, id) {
                // `discount` is a percentage off the line, as in Odoo.
                let gross = env.num(model, id, "product_uom_qty") * env.num(model, id, "price_unit");
                let sub = gross * (1.0 - env.num(model, id, "discount") / 100.0);
                env.set(
                    model,
                    id,
                    "price_subtotal",
                    json!(crate::orm::read_group::round2(sub)),
                )?;
            }
            for (pm, pid) in parents(env, model, id) {
                after_change(env, pm, pid)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Values of fields computed on read.
pub fn compute(env: &Env, model: &str, id: i64, field: &str) -> Value {
    match model {
        "product.product" => stock::product_qty(env, id, field),
        _ => Value::Bool(false),
    }
}

fn check_partner_recursion(env: &Env, ids: &[i64], vals: &Map<String, Value>) -> OdooResult<()> {
    let Some(mut parent) = vals.get("parent_id").and_then(Value::as_i64) else {
        return Ok(());
    };
    let mut hops = 0;
    loop {
        if ids.contains(&parent) {
            return Err(OdooError::Validation(
                "You cannot create recursive Partner hierarchies.".to_owned(),
            ));
        }
        match env.m2o("res.partner", parent, "parent_id") {
            Some(next) if hops < 10_000 => {
                parent = next;
                hops += 1;
            }
            _ => return Ok(()),
        }
    }
}
