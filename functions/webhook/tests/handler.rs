//! The handler's decisions over the core's in-memory ledger, a recording queue and fixed
//! keys: every sample's answer, dedupe, the RECEIVED-not-QUEUED retry, ignored topics.
//! (tests/moto.rs runs the same path through the real SDK against emulated AWS.)

mod common;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use common::{ALL, RecordingQueue, answer, clock, event, expected, sources};
use spine_core::EventKey;
use spine_core::ledger::memory::MemoryLedger;
use spine_core::ledger::{Ledger, StatusKind};
use spine_ingest::{Limits, SigningKeys, SourceConfig};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use webhook::Webhook;
use webhook::ports::{KeyError, KeySource};

struct FixedKeys {
    down: bool,
}

#[async_trait]
impl KeySource for FixedKeys {
    async fn keys(&self, source: &SourceConfig, _now: DateTime<Utc>) -> Result<SigningKeys, KeyError> {
        if self.down {
            return Err(KeyError::Empty(source.secret.clone()));
        }
        let secrets: serde_json::Value = serde_json::from_str(common::SECRET_JSON).expect("test secrets");
        let secret = secrets[source.name.as_str()].as_str().expect("a test secret");
        Ok(SigningKeys::current(secret.into()))
    }
}

struct Rig {
    webhook: Webhook,
    ledger: Arc<MemoryLedger>,
    queue: Arc<RecordingQueue>,
}

fn rig(keys_down: bool) -> Rig {
    let ledger = Arc::new(MemoryLedger::new());
    let queue = Arc::new(RecordingQueue::default());
    let webhook = Webhook::new(
        sources("unused"),
        Limits::default(),
        Arc::new(FixedKeys { down: keys_down }),
        ledger.clone(),
        queue.clone(),
    )
    .with_clock(clock());
    Rig {
        webhook,
        ledger,
        queue,
    }
}

fn sent(rig: &Rig) -> usize {
    rig.queue.sent.lock().expect("not poisoned").len()
}

#[tokio::test]
async fn every_sample_gets_its_status_and_body() {
    for name in ALL {
        let rig = rig(false);
        let (status, body) = answer(&rig.webhook.handle(event(name)).await);
        let (want_status, word) = expected(name);
        assert_eq!(status, want_status, "{name}: {body}");
        if status >= 400 {
            assert_eq!(body["error"], word, "{name}");
            assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{name}");
            assert_eq!(sent(&rig), 0, "{name}: nothing enqueued");
        } else {
            assert_eq!(body["status"], word, "{name}");
            assert_eq!(sent(&rig), usize::from(status == 202), "{name}");
        }
    }
}

#[tokio::test]
async fn a_repeated_delivery_is_answered_duplicate_and_not_enqueued_again() {
    let rig = rig(false);
    let (first, body) = answer(&rig.webhook.handle(event("shopify-orders-create.json")).await);
    assert_eq!(first, 202);
    let key = EventKey::parse(body["event_key"].as_str().expect("a key")).expect("valid");
    let entry = rig.ledger.get(&key).await.expect("readable").expect("recorded");
    assert_eq!(entry.status.kind(), StatusKind::Queued);
    assert_eq!(body["correlation_id"], "1-673db2a0-5f1e2d3c4b5a69788796a5b4");

    let (again, body) = answer(&rig.webhook.handle(event("shopify-duplicate.json")).await);
    assert_eq!((again, body["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(body["event_key"], key.as_str());
    assert_eq!(sent(&rig), 1);
}

#[tokio::test]
async fn a_failed_enqueue_answers_503_and_the_retry_enqueues() {
    let rig = rig(false);
    rig.queue.failing.store(true, Ordering::SeqCst);
    let (status, body) = answer(
        &rig.webhook
            .handle(event("stripe-payment-intent-succeeded.json"))
            .await,
    );
    assert_eq!((status, body["error"].as_str()), (503, Some("unavailable")));
    assert_eq!(sent(&rig), 0);

    rig.queue.failing.store(false, Ordering::SeqCst);
    let (status, body) = answer(
        &rig.webhook
            .handle(event("stripe-payment-intent-succeeded.json"))
            .await,
    );
    assert_eq!(status, 202, "RECEIVED-not-QUEUED passes the dedupe: {body}");
    assert_eq!(sent(&rig), 1);
    let key = EventKey::parse(body["event_key"].as_str().expect("a key")).expect("valid");
    let entry = rig.ledger.get(&key).await.expect("readable").expect("recorded");
    assert_eq!(entry.status.kind(), StatusKind::Queued);

    let (status, _) = answer(
        &rig.webhook
            .handle(event("stripe-payment-intent-succeeded.json"))
            .await,
    );
    assert_eq!(status, 200, "now QUEUED: a plain duplicate");
    assert_eq!(sent(&rig), 1);
}

#[tokio::test]
async fn ignored_topics_are_recorded_and_not_enqueued() {
    let rig = rig(false);
    let (status, body) = answer(&rig.webhook.handle(event("shopify-ignored-topic.json")).await);
    assert_eq!((status, body["topic"].as_str()), (200, Some("products/update")));
    let key = EventKey::parse(body["event_key"].as_str().expect("a key")).expect("valid");
    let entry = rig.ledger.get(&key).await.expect("readable").expect("recorded");
    assert_eq!(entry.status.kind(), StatusKind::Ignored);
    assert_eq!(sent(&rig), 0);
}

#[tokio::test]
async fn unreadable_keys_answer_503_and_other_methods_405() {
    let rig = rig(true);
    let (status, _) = answer(&rig.webhook.handle(event("shopify-orders-create.json")).await);
    assert_eq!(status, 503);

    let rig = self::rig(false);
    let mut get = event("shopify-orders-create.json");
    get.request_context.http.method = aws_lambda_events::http::Method::GET;
    let (status, body) = answer(&rig.webhook.handle(get).await);
    assert_eq!(
        (status, body["error"].as_str()),
        (405, Some("method_not_allowed"))
    );
}

#[tokio::test]
async fn the_envelope_on_the_queue_is_whole() {
    let rig = rig(false);
    let (status, _) = answer(&rig.webhook.handle(event("woocommerce-order-created.json")).await);
    assert_eq!(status, 202, "a base64 body is decoded before verification");
    let envelope = rig.queue.sent.lock().expect("not poisoned")[0].clone();
    let round = spine_core::Envelope::from_json(&envelope.to_json()).expect("a whole envelope");
    assert_eq!(round.business_key.render(), "order:woocommerce:727:r0");
    assert_eq!(round.source_event_id.as_str(), "4f1c8e2a9b7d6c5e");
}

/// Collects log output in memory.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn one_log_line_per_request_with_its_facts_and_no_personal_data() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let rig = rig(false);
    let (status, body) = answer(&rig.webhook.handle(event("shopify-orders-create.json")).await);
    assert_eq!(status, 202);

    let text = String::from_utf8(captured.0.lock().expect("not poisoned").clone()).expect("UTF-8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON log line"))
        .filter(|line: &serde_json::Value| line["fields"]["message"] == "webhook")
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    let fields = &lines[0]["fields"];
    assert_eq!(fields["source"], "shopify");
    assert_eq!(fields["topic"], "orders/create");
    assert_eq!(fields["outcome"], "accepted");
    assert_eq!(fields["status"], 202);
    assert_eq!(fields["event_key"], body["event_key"]);
    assert_eq!(fields["correlation_id"], body["correlation_id"]);
    assert!(fields["latency_ms"].as_f64().is_some());
    for personal in ["ada@example.com", "Lovelace", "Analytical", "+15555550123"] {
        assert!(!text.contains(personal), "{personal} reached the log");
    }
}
