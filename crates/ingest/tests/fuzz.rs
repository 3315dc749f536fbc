//! Property tests standing in for a fuzz target: the parsers, verifiers and mappers get
//! arbitrary and mutated input and must answer every time, never panic, and never
//! accept what is not signed. Case counts are bounded so CI stays fast.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{SENT_AT, Sample, keys, now, sample, secret, sources};
use hmac::{Hmac, KeyInit, Mac};
use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};
use spine_core::CorrelationId;
use spine_ingest::{Headers, Outcome, Rejection, process};

fn hmac_sha256(key: &str, message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// `headers` with `name` replaced by `value`.
fn replace(headers: &Headers, name: &str, value: String) -> Headers {
    let mut out = Headers::new();
    out.insert(name, value);
    for header in [
        "content-type",
        "x-shopify-topic",
        "x-shopify-webhook-id",
        "x-wc-webhook-topic",
        "x-wc-webhook-delivery-id",
        "x-callback-token",
        "x-carrier-timestamp",
    ] {
        if !header.eq_ignore_ascii_case(name)
            && let Some(v) = headers.get(header)
        {
            out.insert(header, v);
        }
    }
    out
}

/// Signs `body` for `source` the way its vendor documents (Midtrans inside the body).
fn signed(source: &str, headers: &Headers, body: &mut Vec<u8>) -> Headers {
    let key = secret(source);
    match source {
        "shopify" => replace(
            headers,
            "X-Shopify-Hmac-Sha256",
            BASE64.encode(hmac_sha256(key, body)),
        ),
        "woocommerce" => replace(
            headers,
            "X-WC-Webhook-Signature",
            BASE64.encode(hmac_sha256(key, body)),
        ),
        "tokopedia" => replace(headers, "Authorization-Hmac", hex::encode(hmac_sha256(key, body))),
        "stripe" => {
            let signed = [SENT_AT.to_string().as_bytes(), b".", body].concat();
            let value = format!("t={SENT_AT},v1={}", hex::encode(hmac_sha256(key, &signed)));
            replace(headers, "Stripe-Signature", value)
        }
        "carrier" => {
            let t = headers.get("x-carrier-timestamp").unwrap_or_default().to_owned();
            let signed = [t.as_bytes(), b".", body].concat();
            replace(
                headers,
                "X-Carrier-Signature",
                hex::encode(hmac_sha256(key, &signed)),
            )
        }
        "midtrans" => {
            if let Ok(Value::Object(mut json)) = serde_json::from_slice::<Value>(body) {
                let field = |n: &str| json.get(n).and_then(Value::as_str).unwrap_or_default().to_owned();
                let input = format!(
                    "{}{}{}{key}",
                    field("order_id"),
                    field("status_code"),
                    field("gross_amount")
                );
                json.insert(
                    "signature_key".into(),
                    hex::encode(Sha512::digest(input.as_bytes())).into(),
                );
                *body = serde_json::to_vec(&json).expect("serializable");
            }
            headers.clone()
        }
        _ => headers.clone(),
    }
}

fn run(source: &str, headers: &Headers, body: &[u8]) -> Result<Outcome, Rejection> {
    let sources = sources();
    let config = sources.get(source).expect("a test source");
    process(
        config,
        &keys(source),
        headers,
        body,
        now(),
        CorrelationId::generate(),
    )
}

const VALID: [&str; 10] = [
    "shopify-orders-create.json",
    "woocommerce-order-created.json",
    "stripe-payment-intent-succeeded.json",
    "stripe-charge-refunded.json",
    "midtrans-settlement.json",
    "midtrans-refund.json",
    "xendit-invoice-paid.json",
    "tokopedia-order-notification.json",
    "carrier-shipment-tracking.json",
    "shopify-orders-updated.json",
];

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        "-?[0-9]{0,20}(\\.[0-9]{0,4})?".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the value reached by following `choices` down from the root with `new`.
fn mutate(at: &mut Value, choices: &[usize], new: Value) {
    let Some((choice, rest)) = choices.split_first() else {
        *at = new;
        return;
    };
    let next = match at {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(choice % map.len()).cloned().unwrap_or_default();
            map.get_mut(&key)
        }
        Value::Array(items) if !items.is_empty() => {
            let len = items.len();
            items.get_mut(choice % len)
        }
        _ => None,
    };
    match next {
        Some(next) => mutate(next, rest, new),
        None => *at = new,
    }
}

fn check(s: &Sample, result: &Result<Outcome, Rejection>) -> Result<(), TestCaseError> {
    match result {
        Ok(Outcome::Accepted(envelope)) => {
            prop_assert!(envelope.event.validate().is_ok());
            let again = spine_core::Envelope::from_json(&envelope.to_json());
            prop_assert!(again.is_ok(), "{}: {again:?}", s.name);
        }
        Ok(Outcome::Ignored { .. }) => {}
        Err(rejection) => {
            prop_assert!(
                matches!(rejection.status(), 400 | 401 | 422),
                "{}: {rejection}",
                s.name
            );
            prop_assert_eq!(rejection.body().error, rejection.code());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A signed sample with one value anywhere replaced by arbitrary JSON: mapped, or
    /// refused with 400/401/422, and whatever is accepted is a whole, valid envelope.
    #[test]
    fn signed_mutations_are_answered_without_panics(
        which in 0..VALID.len(),
        choices in prop::collection::vec(any::<usize>(), 0..6),
        new in arbitrary_json(),
    ) {
        let s = sample(VALID[which]);
        let mut doc = s.json();
        mutate(&mut doc, &choices, new);
        let mut body = serde_json::to_vec(&doc).expect("serializable");
        let headers = signed(&s.source, &s.headers, &mut body);
        check(&s, &run(&s.source, &headers, &body))?;
    }

    /// Arbitrary bytes, correctly signed: a JSON parse error, a mapping error, or a
    /// mapping; never a panic.
    #[test]
    fn signed_garbage_is_answered(which in 0..VALID.len(), mut body in prop::collection::vec(any::<u8>(), 0..512)) {
        let s = sample(VALID[which]);
        let headers = signed(&s.source, &s.headers, &mut body);
        check(&s, &run(&s.source, &headers, &body))?;
    }

    /// Arbitrary signature headers never verify.
    #[test]
    fn forged_signatures_never_verify(which in 0..VALID.len(), forged in ".{0,160}") {
        let s = sample(VALID[which]);
        let name = match s.source.as_str() {
            "shopify" => "X-Shopify-Hmac-Sha256",
            "woocommerce" => "X-WC-Webhook-Signature",
            "stripe" => "Stripe-Signature",
            "xendit" => "x-callback-token",
            "tokopedia" => "Authorization-Hmac",
            "carrier" => "X-Carrier-Signature",
            _ => "x-unused",
        };
        let mut body = s.body.clone();
        if s.source == "midtrans" {
            let mut doc = s.json();
            doc["signature_key"] = Value::from(forged.clone());
            body = serde_json::to_vec(&doc).expect("serializable");
        }
        let result = run(&s.source, &replace(&s.headers, name, forged), &body);
        prop_assert_eq!(result.map_err(|r| r.status()).err(), Some(401));
    }

    /// Amounts are carried exactly: any total in cents comes out as the same minor units.
    #[test]
    fn shopify_totals_are_exact(cents in 0i64..1_000_000_000_000) {
        let s = sample("shopify-orders-create.json");
        let mut doc = s.json();
        doc["total_price"] = Value::from(format!("{}.{:02}", cents / 100, cents % 100));
        let mut body = serde_json::to_vec(&doc).expect("serializable");
        let headers = signed(&s.source, &s.headers, &mut body);
        match run(&s.source, &headers, &body) {
            Ok(Outcome::Accepted(envelope)) => prop_assert_eq!(envelope.event.amount().map(|m| m.minor), Some(cents)),
            other => prop_assert!(false, "{other:?}"),
        }
    }
}
