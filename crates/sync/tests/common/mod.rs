//! Helpers for the sync tests: the Odoo under test (simulator, or a real Odoo from the
//! `ODOO_*` variables, through `spine_testkit::odoo`), event builders with unique ids,
//! and counters that read Odoo directly, never the flows' own answers.

#![allow(dead_code, unused_imports)]

use serde_json::Value;
use spine_core::contracts::{
    Customer, OrderLine, OrderRef, OrderV1, PaymentV1, RefundV1, ShipmentStatus, ShipmentV1,
};
use spine_core::{Currency, ExternalId, Money, Sku, SourceEventId, SourceName};
use spine_odoo::{Domain, OdooClient, Protocol, SearchOpts};
use spine_sync::{SyncConfig, Syncer};
pub use spine_testkit::odoo::{Target, bank_journal, product, rec, target, target_with, unique};
pub use spine_testkit::orders::{usd, usd_line};

pub fn shop() -> SourceName {
    SourceName::parse("shopify").unwrap()
}

pub fn gateway() -> SourceName {
    SourceName::parse("stripe").unwrap()
}

/// Two products with fresh SKUs, created in Odoo.
pub async fn two_products(odoo: &OdooClient) -> (Sku, Sku) {
    let a = unique("MUG").to_uppercase();
    let b = unique("CUP").to_uppercase();
    product(odoo, &a).await;
    product(odoo, &b).await;
    (Sku::parse(&a).unwrap(), Sku::parse(&b).unwrap())
}

/// A new order with a fresh order id and customer: 2 × a at 12.50, 1 × b at 5.00.
pub fn order(a: &Sku, b: &Sku) -> OrderV1 {
    let id = unique("o");
    OrderV1 {
        order_id: SourceEventId::parse(&id).unwrap(),
        order_number: format!("#{id}"),
        revision: 0,
        placed_at: "2026-11-20T10:00:00Z".parse().unwrap(),
        currency: Currency::parse("USD").unwrap(),
        customer: Customer {
            customer_id: unique("cust"),
            name: "Ada Lovelace".into(),
            email: Some("ada@example.com".into()),
            phone: None,
        },
        lines: vec![usd_line("l1", a, 2, 1250), usd_line("l2", b, 1, 500)],
        shipping: None,
        tax_total: usd(0),
        total: usd(3000),
        prices_include_tax: false,
        shipping_address: None,
        note: None,
    }
}

pub fn order_ref(order: &OrderV1) -> OrderRef {
    order.order_ref(&shop())
}

pub fn payment(order: &OrderV1, amount: Money) -> PaymentV1 {
    let id = unique("pi");
    PaymentV1 {
        payment_id: SourceEventId::parse(&id).unwrap(),
        order: order_ref(order),
        amount,
        paid_at: "2026-11-20T10:05:00Z".parse().unwrap(),
        method: "card".into(),
        reference: id,
    }
}

pub fn refund(order: &OrderV1, amount: Money) -> RefundV1 {
    RefundV1 {
        refund_id: SourceEventId::parse(&unique("re")).unwrap(),
        payment_id: None,
        order: order_ref(order),
        amount,
        refunded_at: "2026-11-21T09:00:00Z".parse().unwrap(),
        reason: Some("damaged".into()),
    }
}

pub fn shipment(order: &OrderV1, status: ShipmentStatus) -> ShipmentV1 {
    ShipmentV1 {
        shipment_id: SourceEventId::parse(&unique("sh")).unwrap(),
        order: order_ref(order),
        carrier: "ups".into(),
        tracking_number: unique("1Z").to_uppercase(),
        tracking_url: None,
        status,
        status_at: "2026-11-21T08:00:00Z".parse().unwrap(),
    }
}

/// A syncer on a fresh client for `protocol`, with the bank journal configured.
pub async fn syncer(target: &Target, protocol: Protocol, mut config: SyncConfig) -> Syncer {
    let odoo = target.client(protocol);
    if config.default_bank_journal.is_none() {
        config.default_bank_journal = Some(bank_journal(&odoo).await);
    }
    Syncer::new(odoo, config)
}

/// The database id behind a spine external id, read from `ir.model.data`.
pub async fn xid_id(odoo: &OdooClient, xid: &ExternalId) -> Option<i64> {
    let domain = Domain::all().eq("module", xid.module()).eq("name", xid.name());
    let rows = odoo
        .search_read("ir.model.data", &domain, &["res_id"], &SearchOpts::default())
        .await
        .expect("ir.model.data readable");
    assert!(
        rows.len() <= 1,
        "external id {xid} registered {} times",
        rows.len()
    );
    rows.first().and_then(|r| r.get("res_id")).and_then(Value::as_i64)
}

/// How many records of `model` match `domain`.
pub async fn count(odoo: &OdooClient, model: &str, domain: Domain) -> u64 {
    odoo.search_count(model, &domain).await.expect("count")
}

/// One record's fields.
pub async fn read_one(
    odoo: &OdooClient,
    model: &str,
    id: i64,
    fields: &[&str],
) -> serde_json::Map<String, Value> {
    let rows = odoo.read(model, &[id], fields).await.expect("read");
    rows.into_iter()
        .next()
        .unwrap_or_else(|| panic!("{model} {id} exists"))
}

/// The order's total in Odoo (with Odoo's own taxes), in minor units.
pub async fn odoo_total(odoo: &OdooClient, order: &OrderV1) -> Money {
    let id = xid_id(odoo, &order_ref(order).sale_order_xid())
        .await
        .expect("order synced");
    let row = read_one(odoo, "sale.order", id, &["amount_total"]).await;
    let total = row.get("amount_total").and_then(Value::as_f64).unwrap();
    Money::from_odoo_float(total, order.currency).unwrap()
}

pub fn many2one(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Array(pair) => pair.first().and_then(Value::as_i64),
        other => other.as_i64(),
    }
}
