//! The sample webhook requests of `events/webhook/` and what they were signed with: the
//! test sources and their signing secrets (the ones `events/webhook/README.md` lists).
//! spine-ingest's tests verify and map the samples; the webhook function's tests send them
//! through its handler. Both read them from here, so a new sample or source is added once.

use serde_json::{Map, Value};

/// When the samples were sent, in epoch seconds (2026-11-20T10:00:00Z): the timestamped
/// ones are signed for this time.
pub const SENT_AT: i64 = 1_795_168_800;

macro_rules! samples {
    ($($name:literal),* $(,)?) => {
        /// Every sample's file name.
        pub const NAMES: &[&str] = &[$($name),*];
        /// Every sample: its file name and its text (an API Gateway HTTP API request).
        pub const SAMPLES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/webhook/", $name)))),*
        ];
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

/// The text of the sample file `name`. Panics (test code) when there is none.
pub fn sample(name: &str) -> &'static str {
    SAMPLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("no sample {name}"))
}

/// The test sources without their `secret` fields: Stripe and the carrier name Shopify
/// orders, Midtrans and Xendit name WooCommerce orders.
const SOURCES: &str = r#"{
  "shopify": {"kind": "shopify"},
  "woocommerce": {"kind": "woocommerce"},
  "stripe": {"kind": "stripe", "order_source": "shopify"},
  "midtrans": {"kind": "midtrans", "order_source": "woocommerce"},
  "xendit": {"kind": "xendit", "order_source": "woocommerce"},
  "tokopedia": {"kind": "tokopedia"},
  "carrier": {"kind": "generic", "order_source": "shopify",
              "header": "X-Carrier-Signature", "encoding": "hex", "timestamp_header": "X-Carrier-Timestamp"}
}"#;

/// The test sources as the webhook's sources JSON, each reading its keys from the
/// secret `secret_id(source name)`.
pub fn sources_json(secret_id: impl Fn(&str) -> String) -> String {
    let mut sources: Map<String, Value> = serde_json::from_str(SOURCES).expect("the test sources are JSON");
    for (name, source) in &mut sources {
        source["secret"] = Value::String(secret_id(name));
    }
    Value::Object(sources).to_string()
}

/// Each test source's signing secret: what the samples are signed with.
pub const SECRETS: &[(&str, &str)] = &[
    ("shopify", "shpss_spine_test_shopify"),
    ("woocommerce", "wc_spine_test_secret"),
    ("stripe", "whsec_spine_test_stripe"),
    ("midtrans", "SB-Mid-server-spine-test"),
    ("xendit", "xnd_callback_token_spine_test"),
    ("tokopedia", "tokopedia_spine_test_secret"),
    ("carrier", "carrier_spine_test_secret"),
];

/// The signing secret of the test source `source`. Panics (test code) when there is none.
pub fn secret(source: &str) -> &'static str {
    SECRETS
        .iter()
        .find(|(name, _)| *name == source)
        .map(|(_, secret)| *secret)
        .unwrap_or_else(|| panic!("no test secret for {source}"))
}

/// Every signing secret as one flat JSON object keyed by source name: the shape of the
/// webhook's Secrets Manager secret.
pub fn secrets_json() -> String {
    let secrets: Map<String, Value> = SECRETS
        .iter()
        .map(|(name, secret)| ((*name).to_owned(), Value::from(*secret)))
        .collect();
    Value::Object(secrets).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_file_is_listed_once() {
        let dir = crate::workspace_root().join("events/webhook");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("events/webhook is readable")
            .map(|e| {
                e.expect("a directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name.ends_with(".json"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = NAMES.iter().map(|n| (*n).to_owned()).collect();
        listed.sort();
        assert_eq!(listed, on_disk);
    }

    #[test]
    fn every_source_has_a_secret_and_names_it() {
        let sources: Map<String, Value> =
            serde_json::from_str(&sources_json(|name| format!("id/{name}"))).expect("JSON");
        let secrets: Map<String, Value> = serde_json::from_str(&secrets_json()).expect("JSON");
        for (name, source) in &sources {
            assert_eq!(source["secret"], format!("id/{name}"));
            assert_eq!(secrets[name], secret(name));
        }
        assert_eq!(sources.len(), SECRETS.len());
    }
}
