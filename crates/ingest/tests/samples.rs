//! Every sample request of events/webhook/ through the pure path, with each vendor's
//! signature recomputed here by the vendor's published algorithm (independently of the
//! code under test).

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{Sample, all_samples, keys, now, sample, secret, sources};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};
use spine_core::contracts::ShipmentStatus;
use spine_core::{CanonicalEvent, CorrelationId, Flow};
use spine_ingest::{Limits, Outcome, Rejection, check_request, process};

fn hmac_sha256(key: &str, message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// The signature each vendor documents, computed from the sample's body and headers.
fn vendor_signature_holds(s: &Sample) -> bool {
    let h = |name: &str| s.headers.get(name).unwrap_or_default().to_owned();
    let key = secret(&s.source);
    match s.source.as_str() {
        // Shopify and WooCommerce: base64(HMAC-SHA256(secret, raw body)).
        "shopify" => h("X-Shopify-Hmac-Sha256") == BASE64.encode(hmac_sha256(key, &s.body)),
        "woocommerce" => h("X-WC-Webhook-Signature") == BASE64.encode(hmac_sha256(key, &s.body)),
        // Stripe: v1 = hex(HMAC-SHA256(secret, "{t}.{body}")).
        "stripe" => {
            let header = h("Stripe-Signature");
            let t = header
                .split(',')
                .find_map(|p| p.strip_prefix("t="))
                .unwrap_or_default();
            let v1 = header
                .split(',')
                .find_map(|p| p.strip_prefix("v1="))
                .unwrap_or_default();
            let signed = [t.as_bytes(), b".", &s.body].concat();
            v1 == hex::encode(hmac_sha256(key, &signed))
        }
        // Midtrans: signature_key = hex(SHA-512(order_id + status_code + gross_amount + key)).
        "midtrans" => {
            let json = s.json();
            let field = |n: &str| json[n].as_str().unwrap_or_default().to_owned();
            let input = format!(
                "{}{}{}{key}",
                field("order_id"),
                field("status_code"),
                field("gross_amount")
            );
            field("signature_key") == hex::encode(Sha512::digest(input.as_bytes()))
        }
        // Xendit: the callback token itself.
        "xendit" => h("x-callback-token") == key,
        // Tokopedia: hex(HMAC-SHA256(secret, body)).
        "tokopedia" => h("Authorization-Hmac") == hex::encode(hmac_sha256(key, &s.body)),
        // The carrier (generic, hex, timestamped): hex(HMAC-SHA256(secret, "{ts}.{body}")).
        "carrier" => {
            let signed = [h("X-Carrier-Timestamp").as_bytes(), b".", &s.body].concat();
            h("X-Carrier-Signature") == hex::encode(hmac_sha256(key, &signed))
        }
        _ => false,
    }
}

fn run(s: &Sample) -> Result<Outcome, Rejection> {
    let sources = sources();
    let config = sources
        .get(&s.source)
        .ok_or_else(|| Rejection::UnknownSource(s.source.clone()))?;
    check_request(&s.headers, &s.body, &Limits::default())?;
    let correlation = CorrelationId::parse("test-correlation").expect("valid");
    process(config, &keys(&s.source), &s.headers, &s.body, now(), correlation)
}

enum Expect {
    Event(Flow),
    Ignored,
    Refused(u16, &'static str),
}

fn expectation(name: &str) -> Expect {
    use Expect::*;
    match name {
        "shopify-orders-create.json" | "shopify-orders-updated.json" | "shopify-duplicate.json" => {
            Event(Flow::Order)
        }
        "woocommerce-order-created.json" | "tokopedia-order-notification.json" => Event(Flow::Order),
        "stripe-payment-intent-succeeded.json" | "midtrans-settlement.json" | "xendit-invoice-paid.json" => {
            Event(Flow::Payment)
        }
        "stripe-charge-refunded.json" | "midtrans-refund.json" => Event(Flow::Refund),
        "carrier-shipment-tracking.json" => Event(Flow::Shipment),
        "shopify-ignored-topic.json" | "stripe-ignored-type.json" => Ignored,
        "shopify-bad-signature.json" | "woocommerce-bad-signature.json" | "midtrans-bad-signature.json" => {
            Refused(401, "signature_mismatch")
        }
        "xendit-bad-token.json" => Refused(401, "signature_mismatch"),
        "stripe-stale-timestamp.json" | "carrier-stale-timestamp.json" => Refused(401, "timestamp_stale"),
        "shopify-malformed-json.json" => Refused(400, "malformed_json"),
        "shopify-missing-sku.json" => Refused(422, "unprocessable_payload"),
        "shopify-oversize.json" => Refused(413, "payload_too_large"),
        "shopify-wrong-content-type.json" => Refused(415, "unsupported_media_type"),
        "unknown-source.json" => Refused(404, "unknown_source"),
        other => panic!("no expectation for {other}"),
    }
}

#[test]
fn every_sample_gets_its_outcome() {
    let samples = all_samples();
    assert_eq!(samples.len(), 24);
    for s in &samples {
        match (expectation(s.name), run(s)) {
            (Expect::Event(flow), Ok(Outcome::Accepted(envelope))) => {
                assert_eq!(envelope.flow(), flow, "{}", s.name);
                assert_eq!(envelope.source.as_str(), s.source, "{}", s.name);
            }
            (Expect::Ignored, Ok(Outcome::Ignored { .. })) => {}
            (Expect::Refused(status, code), Err(rejection)) => {
                assert_eq!(
                    (rejection.status(), rejection.code()),
                    (status, code),
                    "{}: {rejection}",
                    s.name
                );
                let body = rejection.body();
                assert_eq!(body.error, code);
                assert!(!body.detail.is_empty());
            }
            (_, other) => panic!("{}: unexpected {other:?}", s.name),
        }
    }
}

#[test]
fn valid_samples_carry_the_vendors_own_signatures_and_forged_ones_do_not() {
    for s in all_samples() {
        let forged = s.name.contains("bad-") || s.name.contains("unknown") || s.name.contains("stale");
        if s.source == "magento" {
            continue;
        }
        let stale = s.name.contains("stale");
        assert_eq!(vendor_signature_holds(&s), !forged || stale, "{}", s.name);
    }
}

#[test]
fn a_signature_never_reveals_the_expected_value() {
    let s = sample("shopify-bad-signature.json");
    let detail = run(&s).unwrap_err().body().detail;
    let expected = BASE64.encode(hmac_sha256(secret("shopify"), &s.body));
    assert!(!detail.contains(&expected), "{detail}");
    assert!(detail.contains("X-Shopify-Hmac-Sha256"), "{detail}");
}

#[test]
fn a_body_changed_after_signing_is_refused() {
    for name in [
        "shopify-orders-create.json",
        "tokopedia-order-notification.json",
        "stripe-charge-refunded.json",
    ] {
        let mut s = sample(name);
        let at = s.body.iter().position(|b| *b == b'1').expect("a digit");
        s.body[at] = b'2';
        assert_eq!(run(&s).unwrap_err().code(), "signature_mismatch", "{name}");
    }
}

#[test]
fn the_missing_sku_names_its_path() {
    let rejection = run(&sample("shopify-missing-sku.json")).unwrap_err();
    assert_eq!(rejection.field_path(), Some("line_items[1].sku"));
}

fn event_of(name: &str) -> (spine_core::Envelope, CanonicalEvent) {
    match run(&sample(name)) {
        Ok(Outcome::Accepted(envelope)) => {
            let event = envelope.event.clone();
            (*envelope, event)
        }
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn shopify_orders_map_exactly() {
    let (envelope, event) = event_of("shopify-orders-create.json");
    let CanonicalEvent::OrderV1(order) = event else {
        panic!("order expected")
    };
    assert_eq!(
        envelope.source_event_id.as_str(),
        "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    );
    assert_eq!(
        envelope.business_key.render(),
        "order:shopify:820982911946154508:r0"
    );
    assert_eq!(order.total.minor, 6196);
    assert_eq!(order.tax_total.minor, 446);
    assert_eq!(order.shipping.map(|m| m.minor), Some(500));
    assert_eq!(order.lines.len(), 3);
    assert_eq!(
        (
            order.lines[0].quantity,
            order.lines[0].unit_price.minor,
            order.lines[0].discount.minor
        ),
        (2, 1250, 500)
    );
    assert_eq!(order.customer.customer_id, "115310627314723954");
    assert_eq!(order.customer.name, "Ada Lovelace");
    assert_eq!(order.placed_at.to_rfc3339(), "2026-11-20T09:59:12+00:00");
    assert_eq!(
        order.shipping_address.and_then(|a| a.city).as_deref(),
        Some("Ottawa")
    );

    let (updated, event) = event_of("shopify-orders-updated.json");
    let CanonicalEvent::OrderV1(order) = event else {
        panic!("order expected")
    };
    assert!(order.revision > 0, "an update outranks the create");
    assert_eq!(updated.business_key.entity_id.as_str(), "820982911946154508");
}

#[test]
fn woocommerce_lines_keep_the_shops_net_total() {
    let (_, event) = event_of("woocommerce-order-created.json");
    let CanonicalEvent::OrderV1(order) = event else {
        panic!("order expected")
    };
    assert_eq!(order.currency.as_str(), "IDR");
    assert_eq!(order.total.minor, 30_500_000, "IDR has two decimals in ISO 4217");
    let line = &order.lines[0];
    assert_eq!(
        (line.unit_price.minor, line.discount.minor),
        (6_000_000, 1_500_000)
    );
    assert_eq!(order.customer.customer_id, "guest:siti@example.co.id");
    assert_eq!(order.placed_at.to_rfc3339(), "2026-11-20T09:58:02+00:00");
}

#[test]
fn gateway_payments_and_refunds_name_their_orders() {
    let (_, event) = event_of("stripe-payment-intent-succeeded.json");
    let CanonicalEvent::PaymentV1(payment) = event else {
        panic!("payment expected")
    };
    assert_eq!(
        (payment.amount.minor, payment.amount.currency.as_str()),
        (6196, "USD")
    );
    assert_eq!(
        payment.order.sale_order_xid().as_str(),
        "spine.shopify_order_820982911946154508"
    );

    let (_, event) = event_of("stripe-charge-refunded.json");
    let CanonicalEvent::RefundV1(refund) = event else {
        panic!("refund expected")
    };
    assert_eq!(
        (refund.refund_id.as_str(), refund.amount.minor),
        ("re_3QkZx2LkdIwHu7ix0R3fUnD1", 1250)
    );

    let (envelope, event) = event_of("midtrans-settlement.json");
    let CanonicalEvent::PaymentV1(payment) = event else {
        panic!("payment expected")
    };
    assert_eq!(payment.amount.minor, 30_500_000);
    assert_eq!(
        payment.paid_at.to_rfc3339(),
        "2026-11-20T09:58:40+00:00",
        "WIB is UTC+7"
    );
    assert_eq!(payment.order.source.as_str(), "woocommerce");
    assert_eq!(
        envelope.source_event_id.as_str(),
        "9aed5972-5b6a-401e-894b-a32c91ed1a3a:settlement"
    );

    let (_, event) = event_of("midtrans-refund.json");
    let CanonicalEvent::RefundV1(refund) = event else {
        panic!("refund expected")
    };
    assert_eq!(
        (refund.refund_id.as_str(), refund.amount.minor),
        ("1180", 5_500_000)
    );

    let (_, event) = event_of("xendit-invoice-paid.json");
    let CanonicalEvent::PaymentV1(payment) = event else {
        panic!("payment expected")
    };
    assert_eq!(
        (payment.amount.minor, payment.order.order_id.as_str()),
        (30_500_000, "727")
    );
}

#[test]
fn tokopedia_and_carrier_events_map() {
    let (envelope, event) = event_of("tokopedia-order-notification.json");
    let CanonicalEvent::OrderV1(order) = event else {
        panic!("order expected")
    };
    assert_eq!(envelope.business_key.render(), "order:tokopedia:987654321:r220");
    assert_eq!(
        (order.total.minor, order.lines[0].unit_price.minor),
        (12_800_000, 5_500_000)
    );

    let (envelope, event) = event_of("carrier-shipment-tracking.json");
    let CanonicalEvent::ShipmentV1(shipment) = event else {
        panic!("shipment expected")
    };
    assert_eq!(shipment.status, ShipmentStatus::InTransit);
    assert_eq!(shipment.order.source.as_str(), "shopify");
    assert_eq!(envelope.business_key.revision, 1);
}

#[test]
fn the_previous_secret_verifies_only_within_its_grace_period() {
    let s = sample("shopify-orders-create.json");
    let sources = sources();
    let config = sources.get("shopify").expect("configured");
    let rotated = |current_since_hours_ago: i64| {
        spine_ingest::SigningKeys::with_previous(
            "shpss_rotated_new_secret".into(),
            Some(secret("shopify").into()),
            now() - chrono::Duration::hours(current_since_hours_ago),
            chrono::Duration::hours(24),
            now(),
        )
    };
    let correlation = || CorrelationId::generate();
    let within = process(config, &rotated(1), &s.headers, &s.body, now(), correlation());
    assert!(matches!(within, Ok(Outcome::Accepted(_))), "{within:?}");
    let after = process(config, &rotated(25), &s.headers, &s.body, now(), correlation());
    assert_eq!(after.unwrap_err().code(), "signature_mismatch");
}

#[test]
fn a_smaller_limit_refuses_a_normal_order() {
    let s = sample("shopify-orders-create.json");
    let limits = Limits { max_body_bytes: 1024 };
    assert_eq!(
        check_request(&s.headers, &s.body, &limits).unwrap_err().status(),
        413
    );
    let mut charset = s.headers.clone();
    charset = charset_variant(charset);
    assert!(check_request(&charset, &s.body, &Limits::default()).is_ok());
}

fn charset_variant(headers: spine_ingest::Headers) -> spine_ingest::Headers {
    let mut out = spine_ingest::Headers::new();
    out.insert("Content-Type", "Application/JSON; charset=utf-8");
    for name in ["x-shopify-topic", "x-shopify-hmac-sha256"] {
        out.insert(name, headers.get(name).unwrap_or_default());
    }
    out
}

#[test]
fn shopify_discount_allocations_win_over_total_discount() {
    let mut s = sample("shopify-orders-create.json");
    let mut doc = s.json();
    doc["line_items"][0]["total_discount"] = "0.00".into();
    doc["line_items"][0]["discount_allocations"] =
        serde_json::json!([{"amount": "3.00", "discount_application_index": 0}, {"amount": "2.00"}]);
    s.body = serde_json::to_vec(&doc).expect("serializable");
    let signature = BASE64.encode(hmac_sha256(secret("shopify"), &s.body));
    let mut headers = spine_ingest::Headers::new();
    headers.insert("X-Shopify-Hmac-Sha256", signature);
    for name in ["content-type", "x-shopify-topic", "x-shopify-webhook-id"] {
        headers.insert(name, s.headers.get(name).unwrap_or_default());
    }
    s.headers = headers;
    let Ok(Outcome::Accepted(envelope)) = run(&s) else {
        panic!("accepted expected")
    };
    let CanonicalEvent::OrderV1(order) = &envelope.event else {
        panic!("order expected")
    };
    assert_eq!(order.lines[0].discount.minor, 500);
    assert_eq!(order.lines[1].discount.minor, 0);
}
