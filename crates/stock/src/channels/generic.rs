//! The generic HTTP target, for systems with no adapter of their own.
//!
//! `POST <base_url>` with `Content-Type: application/json` and the body
//! `{"channel": "...", "levels": [{"sku": "...", "quantity": 3}], "pushed_at": "RFC 3339"}`,
//! signed in [`SIGNATURE_HEADER`] as `sha256=<hex HMAC-SHA256 of the exact body bytes>` with
//! the channel's `hmac_key`. `sku` is the channel's id from `sku_map`, else the Odoo SKU.
//! Any 2xx accepts the whole batch, except the SKUs the answer lists as
//! `{"rejected": [{"sku": "...", "reason": "..."}]}` (an empty or non-JSON body rejects none).

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;
use spine_core::{Sku, SourceName};

use super::http::HttpClient;
use super::{Channel, PushReport, SkuFailure, chain};
use crate::config::ChannelConfig;
use crate::diff::Level;

/// The signature header of the generic target.
pub const SIGNATURE_HEADER: &str = "X-Spine-Signature";

/// `sha256=<hex>` of `body` under `key`, as sent in [`SIGNATURE_HEADER`].
pub fn sign(key: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail; an empty MAC would only make
    // the receiver refuse the request, never leak anything.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub(super) struct Generic {
    channel: SourceName,
    url: reqwest::Url,
    key: SecretString,
    sku_map: BTreeMap<Sku, String>,
    batch: usize,
    http: HttpClient,
}

#[derive(Deserialize, Default)]
struct Answer {
    #[serde(default)]
    rejected: Vec<Rejected>,
}

#[derive(Deserialize)]
struct Rejected {
    sku: String,
    #[serde(default)]
    reason: String,
}

impl Generic {
    pub(super) fn new(config: &ChannelConfig, key: SecretString, http: HttpClient) -> Self {
        Self {
            channel: config.name.clone(),
            url: config.base_url.clone(),
            key,
            sku_map: config.sku_map.clone(),
            batch: config.batch_size,
            http,
        }
    }

    fn channel_id<'a>(&'a self, sku: &'a Sku) -> &'a str {
        self.sku_map.get(sku).map_or(sku.as_str(), String::as_str)
    }

    async fn push_batch(&self, levels: &[Level], report: &mut PushReport) {
        let items: Vec<_> = levels
            .iter()
            .map(|l| json!({"sku": self.channel_id(&l.sku), "quantity": l.quantity}))
            .collect();
        let body = json!({
            "channel": self.channel.as_str(),
            "levels": items,
            "pushed_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        })
        .to_string();
        let signature = sign(self.key.expose_secret().as_bytes(), body.as_bytes());
        let sent = self
            .http
            .send(|| {
                self.http
                    .client()
                    .post(self.url.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header(SIGNATURE_HEADER, &signature)
                    .body(body.clone())
            })
            .await;
        let answer = match sent {
            Ok(bytes) => serde_json::from_slice::<Answer>(&bytes).unwrap_or_default(),
            Err(e) => return report.fail_all(levels, &chain(&e)),
        };
        let rejected: HashMap<String, String> =
            answer.rejected.into_iter().map(|r| (r.sku, r.reason)).collect();
        for level in levels {
            match rejected.get(self.channel_id(&level.sku)) {
                Some(reason) => report.failed.push(SkuFailure {
                    sku: level.sku.clone(),
                    reason: format!("rejected by the target: {reason}"),
                }),
                None => report.pushed.push(level.clone()),
            }
        }
    }
}

#[async_trait]
impl Channel for Generic {
    async fn push(&mut self, levels: &[Level]) -> PushReport {
        let mut report = PushReport::default();
        for batch in levels.chunks(self.batch) {
            self.push_batch(batch, &mut report).await;
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body_in_hex() {
        // RFC 4231 test case 2.
        let sig = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_ne!(sign(b"other", b"what do ya want for nothing?"), sig);
    }
}
