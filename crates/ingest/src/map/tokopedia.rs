//! Tokopedia order notifications: an order reaching status 220 (payment verified, a new
//! order for the seller) or 400 (accepted by the seller) becomes `order.v1`; every other
//! status is ignored. Amounts are whole rupiah (IDR), prices include tax. Tokopedia sends
//! no delivery id: the id is `{order_id}:{order_status}`, and the status code is the
//! order's revision (it only grows through an order's life).

use super::{Context, Mapped, address, composite_id, owned, quantity};
use crate::error::{FieldError, Rejection};
use crate::json::Node;
use spine_core::contracts::{Customer, OrderLine, OrderV1};
use spine_core::{CanonicalEvent, Currency, Money, Sku};

/// Statuses that carry an order the shop must fulfil.
const ORDER_STATUSES: [u64; 2] = [220, 400];

pub(super) fn map(cx: &Context, root: &Node) -> Result<Mapped, Rejection> {
    let order_id = root.get("order_id").id()?;
    let status = root.get("order_status").u64()?;
    let source_event_id = composite_id(root, &[order_id.as_str(), &status.to_string()])?;
    let event = if ORDER_STATUSES.contains(&status) {
        Some(order(root, status)?)
    } else {
        None
    };
    Ok(Mapped {
        source_event_id,
        topic: format!("order_notification/{status}"),
        occurred_at: root.get("create_time").unix().unwrap_or(cx.received_at),
        event,
    })
}

/// The payload members this mapping reads (the parser skips the rest).
pub(super) fn keep(key: &str) -> bool {
    matches!(
        key,
        "order_id"
            | "order_status"
            | "create_time"
            | "amt"
            | "shipping_cost"
            | "ttl_amount"
            | "products"
            | "recipient"
            | "address"
            | "name"
            | "invoice_ref_num"
            | "customer"
            | "id"
            | "sku"
            | "quantity"
            | "price"
            | "email"
            | "phone"
            | "address_full"
            | "district"
            | "city"
            | "postal_code"
            | "province"
            | "country"
    )
}

fn order(root: &Node, status: u64) -> Result<CanonicalEvent, FieldError> {
    let idr = Currency::parse("IDR").map_err(|e| root.error(e.to_string()))?;
    let amt = root.get("amt");
    let shipping = amt.get("shipping_cost").decimal(idr)?;
    let lines = root
        .get("products")
        .array()?
        .iter()
        .map(|product| line(product, idr))
        .collect::<Result<Vec<_>, _>>()?;
    let recipient = root.get("recipient");
    Ok(CanonicalEvent::OrderV1(OrderV1 {
        order_id: root.get("order_id").id()?,
        order_number: root.get("invoice_ref_num").str()?.to_owned(),
        revision: status,
        placed_at: root.get("create_time").unix()?,
        currency: idr,
        customer: customer(root)?,
        lines,
        shipping: (shipping.minor != 0).then_some(shipping),
        tax_total: Money::from_minor(0, idr),
        total: amt.get("ttl_amount").decimal(idr)?,
        prices_include_tax: true,
        shipping_address: address(
            &recipient.get("address"),
            owned(recipient.get("name"))?,
            [
                "address_full",
                "district",
                "city",
                "postal_code",
                "province",
                "country",
            ],
        )?,
        note: None,
    }))
}

fn line(product: &Node, idr: Currency) -> Result<OrderLine, FieldError> {
    let sku = product.get("sku");
    let sku_text = sku
        .opt_str()?
        .ok_or_else(|| sku.error("is missing (Odoo matches products by SKU)"))?;
    Ok(OrderLine {
        line_id: product.get("id").id()?.to_string(),
        sku: Sku::parse(sku_text).map_err(|e| sku.error(e.to_string()))?,
        name: product.get("name").str()?.to_owned(),
        quantity: quantity(&product.get("quantity"))?,
        unit_price: product.get("price").decimal(idr)?,
        discount: Money::from_minor(0, idr),
    })
}

fn customer(root: &Node) -> Result<Customer, FieldError> {
    let record = root.get("customer");
    Ok(Customer {
        customer_id: record.get("id").id()?.to_string(),
        name: record.get("name").str()?.to_owned(),
        email: owned(record.get("email"))?,
        phone: owned(record.get("phone"))?,
    })
}
