//! WooCommerce: `order.created` (and `order.updated`) become `order.v1`; every other topic
//! is ignored. The delivery id is `X-WC-Webhook-Delivery-ID`, the topic
//! `X-WC-Webhook-Topic`. Times are the `*_gmt` fields (UTC without an offset).

use super::{Context, Mapped, address, full_name, owned, quantity, revision_of};
use crate::error::{FieldError, Rejection};
use crate::json::Node;
use spine_core::contracts::{Customer, OrderLine, OrderV1};
use spine_core::{CanonicalEvent, Currency, Money, Sku};

pub(super) fn map(cx: &Context, root: &Node) -> Result<Mapped, Rejection> {
    let topic = cx.header("X-WC-Webhook-Topic")?.to_owned();
    let source_event_id = cx.id_header("X-WC-Webhook-Delivery-ID")?;
    let event = match topic.as_str() {
        "order.created" => Some(order(root, false)?),
        "order.updated" => Some(order(root, true)?),
        _ => None,
    };
    let occurred_at = match root.get("date_modified_gmt").local_time(0) {
        Ok(time) if event.is_some() => time,
        _ => cx.received_at,
    };
    Ok(Mapped {
        source_event_id,
        topic,
        occurred_at,
        event,
    })
}

/// The payload members this mapping reads (the parser skips the rest).
pub(super) fn keep(key: &str) -> bool {
    matches!(
        key,
        "id" | "number"
            | "currency"
            | "date_created_gmt"
            | "date_modified_gmt"
            | "line_items"
            | "sku"
            | "quantity"
            | "subtotal"
            | "total"
            | "name"
            | "shipping_total"
            | "shipping"
            | "first_name"
            | "last_name"
            | "address_1"
            | "address_2"
            | "city"
            | "postcode"
            | "state"
            | "country"
            | "total_tax"
            | "prices_include_tax"
            | "customer_note"
            | "billing"
            | "email"
            | "customer_id"
            | "phone"
    )
}

fn order(root: &Node, updated: bool) -> Result<CanonicalEvent, FieldError> {
    let currency = root.get("currency").currency()?;
    let revision = if updated {
        revision_of(root.get("date_modified_gmt").local_time(0)?)
    } else {
        0
    };
    let lines = root
        .get("line_items")
        .array()?
        .iter()
        .map(|line| line_item(line, currency))
        .collect::<Result<Vec<_>, _>>()?;
    let shipping = root.get("shipping_total").decimal(currency)?;
    let ship = root.get("shipping");
    Ok(CanonicalEvent::OrderV1(OrderV1 {
        order_id: root.get("id").id()?,
        order_number: root.get("number").id()?.to_string(),
        revision,
        placed_at: root.get("date_created_gmt").local_time(0)?,
        currency,
        customer: customer(root)?,
        lines,
        shipping: (shipping.minor != 0).then_some(shipping),
        tax_total: root.get("total_tax").decimal(currency)?,
        total: root.get("total").decimal(currency)?,
        prices_include_tax: root.get("prices_include_tax").bool()?,
        shipping_address: address(
            &ship,
            full_name(
                ship.get("first_name").opt_str()?,
                ship.get("last_name").opt_str()?,
            ),
            ["address_1", "address_2", "city", "postcode", "state", "country"],
        )?,
        note: owned(root.get("customer_note"))?,
    }))
}

/// WooCommerce gives a line's `subtotal` (before discounts) and `total` (after), not a
/// unit price. The unit price is the subtotal per unit, rounded up when it does not
/// divide, and the discount makes up the difference, so the line's net is exactly the
/// shop's `total`.
fn line_item(line: &Node, currency: Currency) -> Result<OrderLine, FieldError> {
    let sku = line.get("sku");
    let sku_text = sku
        .opt_str()?
        .ok_or_else(|| sku.error("is missing (Odoo matches products by SKU)"))?;
    let quantity_node = line.get("quantity");
    let quantity = quantity(&quantity_node)?;
    if quantity == 0 {
        return Err(quantity_node.error("must be at least 1"));
    }
    let subtotal = line.get("subtotal").decimal(currency)?;
    let total = line.get("total").decimal(currency)?;
    let unit = subtotal.minor.div_euclid(i64::from(quantity))
        + i64::from(subtotal.minor.rem_euclid(i64::from(quantity)) != 0);
    let gross = unit
        .checked_mul(i64::from(quantity))
        .ok_or_else(|| line.get("subtotal").error("is out of range"))?;
    let discount = gross
        .checked_sub(total.minor)
        .ok_or_else(|| line.get("total").error("is out of range"))?;
    Ok(OrderLine {
        line_id: line.get("id").id()?.to_string(),
        sku: Sku::parse(sku_text).map_err(|e| sku.error(e.to_string()))?,
        name: line.get("name").str()?.to_owned(),
        quantity,
        unit_price: Money::from_minor(unit, currency),
        discount: Money::from_minor(discount, currency),
    })
}

/// The registered customer, or a guest (customer id 0) keyed by billing e-mail.
fn customer(root: &Node) -> Result<Customer, FieldError> {
    let billing = root.get("billing");
    let email = owned(billing.get("email"))?;
    let id_node = root.get("customer_id");
    let id = match id_node.present() {
        Some(_) => id_node.u64()?,
        None => 0,
    };
    let customer_id = match (id, &email) {
        (0, Some(email)) => format!("guest:{email}"),
        (0, None) => return Err(billing.get("email").error("is missing for a guest order")),
        (id, _) => id.to_string(),
    };
    let name = full_name(
        billing.get("first_name").opt_str()?,
        billing.get("last_name").opt_str()?,
    )
    .or_else(|| email.clone())
    .unwrap_or_else(|| customer_id.clone());
    Ok(Customer {
        customer_id,
        name,
        email,
        phone: owned(billing.get("phone"))?,
    })
}
