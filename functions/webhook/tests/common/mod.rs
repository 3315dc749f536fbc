//! Shared by the webhook's tests: the sample events, the test sources and secrets, a
//! fixed clock (the samples are signed for 2026-11-20T10:00:00Z) and a recording queue.

#![allow(dead_code, reason = "each test binary uses a different part")]

pub mod rig;

use async_trait::async_trait;
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use chrono::{DateTime, Utc};
use spine_core::Envelope;
use std::sync::Mutex;
use webhook::ports::{EventQueue, QueueError};
use webhook::service::Clock;

pub const SENT_AT: i64 = 1_795_168_800;

/// Five seconds after the samples were sent.
pub fn clock() -> Clock {
    std::sync::Arc::new(|| DateTime::<Utc>::from_timestamp(SENT_AT + 5, 0).unwrap_or_default())
}

pub const SOURCES: &str = r#"{
  "shopify": {"kind": "shopify", "secret": "SECRET_ID"},
  "woocommerce": {"kind": "woocommerce", "secret": "SECRET_ID"},
  "stripe": {"kind": "stripe", "secret": "SECRET_ID", "order_source": "shopify"},
  "midtrans": {"kind": "midtrans", "secret": "SECRET_ID", "order_source": "woocommerce"},
  "xendit": {"kind": "xendit", "secret": "SECRET_ID", "order_source": "woocommerce"},
  "tokopedia": {"kind": "tokopedia", "secret": "SECRET_ID"},
  "carrier": {"kind": "generic", "secret": "SECRET_ID", "order_source": "shopify",
              "header": "X-Carrier-Signature", "encoding": "hex", "timestamp_header": "X-Carrier-Timestamp"}
}"#;

/// The sources, all reading their keys from the secret `secret_id`.
pub fn sources(secret_id: &str) -> spine_ingest::Sources {
    spine_ingest::Sources::from_json(&SOURCES.replace("SECRET_ID", secret_id)).expect("test sources")
}

/// The signing secrets of the samples, as one flat JSON secret keyed by source name.
pub const SECRET_JSON: &str = r#"{
  "shopify": "shpss_spine_test_shopify",
  "woocommerce": "wc_spine_test_secret",
  "stripe": "whsec_spine_test_stripe",
  "midtrans": "SB-Mid-server-spine-test",
  "xendit": "xnd_callback_token_spine_test",
  "tokopedia": "tokopedia_spine_test_secret",
  "carrier": "carrier_spine_test_secret"
}"#;

macro_rules! event_files {
    ($($name:literal),* $(,)?) => {
        /// The sample request `name` from events/webhook/.
        pub fn event(name: &str) -> ApiGatewayV2httpRequest {
            let text = match name {
                $($name => include_str!(concat!("../../../../events/webhook/", $name)),)*
                other => panic!("no sample {other}"),
            };
            serde_json::from_str(text).expect("a sample is an HTTP API request")
        }
        /// Every sample's file name.
        pub const ALL: &[&str] = &[$($name),*];
    };
}

event_files!(
    "shopify-orders-create.json",
    "shopify-orders-updated.json",
    "shopify-duplicate.json",
    "shopify-bad-signature.json",
    "shopify-ignored-topic.json",
    "shopify-malformed-json.json",
    "shopify-missing-sku.json",
    "shopify-oversize.json",
    "shopify-wrong-content-type.json",
    "unknown-source.json",
    "woocommerce-order-created.json",
    "woocommerce-bad-signature.json",
    "stripe-payment-intent-succeeded.json",
    "stripe-charge-refunded.json",
    "stripe-stale-timestamp.json",
    "stripe-ignored-type.json",
    "midtrans-settlement.json",
    "midtrans-refund.json",
    "midtrans-bad-signature.json",
    "xendit-invoice-paid.json",
    "xendit-bad-token.json",
    "tokopedia-order-notification.json",
    "carrier-shipment-tracking.json",
    "carrier-stale-timestamp.json",
);

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
