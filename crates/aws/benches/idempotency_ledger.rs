//! DynamoDB requests per event on the idempotency and ledger paths, counted by an SDK
//! interceptor on every transmitted request (retries included), against the emulator;
//! and the client-side cost of our own code per call (item building and parsing, payload
//! hashing), timed in loops without any network.
//!
//! Run: `cargo bench -p spine-aws --bench idempotency_ledger`.

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use spine_aws::idempotency::{
    DynamoIdempotencyStore, IdempotencyTableConfig, create_idempotency_table, record_from_item,
    record_to_item,
};
use spine_aws::ledger::item::{entry_from_item, entry_to_item};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig, create_ledger_table};
use spine_core::idempotency::IdempotencyStatus;
use spine_core::idempotency::{
    Idempotency, IdempotencyConfig, IdempotencyKey, IdempotencyRecord, PayloadHash,
};
use spine_core::{
    BusinessKey, CorrelationId, Currency, EventKey, Flow, Ledger, LedgerEntry, LedgerStatus, Money,
    SourceEventId, SourceName,
};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const EVENTS: u32 = 200;
const LOOPS: u32 = 100_000;

/// Counts every request the SDK puts on the wire.
#[derive(Debug, Clone, Default)]
struct RequestCounter(Arc<AtomicU64>);

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl RequestCounter {
    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("bench body failed")]
struct Failed;

struct Row {
    path: &'static str,
    requests_per_event: f64,
    ms_per_event: f64,
}

/// Runs `step` for `EVENTS` events and measures requests and wall time per event.
async fn measure<F, Fut>(counter: &RequestCounter, path: &'static str, mut step: F) -> Row
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let before = counter.get();
    let started = Instant::now();
    for i in 0..EVENTS {
        step(i).await;
    }
    let elapsed = started.elapsed();
    Row {
        path,
        requests_per_event: (counter.get() - before) as f64 / f64::from(EVENTS),
        ms_per_event: elapsed.as_secs_f64() * 1000.0 / f64::from(EVENTS),
    }
}

fn key(i: u32) -> IdempotencyKey {
    IdempotencyKey::from_business_key(&BusinessKey {
        flow: Flow::Order,
        source: SourceName::parse("shopify").unwrap(),
        entity_id: SourceEventId::parse(&format!("order-{i}")).unwrap(),
        revision: 1,
    })
}

fn payload(i: u32) -> serde_json::Value {
    json!({
        "order_id": format!("order-{i}"), "currency": "USD", "total_minor": 12_999,
        "customer": {"email": "a@example.com", "name": "A B"},
        "lines": [{"sku": "SKU-1", "qty": 2, "price_minor": 4_500}, {"sku": "SKU-2", "qty": 1, "price_minor": 3_999}],
    })
}

fn ledger_entry(i: u32, at: DateTime<Utc>) -> LedgerEntry {
    let source = SourceName::parse("shopify").unwrap();
    let source_event_id = SourceEventId::parse(&format!("evt-{i}")).unwrap();
    LedgerEntry {
        event_key: EventKey::derive(&source, &source_event_id),
        business_key: BusinessKey {
            flow: Flow::Order,
            source: source.clone(),
            entity_id: SourceEventId::parse(&format!("order-{i}")).unwrap(),
            revision: 1,
        },
        source,
        source_event_id,
        flow: Flow::Order,
        contract_version: "order.v1".into(),
        topic: "orders/create".into(),
        correlation_id: CorrelationId::generate(),
        received_at: at,
        occurred_at: Some(at),
        amount: Some(Money::from_minor(12_999, Currency::parse("USD").unwrap())),
        status: LedgerStatus::Received,
        updated_at: at,
        history: vec![],
        payload: payload(i),
    }
}

async fn network_rows(counter: &RequestCounter, client: aws_sdk_dynamodb::Client) -> Vec<Row> {
    let idem_table = spine_testkit::unique_name("bench-idem");
    let ledger_table = spine_testkit::unique_name("bench-ledger");
    create_idempotency_table(&client, &idem_table)
        .unwrap()
        .send()
        .await
        .unwrap();
    create_ledger_table(&client, &ledger_table)
        .unwrap()
        .send()
        .await
        .unwrap();
    let store = DynamoIdempotencyStore::new(client.clone(), IdempotencyTableConfig { table: idem_table });
    let idem = Idempotency::new(Arc::new(store), IdempotencyConfig::default());
    let ledger = DynamoLedger::new(client, LedgerTableConfig { table: ledger_table });
    let hash = |i| PayloadHash::of_json(&payload(i));
    let now = Utc::now();
    let mut rows = Vec::new();
    rows.push(
        measure(counter, "idempotency: first run (acquire + complete)", |i| {
            let (idem, h) = (&idem, hash(i));
            async move {
                idem.run(&key(i), &h, None, || async { Ok::<_, Failed>(i) })
                    .await
                    .unwrap();
            }
        })
        .await,
    );
    rows.push(
        measure(counter, "idempotency: replay (acquire conflict, ALL_OLD)", |i| {
            let (idem, h) = (&idem, hash(i));
            async move {
                idem.run(&key(i), &h, None, || async { Ok::<_, Failed>(0) })
                    .await
                    .unwrap();
            }
        })
        .await,
    );
    rows.push(
        measure(counter, "idempotency: failed body (acquire + release)", |i| {
            let (idem, h) = (&idem, hash(i + EVENTS));
            async move {
                let _ = idem
                    .run(&key(i + EVENTS), &h, None, || async { Err::<u32, _>(Failed) })
                    .await;
            }
        })
        .await,
    );
    rows.push(
        measure(counter, "ledger ingress (put_received + mark_queued)", |i| {
            let (ledger, entry) = (&ledger, ledger_entry(i, now));
            async move {
                ledger.put_received(&entry).await.unwrap();
                ledger
                    .mark_queued(&entry.event_key, now, "webhook")
                    .await
                    .unwrap();
            }
        })
        .await,
    );
    rows.push(
        measure(counter, "ledger duplicate delivery (put_received)", |i| {
            let (ledger, entry) = (&ledger, ledger_entry(i, now));
            async move {
                ledger.put_received(&entry).await.unwrap();
            }
        })
        .await,
    );
    rows.push(
        measure(counter, "ledger worker outcome (mark_applied)", |i| {
            let (ledger, entry) = (&ledger, ledger_entry(i, now));
            async move {
                ledger
                    .mark_applied(&entry.event_key, &[], now, "order-sync")
                    .await
                    .unwrap();
            }
        })
        .await,
    );
    rows
}

/// Mean time of `f` over `LOOPS` calls.
fn time_loop<T>(mut f: impl FnMut(u32) -> T) -> Duration {
    let started = Instant::now();
    for i in 0..LOOPS {
        black_box(f(i));
    }
    started.elapsed() / LOOPS
}

fn cpu_rows() -> Vec<(&'static str, Duration)> {
    let record = IdempotencyRecord {
        key: key(1),
        status: IdempotencyStatus::Completed,
        expiration: 1_900_000_000,
        in_progress_expiration: 1_900_000_000_000,
        payload_hash: PayloadHash::of_json(&payload(1)),
        owner: "0123456789abcdef0123456789abcdef".into(),
        result: Some(json!({"sale_order": 41, "lines": [7, 8]})),
    };
    let record_item = record_to_item(&record);
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let entry = ledger_entry(1, at);
    let entry_item = entry_to_item(&entry);
    let body = payload(1);
    vec![
        (
            "payload hash (canonical JSON + SHA-256)",
            time_loop(|_| PayloadHash::of_json(&body)),
        ),
        (
            "idempotency record -> item",
            time_loop(|_| record_to_item(&record)),
        ),
        (
            "idempotency item -> record",
            time_loop(|_| record_from_item(&record_item).unwrap()),
        ),
        ("ledger entry -> item", time_loop(|_| entry_to_item(&entry))),
        (
            "ledger item -> entry",
            time_loop(|_| entry_from_item(&entry_item).unwrap()),
        ),
    ]
}

#[tokio::main]
async fn main() {
    let counter = RequestCounter::default();
    let config = aws_sdk_dynamodb::config::Builder::from(&spine_testkit::sdk_config().await)
        .interceptor(counter.clone())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let rows = network_rows(&counter, client).await;
    println!("\nDynamoDB requests per event ({EVENTS} events each, moto on localhost)");
    println!("{:<50} {:>12} {:>14}", "path", "requests/ev", "ms/ev (moto)");
    for row in &rows {
        println!(
            "{:<50} {:>12.2} {:>14.2}",
            row.path, row.requests_per_event, row.ms_per_event
        );
    }
    println!("\nClient-side cost of our code per call ({LOOPS} iterations, no network)");
    println!("{:<50} {:>12}", "step", "µs/call");
    for (step, mean) in cpu_rows() {
        println!("{:<50} {:>12.2}", step, mean.as_secs_f64() * 1e6);
    }
}
