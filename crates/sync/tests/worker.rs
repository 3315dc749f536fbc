//! The worker (idempotency + flow + ledger) with the core's in-memory store and ledger
//! and the Odoo simulator: a redelivery replays without touching Odoo; a business
//! failure is recorded as PARKED; a rotated key is picked up once.

mod common;

use std::sync::Arc;

use common::*;
use secrecy::SecretString;
use spine_core::contracts::{CanonicalEvent, OrderV1};
use spine_core::idempotency::memory::MemoryIdempotencyStore;
use spine_core::idempotency::{Idempotency, IdempotencyConfig};
use spine_core::ledger::memory::MemoryLedger;
use spine_core::ledger::{Ledger, LedgerEntry, LedgerStatus};
use spine_core::{Classify, CorrelationId, Disposition, Envelope, Flow, Sku, SourceEventId};
use spine_sync::{ApiKeySource, Handled, SyncConfig, Syncer, Worker, worker::BoxError};

fn envelope(order: &OrderV1) -> Envelope {
    Envelope::new(
        shop(),
        SourceEventId::parse(&unique("evt")).unwrap(),
        "orders/create",
        CorrelationId::parse("corr-1").unwrap(),
        order.placed_at,
        order.placed_at,
        CanonicalEvent::OrderV1(order.clone()),
    )
    .unwrap()
}

async fn received(ledger: &MemoryLedger, envelope: &Envelope) {
    let entry = LedgerEntry::received(envelope, "webhook").expect("a storable envelope");
    ledger.put_received(&entry).await.unwrap();
}

/// An order worker over `sync` with in-memory idempotency and ledger, and `keys`.
fn order_worker(
    sync: &Arc<Syncer>,
    ledger: &Arc<MemoryLedger>,
    keys: Option<Arc<dyn ApiKeySource>>,
) -> Worker {
    let idempotency = Idempotency::new(
        Arc::new(MemoryIdempotencyStore::new()),
        IdempotencyConfig::default(),
    );
    Worker::new(
        Flow::Order,
        sync.clone(),
        idempotency,
        ledger.clone(),
        keys,
        "order-sync",
    )
}

struct Rotated(String);

#[async_trait::async_trait]
impl ApiKeySource for Rotated {
    async fn fresh_api_key(&self) -> Result<SecretString, BoxError> {
        Ok(SecretString::from(self.0.clone()))
    }
}

#[tokio::test]
async fn a_redelivery_replays_without_odoo_and_the_ledger_gets_the_records() {
    let target = target().await;
    for protocol in target.protocols() {
        let sync = Arc::new(syncer(&target, protocol, SyncConfig::default()).await);
        let (a, b) = two_products(sync.odoo()).await;
        let ledger = Arc::new(MemoryLedger::new());
        let worker = order_worker(&sync, &ledger, None);
        let order = order(&a, &b);
        let first = envelope(&order);
        received(&ledger, &first).await;

        let handled = worker.handle(&first, None).await.expect("applied");
        assert!(matches!(handled, Handled::Applied(_)), "{protocol}");
        // The same order delivered again by the source: a new event id, same business key.
        let again = envelope(&order);
        received(&ledger, &again).await;
        let before = sync.odoo().metrics();
        let replay = worker.handle(&again, None).await.expect("replayed");
        assert_eq!(
            sync.odoo().metrics().since(&before).round_trips,
            0,
            "{protocol}: Odoo untouched"
        );
        let (Handled::Applied(ran), Handled::Replayed(replayed)) = (handled, replay) else {
            panic!("{protocol}: expected a run then a replay");
        };
        assert_eq!(ran.touched, replayed.touched);
        for env in [&first, &again] {
            let entry = ledger.get(&env.event_key).await.unwrap().unwrap();
            let LedgerStatus::Applied { records } = entry.status else {
                panic!("{protocol}: not applied")
            };
            assert_eq!(records[0].model, "sale.order");
            assert_eq!(
                Some(records[0].ids[0]),
                xid_id(sync.odoo(), &order_ref(&order).sale_order_xid()).await
            );
        }
    }
}

/// The proof's unsafe test mode: with idempotency off, the same order delivered again
/// runs the flow again (Odoo is called; only its external id keeps the record single).
#[tokio::test]
async fn without_idempotency_a_redelivery_runs_the_flow_again() {
    let target = target().await;
    let protocol = target.protocols()[0];
    let sync = Arc::new(syncer(&target, protocol, SyncConfig::default()).await);
    let (a, b) = two_products(sync.odoo()).await;
    let ledger = Arc::new(MemoryLedger::new());
    let worker = order_worker(&sync, &ledger, None).without_idempotency();
    let order = order(&a, &b);
    for _ in 0..2 {
        let delivery = envelope(&order);
        received(&ledger, &delivery).await;
        let before = sync.odoo().metrics();
        let handled = worker.handle(&delivery, None).await.expect("applied");
        assert!(
            matches!(handled, Handled::Applied(_)),
            "{protocol}: ran, not replayed"
        );
        assert!(
            sync.odoo().metrics().since(&before).round_trips > 0,
            "{protocol}: Odoo called"
        );
    }
}

#[tokio::test]
async fn a_business_failure_is_parked_in_the_ledger_and_released_for_a_redrive() {
    let target = target().await;
    for protocol in target.protocols() {
        let sync = Arc::new(syncer(&target, protocol, SyncConfig::default()).await);
        let (a, _) = two_products(sync.odoo()).await;
        let ledger = Arc::new(MemoryLedger::new());
        let worker = order_worker(&sync, &ledger, None);
        let missing = unique("LATER").to_uppercase();
        let order = order(&a, &Sku::parse(&missing).unwrap());
        let env = envelope(&order);
        received(&ledger, &env).await;

        let error = worker.handle(&env, None).await.expect_err("unknown SKU");
        assert_eq!(error.disposition(), Disposition::Permanent, "{protocol}");
        assert_eq!(error.class(), "business");
        worker.mark_parked(&env, &error).await.unwrap();
        let entry = ledger.get(&env.event_key).await.unwrap().unwrap();
        let LedgerStatus::Parked {
            reason_class,
            message,
        } = entry.status
        else {
            panic!("not parked")
        };
        assert_eq!(reason_class, "business");
        assert!(message.contains(&missing), "{message}");

        // The operator creates the product and redrives: the key was released, it applies.
        product(sync.odoo(), &missing).await;
        let handled = worker.handle(&env, None).await.expect("applied after the fix");
        assert!(matches!(handled, Handled::Applied(_)), "{protocol}");
        let entry = ledger.get(&env.event_key).await.unwrap().unwrap();
        assert!(matches!(entry.status, LedgerStatus::Applied { .. }));
    }
}

#[tokio::test]
async fn a_rotated_api_key_is_read_once_and_the_event_applies() {
    let target = target().await;
    let Some(sim) = target.sim_only("rotation") else {
        return;
    };
    for protocol in target.protocols() {
        let sync = Arc::new(syncer(&target, protocol, SyncConfig::default()).await);
        let (a, b) = two_products(sync.odoo()).await;
        let rotated = unique("key");
        sim.rotate_api_key(&rotated);
        let ledger = Arc::new(MemoryLedger::new());
        let worker = order_worker(&sync, &ledger, Some(Arc::new(Rotated(rotated.clone()))));
        let env = envelope(&order(&a, &b));
        received(&ledger, &env).await;
        worker
            .handle(&env, None)
            .await
            .expect("applied with the rotated key");
        sim.rotate_api_key(&odoo_sim::SimConfig::default().api_key);
    }
}

/// A key rotated on one side only (Odoo ahead of the secret, or the other way round) is
/// waited out rather than parked at once: retried with backoff, and parked with class
/// `credentials` only on the queue's last receive.
#[tokio::test]
async fn a_key_still_refused_after_the_refresh_is_retried_not_parked() {
    let target = target().await;
    let Some(sim) = target.sim_only("stale secret") else {
        return;
    };
    let protocol = target.protocols()[0];
    let sync = Arc::new(syncer(&target, protocol, SyncConfig::default()).await);
    let (a, b) = two_products(sync.odoo()).await;
    sim.rotate_api_key(&unique("key-in-odoo"));
    let ledger = Arc::new(MemoryLedger::new());
    let stale = Arc::new(Rotated(unique("key-in-the-secret")));
    let worker = order_worker(&sync, &ledger, Some(stale));
    let env = envelope(&order(&a, &b));
    received(&ledger, &env).await;
    let error = worker.handle(&env, None).await.expect_err("refused twice");
    sim.rotate_api_key(&odoo_sim::SimConfig::default().api_key);
    assert_eq!(error.class(), "credentials");
    assert!(
        matches!(error.disposition(), Disposition::Transient { .. }),
        "{error}: {:?}",
        error.disposition()
    );
}
