//! Redrive and discard against emulated AWS, with the order worker applying what comes
//! back to the Odoo simulator.

mod common;

use common::*;
use spine_core::ledger::{Ledger, LedgerStatus};
use spinectl::{Actor, Filter, Outcome, RedriveRequest};

fn operator_actor() -> Actor {
    Actor::parse("cli", "alice").unwrap()
}

#[tokio::test]
async fn a_filtered_redrive_moves_exactly_the_matching_ones_which_the_worker_applies() {
    let world = world().await;
    let (stuck, w1, w2) = (order_envelope(), order_envelope(), order_envelope());
    world.park(&stuck, "permanent").await;
    world.park(&w1, "waiting_on_dependency").await;
    world.park(&w2, "waiting_on_dependency").await;
    let op = world.operator();
    let request = RedriveRequest {
        filter: Filter {
            reason: Some("waiting_on_dependency".into()),
            ..Filter::default()
        },
        note: Some("order arrived".into()),
        ..RedriveRequest::default()
    };
    let mut reports = 0;

    let summary = op
        .redrive(&request, &operator_actor(), &mut |_| reports += 1)
        .await
        .unwrap();

    assert_eq!(
        (summary.scanned, summary.matched, summary.redriven, summary.failed),
        (3, 2, 2, 0)
    );
    assert!(reports >= 1, "progress reported");
    let mut moved: Vec<String> = world.bodies(&world.queues.queue_url).await;
    moved.sort();
    let mut expected = vec![w1.to_json(), w2.to_json()];
    expected.sort();
    assert_eq!(moved, expected, "exactly the matching bodies, unchanged");
    assert_eq!(world.bodies(&world.queues.dlq_url).await, vec![stuck.to_json()]);
    let entry = world.ledger.get(&w1.event_key).await.unwrap().unwrap();
    let audit = entry
        .history
        .iter()
        .find(|h| h.action == "redrive")
        .expect("audit line");
    assert_eq!(audit.actor, "cli:alice");
    let detail = audit.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("order arrived") && detail.contains("waiting_on_dependency"),
        "{detail}"
    );
    assert_eq!(entry.status, LedgerStatus::Queued);

    let applier = world.applier().await;
    assert_eq!(world.drain(&applier).await, 2);

    assert_eq!(sale_orders(&applier.odoo).await, 2);
    for envelope in [&w1, &w2] {
        let status = world
            .ledger
            .get(&envelope.event_key)
            .await
            .unwrap()
            .unwrap()
            .status;
        assert!(matches!(status, LedgerStatus::Applied { .. }), "{status:?}");
    }
    let untouched = world.ledger.get(&stuck.event_key).await.unwrap().unwrap();
    assert!(matches!(untouched.status, LedgerStatus::Parked { .. }));
}

/// A worker that parks every redriven message again at once (the cause is not fixed):
/// the redrive must still end, having redriven each event once.
#[tokio::test]
async fn an_event_parked_again_during_the_run_is_not_redriven_twice() {
    let world = world().await;
    let (a, b) = (order_envelope(), order_envelope());
    world.park(&a, "permanent").await;
    world.park(&b, "permanent").await;
    let reparker = {
        let queues = spine_aws::queue::SqsQueues::new(world.sqs.clone());
        let (queue, dlq) = (world.queues.queue_url.clone(), world.queues.dlq_url.clone());
        tokio::spawn(async move {
            loop {
                for message in queues.receive(&queue, 10).await.unwrap_or_default() {
                    let reason = spine_aws::queue::ParkReason {
                        class: "permanent".into(),
                        message: "still unknown SKU".into(),
                        attempts: 1,
                        first_failure: chrono::Utc::now(),
                    };
                    queues.park(&queue, &dlq, &message, &reason).await.unwrap();
                }
            }
        })
    };
    let op = world.operator();
    let (request, actor, mut quiet) = (RedriveRequest::default(), operator_actor(), |_| {});
    let run = op.redrive(&request, &actor, &mut quiet);
    let summary = tokio::time::timeout(std::time::Duration::from_secs(120), run)
        .await
        .expect("the redrive ends although every event comes back to the DLQ")
        .unwrap();
    reparker.abort();
    assert_eq!((summary.matched, summary.redriven, summary.failed), (2, 2, 0));
}

/// Two copies of one event parked before the run (a worker killed between parking and
/// deleting): both go back, none is left behind; the worker absorbs the duplicate.
#[tokio::test]
async fn older_copies_of_one_event_are_all_redriven() {
    let world = world().await;
    let a = order_envelope();
    world.park(&a, "permanent").await;
    world.park_copy(&a, "permanent").await;
    let op = world.operator();
    let summary = op
        .redrive(&RedriveRequest::default(), &operator_actor(), &mut |_| {})
        .await
        .unwrap();
    assert_eq!((summary.matched, summary.redriven), (2, 2));
    assert!(world.bodies(&world.queues.dlq_url).await.is_empty());
}

#[tokio::test]
async fn a_dry_run_and_max_change_nothing_beyond_what_they_say() {
    let world = world().await;
    for _ in 0..3 {
        world.park(&order_envelope(), "permanent").await;
    }
    let op = world.operator();
    let dry = RedriveRequest {
        dry_run: true,
        ..RedriveRequest::default()
    };

    let summary = op.redrive(&dry, &operator_actor(), &mut |_| {}).await.unwrap();

    assert_eq!((summary.matched, summary.redriven), (3, 0));
    assert!(summary.items.iter().all(|i| i.outcome == Outcome::WouldRedrive));
    assert_eq!(world.bodies(&world.queues.dlq_url).await.len(), 3);
    assert!(world.bodies(&world.queues.queue_url).await.is_empty());

    let one = RedriveRequest {
        max: Some(1),
        ..RedriveRequest::default()
    };
    let summary = op.redrive(&one, &operator_actor(), &mut |_| {}).await.unwrap();
    assert_eq!((summary.matched, summary.redriven), (1, 1));
    assert_eq!(world.bodies(&world.queues.dlq_url).await.len(), 2);
    assert_eq!(world.bodies(&world.queues.queue_url).await.len(), 1);
}

#[tokio::test]
async fn discard_marks_the_ledger_then_removes_the_message() {
    let world = world().await;
    let (gone, kept) = (order_envelope(), order_envelope());
    world.park(&gone, "permanent").await;
    world.park(&kept, "permanent").await;
    let op = world.operator();

    let done = op
        .discard(
            None,
            gone.event_key.as_str(),
            "test order, cancelled in the shop",
            &operator_actor(),
        )
        .await
        .unwrap();

    assert_eq!(done.deleted, 1);
    let entry = world.ledger.get(&gone.event_key).await.unwrap().unwrap();
    assert_eq!(
        entry.status,
        LedgerStatus::Discarded {
            reason: "test order, cancelled in the shop".into(),
            by: "cli:alice".into()
        }
    );
    let last = entry.history.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("DISCARDED", "cli:alice")
    );
    assert_eq!(world.bodies(&world.queues.dlq_url).await, vec![kept.to_json()]);
    let again = op
        .discard(None, gone.event_key.as_str(), "again", &operator_actor())
        .await;
    assert_eq!(again.unwrap_err().exit_code(), spinectl::error::EXIT_NOT_FOUND);
}

#[tokio::test]
async fn a_message_without_a_ledger_entry_is_neither_redriven_nor_discarded() {
    let world = world().await;
    let orphan = order_envelope();
    world.park(&orphan, "permanent").await;
    // The entry vanishes (e.g. a table restored from an older backup).
    world
        .dynamodb
        .delete_item()
        .table_name(&world.ledger_table)
        .key(
            spine_aws::ledger::ATTR_EVENT_KEY,
            aws_sdk_dynamodb::types::AttributeValue::S(orphan.event_key.to_string()),
        )
        .send()
        .await
        .unwrap();
    assert!(
        world.ledger.get(&orphan.event_key).await.unwrap().is_none(),
        "key layout as assumed"
    );
    let op = world.operator();

    let summary = op
        .redrive(&RedriveRequest::default(), &operator_actor(), &mut |_| {})
        .await
        .unwrap();
    let discard = op
        .discard(None, orphan.event_key.as_str(), "why", &operator_actor())
        .await;

    assert_eq!((summary.matched, summary.failed), (1, 1));
    assert!(matches!(discard, Err(spinectl::OpError::NoLedgerEntry(_))));
    assert_eq!(world.bodies(&world.queues.dlq_url).await, vec![orphan.to_json()]);
    assert!(world.bodies(&world.queues.queue_url).await.is_empty());
}
