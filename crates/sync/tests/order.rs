//! Order sync against the simulator on both protocols (or a real Odoo from `ODOO_*`).

mod common;

use common::*;
use serde_json::Value;
use spine_core::contracts::OrderLine;
use spine_core::{Classify, Currency, Disposition, Sku};
use spine_odoo::Domain;
use spine_sync::{SyncConfig, SyncError};

#[tokio::test]
async fn a_new_order_is_written_once_however_often_it_arrives() {
    let target = target().await;
    for protocol in target.protocols() {
        let sync = syncer(&target, protocol, SyncConfig::default()).await;
        let odoo = sync.odoo();
        let (a, b) = two_products(odoo).await;
        let order = order(&a, &b);

        let first = sync.order(&shop(), &order).await.expect("applied");
        assert!(!first.already_applied);
        let order_id = xid_id(odoo, &order_ref(&order).sale_order_xid())
            .await
            .expect("order has its xid");
        let partner_id = xid_id(odoo, &order.partner_xid(&shop()))
            .await
            .expect("partner has its xid");
        assert_eq!(first.touched[0].model, "sale.order");
        assert_eq!(first.touched[0].id, order_id);
        let so = read_one(
            odoo,
            "sale.order",
            order_id,
            &["state", "client_order_ref", "partner_id", "order_line"],
        )
        .await;
        assert_eq!(so["state"], "sale", "{protocol}: confirmed per config");
        assert_eq!(so["client_order_ref"], Value::from(order.order_number.clone()));
        assert_eq!(many2one(so.get("partner_id")), Some(partner_id));
        let lines = odoo
            .read(
                "sale.order.line",
                &ids(&so["order_line"]),
                &["price_unit", "product_uom_qty"],
            )
            .await
            .unwrap();
        let mut prices: Vec<f64> = lines.iter().map(|l| l["price_unit"].as_f64().unwrap()).collect();
        prices.sort_by(f64::total_cmp);
        assert_eq!(
            prices,
            vec![5.0, 12.5],
            "{protocol}: the source's prices, not Odoo's"
        );

        let again = sync.order(&shop(), &order).await.expect("applied again");
        assert!(again.already_applied, "{protocol}");
        let by_ref = Domain::all().eq("client_order_ref", order.order_number.as_str());
        assert_eq!(
            count(odoo, "sale.order", by_ref).await,
            1,
            "{protocol}: one sale.order"
        );
        let partners = Domain::all().eq("id", partner_id);
        assert_eq!(count(odoo, "res.partner", partners).await, 1);
        let order_lines = Domain::all().eq("order_id", order_id);
        assert_eq!(
            count(odoo, "sale.order.line", order_lines).await,
            2,
            "{protocol}: lines not duplicated"
        );
    }
}

fn ids(value: &Value) -> Vec<i64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_i64)
        .collect()
}

#[tokio::test]
async fn an_update_while_a_quotation_updates_the_same_order() {
    let target = target().await;
    for protocol in target.protocols() {
        let quotations = SyncConfig {
            confirm_orders: false,
            ..SyncConfig::default()
        };
        let sync = syncer(&target, protocol, quotations).await;
        let odoo = sync.odoo();
        let (a, b) = two_products(odoo).await;
        let mut order = order(&a, &b);
        sync.order(&shop(), &order).await.expect("revision 0");
        let order_id = xid_id(odoo, &order_ref(&order).sale_order_xid()).await.unwrap();

        order.revision = 1;
        order.lines[0].quantity = 5;
        let mut extra = order.lines[1].clone();
        extra.line_id = "l3".into();
        extra.quantity = 4;
        order.lines.push(extra);
        let updated = sync.order(&shop(), &order).await.expect("revision 1");
        assert_eq!(updated.touched[0].id, order_id, "{protocol}: same sale.order");

        let so = read_one(odoo, "sale.order", order_id, &["state", "order_line"]).await;
        assert_eq!(so["state"], "draft", "{protocol}: left a quotation");
        let lines = odoo
            .read("sale.order.line", &ids(&so["order_line"]), &["product_uom_qty"])
            .await
            .unwrap();
        let mut qty: Vec<f64> = lines
            .iter()
            .map(|l| l["product_uom_qty"].as_f64().unwrap())
            .collect();
        qty.sort_by(f64::total_cmp);
        assert_eq!(
            qty,
            vec![1.0, 4.0, 5.0],
            "{protocol}: lines updated in place plus the new one"
        );
        let by_ref = Domain::all().eq("client_order_ref", order.order_number.as_str());
        assert_eq!(count(odoo, "sale.order", by_ref).await, 1);
    }
}

#[tokio::test]
async fn an_update_after_confirmation_is_parked_and_changes_nothing() {
    let target = target().await;
    for protocol in target.protocols() {
        let sync = syncer(&target, protocol, SyncConfig::default()).await;
        let odoo = sync.odoo();
        let (a, b) = two_products(odoo).await;
        let mut order = order(&a, &b);
        sync.order(&shop(), &order).await.expect("revision 0 confirmed");
        order.revision = 1;
        order.lines[0].quantity = 9;
        let error = sync
            .order(&shop(), &order)
            .await
            .expect_err("confirmed orders are not changed");
        assert!(
            matches!(error, SyncError::OrderLocked { .. }),
            "{protocol}: {error}"
        );
        assert_eq!(error.disposition(), Disposition::Permanent);
        assert!(error.reason().contains("already sale"), "{}", error.reason());
        let line = xid_id(odoo, &order.line_xid(&shop(), &order.lines[0]))
            .await
            .unwrap();
        let row = read_one(odoo, "sale.order.line", line, &["product_uom_qty"]).await;
        assert_eq!(
            row["product_uom_qty"].as_f64(),
            Some(2.0),
            "{protocol}: untouched"
        );
    }
}

#[tokio::test]
async fn unknown_skus_are_a_business_failure_naming_every_one() {
    let target = target().await;
    for protocol in target.protocols() {
        let sync = syncer(&target, protocol, SyncConfig::default()).await;
        let odoo = sync.odoo();
        let (a, _) = two_products(odoo).await;
        let ghost1 = Sku::parse(&unique("GHOST").to_uppercase()).unwrap();
        let ghost2 = Sku::parse(&unique("NOPE").to_uppercase()).unwrap();
        let mut order = order(&a, &ghost1);
        let mut third: OrderLine = order.lines[1].clone();
        third.line_id = "l3".into();
        third.sku = ghost2.clone();
        order.lines.push(third);
        let error = sync.order(&shop(), &order).await.expect_err("unknown SKUs");
        assert_eq!(error.disposition(), Disposition::Permanent, "{protocol}");
        let reason = error.reason();
        assert!(
            reason.contains(ghost1.as_str()) && reason.contains(ghost2.as_str()),
            "{reason}"
        );
        assert!(!reason.contains(a.as_str()), "only the unknown ones: {reason}");
        let by_ref = Domain::all().eq("client_order_ref", order.order_number.as_str());
        assert_eq!(
            count(odoo, "sale.order", by_ref).await,
            0,
            "{protocol}: nothing written"
        );
    }
}

#[tokio::test]
async fn an_inactive_currency_is_parked_with_a_clear_reason() {
    let target = target().await;
    for protocol in target.protocols() {
        let sync = syncer(&target, protocol, SyncConfig::default()).await;
        let odoo = sync.odoo();
        let (a, b) = two_products(odoo).await;
        let mut order = order(&a, &b);
        let idr = Currency::parse("IDR").unwrap();
        order.currency = idr;
        for line in &mut order.lines {
            line.unit_price = spine_core::Money::from_minor(line.unit_price.minor * 100, idr);
            line.discount = spine_core::Money::from_minor(0, idr);
        }
        let error = sync.order(&shop(), &order).await.expect_err("IDR is inactive");
        assert!(
            matches!(error, SyncError::InactiveCurrency(_)),
            "{protocol}: {error}"
        );
        assert_eq!(error.disposition(), Disposition::Permanent);
        assert!(error.reason().contains("IDR is not active"), "{}", error.reason());
        assert_eq!(xid_id(odoo, &order_ref(&order).sale_order_xid()).await, None);
    }
}

#[tokio::test]
async fn a_known_unchanged_customer_is_not_loaded_again() {
    let target = target().await;
    for protocol in target.protocols() {
        let sync = syncer(&target, protocol, SyncConfig::default()).await;
        let odoo = sync.odoo();
        let (a, b) = two_products(odoo).await;
        let first = order(&a, &b);
        sync.order(&shop(), &first).await.expect("first order");
        let mut second = order(&a, &b);
        second.customer = first.customer.clone();
        let before = odoo.metrics();
        sync.order(&shop(), &second).await.expect("second order");
        let spent = odoo.metrics().since(&before);
        assert!(
            !spent.by_method.contains_key("res.partner.load"),
            "{protocol}: partner load skipped: {:?}",
            spent.by_method.keys()
        );
        assert_eq!(
            xid_id(odoo, &first.partner_xid(&shop())).await,
            xid_id(odoo, &second.partner_xid(&shop())).await
        );
    }
}

#[tokio::test]
async fn a_cached_sku_whose_product_was_replaced_is_resolved_again() {
    let target = target().await;
    for protocol in target.protocols() {
        let sync = syncer(&target, protocol, SyncConfig::default()).await;
        let odoo = sync.odoo();
        let (a, b) = two_products(odoo).await;
        let mut first = order(&a, &b);
        sync.order(&shop(), &first).await.expect("confirmed");
        // A refused update caches the id of a product no line uses yet...
        let c = unique("NEW").to_uppercase();
        let old_c = product(odoo, &c).await;
        first.revision = 1;
        first.lines[1].sku = Sku::parse(&c).unwrap();
        sync.order(&shop(), &first).await.expect_err("locked");
        // ...which is then deleted and created again under the same SKU.
        odoo.call("product.product", "unlink", &[old_c], Default::default(), None)
            .await
            .expect("unused product deleted");
        let new_c = product(odoo, &c).await;
        let second = order(&a, &Sku::parse(&c).unwrap());
        sync.order(&shop(), &second)
            .await
            .expect("applied with the fresh id");
        let line = xid_id(odoo, &second.line_xid(&shop(), &second.lines[1]))
            .await
            .unwrap();
        let row = read_one(odoo, "sale.order.line", line, &["product_id"]).await;
        assert_eq!(many2one(row.get("product_id")), Some(new_c), "{protocol}");
    }
}
