//! Vendor payloads for the planned events, built from the signed samples in
//! `events/webhook/` (their shapes are the contract the mappers are tested on) with the
//! run's ids, lines and amounts put in.

use crate::plan::{Line, OrderPlan};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

/// A sample's decoded body, parsed. The samples are part of this repository, so a
/// failure here is a broken checkout, reported as an error rather than a panic.
fn sample(text: &str) -> anyhow::Result<Value> {
    let event: Value = serde_json::from_str(text)?;
    let body = event["body"].as_str().unwrap_or_default();
    let raw = if event["isBase64Encoded"].as_bool() == Some(true) {
        BASE64.decode(body)?
    } else {
        body.as_bytes().to_vec()
    };
    Ok(serde_json::from_slice(&raw)?)
}

/// Decimal text of minor units with two decimals (`1250` -> `12.50`).
pub fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// The Shopify `orders/create` body.
pub fn shopify_order(order: &OrderPlan) -> anyhow::Result<Value> {
    let mut body = sample(include_str!("../../../events/webhook/shopify-orders-create.json"))?;
    let total = decimal(order.total_minor());
    let template = body["line_items"][0].clone();
    let lines: Vec<Value> = order
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| shopify_line(&template, order.id, i, line))
        .collect();
    let fields = json!({
        "id": order.id, "name": order.client_ref(), "order_number": order.id,
        "line_items": lines, "shipping_lines": [], "tax_lines": [], "discount_codes": [],
        "subtotal_price": total, "total_line_items_price": total, "total_price": total,
        "total_discounts": "0.00", "total_tax": "0.00", "email": format!("c{}@example.com", order.id),
        "total_price_set": {"shop_money": {"amount": total, "currency_code": "USD"},
                            "presentment_money": {"amount": total, "currency_code": "USD"}},
    });
    merge(&mut body, fields);
    body["customer"]["id"] = json!(order.id + 1);
    body["customer"]["email"] = json!(format!("c{}@example.com", order.id));
    Ok(body)
}

fn shopify_line(template: &Value, order_id: u64, i: usize, line: &Line) -> Value {
    let mut value = template.clone();
    let price = decimal(line.unit_minor);
    merge(
        &mut value,
        json!({
            "id": order_id * 10 + i as u64, "sku": line.sku, "quantity": line.quantity,
            "current_quantity": line.quantity, "fulfillable_quantity": line.quantity,
            "price": price, "total_discount": "0.00", "discount_allocations": [],
            "price_set": {"shop_money": {"amount": price, "currency_code": "USD"},
                          "presentment_money": {"amount": price, "currency_code": "USD"}},
        }),
    );
    value
}

/// The WooCommerce `order.created` body.
pub fn woo_order(order: &OrderPlan) -> anyhow::Result<Value> {
    let mut body = sample(include_str!(
        "../../../events/webhook/woocommerce-order-created.json"
    ))?;
    let template = body["line_items"][0].clone();
    let lines: Vec<Value> = order
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut value = template.clone();
            let total = decimal(line.quantity * line.unit_minor);
            merge(
                &mut value,
                json!({"id": order.id * 10 + i as u64, "sku": line.sku, "quantity": line.quantity,
                       "subtotal": total, "total": total, "price": line.unit_minor / 100}),
            );
            value
        })
        .collect();
    merge(
        &mut body,
        json!({"id": order.id, "number": order.client_ref(), "line_items": lines,
               "shipping_lines": [], "coupon_lines": [], "discount_total": "0.00",
               "shipping_total": "0.00", "total": decimal(order.total_minor())}),
    );
    body["billing"]["email"] = json!(format!("c{}@example.co.id", order.id));
    Ok(body)
}

/// The Stripe `payment_intent.succeeded` event (`created` is the signing time).
pub fn stripe_payment(order: &OrderPlan, now: i64) -> anyhow::Result<Value> {
    let mut body = sample(include_str!(
        "../../../events/webhook/stripe-payment-intent-succeeded.json"
    ))?;
    let object = &mut body["data"]["object"];
    merge(
        object,
        json!({"id": format!("pi_proof{}", order.id), "amount": order.total_minor(),
               "amount_received": order.total_minor(), "latest_charge": format!("ch_proof{}", order.id),
               "metadata": {"order_id": order.id.to_string(), "order_name": order.client_ref()}}),
    );
    merge(
        &mut body,
        json!({"id": format!("evt_pay{}", order.id), "created": now}),
    );
    Ok(body)
}

/// The Stripe `charge.refunded` event refunding the whole order.
pub fn stripe_refund(order: &OrderPlan, now: i64) -> anyhow::Result<Value> {
    let mut body = sample(include_str!(
        "../../../events/webhook/stripe-charge-refunded.json"
    ))?;
    let (total, charge) = (order.total_minor(), format!("ch_proof{}", order.id));
    let intent = format!("pi_proof{}", order.id);
    let mut refund = body["data"]["object"]["refunds"]["data"][0].clone();
    merge(
        &mut refund,
        json!({"id": format!("re_proof{}", order.id), "amount": total, "charge": charge, "payment_intent": intent}),
    );
    merge(
        &mut body["data"]["object"],
        json!({"id": charge, "amount": total, "amount_captured": total, "amount_refunded": total,
               "refunded": true, "payment_intent": intent,
               "metadata": {"order_id": order.id.to_string(), "order_name": order.client_ref()},
               "refunds": {"object": "list", "has_more": false, "total_count": 1, "data": [refund]}}),
    );
    merge(
        &mut body,
        json!({"id": format!("evt_ref{}", order.id), "created": now}),
    );
    Ok(body)
}

/// The Midtrans settlement notification (signature inside the body, see `sign`).
pub fn midtrans_payment(order: &OrderPlan) -> anyhow::Result<Value> {
    let mut body = sample(include_str!("../../../events/webhook/midtrans-settlement.json"))?;
    merge(
        &mut body,
        json!({"order_id": order.id.to_string(), "gross_amount": decimal(order.total_minor()),
               "transaction_id": format!("proof-{}", order.id)}),
    );
    Ok(body)
}

/// The Xendit invoice-paid callback.
pub fn xendit_payment(order: &OrderPlan) -> anyhow::Result<Value> {
    let mut body = sample(include_str!("../../../events/webhook/xendit-invoice-paid.json"))?;
    let amount = order.total_minor() / 100;
    merge(
        &mut body,
        json!({"id": format!("inv{}", order.id), "external_id": order.id.to_string(),
               "amount": amount, "paid_amount": amount, "adjusted_received_amount": amount,
               "fees_paid_amount": 0, "description": format!("Order {}", order.id),
               "payment_id": format!("pay-proof-{}", order.id)}),
    );
    Ok(body)
}

/// The carrier's tracking update for the order.
pub fn carrier_tracking(order: &OrderPlan) -> anyhow::Result<Value> {
    let mut body = sample(include_str!(
        "../../../events/webhook/carrier-shipment-tracking.json"
    ))?;
    body["id"] = json!(format!("trk-proof-{}", order.id));
    merge(
        &mut body["data"],
        json!({"shipment_id": format!("SHP-{}", order.id), "order_id": order.id.to_string(),
               "tracking_number": format!("JNE{}ID", order.id)}),
    );
    Ok(body)
}

/// Overwrites `target`'s fields with `fields`' (one level).
fn merge(target: &mut Value, fields: Value) {
    if let (Some(target), Value::Object(fields)) = (target.as_object_mut(), fields) {
        target.extend(fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Shop;

    fn plan(shop: Shop) -> OrderPlan {
        OrderPlan {
            shop,
            id: 12_345_678,
            lines: vec![Line {
                sku: "MUG-01".into(),
                quantity: 3,
                unit_minor: 1250,
            }],
            gateway: None,
            refunded: false,
            shipped: false,
            unknown_sku: None,
        }
    }

    #[test]
    fn payloads_carry_the_run_ids_and_amounts() {
        let order = plan(Shop::Shopify);
        let shopify = shopify_order(&order).expect("sample");
        assert_eq!(shopify["total_price"], "37.50");
        assert_eq!(shopify["line_items"].as_array().map(Vec::len), Some(1));
        let pay = stripe_payment(&order, 1).expect("sample");
        assert_eq!(pay["data"]["object"]["amount"], 3750);
        assert_eq!(pay["data"]["object"]["metadata"]["order_id"], "12345678");
        let refund = stripe_refund(&order, 1).expect("sample");
        assert_eq!(refund["data"]["object"]["refunds"]["data"][0]["amount"], 3750);
        let woo = woo_order(&plan(Shop::WooCommerce)).expect("sample");
        assert_eq!(woo["total"], "37.50");
        assert_eq!(decimal(8_500_000), "85000.00");
    }
}
