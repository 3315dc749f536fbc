//! Signed webhook requests, each vendor's algorithm implemented here from its published
//! description (as events/webhook/make_samples.py does in Python), with the local
//! secrets of `spine_local::host::LOCAL_WEBHOOK_SECRETS`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};
use std::collections::BTreeMap;

/// What a delivery is, for the verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A genuine event of this order: must be accepted (202, or 200 duplicate).
    Valid { order: u64, what: &'static str },
    /// Bad input that must be refused with a 4xx and never reach Odoo.
    Bad { what: &'static str },
}

/// One HTTP request to `POST /webhooks/{source}`.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub source: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub kind: Kind,
}

/// The signing secrets by source name.
#[derive(Clone, Debug)]
pub struct Secrets(BTreeMap<String, String>);

impl Secrets {
    /// The local run's secrets.
    pub fn local() -> anyhow::Result<Self> {
        Ok(Self(serde_json::from_str(
            spine_local::host::LOCAL_WEBHOOK_SECRETS,
        )?))
    }

    /// Secrets no source uses: what a forger without the real ones signs with.
    pub fn forged() -> Self {
        Self(BTreeMap::from([(
            "shopify".to_owned(),
            "not-the-secret".to_owned(),
        )]))
    }

    fn get(&self, source: &str) -> &str {
        self.0.get(source).map_or("", String::as_str)
    }
}

fn hmac_sha256(secret: &str, message: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail; an empty MAC would only make
    // the request fail verification, which the verdict would show.
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn json_headers(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    headers.extend(pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    headers
}

/// Shopify: base64 HMAC-SHA256 of the body; `delivery` is the webhook id.
pub fn shopify(secrets: &Secrets, body: &[u8], topic: &str, delivery: &str) -> Vec<(String, String)> {
    json_headers(&[
        ("x-shopify-topic", topic.to_owned()),
        (
            "x-shopify-hmac-sha256",
            BASE64.encode(hmac_sha256(secrets.get("shopify"), body)),
        ),
        ("x-shopify-webhook-id", delivery.to_owned()),
        ("x-shopify-shop-domain", "spine-demo.myshopify.com".to_owned()),
    ])
}

/// WooCommerce: base64 HMAC-SHA256 of the body.
pub fn woocommerce(secrets: &Secrets, body: &[u8], delivery: &str) -> Vec<(String, String)> {
    json_headers(&[
        ("x-wc-webhook-topic", "order.created".to_owned()),
        ("x-wc-webhook-resource", "order".to_owned()),
        ("x-wc-webhook-event", "created".to_owned()),
        ("x-wc-webhook-delivery-id", delivery.to_owned()),
        (
            "x-wc-webhook-signature",
            BASE64.encode(hmac_sha256(secrets.get("woocommerce"), body)),
        ),
    ])
}

/// Stripe: `t=<unix>,v1=hex(HMAC-SHA256("t.body"))`.
pub fn stripe(secrets: &Secrets, body: &[u8], t: i64) -> Vec<(String, String)> {
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    let v1 = hex::encode(hmac_sha256(secrets.get("stripe"), &message));
    json_headers(&[("stripe-signature", format!("t={t},v1={v1}"))])
}

/// Midtrans signs inside the body: `signature_key` = hex(SHA-512(order_id + status_code
/// + gross_amount + server key)).
pub fn midtrans_body(secrets: &Secrets, body: &mut Value) {
    let text = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
    let input = format!(
        "{}{}{}{}",
        text("order_id"),
        text("status_code"),
        text("gross_amount"),
        secrets.get("midtrans")
    );
    body["signature_key"] = Value::String(hex::encode(Sha512::digest(input.as_bytes())));
}

/// Midtrans carries no signature header.
pub fn midtrans() -> Vec<(String, String)> {
    json_headers(&[])
}

/// Xendit: the callback token as a header.
pub fn xendit(secrets: &Secrets) -> Vec<(String, String)> {
    json_headers(&[("x-callback-token", secrets.get("xendit").to_owned())])
}

/// The carrier (generic kind): hex HMAC-SHA256 of `"{timestamp}.{body}"`.
pub fn carrier(secrets: &Secrets, body: &[u8], t: i64) -> Vec<(String, String)> {
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    json_headers(&[
        (
            "x-carrier-signature",
            hex::encode(hmac_sha256(secrets.get("carrier"), &message)),
        ),
        ("x-carrier-timestamp", t.to_string()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed samples were signed by make_samples.py: recomputing their
    /// signatures here checks this module against an independent implementation.
    #[test]
    fn signatures_match_the_python_signed_samples() {
        let secrets = Secrets::local().expect("local secrets");
        let event: Value =
            serde_json::from_str(include_str!("../../../events/webhook/shopify-orders-create.json"))
                .expect("json");
        let body = event["body"].as_str().expect("body").as_bytes();
        let ours = shopify(&secrets, body, "orders/create", "x");
        let expected = event["headers"]["x-shopify-hmac-sha256"]
            .as_str()
            .expect("header");
        assert!(
            ours.iter()
                .any(|(k, v)| k == "x-shopify-hmac-sha256" && v == expected)
        );

        let event: Value = serde_json::from_str(include_str!(
            "../../../events/webhook/carrier-shipment-tracking.json"
        ))
        .expect("json");
        let body = event["body"].as_str().expect("body").as_bytes();
        let t: i64 = event["headers"]["x-carrier-timestamp"]
            .as_str()
            .expect("t")
            .parse()
            .expect("number");
        let ours = carrier(&secrets, body, t);
        let expected = event["headers"]["x-carrier-signature"].as_str().expect("header");
        assert!(
            ours.iter()
                .any(|(k, v)| k == "x-carrier-signature" && v == expected)
        );

        let event: Value =
            serde_json::from_str(include_str!("../../../events/webhook/midtrans-settlement.json"))
                .expect("json");
        let mut body: Value = serde_json::from_str(event["body"].as_str().expect("body")).expect("json");
        let expected = body["signature_key"].clone();
        body["signature_key"] = Value::Null;
        midtrans_body(&secrets, &mut body);
        assert_eq!(body["signature_key"], expected);
    }

    #[test]
    fn stripe_signs_the_timestamp_and_body() {
        let secrets = Secrets::local().expect("local secrets");
        let event: Value = serde_json::from_str(include_str!(
            "../../../events/webhook/stripe-payment-intent-succeeded.json"
        ))
        .expect("json");
        let body = event["body"].as_str().expect("body").as_bytes();
        let header = event["headers"]["stripe-signature"].as_str().expect("header");
        let t: i64 = header[2..header.find(',').expect("comma")].parse().expect("t");
        let ours = stripe(&secrets, body, t);
        let v1 = &ours[1].1;
        assert!(header.starts_with(v1.as_str()), "{v1} vs {header}");
    }
}
