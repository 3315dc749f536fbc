//! Shopify: `orders/create` and `orders/updated` become `order.v1`; every other topic is
//! ignored. The delivery id is `X-Shopify-Webhook-Id`, the topic `X-Shopify-Topic`.

use super::{Context, Mapped, address, full_name, owned, quantity, revision_of};
use crate::error::{FieldError, Rejection};
use crate::json::Node;
use spine_core::contracts::{Customer, OrderLine, OrderV1};
use spine_core::{CanonicalEvent, Currency, Money, Sku};

pub(super) fn map(cx: &Context, root: &Node) -> Result<Mapped, Rejection> {
    let topic = cx.header("X-Shopify-Topic")?.to_owned();
    let source_event_id = cx.id_header("X-Shopify-Webhook-Id")?;
    let triggered = cx
        .headers
        .get_trimmed("X-Shopify-Triggered-At")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.to_utc());
    let event = match topic.as_str() {
        "orders/create" => Some(order(root, false)?),
        "orders/updated" => Some(order(root, true)?),
        _ => None,
    };
    let occurred_at = match &event {
        Some(CanonicalEvent::OrderV1(o)) => triggered.unwrap_or(o.placed_at),
        _ => triggered.unwrap_or(cx.received_at),
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
        "id" | "name"
            | "order_number"
            | "created_at"
            | "updated_at"
            | "currency"
            | "line_items"
            | "sku"
            | "title"
            | "quantity"
            | "price"
            | "total_discount"
            | "discount_allocations"
            | "amount"
            | "customer"
            | "email"
            | "phone"
            | "first_name"
            | "last_name"
            | "billing_address"
            | "shipping_address"
            | "address1"
            | "address2"
            | "city"
            | "zip"
            | "province"
            | "country_code"
            | "shipping_lines"
            | "total_tax"
            | "total_price"
            | "taxes_included"
            | "note"
    )
}

fn order(root: &Node, updated: bool) -> Result<CanonicalEvent, FieldError> {
    let currency = root.get("currency").currency()?;
    let placed_at = root.get("created_at").rfc3339()?;
    // An update's revision is its update time, so a late orders/create (revision 0)
    // never overrides it at the worker.
    let revision = if updated {
        revision_of(root.get("updated_at").rfc3339()?)
    } else {
        0
    };
    let order_number = match root.get("name").opt_str()? {
        Some(name) => name.to_owned(),
        None => root.get("order_number").id()?.to_string(),
    };
    let lines = root
        .get("line_items")
        .array()?
        .iter()
        .map(|line| line_item(line, currency))
        .collect::<Result<Vec<_>, _>>()?;
    let ship = root.get("shipping_address");
    Ok(CanonicalEvent::OrderV1(OrderV1 {
        order_id: root.get("id").id()?,
        order_number,
        revision,
        placed_at,
        currency,
        customer: customer(root)?,
        lines,
        shipping: shipping(root, currency)?,
        tax_total: amount_or_zero(&root.get("total_tax"), currency)?,
        total: root.get("total_price").decimal(currency)?,
        prices_include_tax: root.get("taxes_included").present().is_some()
            && root.get("taxes_included").bool()?,
        shipping_address: address(
            &ship,
            full_name(
                ship.get("first_name").opt_str()?,
                ship.get("last_name").opt_str()?,
            ),
            ["address1", "address2", "city", "zip", "province", "country_code"],
        )?,
        note: owned(root.get("note"))?,
    }))
}

fn amount_or_zero(node: &Node, currency: Currency) -> Result<Money, FieldError> {
    match node.present() {
        Some(_) => node.decimal(currency),
        None => Ok(Money::from_minor(0, currency)),
    }
}

fn line_item(line: &Node, currency: Currency) -> Result<OrderLine, FieldError> {
    let sku = line.get("sku");
    let sku_text = sku
        .opt_str()?
        .ok_or_else(|| sku.error("is missing (Odoo matches products by SKU)"))?;
    Ok(OrderLine {
        line_id: line.get("id").id()?.to_string(),
        sku: Sku::parse(sku_text).map_err(|e| sku.error(e.to_string()))?,
        name: match line.get("title").opt_str()? {
            Some(title) => title.to_owned(),
            None => line.get("name").str()?.to_owned(),
        },
        quantity: quantity(&line.get("quantity"))?,
        unit_price: line.get("price").decimal(currency)?,
        discount: line_discount(line, currency)?,
    })
}

/// Order-level discounts reach a line as `discount_allocations`; older payloads only
/// carry `total_discount`. The allocations win when there are any.
fn line_discount(line: &Node, currency: Currency) -> Result<Money, FieldError> {
    let allocations = line.get("discount_allocations");
    let items = allocations.opt_array()?;
    if items.is_empty() {
        return amount_or_zero(&line.get("total_discount"), currency);
    }
    let mut total = Money::from_minor(0, currency);
    for allocation in &items {
        let amount = allocation.get("amount");
        total = total
            .checked_add(amount.decimal(currency)?)
            .map_err(|e| amount.error(e.to_string()))?;
    }
    Ok(total)
}

/// The customer, or a guest keyed by e-mail when the order has no customer record.
fn customer(root: &Node) -> Result<Customer, FieldError> {
    let record = root.get("customer");
    let email = match record.get("email").opt_str()? {
        Some(email) => Some(email.to_owned()),
        None => owned(root.get("email"))?,
    };
    let phone = match record.get("phone").opt_str()? {
        Some(phone) => Some(phone.to_owned()),
        None => owned(root.get("phone"))?,
    };
    let customer_id = match (record.present(), &email) {
        (Some(_), _) => record.get("id").id()?.to_string(),
        (None, Some(email)) => format!("guest:{email}"),
        (None, None) => return Err(record.error("is missing and the order has no email")),
    };
    let billing = root.get("billing_address");
    let name = full_name(
        record.get("first_name").opt_str()?,
        record.get("last_name").opt_str()?,
    )
    .or(owned(billing.get("name"))?)
    .or_else(|| email.clone())
    .unwrap_or_else(|| customer_id.clone());
    Ok(Customer {
        customer_id,
        name,
        email,
        phone,
    })
}

/// The sum of the shipping lines; `None` when nothing was charged for shipping.
fn shipping(root: &Node, currency: Currency) -> Result<Option<Money>, FieldError> {
    let mut total = Money::from_minor(0, currency);
    let lines = root.get("shipping_lines");
    for line in lines.opt_array()? {
        let price = line.get("price");
        let amount = price.decimal(currency)?;
        total = total
            .checked_add(amount)
            .map_err(|e| price.error(e.to_string()))?;
    }
    Ok((total.minor != 0).then_some(total))
}
