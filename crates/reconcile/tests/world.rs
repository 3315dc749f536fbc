//! Issue 7's known world against moto and the Odoo under test (the simulator, or a real
//! Odoo when `ODOO_URL`, `ODOO_DB`, `ODOO_LOGIN` and `ODOO_API_KEY` are set): the report
//! finds exactly the deleted order, the hand-made duplicate order (dated today, outside
//! the window), the hand-made duplicate payment, the unknown invoice and payment, the
//! changed amount, the stuck event and the two parked messages; healing lists, then
//! re-enqueues, exactly the missing one; the stored report reads back equal; a second
//! run gives the same report.

mod common;

use std::sync::Arc;

use chrono::Utc;
use spine_aws::idempotency::{DynamoIdempotencyStore, IdempotencyTableConfig, create_idempotency_table};
use spine_aws::queue::SqsQueues;
use spine_core::idempotency::{IdempotencyRecord, IdempotencyStatus};
use spine_core::{Envelope, Flow, IdempotencyKey, IdempotencyStore, Ledger, PayloadHash};
use spine_reconcile::{
    ExceptionKind, Healer, ReconcileConfig, Reconciler, Report, ReportStore, SqsParked, Window,
    create_reports_table, render_html, render_table,
};

use common::World;

async fn reconcile(world: &World) -> Report {
    let probe = SqsParked::new(world.sqs.clone(), vec![(Flow::Order, world.dlq_url.clone())]);
    let reconciler = Reconciler::new(
        world.ledger.clone(),
        world.odoo.clone(),
        Some(Arc::new(probe)),
        ReconcileConfig::default(),
    );
    let window = Window::parse(world.day, world.day).unwrap();
    reconciler.run(window, Utc::now()).await.expect("run succeeds")
}

fn keys(report: &Report, kind: ExceptionKind) -> Vec<Option<String>> {
    report.of_kind(kind).map(|e| e.event_key.clone()).collect()
}

/// The Odoo records named by the exceptions of one kind, each exception's sorted.
fn records_of(report: &Report, kind: ExceptionKind) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = report
        .of_kind(kind)
        .map(|e| {
            let mut odoo = e.odoo.clone();
            odoo.sort();
            odoo
        })
        .collect();
    out.sort();
    out
}

fn sorted(mut records: Vec<String>) -> Vec<String> {
    records.sort();
    records
}

#[tokio::test]
async fn the_report_finds_exactly_the_known_differences_and_healing_fixes_the_missing_one() {
    let target = spine_testkit::odoo::target().await;
    let world = common::world(&target).await;
    let report = reconcile(&world).await;
    let text = render_table(&report);
    eprintln!("{text}");
    let key = |e: &Envelope| Some(e.event_key.as_str().to_owned());

    assert_eq!(
        keys(&report, ExceptionKind::Missing),
        vec![key(&world.applied[1])],
        "{text}"
    );
    assert_eq!(
        keys(&report, ExceptionKind::Mismatch),
        vec![key(&world.applied[3])],
        "{text}"
    );
    assert_eq!(
        keys(&report, ExceptionKind::Stuck),
        vec![key(&world.stuck)],
        "{text}"
    );
    let mut duplicates = vec![
        sorted(vec![
            format!("sale.order:{}", world.order_ids[2]),
            format!("sale.order:{}", world.hand_made),
        ]),
        sorted(vec![
            format!("account.payment:{}", world.payment_id),
            format!("account.payment:{}", world.payment_copy),
        ]),
    ];
    duplicates.sort();
    assert_eq!(
        records_of(&report, ExceptionKind::Duplicate),
        duplicates,
        "{text}"
    );
    let mut unknown = vec![
        vec![format!("account.move:{}", world.unknown_invoice)],
        vec![format!("account.payment:{}", world.unknown_payment)],
    ];
    unknown.sort();
    assert_eq!(records_of(&report, ExceptionKind::Unknown), unknown, "{text}");
    let parked: Vec<_> = report.of_kind(ExceptionKind::Parked).collect();
    assert_eq!((parked.len(), parked[0].count), (1, 2), "{text}");
    assert_eq!(report.parked[0].depth, 2);
    assert!(report.parked[0].oldest_age_seconds.is_some());
    assert_eq!(report.exceptions.len(), 8, "nothing extra: {text}");
    assert_eq!(report.total_exceptions(), 9);

    // The day's orders: six accepted, five applied, one in flight, four in Odoo; and
    // the payment, applied and found.
    assert_eq!(report.days.len(), 2, "{text}");
    let day = &report.days[0];
    assert_eq!(day.flow, Flow::Order);
    assert_eq!(
        (day.accepted, day.applied, day.in_flight, day.odoo_found),
        (6, 5, 1, 4)
    );
    assert_eq!(day.totals["USD"].accepted, 6 * 3450);
    assert_eq!(day.totals["USD"].applied, 5 * 3450);
    let changed = report.of_kind(ExceptionKind::Mismatch).next().unwrap();
    let found = changed.found.as_ref().unwrap().minor;
    assert_ne!(found, 3450);
    assert_eq!(day.totals["USD"].odoo, 3 * 3450 + found);
    let paid = &report.days[1];
    assert_eq!(paid.flow, Flow::Payment);
    assert_eq!((paid.accepted, paid.applied, paid.odoo_found), (1, 1, 1));
    assert_eq!(paid.totals["USD"].odoo, 3450);
    assert!(render_html(&report).contains("<svg"));

    // Stored with its run id, read back equal.
    let table = spine_testkit::create_table(&world.dynamodb, "reports", create_reports_table).await;
    let store = ReportStore::new(world.dynamodb.clone(), table);
    store.put(&report).await.unwrap();
    assert_eq!(store.load(&report.run_id).await.unwrap(), report);
    assert!(store.load("no-such-run").await.is_err());

    // The same window again: the same report, nothing counted twice.
    let again = reconcile(&world).await;
    assert_ne!(again.run_id, report.run_id);
    // Equal but for the parked messages' age, which moves with the clock.
    let stable = |r: &Report| {
        let exceptions: Vec<_> = r
            .exceptions
            .iter()
            .map(|e| {
                (
                    e.kind,
                    e.event_key.clone(),
                    e.source_id.clone(),
                    e.odoo.clone(),
                    e.count,
                )
            })
            .collect();
        (r.days.clone(), exceptions, r.counts.clone())
    };
    assert_eq!(stable(&again), stable(&report));

    // Healing: the dry-run lists the missing event and sends nothing; the real run sends
    // exactly it, from the ledger's stored envelope, and audits it.
    // The worker's idempotency records of two applied events, as a real run leaves them:
    // healing must forget the missing one's (else the worker replays it and writes
    // nothing) and leave the other alone.
    let idempotency = idempotency_store(&world).await;
    let healed_key = IdempotencyKey::from_business_key(&world.applied[1].business_key);
    let other_key = IdempotencyKey::from_business_key(&world.applied[0].business_key);
    for key in [&healed_key, &other_key] {
        completed(&idempotency, key).await;
    }
    let healer = Healer::new(
        world.ledger.clone(),
        idempotency.clone(),
        SqsQueues::new(world.sqs.clone()),
        common::queues(&world),
    );
    let plan = healer.plan(&report).await.unwrap();
    let planned: Vec<_> = plan.items.iter().map(|i| Some(i.event_key.clone())).collect();
    assert_eq!(planned, vec![key(&world.applied[1])]);
    assert!(plan.skipped.is_empty());
    assert!(receive(&world).await.is_empty(), "a dry-run sends nothing");
    let outcome = healer
        .apply(&report, "ops@example.com", Utc::now())
        .await
        .unwrap();
    assert_eq!(
        outcome.enqueued,
        vec![world.applied[1].event_key.as_str().to_owned()]
    );
    let sent = receive(&world).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(Envelope::from_json(&sent[0]).unwrap(), world.applied[1]);
    let audited = world
        .ledger
        .get(&world.applied[1].event_key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(audited.history.last().unwrap().action, "reconcile-heal");
    assert!(
        !idempotency.forget_completed(&healed_key).await.unwrap(),
        "the healed event's record is gone"
    );
    assert!(
        idempotency.forget_completed(&other_key).await.unwrap(),
        "the other record was kept"
    );

    // The worker applies the re-enqueued event again: the order is back, and a new
    // reconciliation finds nothing missing.
    let syncer = spine_sync::Syncer::new(
        world.odoo.clone(),
        spine_sync::SyncConfig {
            confirm_orders: false,
            ..spine_sync::SyncConfig::default()
        },
    );
    syncer
        .apply(&Envelope::from_json(&sent[0]).unwrap())
        .await
        .expect("re-applied");
    let after = reconcile(&world).await;
    assert!(
        keys(&after, ExceptionKind::Missing).is_empty(),
        "{:?}",
        after.exceptions
    );
}

async fn idempotency_store(world: &World) -> Arc<dyn IdempotencyStore> {
    let table = spine_testkit::create_table(&world.dynamodb, "idem", create_idempotency_table).await;
    Arc::new(DynamoIdempotencyStore::new(
        world.dynamodb.clone(),
        IdempotencyTableConfig { table },
    ))
}

async fn completed(store: &Arc<dyn IdempotencyStore>, key: &IdempotencyKey) {
    let now_ms = Utc::now().timestamp_millis();
    let record = IdempotencyRecord {
        key: key.clone(),
        status: IdempotencyStatus::InProgress,
        expiration: now_ms / 1000 + 86_400,
        in_progress_expiration: now_ms + 60_000,
        payload_hash: PayloadHash::of_json(&serde_json::json!({"k": key.as_str()})),
        owner: "worker".into(),
        result: None,
    };
    store.acquire(&record, now_ms).await.unwrap();
    store
        .complete(
            key,
            "worker",
            &serde_json::json!({"applied": true}),
            now_ms / 1000 + 86_400,
        )
        .await
        .unwrap();
}

async fn receive(world: &World) -> Vec<String> {
    let out = world
        .sqs
        .receive_message()
        .queue_url(&world.queue_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    out.messages()
        .iter()
        .filter_map(|m| m.body().map(str::to_owned))
        .collect()
}
