//! Shared by the integration tests: the sample requests of events/webhook/, the test
//! sources and their secrets (the same as events/webhook/README.md lists).

#![allow(dead_code, reason = "each test binary uses a different part")]

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use serde_json::Value;
use spine_ingest::{Headers, SigningKeys, Sources};

/// When the samples were sent (2026-11-20T10:00:00Z).
pub const SENT_AT: i64 = 1_795_168_800;

/// "Now" for the tests: five seconds after the samples were sent.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(SENT_AT + 5, 0).expect("a valid time")
}

pub const SOURCES: &str = r#"{
  "shopify": {"kind": "shopify", "secret": "spine/webhooks/shopify"},
  "woocommerce": {"kind": "woocommerce", "secret": "spine/webhooks/woocommerce"},
  "stripe": {"kind": "stripe", "secret": "spine/webhooks/stripe", "order_source": "shopify"},
  "midtrans": {"kind": "midtrans", "secret": "spine/webhooks/midtrans", "order_source": "woocommerce"},
  "xendit": {"kind": "xendit", "secret": "spine/webhooks/xendit", "order_source": "woocommerce"},
  "tokopedia": {"kind": "tokopedia", "secret": "spine/webhooks/tokopedia"},
  "carrier": {"kind": "generic", "secret": "spine/webhooks/carrier", "order_source": "shopify",
              "header": "X-Carrier-Signature", "encoding": "hex", "timestamp_header": "X-Carrier-Timestamp"}
}"#;

pub fn sources() -> Sources {
    Sources::from_json(SOURCES).expect("the test sources parse")
}

/// The test secret of each source.
pub fn secret(source: &str) -> &'static str {
    match source {
        "shopify" => "shpss_spine_test_shopify",
        "woocommerce" => "wc_spine_test_secret",
        "stripe" => "whsec_spine_test_stripe",
        "midtrans" => "SB-Mid-server-spine-test",
        "xendit" => "xnd_callback_token_spine_test",
        "tokopedia" => "tokopedia_spine_test_secret",
        "carrier" => "carrier_spine_test_secret",
        other => panic!("no test secret for {other}"),
    }
}

pub fn keys(source: &str) -> SigningKeys {
    SigningKeys::current(secret(source).into())
}

/// One sample request, taken apart as the handler would.
pub struct Sample {
    pub name: &'static str,
    pub source: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl Sample {
    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("samples are UTF-8")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON sample")
    }
}

macro_rules! samples {
    ($($name:literal),* $(,)?) => {
        /// Every sample request, by file name.
        pub fn all_samples() -> Vec<Sample> {
            vec![$(parse($name, include_str!(concat!("../../../../events/webhook/", $name)))),*]
        }
    };
}

samples!(
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

pub fn sample(name: &str) -> Sample {
    all_samples()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
}

fn parse(name: &'static str, text: &str) -> Sample {
    let event: Value = serde_json::from_str(text).expect("a sample is JSON");
    let headers = event["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("header text").to_owned()))
        .collect();
    let raw = event["body"].as_str().unwrap_or("");
    let body = if event["isBase64Encoded"].as_bool().unwrap_or(false) {
        BASE64.decode(raw).expect("base64 body")
    } else {
        raw.as_bytes().to_vec()
    };
    Sample {
        name,
        source: event["pathParameters"]["source"]
            .as_str()
            .expect("source")
            .to_owned(),
        headers,
        body,
    }
}
