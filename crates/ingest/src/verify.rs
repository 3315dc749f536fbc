//! Signature verification per source kind, over the raw body, in constant time, with
//! every accepted key (current, and previous during a rotation's grace period).
//!
//! Errors say which header or field was missing, malformed or wrong; they never carry
//! the expected value.

use crate::config::{Encoding, SourceKind};
use crate::error::SignatureError;
use crate::headers::Headers;
use crate::json::Json;
use crate::keys::SigningKeys;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

pub const SHOPIFY_HMAC: &str = "X-Shopify-Hmac-Sha256";
pub const WOO_SIGNATURE: &str = "X-WC-Webhook-Signature";
pub const STRIPE_SIGNATURE: &str = "Stripe-Signature";
pub const XENDIT_TOKEN: &str = "x-callback-token";
pub const TOKOPEDIA_HMAC: &str = "Authorization-Hmac";

/// Verifies everything that is signed in headers. Midtrans signs inside the body: for
/// it this returns `Ok` and [`verify_midtrans`] must be called on the parsed body.
pub fn verify_request(
    kind: &SourceKind,
    keys: &SigningKeys,
    headers: &Headers,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    match kind {
        SourceKind::Shopify => hmac_header(keys, headers, SHOPIFY_HMAC, Encoding::Base64, &[body]),
        SourceKind::WooCommerce => hmac_header(keys, headers, WOO_SIGNATURE, Encoding::Base64, &[body]),
        SourceKind::Tokopedia => hmac_header(keys, headers, TOKOPEDIA_HMAC, Encoding::Hex, &[body]),
        SourceKind::Stripe { tolerance_secs } => stripe(keys, headers, body, now, *tolerance_secs),
        SourceKind::Xendit => xendit(keys, headers),
        SourceKind::Midtrans => Ok(()),
        SourceKind::Generic {
            header,
            encoding,
            timestamp_header,
            tolerance_secs,
        } => generic(
            keys,
            headers,
            body,
            now,
            (header, *encoding),
            timestamp_header.as_deref(),
            *tolerance_secs,
        ),
    }
}

/// Midtrans: `signature_key` = hex SHA-512(order_id + status_code + gross_amount + server key).
pub(crate) fn verify_midtrans(keys: &SigningKeys, body: &Json) -> Result<(), SignatureError> {
    let field = |name: &'static str| {
        body.get(name)
            .and_then(Json::as_str)
            .ok_or_else(|| SignatureError::MissingField(name.to_owned()))
    };
    let given = field("signature_key")?;
    let (order_id, status_code, gross_amount) =
        (field("order_id")?, field("status_code")?, field("gross_amount")?);
    let given =
        hex::decode(given).map_err(|_| SignatureError::Malformed("the signature_key field".into()))?;
    let matches = keys.candidates().any(|key| {
        let mut digest = Sha512::new();
        for part in [
            order_id.as_bytes(),
            status_code.as_bytes(),
            gross_amount.as_bytes(),
            key,
        ] {
            digest.update(part);
        }
        bool::from(digest.finalize().as_slice().ct_eq(&given))
    });
    matches
        .then_some(())
        .ok_or_else(|| SignatureError::Mismatch("signature_key".into()))
}

fn decode(value: &str, encoding: Encoding, header: &str) -> Result<Vec<u8>, SignatureError> {
    let decoded = match encoding {
        Encoding::Hex => hex::decode(value).ok(),
        Encoding::Base64 => BASE64.decode(value).ok(),
    };
    decoded.ok_or_else(|| SignatureError::Malformed(header.to_owned()))
}

/// True when HMAC-SHA256(key, parts concatenated) equals `expected` for some key.
fn any_key_signs(keys: &SigningKeys, parts: &[&[u8]], expected: &[u8]) -> bool {
    keys.candidates().any(|key| {
        // HMAC takes keys of any length; the error case cannot happen but is not unwrapped.
        let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
            return false;
        };
        for part in parts {
            mac.update(part);
        }
        mac.verify_slice(expected).is_ok()
    })
}

fn hmac_header(
    keys: &SigningKeys,
    headers: &Headers,
    header: &str,
    encoding: Encoding,
    parts: &[&[u8]],
) -> Result<(), SignatureError> {
    let value = headers.get_trimmed(header).ok_or_else(|| missing(header))?;
    let expected = decode(value, encoding, header)?;
    if any_key_signs(keys, parts, &expected) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch(header.to_owned()))
    }
}

fn missing(header: &str) -> SignatureError {
    SignatureError::MissingHeader(format!("the {header} header"))
}

fn check_age(
    timestamp: i64,
    now: DateTime<Utc>,
    tolerance_secs: u64,
    header: &str,
) -> Result<(), SignatureError> {
    let age_secs = now.timestamp().saturating_sub(timestamp);
    if age_secs.unsigned_abs() > tolerance_secs {
        return Err(SignatureError::Stale {
            header: header.to_owned(),
            age_secs,
            tolerance_secs,
        });
    }
    Ok(())
}

/// Stripe: `t=<unix>,v1=<hex>[,v1=<hex>...]`, signed payload `"{t}.{body}"`.
fn stripe(
    keys: &SigningKeys,
    headers: &Headers,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance_secs: u64,
) -> Result<(), SignatureError> {
    const H: &str = STRIPE_SIGNATURE;
    let malformed = || SignatureError::Malformed(format!("the {H} header"));
    let value = headers.get_trimmed(H).ok_or_else(|| missing(H))?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for pair in value.split(',') {
        match pair.trim().split_once('=') {
            Some(("t", t)) if timestamp.is_none() => timestamp = Some(t),
            Some(("t", _)) => return Err(malformed()),
            // A v1 that is not hex cannot match; others in the header may still.
            Some(("v1", v1)) => signatures.extend(hex::decode(v1).ok()),
            _ => {}
        }
    }
    let t = timestamp.ok_or_else(malformed)?;
    let seconds: i64 = t.parse().map_err(|_| malformed())?;
    if signatures.is_empty() {
        return Err(malformed());
    }
    let parts: [&[u8]; 3] = [t.as_bytes(), b".", body];
    if !signatures.iter().any(|sig| any_key_signs(keys, &parts, sig)) {
        return Err(SignatureError::Mismatch(H.into()));
    }
    check_age(seconds, now, tolerance_secs, H)
}

/// Xendit: the `x-callback-token` header is the account's token. Compared as SHA-256
/// digests so neither the content nor the length of the token leaks through timing.
fn xendit(keys: &SigningKeys, headers: &Headers) -> Result<(), SignatureError> {
    let given = headers
        .get_trimmed(XENDIT_TOKEN)
        .ok_or_else(|| missing(XENDIT_TOKEN))?;
    let given = Sha256::digest(given.as_bytes());
    let matches = keys
        .candidates()
        .any(|key| bool::from(Sha256::digest(key).ct_eq(&given)));
    matches
        .then_some(())
        .ok_or_else(|| SignatureError::Mismatch(XENDIT_TOKEN.into()))
}

fn generic(
    keys: &SigningKeys,
    headers: &Headers,
    body: &[u8],
    now: DateTime<Utc>,
    (header, encoding): (&str, Encoding),
    timestamp_header: Option<&str>,
    tolerance_secs: u64,
) -> Result<(), SignatureError> {
    let value = headers.get_trimmed(header).ok_or_else(|| missing(header))?;
    let expected = decode(value, encoding, header)?;
    let Some(ts_header) = timestamp_header else {
        return any_key_signs(keys, &[body], &expected)
            .then_some(())
            .ok_or_else(|| SignatureError::Mismatch(header.to_owned()));
    };
    let t = headers.get_trimmed(ts_header).ok_or_else(|| missing(ts_header))?;
    let seconds: i64 = t
        .parse()
        .map_err(|_| SignatureError::Malformed(ts_header.to_owned()))?;
    if !any_key_signs(keys, &[t.as_bytes(), b".", body], &expected) {
        return Err(SignatureError::Mismatch(header.to_owned()));
    }
    check_age(seconds, now, tolerance_secs, ts_header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_TOLERANCE_SECS;

    /// HMAC-SHA256 computed here, directly with the `hmac` crate, as each vendor documents.
    fn mac(key: &str, message: &[u8]) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("any key length");
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        pairs.iter().map(|(k, v)| (*k, *v)).collect()
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).expect("a time")
    }

    const STRIPE: SourceKind = SourceKind::Stripe {
        tolerance_secs: DEFAULT_TOLERANCE_SECS,
    };

    #[test]
    fn stripe_accepts_any_matching_v1_and_refuses_stale_or_ambiguous_headers() {
        let keys = SigningKeys::current("whsec_k".into());
        let body = br#"{"id":"evt_1"}"#;
        let good = hex::encode(mac("whsec_k", &[b"1000.".as_slice(), body].concat()));
        let value = format!("t=1000,v1={},v1={good},v0=abc", "00".repeat(32));
        let ok = verify_request(
            &STRIPE,
            &keys,
            &headers(&[("Stripe-Signature", &value)]),
            body,
            at(1100),
        );
        assert_eq!(ok, Ok(()));
        let stale = verify_request(
            &STRIPE,
            &keys,
            &headers(&[("Stripe-Signature", &value)]),
            body,
            at(1301),
        );
        assert!(
            matches!(stale, Err(SignatureError::Stale { age_secs: 301, .. })),
            "{stale:?}"
        );
        let twice = format!("t=1000,t=1000,v1={good}");
        let twice = verify_request(
            &STRIPE,
            &keys,
            &headers(&[("Stripe-Signature", &twice)]),
            body,
            at(1000),
        );
        assert!(matches!(twice, Err(SignatureError::Malformed(_))));
        let none = verify_request(
            &STRIPE,
            &keys,
            &headers(&[("Stripe-Signature", "t=1000")]),
            body,
            at(1000),
        );
        assert!(matches!(none, Err(SignatureError::Malformed(_))));
        let missing = verify_request(&STRIPE, &keys, &Headers::new(), body, at(1000));
        assert!(matches!(missing, Err(SignatureError::MissingHeader(_))));
    }

    #[test]
    fn generic_sources_sign_with_their_configured_header_and_encoding() {
        let kind = SourceKind::Generic {
            header: "X-Erp-Sig".into(),
            encoding: Encoding::Base64,
            timestamp_header: None,
            tolerance_secs: DEFAULT_TOLERANCE_SECS,
        };
        let keys = SigningKeys::current("erp".into());
        let body = b"{}";
        let sig = BASE64.encode(mac("erp", body));
        assert_eq!(
            verify_request(&kind, &keys, &headers(&[("x-erp-sig", &sig)]), body, at(0)),
            Ok(())
        );
        let hex_instead = hex::encode(mac("erp", body));
        let wrong = verify_request(
            &kind,
            &keys,
            &headers(&[("X-Erp-Sig", &hex_instead)]),
            body,
            at(0),
        );
        assert!(wrong.is_err());
        let error = verify_request(&kind, &keys, &Headers::new(), body, at(0)).unwrap_err();
        assert_eq!(error.to_string(), "the X-Erp-Sig header is missing");
    }

    #[test]
    fn a_shopify_signature_by_the_previous_key_verifies_only_while_it_is_accepted() {
        let body = b"{\"id\":1}";
        let old = BASE64.encode(mac("old", body));
        let h = headers(&[("X-Shopify-Hmac-Sha256", &old)]);
        let both = SigningKeys::accepting("new".into(), Some("old".into()));
        assert_eq!(
            verify_request(&SourceKind::Shopify, &both, &h, body, at(0)),
            Ok(())
        );
        let only_new = SigningKeys::current("new".into());
        let error = verify_request(&SourceKind::Shopify, &only_new, &h, body, at(0)).unwrap_err();
        assert_eq!(error, SignatureError::Mismatch(SHOPIFY_HMAC.into()));
    }

    #[test]
    fn xendit_compares_the_token_and_midtrans_the_body_signature() {
        let keys = SigningKeys::current("tok".into());
        let ok = verify_request(
            &SourceKind::Xendit,
            &keys,
            &headers(&[("X-CALLBACK-TOKEN", "tok")]),
            b"",
            at(0),
        );
        assert_eq!(ok, Ok(()));
        let near = verify_request(
            &SourceKind::Xendit,
            &keys,
            &headers(&[("x-callback-token", "tok2")]),
            b"",
            at(0),
        );
        assert!(near.is_err());

        let sha = hex::encode(Sha512::digest(b"A-1200100.00server"));
        let body = format!(
            r#"{{"order_id":"A-1","status_code":"200","gross_amount":"100.00","signature_key":"{sha}"}}"#
        );
        let doc = Json::parse(body.as_bytes()).expect("JSON");
        assert_eq!(
            verify_midtrans(&SigningKeys::current("server".into()), &doc),
            Ok(())
        );
        assert!(verify_midtrans(&SigningKeys::current("other".into()), &doc).is_err());
        let bare = Json::parse(br#"{"order_id":"A-1"}"#).expect("JSON");
        let missing = verify_midtrans(&keys, &bare).unwrap_err();
        assert_eq!(missing, SignatureError::MissingField("signature_key".into()));
    }
}
