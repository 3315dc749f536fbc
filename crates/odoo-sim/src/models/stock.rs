//! stock.picking deliveries created by order confirmation, their validation, and the
//! product quantities computed from quants and pending moves.

use serde_json::{Value, json};

use crate::error::{OdooError, OdooResult};
use crate::orm::crud;
use crate::orm::env::Env;

const PICKING: &str = "stock.picking";
const MOVE: &str = "stock.move";

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// Creates one delivery with a move per goods line of the order (none for services).
pub fn create_delivery(env: &mut Env, order: i64) -> OdooResult<()> {
    let lines = env.children("sale.order.line", "order_id", order);
    let goods: Vec<(i64, f64)> = lines
        .iter()
        .filter_map(|l| {
            let product = env.m2o("sale.order.line", *l, "product_id")?;
            let is_goods = env.text("product.product", product, "type") == "consu";
            is_goods.then(|| (product, env.num("sale.order.line", *l, "product_uom_qty")))
        })
        .collect();
    if goods.is_empty() {
        return Ok(());
    }
    let n = env.store.next_sequence(PICKING);
    let vals = json!({
        "name": format!("WH/OUT/{n:05}"), "origin": env.display_name("sale.order", order),
        "sale_id": order, "partner_id": env.get("sale.order", order, "partner_id"), "state": "assigned",
    });
    let picking = crud::create(env, PICKING, &obj(vals))?;
    for (product, qty) in goods {
        let vals = json!({"picking_id": picking, "product_id": product, "product_uom_qty": qty, "quantity": qty, "state": "assigned"});
        crud::create(env, MOVE, &obj(vals))?;
    }
    let mut pickings: Vec<Value> = env
        .get("sale.order", order, "picking_ids")
        .as_array()
        .cloned()
        .unwrap_or_default();
    pickings.push(json!(picking));
    env.set("sale.order", order, "picking_ids", json!(pickings))
}

/// Validates reserved deliveries: state `done`, stock leaves; returns `true`.
pub fn button_validate(env: &mut Env, ids: &[i64]) -> OdooResult<Value> {
    env.ensure_exist(PICKING, ids)?;
    for &id in ids {
        match env.text(PICKING, id, "state").as_str() {
            "done" => continue,
            "cancel" => return Err(OdooError::User("You cannot validate a transfer if no quantities are reserved nor done. You can use the info button on the top right corner of your screen to validate the transfer.".to_owned())),
            _ => {}
        }
        for m in env.children(MOVE, "picking_id", id) {
            env.set(MOVE, m, "state", json!("done"))?;
        }
        env.set(PICKING, id, "state", json!("done"))?;
    }
    Ok(json!(true))
}

/// Applies counted quantities (`inventory_quantity`) to quants.
pub fn apply_inventory(env: &mut Env, ids: &[i64]) -> OdooResult<Value> {
    env.ensure_exist("stock.quant", ids)?;
    for &id in ids {
        let counted = env.num("stock.quant", id, "inventory_quantity");
        env.set("stock.quant", id, "quantity", json!(counted))?;
    }
    Ok(Value::Bool(false))
}

/// qty_available: quants minus delivered; free_qty: minus reserved too;
/// virtual_available: minus every pending delivery. Only storable products hold stock.
pub fn product_qty(env: &Env, product: i64, field: &str) -> Value {
    if env.get("product.product", product, "is_storable") != Value::Bool(true) {
        return json!(0.0);
    }
    let on_hand: f64 = env
        .store
        .rows("stock.quant")
        .filter(|(_, q)| q.get("product_id").and_then(Value::as_i64) == Some(product))
        .map(|(_, q)| q.get("quantity").and_then(Value::as_f64).unwrap_or(0.0))
        .fold(0.0, |a, b| a + b);
    let (mut delivered, mut pending) = (0.0, 0.0);
    for (m, row) in env.store.rows(MOVE) {
        if row.get("product_id").and_then(Value::as_i64) != Some(product) {
            continue;
        }
        match env.text(MOVE, m, "state").as_str() {
            "done" => delivered += env.num(MOVE, m, "quantity"),
            "cancel" => {}
            _ => pending += env.num(MOVE, m, "product_uom_qty"),
        }
    }
    let qty = on_hand - delivered;
    match field {
        "qty_available" => json!(qty),
        _ => json!(qty - pending),
    }
}
