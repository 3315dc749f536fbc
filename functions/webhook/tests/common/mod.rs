//! Shared by the webhook's tests: the sample events, the test sources and secrets (from
//! `spine_testkit::webhook`, which spine-ingest's tests share), a fixed clock (the samples
//! are signed for 2026-11-20T10:00:00Z) and a recording queue.

#![allow(dead_code, unused_imports, reason = "each test binary uses a different part")]

pub mod rig;

use async_trait::async_trait;
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use chrono::{DateTime, Utc};
use spine_core::Envelope;
use spine_testkit::webhook as samples;
pub use spine_testkit::webhook::{NAMES as ALL, secret, secrets_json};
use std::sync::Mutex;
use webhook::ports::{EventQueue, QueueError};
use webhook::service::Clock;

/// Five seconds after the samples were sent.
pub fn clock() -> Clock {
    std::sync::Arc::new(|| DateTime::<Utc>::from_timestamp(samples::SENT_AT + 5, 0).unwrap_or_default())
}

/// The sources, all reading their keys from the secret `secret_id`.
pub fn sources(secret_id: &str) -> spine_ingest::Sources {
    let json = samples::sources_json(|_| secret_id.to_owned());
    spine_ingest::Sources::from_json(&json).expect("test sources")
}

/// The sample request `name` from events/webhook/.
pub fn event(name: &str) -> ApiGatewayV2httpRequest {
    serde_json::from_str(samples::sample(name)).expect("a sample is an HTTP API request")
}

/// What every sample must get: status and, for refusals, the error code.
pub fn expected(name: &str) -> (u16, &'static str) {
    match name {
        "shopify-ignored-topic.json" | "stripe-ignored-type.json" => (200, "ignored"),
        n if n.contains("bad-") => (401, "signature_mismatch"),
        n if n.contains("stale") => (401, "timestamp_stale"),
        "shopify-malformed-json.json" => (400, "malformed_json"),
        "shopify-missing-sku.json" => (422, "unprocessable_payload"),
        "shopify-oversize.json" => (413, "payload_too_large"),
        "shopify-wrong-content-type.json" => (415, "unsupported_media_type"),
        "unknown-source.json" => (404, "unknown_source"),
        _ => (202, "accepted"),
    }
}

/// The response's status and JSON body.
pub fn answer(response: &ApiGatewayV2httpResponse) -> (u16, serde_json::Value) {
    let body = match &response.body {
        Some(Body::Text(text)) => text.clone(),
        other => panic!("a text body expected, got {other:?}"),
    };
    let status = u16::try_from(response.status_code).expect("an HTTP status");
    (status, serde_json::from_str(&body).expect("a JSON body"))
}

/// A queue that records what it is given, or fails while `failing` is set.
#[derive(Default)]
pub struct RecordingQueue {
    pub sent: Mutex<Vec<Envelope>>,
    pub failing: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl EventQueue for RecordingQueue {
    async fn enqueue(&self, envelope: &Envelope) -> Result<(), QueueError> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(QueueError::Send {
                flow: envelope.flow(),
                source: "the queue is down (test)".into(),
            });
        }
        self.sent.lock().expect("not poisoned").push(envelope.clone());
        Ok(())
    }
}
