//! A redrive killed between send and delete (the binary aborts through its test-only
//! fault hook) loses nothing, and the copy it leaves creates no second Odoo record.

mod common;

use std::time::Duration;

use common::*;
use spine_core::ledger::{Ledger, LedgerStatus};

#[tokio::test]
async fn a_redrive_killed_after_the_send_leaves_no_loss_and_no_duplicate_record() {
    let world = world().await;
    let envelopes: Vec<_> = (0..3).map(|_| order_envelope()).collect();
    for envelope in &envelopes {
        world.park(envelope, "waiting_on_dependency").await;
    }

    let killed = world
        .spinectl()
        .args(["dlq", "redrive", "--flow", "order"])
        .env("SPINECTL_TEST_ABORT_AFTER_SENDS", "1")
        .output()
        .unwrap();

    assert!(!killed.status.success(), "the process died");
    assert_eq!(
        world.bodies(&world.queues.queue_url).await.len(),
        1,
        "one message sent"
    );
    // The killed run held the DLQ messages; they come back after its 2 s hold.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut dlq = world.bodies(&world.queues.dlq_url).await;
    dlq.sort();
    let mut all: Vec<String> = envelopes.iter().map(|e| e.to_json()).collect();
    all.sort();
    assert_eq!(dlq, all, "nothing was deleted: the sent one is in both queues");

    let rerun = world
        .spinectl()
        .args(["dlq", "redrive", "--flow", "order"])
        .output()
        .unwrap();

    assert_eq!(
        rerun.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert!(world.bodies(&world.queues.dlq_url).await.is_empty());
    let applier = world.applier().await;
    assert_eq!(world.drain(&applier).await, 4, "three events plus the copy");
    assert_eq!(
        sale_orders(&applier.odoo).await,
        3,
        "the copy created no second order"
    );
    for envelope in &envelopes {
        let entry = world.ledger.get(&envelope.event_key).await.unwrap().unwrap();
        assert!(
            matches!(entry.status, LedgerStatus::Applied { .. }),
            "{:?}",
            entry.status
        );
        assert!(
            entry
                .history
                .iter()
                .any(|h| h.action == "redrive" && h.actor == "cli:test-operator")
        );
    }
}
