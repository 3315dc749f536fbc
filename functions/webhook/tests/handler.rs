//! The handler's decisions over the core's in-memory ledger, a recording queue and fixed
//! keys: every sample's answer, dedupe, the RECEIVED-not-QUEUED retry, ignored topics.
//! (tests/moto.rs runs the same path through the real SDK against emulated AWS.)

mod common;

use common::rig::{rig, sent};
use common::{ALL, answer, event, expected};
use spine_core::EventKey;
use spine_core::ledger::{Ledger, StatusKind};
use std::sync::atomic::Ordering;

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

/// The proof's unsafe test mode: with ingress dedupe off, the repeat is enqueued again.
#[tokio::test]
async fn without_ingress_dedupe_a_repeated_delivery_is_enqueued_again() {
    let mut rig = rig(false);
    rig.webhook = rig.webhook.without_ingress_dedupe();
    let (first, _) = answer(&rig.webhook.handle(event("shopify-orders-create.json")).await);
    let (again, _) = answer(&rig.webhook.handle(event("shopify-duplicate.json")).await);
    assert_eq!((first, again), (202, 202));
    assert_eq!(sent(&rig), 2);
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
