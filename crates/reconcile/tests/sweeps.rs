//! The Odoo sweep's duplicates against the Odoo under test (the simulator, or a real
//! Odoo from `ODOO_*`), with records the real spine-sync flows made and copies made by
//! hand, and the ledger in memory (the DynamoDB ledger is the world test's):
//! - a copy of an order typed in on a later day is a duplicate seen from either day's
//!   window (the fault-injection run's unreported copy sat in the window while the
//!   spine's order did not);
//! - a second invoice for a spine order and a second credit note carrying a spine refund
//!   marker are duplicates of the spine's.

mod common;

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use spine_core::ledger::memory::MemoryLedger;
use spine_core::{CanonicalEvent, Envelope};
use spine_odoo::{Kwargs, OdooClient};
use spine_reconcile::{ExceptionKind, ReconcileConfig, Reconciler, Report, Window};
use spine_sync::{SyncConfig, Syncer};
use spine_testkit::odoo::{Target, product, rec, unique};

use common::{at, envelope, order, random_day, record_applied};

async fn reconcile(ledger: Arc<MemoryLedger>, odoo: &OdooClient, from: NaiveDate, to: NaiveDate) -> Report {
    let reconciler = Reconciler::new(ledger, odoo.clone(), None, ReconcileConfig::default());
    let window = Window::parse(from, to).unwrap();
    reconciler.run(window, Utc::now()).await.expect("run succeeds")
}

/// The records named by duplicates that name any of `ours`, each sorted.
fn duplicates_naming(report: &Report, ours: &[String]) -> Vec<Vec<String>> {
    report
        .of_kind(ExceptionKind::Duplicate)
        .filter(|e| e.odoo.iter().any(|r| ours.contains(r)))
        .map(|e| {
            let mut odoo = e.odoo.clone();
            odoo.sort();
            odoo
        })
        .collect()
}

async fn products(odoo: &OdooClient) -> (spine_core::Sku, spine_core::Sku) {
    let (a, b) = (unique("MUG").to_uppercase(), unique("CUP").to_uppercase());
    product(odoo, &a).await;
    product(odoo, &b).await;
    (
        spine_core::Sku::parse(&a).unwrap(),
        spine_core::Sku::parse(&b).unwrap(),
    )
}

fn client(target: &Target) -> OdooClient {
    target.client(target.protocols()[0])
}

#[tokio::test]
async fn a_copy_typed_in_days_later_is_a_duplicate_from_either_days_window() {
    let target = spine_testkit::odoo::target().await;
    let odoo = client(&target);
    let (a, b) = products(&odoo).await;
    let placed = random_day();
    let typed = placed + Duration::days(5);
    let syncer = Syncer::new(
        odoo.clone(),
        SyncConfig {
            confirm_orders: false,
            ..SyncConfig::default()
        },
    );
    let ledger = Arc::new(MemoryLedger::new());
    let spine_order = envelope(order(&a, &b, placed), at(placed, 10));
    let done = syncer.apply(&spine_order).await.expect("order applied");
    record_applied(ledger.as_ref(), &spine_order, &done.touched).await;
    let order_id = done.touched[0].id;
    let rows = odoo
        .read("sale.order", &[order_id], &["partner_id", "client_order_ref"])
        .await
        .unwrap();
    let partner = rows[0]["partner_id"][0].as_i64().unwrap();
    let copy = rec(
        json!({"partner_id": partner, "client_order_ref": rows[0]["client_order_ref"],
        "date_order": format!("{typed} 09:00:00")}),
    );
    let copy = odoo.create("sale.order", &[copy]).await.unwrap()[0];
    let pair = vec![format!("sale.order:{order_id}"), format!("sale.order:{copy}")];

    // The copy's day: the spine's order is outside the window, the copy inside.
    let report = reconcile(ledger.clone(), &odoo, typed, typed).await;
    assert_eq!(
        duplicates_naming(&report, &pair),
        vec![pair.clone()],
        "{report:?}"
    );
    let copy_day = report.of_kind(ExceptionKind::Duplicate).next().unwrap();
    assert_eq!(copy_day.day, Some(placed), "dated by the group's first record");
    assert!(copy_day.action.ends_with(&pair[1]), "{}", copy_day.action);
    // The order's day: the other way round; and nothing else on either day.
    let report_placed = reconcile(ledger, &odoo, placed, placed).await;
    assert_eq!(duplicates_naming(&report_placed, &pair), vec![pair.clone()]);
    assert_eq!(report.exceptions.len(), 1, "{:?}", report.exceptions);
    assert_eq!(
        report_placed.exceptions.len(),
        1,
        "{:?}",
        report_placed.exceptions
    );
}

#[tokio::test]
async fn a_second_invoice_for_an_order_and_a_second_credit_note_for_a_refund_are_duplicates() {
    let target = spine_testkit::odoo::target().await;
    let odoo = client(&target);
    let (a, b) = products(&odoo).await;
    let now = Utc::now();
    let today = now.date_naive();
    let journal = common::bank_journal(&odoo).await;
    let syncer = Syncer::new(
        odoo.clone(),
        SyncConfig {
            default_bank_journal: Some(journal),
            ..SyncConfig::default()
        },
    );
    let ledger = Arc::new(MemoryLedger::new());
    let placed = envelope(order(&a, &b, today), now);
    let CanonicalEvent::OrderV1(sold) = &placed.event else {
        panic!("an order envelope")
    };
    let paid = common::payment(sold, now);
    let refunded = common::refund(sold, now);
    let mut touched = Vec::new();
    for event in [&placed, &paid, &refunded] {
        let done = syncer.apply(event).await.expect("applied");
        record_applied(ledger.as_ref(), event, &done.touched).await;
        touched.push(done.touched);
    }
    let invoice = touched[1].iter().find(|t| t.model == "account.move").unwrap().id;
    let credit_note = touched[2][0].id;
    let invoice_copy = copy_invoice(&odoo, invoice).await;
    let credit_copy = reverse_again(&odoo, invoice, &refunded).await;

    let report = reconcile(ledger, &odoo, today, today).await;
    let ours = [invoice, invoice_copy, credit_note, credit_copy].map(|id| format!("account.move:{id}"));
    let mut expected = vec![
        vec![ours[0].clone(), ours[1].clone()],
        vec![ours[2].clone(), ours[3].clone()],
    ];
    for pair in &mut expected {
        pair.sort();
    }
    let mut found = duplicates_naming(&report, &ours);
    found.sort();
    expected.sort();
    assert_eq!(found, expected, "{:?}", report.exceptions);
    // None of this test's records is unknown: the ledger accounts for each.
    let unknown_ours = report
        .of_kind(ExceptionKind::Unknown)
        .filter(|e| e.odoo.iter().any(|r| ours.contains(r)))
        .count();
    assert_eq!(unknown_ours, 0, "{:?}", report.exceptions);
}

/// A second customer invoice for the same order, typed in by hand.
async fn copy_invoice(odoo: &OdooClient, invoice: i64) -> i64 {
    let rows = odoo
        .read("account.move", &[invoice], &["partner_id", "invoice_origin"])
        .await
        .unwrap();
    let partner = rows[0]["partner_id"][0].as_i64().unwrap();
    let vals = rec(json!({"move_type": "out_invoice", "partner_id": partner,
        "invoice_origin": rows[0]["invoice_origin"]}));
    odoo.create("account.move", &[vals]).await.unwrap()[0]
}

/// The reversal wizard run again with the spine's reason (a double-applied refund).
async fn reverse_again(odoo: &OdooClient, invoice: i64, refund: &Envelope) -> i64 {
    let CanonicalEvent::RefundV1(r) = &refund.event else {
        panic!("a refund envelope")
    };
    let marker = r.credit_note_xid(&refund.source);
    let context: Kwargs =
        rec(json!({"active_model": "account.move", "active_ids": [invoice], "active_id": invoice}));
    let wizard = odoo
        .create_with_context(
            "account.move.reversal",
            &[rec(json!({"reason": format!("{}: damaged", marker.as_str())}))],
            Some(&context),
        )
        .await
        .unwrap();
    let answer = odoo
        .call(
            "account.move.reversal",
            "refund_moves",
            &wizard,
            Kwargs::new(),
            Some(&context),
        )
        .await
        .unwrap();
    answer
        .get("res_id")
        .and_then(Value::as_i64)
        .expect("the new credit note")
}
