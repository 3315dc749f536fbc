//! The DynamoDB idempotency store through the real SDK against the emulator (moto).
//! Each test creates its own table.

use serde_json::json;
use spine_aws::idempotency::{
    DynamoIdempotencyStore, IdempotencyTableConfig, create_idempotency_table, record_to_item,
};
use spine_core::idempotency::{
    Clock, Idempotency, IdempotencyConfig, IdempotencyError, IdempotencyKey, IdempotencyRecord,
    IdempotencyStatus, Outcome, PayloadHash, StoreError,
};
use spine_core::{BusinessKey, Classify, Disposition, Flow, SourceEventId, SourceName};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::Duration;

struct TestClock(AtomicI64);
impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("odoo said no")]
struct BodyFailed;
impl Classify for BodyFailed {
    fn disposition(&self) -> Disposition {
        Disposition::TRANSIENT
    }
}

const T0: i64 = 1_900_000_000_000;

struct Fixture {
    client: aws_sdk_dynamodb::Client,
    table: String,
    clock: Arc<TestClock>,
    idem: Idempotency,
}

async fn fixture() -> Fixture {
    let client = spine_testkit::dynamodb().await;
    let table = spine_testkit::unique_name("idem");
    create_idempotency_table(&client, &table)
        .unwrap()
        .send()
        .await
        .unwrap();
    let store = DynamoIdempotencyStore::new(client.clone(), IdempotencyTableConfig { table: table.clone() });
    let clock = Arc::new(TestClock(AtomicI64::new(T0)));
    let idem = Idempotency::with_clock(Arc::new(store), IdempotencyConfig::default(), clock.clone());
    Fixture {
        client,
        table,
        clock,
        idem,
    }
}

fn key(entity: &str) -> IdempotencyKey {
    IdempotencyKey::from_business_key(&BusinessKey {
        flow: Flow::Order,
        source: SourceName::parse("shopify").unwrap(),
        entity_id: SourceEventId::parse(entity).unwrap(),
        revision: 1,
    })
}

fn payload(n: u32) -> PayloadHash {
    PayloadHash::of_json(&json!({"order": 1001, "n": n}))
}

impl Fixture {
    async fn put_raw(&self, record: &IdempotencyRecord) {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record_to_item(record)))
            .send()
            .await
            .unwrap();
    }

    async fn stored(&self, key: &IdempotencyKey) -> Option<IdempotencyRecord> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", aws_sdk_dynamodb::types::AttributeValue::S(key.to_string()))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        out.item()
            .map(|item| spine_aws::idempotency::record_from_item(item).unwrap())
    }

    async fn run_ok(&self, key: &IdempotencyKey, hash: &PayloadHash, value: u32) -> Outcome<u32> {
        self.idem
            .run(key, hash, None, || async move { Ok::<_, BodyFailed>(value) })
            .await
            .unwrap()
    }
}

fn existing(key: &IdempotencyKey, status: IdempotencyStatus, expiration: i64, ipe: i64) -> IdempotencyRecord {
    IdempotencyRecord {
        key: key.clone(),
        status,
        expiration,
        in_progress_expiration: ipe,
        payload_hash: payload(1),
        owner: "earlier-run".into(),
        result: (status == IdempotencyStatus::Completed).then(|| json!(111)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_runs_execute_the_body_once() {
    let f = Arc::new(fixture().await);
    // Real time here: the test is about the race, not about expiry.
    let idem = Idempotency::new(
        Arc::new(DynamoIdempotencyStore::new(
            f.client.clone(),
            IdempotencyTableConfig {
                table: f.table.clone(),
            },
        )),
        IdempotencyConfig::default(),
    );
    let calls = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (idem, calls) = (idem.clone(), calls.clone());
        tasks.push(tokio::spawn(async move {
            idem.run(&key("race"), &payload(1), None, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                // Holds the key long enough that the others meet it in progress.
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok::<_, BodyFailed>(777u32)
            })
            .await
        }));
    }
    let (mut ran, mut replayed, mut in_progress) = (0, 0, 0);
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Outcome::Ran(v) => {
                assert_eq!(v, 777);
                ran += 1;
            }
            Outcome::Replayed(v) => {
                assert_eq!(v, 777);
                replayed += 1;
            }
            Outcome::InProgress { retry_after } => {
                assert!(retry_after >= Duration::from_secs(1));
                in_progress += 1;
            }
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!((ran, replayed + in_progress), (1, 49));
    // After the dust settles every later run replays.
    let again = idem
        .run(&key("race"), &payload(1), None, || async {
            Ok::<_, BodyFailed>(0u32)
        })
        .await;
    assert_eq!(again.unwrap(), Outcome::Replayed(777));
}

#[tokio::test]
async fn expired_completed_record_is_taken_over_and_a_live_one_replays() {
    let f = fixture().await;
    let (dead, live) = (key("dead"), key("live"));
    f.put_raw(&existing(&dead, IdempotencyStatus::Completed, T0 / 1000, 0))
        .await;
    f.put_raw(&existing(&live, IdempotencyStatus::Completed, T0 / 1000 + 1, 0))
        .await;
    assert_eq!(f.run_ok(&dead, &payload(1), 5).await, Outcome::Ran(5));
    assert_eq!(f.run_ok(&live, &payload(1), 5).await, Outcome::Replayed(111));
    let taken = f.stored(&dead).await.unwrap();
    assert_eq!(taken.status, IdempotencyStatus::Completed);
    assert_eq!(taken.result, Some(json!(5)));
    assert_eq!(taken.expiration, T0 / 1000 + 24 * 3600);
}

#[tokio::test]
async fn in_progress_record_is_taken_over_only_after_its_deadline() {
    let f = fixture().await;
    let k = key("stalled");
    f.put_raw(&existing(
        &k,
        IdempotencyStatus::InProgress,
        T0 / 1000 + 3600,
        T0 + 2000,
    ))
    .await;
    let blocked = f.run_ok(&k, &payload(1), 1).await;
    assert_eq!(
        blocked,
        Outcome::InProgress {
            retry_after: Duration::from_secs(2)
        }
    );
    assert_eq!(
        blocked.disposition(),
        Some(Disposition::Transient {
            retry_after: Some(Duration::from_secs(2)),
            overload: false
        })
    );
    f.clock.0.store(T0 + 1999, Ordering::SeqCst);
    assert!(matches!(
        f.run_ok(&k, &payload(1), 1).await,
        Outcome::InProgress { .. }
    ));
    f.clock.0.store(T0 + 2000, Ordering::SeqCst);
    assert_eq!(f.run_ok(&k, &payload(1), 2).await, Outcome::Ran(2));
    assert_ne!(f.stored(&k).await.unwrap().owner, "earlier-run");
}

#[tokio::test]
async fn same_key_with_a_different_payload_is_a_mismatch() {
    let f = fixture().await;
    let k = key("mismatch");
    assert_eq!(f.run_ok(&k, &payload(1), 1).await, Outcome::Ran(1));
    let err = f
        .idem
        .run(&k, &payload(2), None, || async { Ok::<_, BodyFailed>(2u32) })
        .await
        .unwrap_err();
    assert!(matches!(&err, IdempotencyError::PayloadMismatch { key } if *key == k));
    assert_eq!(err.disposition(), Disposition::Permanent);
    assert_eq!(f.stored(&k).await.unwrap().result, Some(json!(1)));
}

#[tokio::test]
async fn a_failed_body_releases_the_key_for_the_next_run() {
    let f = fixture().await;
    let k = key("fails-once");
    let err = f
        .idem
        .run(&k, &payload(1), Some(T0 + 60_000), || async {
            Err::<u32, _>(BodyFailed)
        })
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        IdempotencyError::Body {
            release_error: None,
            ..
        }
    ));
    assert!(f.stored(&k).await.is_none());
    assert_eq!(f.run_ok(&k, &payload(1), 9).await, Outcome::Ran(9));
}

#[tokio::test]
async fn the_deadline_becomes_the_in_progress_expiry() {
    let f = fixture().await;
    let k = key("deadline");
    let out = f
        .idem
        .run(&k, &payload(1), Some(T0 + 42_000), || async {
            let seen = f.stored(&k).await.unwrap();
            Ok::<_, BodyFailed>((seen.status.as_str().to_owned(), seen.in_progress_expiration))
        })
        .await
        .unwrap();
    assert_eq!(out, Outcome::Ran(("INPROGRESS".to_owned(), T0 + 42_000)));
}

#[tokio::test]
async fn a_malformed_item_is_an_error_naming_the_attribute() {
    let f = fixture().await;
    let k = key("broken");
    let mut record = existing(&k, IdempotencyStatus::Completed, T0 / 1000 + 60, 0);
    record.result = None;
    let mut item = record_to_item(&record);
    item.insert(
        "status".into(),
        aws_sdk_dynamodb::types::AttributeValue::S("DONE".into()),
    );
    f.client
        .put_item()
        .table_name(&f.table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    let err = f
        .idem
        .run(&k, &payload(1), None, || async { Ok::<_, BodyFailed>(1u32) })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, IdempotencyError::Store(StoreError::Malformed { attribute, .. }) if attribute == "status"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_missing_table_is_a_permanent_store_error() {
    let client = spine_testkit::dynamodb().await;
    let table = spine_testkit::unique_name("absent");
    let store = DynamoIdempotencyStore::new(client, IdempotencyTableConfig { table });
    let idem = Idempotency::new(Arc::new(store), IdempotencyConfig::default());
    let err = idem
        .run(&key("x"), &payload(1), None, || async {
            Ok::<_, BodyFailed>(1u32)
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, IdempotencyError::Store(StoreError::Rejected { .. })),
        "{err:?}"
    );
}
