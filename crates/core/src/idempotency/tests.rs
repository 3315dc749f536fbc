//! Unit tests of the pure state machine and of the runner over the in-memory store.

use super::memory::MemoryIdempotencyStore;
use super::*;
use crate::disposition::{Classify, Disposition};
use crate::ids::{Flow, SourceEventId, SourceName};
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::task::{Context, Poll, Wake, Waker};

/// Drives a future on this thread (the core crate has no async runtime dependency).
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

struct FixedClock(AtomicI64);
impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("body failed")]
struct BodyFailed;
impl Classify for BodyFailed {
    fn disposition(&self) -> Disposition {
        Disposition::TRANSIENT
    }
}

const T0: i64 = 1_800_000_000_000;

fn key(revision: u64) -> IdempotencyKey {
    IdempotencyKey::from_business_key(&crate::BusinessKey {
        flow: Flow::Order,
        source: SourceName::parse("shopify").unwrap(),
        entity_id: SourceEventId::parse("1001").unwrap(),
        revision,
    })
}

fn record(status: IdempotencyStatus, expiration: i64, in_progress_expiration: i64) -> IdempotencyRecord {
    IdempotencyRecord {
        key: key(1),
        status,
        expiration,
        in_progress_expiration,
        payload_hash: PayloadHash::of_json(&json!({"a": 1})),
        owner: "someone".into(),
        result: (status == IdempotencyStatus::Completed).then(|| json!({"id": 7})),
    }
}

fn setup() -> (Arc<MemoryIdempotencyStore>, Arc<FixedClock>, Idempotency) {
    let store = Arc::new(MemoryIdempotencyStore::new());
    let clock = Arc::new(FixedClock(AtomicI64::new(T0)));
    let idem = Idempotency::with_clock(store.clone(), IdempotencyConfig::default(), clock.clone());
    (store, clock, idem)
}

#[test]
fn keys_come_from_business_identity_and_parse_back() {
    let k = key(3);
    assert_eq!(k.as_str(), "order:shopify:1001:r3");
    assert_eq!(IdempotencyKey::parse(k.as_str()), Ok(k.clone()));
    assert_ne!(key(3), key(4));
    assert!(IdempotencyKey::parse("").is_err());
    assert!(IdempotencyKey::parse("msg-5f1c").is_err());
    assert!(IdempotencyKey::parse("orders:shopify:1:r1").is_err());
}

#[test]
fn payload_hash_ignores_key_order_but_not_values() {
    let a = PayloadHash::of_json(&json!({"b": [1, {"y": 2, "x": "é"}], "a": null}));
    let b = PayloadHash::of_json(&json!({"a": null, "b": [1, {"x": "é", "y": 2}]}));
    let c = PayloadHash::of_json(&json!({"a": null, "b": [{"x": "é", "y": 2}, 1]}));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.as_str().len(), 64);
    assert_eq!(PayloadHash::parse(a.as_str()), Ok(a.clone()));
    assert!(PayloadHash::parse("ABC").is_err());
    // The canonical form is compact JSON with sorted keys.
    assert_eq!(
        PayloadHash::of_json(&json!({"b": 1, "a": "x"})),
        PayloadHash::of_bytes(br#"{"a":"x","b":1}"#)
    );
}

#[test]
fn expiration_boundary_is_inclusive() {
    let now_s = T0 / 1000;
    let completed = record(IdempotencyStatus::Completed, now_s, i64::MAX);
    let hash = completed.payload_hash.clone();
    assert_eq!(completed.decide(&hash, T0), Decision::TakeOver);
    assert_eq!(
        completed.decide(&hash, T0 - 1),
        Decision::Replay(json!({"id": 7}))
    );
    let live = record(IdempotencyStatus::Completed, now_s + 1, 0);
    assert_eq!(live.decide(&hash, T0 + 999), Decision::Replay(json!({"id": 7})));
    assert_eq!(live.decide(&hash, T0 + 1000), Decision::TakeOver);
}

#[test]
fn in_progress_boundary_is_inclusive_and_only_for_in_progress() {
    let far = T0 / 1000 + 3600;
    let running = record(IdempotencyStatus::InProgress, far, T0);
    let hash = running.payload_hash.clone();
    assert_eq!(running.decide(&hash, T0), Decision::TakeOver);
    assert_eq!(
        running.decide(&hash, T0 - 1),
        Decision::InProgress {
            retry_after: Duration::from_secs(1)
        }
    );
    let long = record(IdempotencyStatus::InProgress, far, T0 + 30_000);
    assert_eq!(
        long.decide(&hash, T0),
        Decision::InProgress {
            retry_after: Duration::from_secs(30)
        }
    );
    // in_progress_expiration means nothing once COMPLETED.
    let done = record(IdempotencyStatus::Completed, far, T0 - 5);
    assert_eq!(done.decide(&hash, T0), Decision::Replay(json!({"id": 7})));
}

#[test]
fn mismatch_is_reported_for_live_records_only() {
    let other = PayloadHash::of_json(&json!({"a": 2}));
    let far = T0 / 1000 + 3600;
    let done = record(IdempotencyStatus::Completed, far, 0);
    assert_eq!(done.decide(&other, T0), Decision::PayloadMismatch);
    let running = record(IdempotencyStatus::InProgress, far, T0 + 1);
    assert_eq!(running.decide(&other, T0), Decision::PayloadMismatch);
    let dead = record(IdempotencyStatus::Completed, T0 / 1000, 0);
    assert_eq!(dead.decide(&other, T0), Decision::TakeOver);
}

#[test]
fn runs_once_then_replays() {
    let (store, _, idem) = setup();
    let hash = PayloadHash::of_json(&json!({"a": 1}));
    let calls = AtomicU32::new(0);
    let body = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok::<_, BodyFailed>(vec![42u32])
    };
    let first = block_on(idem.run(&key(1), &hash, Some(T0 + 5000), body)).unwrap();
    assert_eq!(first, Outcome::Ran(vec![42]));
    let second = block_on(idem.run(&key(1), &hash, None, || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok::<_, BodyFailed>(vec![0u32])
    }))
    .unwrap();
    assert_eq!(second, Outcome::Replayed(vec![42]));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let stored = store.get(&key(1)).unwrap();
    assert_eq!(stored.status, IdempotencyStatus::Completed);
    assert_eq!(stored.expiration, T0 / 1000 + 24 * 3600);
    assert_eq!(second.disposition(), None);
}

#[test]
fn in_progress_elsewhere_is_a_transient_outcome() {
    let (store, _, idem) = setup();
    store.insert(record(IdempotencyStatus::InProgress, T0 / 1000 + 60, T0 + 2500));
    let hash = PayloadHash::of_json(&json!({"a": 1}));
    let out = block_on(idem.run(&key(1), &hash, None, || async { Ok::<u8, BodyFailed>(1) })).unwrap();
    assert_eq!(
        out,
        Outcome::InProgress {
            retry_after: Duration::from_millis(2500)
        }
    );
    assert_eq!(
        out.disposition(),
        Some(Disposition::Transient {
            retry_after: Some(Duration::from_millis(2500)),
            overload: false
        })
    );
}

#[test]
fn timed_out_run_is_taken_over_when_the_clock_reaches_its_deadline() {
    let (store, clock, idem) = setup();
    store.insert(record(IdempotencyStatus::InProgress, T0 / 1000 + 60, T0 + 10));
    let hash = PayloadHash::of_json(&json!({"a": 1}));
    clock.0.store(T0 + 10, Ordering::SeqCst);
    let out = block_on(idem.run(&key(1), &hash, None, || async { Ok::<u8, BodyFailed>(9) })).unwrap();
    assert_eq!(out, Outcome::Ran(9));
    assert_ne!(store.get(&key(1)).unwrap().owner, "someone");
}

#[test]
fn failed_body_releases_and_the_next_run_executes() {
    let (store, _, idem) = setup();
    let hash = PayloadHash::of_json(&json!({"a": 1}));
    let err = block_on(idem.run(&key(1), &hash, None, || async { Err::<u8, _>(BodyFailed) })).unwrap_err();
    assert!(matches!(
        err,
        IdempotencyError::Body {
            release_error: None,
            ..
        }
    ));
    assert_eq!(err.disposition(), Disposition::TRANSIENT);
    assert!(store.get(&key(1)).is_none());
    let out = block_on(idem.run(&key(1), &hash, None, || async { Ok::<u8, BodyFailed>(3) })).unwrap();
    assert_eq!(out, Outcome::Ran(3));
}

#[test]
fn different_payload_is_a_permanent_typed_error() {
    let (_, _, idem) = setup();
    let first = PayloadHash::of_json(&json!({"a": 1}));
    block_on(idem.run(&key(1), &first, None, || async { Ok::<u8, BodyFailed>(1) })).unwrap();
    let other = PayloadHash::of_json(&json!({"a": 2}));
    let err = block_on(idem.run(&key(1), &other, None, || async { Ok::<u8, BodyFailed>(2) })).unwrap_err();
    assert!(matches!(&err, IdempotencyError::PayloadMismatch { key: k } if *k == key(1)));
    assert_eq!(err.disposition(), Disposition::Permanent);
}

#[test]
fn a_past_deadline_falls_back_and_a_taken_over_run_cannot_complete() {
    let (store, clock, idem) = setup();
    let hash = PayloadHash::of_json(&json!({"a": 1}));
    let out = block_on(idem.run(&key(2), &hash, Some(T0 - 1), || async {
        let held = store.get(&key(2)).unwrap();
        assert_eq!(held.in_progress_expiration, T0 + 15 * 60 * 1000);
        // Someone takes the key over while this body runs.
        let mut thief = held.clone();
        thief.owner = "thief".into();
        store.insert(thief);
        clock.0.store(T0 + 1, Ordering::SeqCst);
        Ok::<u8, BodyFailed>(1)
    }));
    assert!(matches!(
        out,
        Err(IdempotencyError::Store(StoreError::NotHeld { .. }))
    ));
    assert_eq!(store.get(&key(2)).unwrap().owner, "thief");
}

#[test]
fn an_unstorable_result_frees_the_key() {
    let (store, _, idem) = setup();
    let hash = PayloadHash::of_json(&json!({"a": 1}));
    // JSON object keys must be strings: a tuple-keyed map cannot be stored.
    let body = || async { Ok::<_, BodyFailed>(std::collections::HashMap::from([((1u8, 2u8), 3u8)])) };
    let err = block_on(idem.run(&key(5), &hash, None, body)).unwrap_err();
    assert!(matches!(err, IdempotencyError::Encoding { .. }), "{err:?}");
    assert_eq!(err.disposition(), Disposition::Permanent);
    assert!(store.get(&key(5)).is_none());
}
