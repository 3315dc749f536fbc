//! Payment and refund sync against the simulator on both protocols (or a real Odoo).

mod common;

use common::*;
use serde_json::Value;
use spine_core::{Classify, Disposition, Money};
use spine_odoo::{Domain, Protocol};
use spine_sync::{SyncConfig, SyncError, Syncer};

async fn ordered(target: &Target, protocol: Protocol) -> (Syncer, spine_core::contracts::OrderV1) {
    let sync = syncer(target, protocol, SyncConfig::default()).await;
    let (a, b) = two_products(sync.odoo()).await;
    let order = order(&a, &b);
    sync.order(&shop(), &order).await.expect("order applied");
    (sync, order)
}

#[tokio::test]
async fn a_payment_before_its_order_waits() {
    let target = target().await;
    for protocol in target.protocols() {
        let sync = syncer(&target, protocol, SyncConfig::default()).await;
        let (a, b) = two_products(sync.odoo()).await;
        let order = order(&a, &b);
        let error = sync
            .payment(&gateway(), &payment(&order, usd(3000)))
            .await
            .expect_err("no order yet");
        assert!(
            matches!(
                error,
                SyncError::Waiting {
                    what: "sale order",
                    ..
                }
            ),
            "{protocol}: {error}"
        );
        assert_eq!(error.disposition(), Disposition::WaitingOnDependency);
    }
}

#[tokio::test]
async fn a_payment_delivered_twice_is_registered_once_on_a_posted_invoice() {
    let target = target().await;
    for protocol in target.protocols() {
        let (sync, order) = ordered(&target, protocol).await;
        let odoo = sync.odoo();
        let total = odoo_total(odoo, &order).await;
        let pay = payment(&order, total);

        let first = sync.payment(&gateway(), &pay).await.expect("registered");
        assert!(
            first.flags.is_empty(),
            "{protocol}: exact amount: {:?}",
            first.flags
        );
        let invoice = xid_id(odoo, &order_ref(&order).invoice_xid())
            .await
            .expect("invoice tagged");
        let payment_id = xid_id(odoo, &pay.payment_xid(&gateway()))
            .await
            .expect("payment tagged");
        let inv = read_one(
            odoo,
            "account.move",
            invoice,
            &["state", "payment_state", "amount_residual", "move_type"],
        )
        .await;
        assert_eq!(inv["state"], "posted", "{protocol}");
        assert_eq!(inv["move_type"], "out_invoice");
        assert_eq!(inv["payment_state"], "paid", "{protocol}");
        assert_eq!(inv["amount_residual"].as_f64(), Some(0.0));
        let row = read_one(odoo, "account.payment", payment_id, &["memo", "amount", "date"]).await;
        assert_eq!(row["memo"], Value::from(format!("stripe {}", pay.reference)));
        assert_eq!(
            Money::from_odoo_float(row["amount"].as_f64().unwrap(), total.currency).unwrap(),
            total
        );
        assert_eq!(row["date"], "2026-11-20");

        let again = sync.payment(&gateway(), &pay).await.expect("replayed");
        assert!(again.already_applied, "{protocol}");
        let memo = Domain::all().eq("memo", format!("stripe {}", pay.reference));
        assert_eq!(
            count(odoo, "account.payment", memo).await,
            1,
            "{protocol}: one payment"
        );
    }
}

#[tokio::test]
async fn a_partial_payment_is_registered_as_partial_and_flagged() {
    let target = target().await;
    for protocol in target.protocols() {
        let (sync, order) = ordered(&target, protocol).await;
        let odoo = sync.odoo();
        let total = odoo_total(odoo, &order).await;
        let part = Money::from_minor(total.minor - 1001, total.currency);
        let applied = sync
            .payment(&gateway(), &payment(&order, part))
            .await
            .expect("registered");
        assert_eq!(applied.flags.len(), 1, "{protocol}");
        assert!(
            applied.flags[0].starts_with("partial payment"),
            "{:?}",
            applied.flags
        );
        let invoice = xid_id(odoo, &order_ref(&order).invoice_xid()).await.unwrap();
        let inv = read_one(
            odoo,
            "account.move",
            invoice,
            &["payment_state", "amount_residual"],
        )
        .await;
        assert_eq!(inv["payment_state"], "partial", "{protocol}");
        assert_eq!(
            inv["amount_residual"].as_f64(),
            Some(10.01),
            "{protocol}: never rounded"
        );

        // The rest, under another payment id, lands on the same invoice.
        let rest = payment(&order, Money::from_minor(1001, total.currency));
        let applied = sync.payment(&gateway(), &rest).await.expect("second payment");
        assert!(applied.flags.is_empty(), "{:?}", applied.flags);
        let inv = read_one(odoo, "account.move", invoice, &["payment_state"]).await;
        assert_eq!(inv["payment_state"], "paid", "{protocol}");
        let invoices = Domain::all()
            .eq("invoice_origin", read_name(odoo, &order).await)
            .eq("move_type", "out_invoice");
        assert_eq!(
            count(odoo, "account.move", invoices).await,
            1,
            "{protocol}: one invoice"
        );
    }
}

async fn read_name(odoo: &spine_odoo::OdooClient, order: &spine_core::contracts::OrderV1) -> String {
    let id = xid_id(odoo, &order_ref(order).sale_order_xid()).await.unwrap();
    read_one(odoo, "sale.order", id, &["name"]).await["name"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_refund_delivered_twice_makes_one_posted_credit_note() {
    let target = target().await;
    for protocol in target.protocols() {
        let (sync, order) = ordered(&target, protocol).await;
        let odoo = sync.odoo();
        let total = odoo_total(odoo, &order).await;
        let early = refund(&order, total);
        let waiting = sync.refund(&gateway(), &early).await.expect_err("no invoice yet");
        assert_eq!(
            waiting.disposition(),
            Disposition::WaitingOnDependency,
            "{protocol}: {waiting}"
        );

        sync.payment(&gateway(), &payment(&order, total))
            .await
            .expect("paid");
        let applied = sync.refund(&gateway(), &early).await.expect("refunded");
        assert!(applied.flags.is_empty(), "{:?}", applied.flags);
        let again = sync.refund(&gateway(), &early).await.expect("replayed");
        assert!(again.already_applied, "{protocol}");

        let invoice = xid_id(odoo, &order_ref(&order).invoice_xid()).await.unwrap();
        let credit = xid_id(odoo, &early.credit_note_xid(&gateway()))
            .await
            .expect("credit note tagged");
        let row = read_one(
            odoo,
            "account.move",
            credit,
            &["move_type", "state", "reversed_entry_id"],
        )
        .await;
        assert_eq!(row["move_type"], "out_refund");
        assert_eq!(row["state"], "posted", "{protocol}: a full refund is posted");
        assert_eq!(many2one(row.get("reversed_entry_id")), Some(invoice));
        let reversals = Domain::all().eq("reversed_entry_id", invoice);
        assert_eq!(
            count(odoo, "account.move", reversals).await,
            1,
            "{protocol}: one credit note"
        );
    }
}

#[tokio::test]
async fn a_partial_refund_leaves_a_flagged_draft() {
    let target = target().await;
    for protocol in target.protocols() {
        let (sync, order) = ordered(&target, protocol).await;
        let odoo = sync.odoo();
        let total = odoo_total(odoo, &order).await;
        sync.payment(&gateway(), &payment(&order, total))
            .await
            .expect("paid");
        let part = refund(&order, Money::from_minor(500, total.currency));
        let applied = sync.refund(&gateway(), &part).await.expect("refunded");
        assert!(
            applied.flags.iter().any(|f| f.starts_with("partial refund")),
            "{protocol}: {:?}",
            applied.flags
        );
        let credit = xid_id(odoo, &part.credit_note_xid(&gateway())).await.unwrap();
        let row = read_one(odoo, "account.move", credit, &["state"]).await;
        assert_eq!(row["state"], "draft", "{protocol}");
    }
}
