//! Channel adapters: each sets absolute sellable levels in one sales channel's API.
//!
//! Contract of [`Channel::push`]: it never fails as a whole. Every level given ends in
//! exactly one of the report's lists: `pushed` (the channel accepted it), `failed` (with a
//! reason; not recorded, so the next run tries again) or `unmapped` (the channel has no
//! listing for that SKU). Levels are absolute, so pushing one twice is harmless.

mod generic;
mod http;
mod shopify;
mod woocommerce;

use async_trait::async_trait;
use serde::Serialize;
use spine_core::Sku;

use crate::config::{ChannelConfig, ChannelKind};
use crate::diff::Level;
use crate::secrets::ChannelCredentials;

pub use generic::{SIGNATURE_HEADER, sign};
pub use http::{HttpClient, HttpError, HttpPolicy, Pause, TokioPause};
pub use shopify::SHOPIFY_API_VERSION;

/// One SKU the channel did not accept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkuFailure {
    /// The Odoo SKU.
    pub sku: Sku,
    /// Why, for the operator (no credentials in it).
    pub reason: String,
}

/// The outcome of pushing a set of levels to one channel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Levels the channel accepted.
    pub pushed: Vec<Level>,
    /// Levels it did not accept.
    pub failed: Vec<SkuFailure>,
    /// SKUs with no listing in the channel (neither mapped nor found by lookup).
    pub unmapped: Vec<Sku>,
}

impl PushReport {
    fn fail_all(&mut self, levels: &[Level], reason: &str) {
        self.failed.extend(levels.iter().map(|l| SkuFailure {
            sku: l.sku.clone(),
            reason: reason.to_owned(),
        }));
    }
}

/// A sales channel's stock API.
#[async_trait]
pub trait Channel: Send {
    /// Sets every level in `levels` (see the module contract).
    async fn push(&mut self, levels: &[Level]) -> PushReport;
}

/// The adapter for `config`, with its credentials, sending through `http`. Lookups of
/// channel ids are cached inside the adapter, so build one per run.
pub fn build(config: &ChannelConfig, credentials: ChannelCredentials, http: HttpClient) -> Box<dyn Channel> {
    match (config.kind, credentials) {
        (ChannelKind::Shopify, ChannelCredentials::Shopify { access_token }) => {
            Box::new(shopify::Shopify::new(config, access_token, http))
        }
        (
            ChannelKind::Woocommerce,
            ChannelCredentials::Woocommerce {
                consumer_key,
                consumer_secret,
            },
        ) => Box::new(woocommerce::WooCommerce::new(
            config,
            consumer_key,
            consumer_secret,
            http,
        )),
        (ChannelKind::Http, ChannelCredentials::Http { hmac_key }) => {
            Box::new(generic::Generic::new(config, hmac_key, http))
        }
        // ChannelCredentials::fetch reads the shape of the channel's own kind, so this
        // cannot happen; answering a channel that fails everything keeps it panic-free.
        _ => Box::new(Mismatched),
    }
}

struct Mismatched;

#[async_trait]
impl Channel for Mismatched {
    async fn push(&mut self, levels: &[Level]) -> PushReport {
        let mut report = PushReport::default();
        report.fail_all(levels, "credentials of another channel kind");
        report
    }
}

/// The error chain of `e` on one line, for failure reasons.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

/// `path` below `base`'s own path (a shop installed under `/shop` keeps it).
pub(crate) fn endpoint(base: &reqwest::Url, path: &str) -> reqwest::Url {
    let mut url = base.clone();
    let prefix = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{prefix}/{path}"));
    url.set_query(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_base_path() {
        let base = reqwest::Url::parse("https://shop.example/store/").expect("url");
        assert_eq!(
            endpoint(&base, "wp-json/x").as_str(),
            "https://shop.example/store/wp-json/x"
        );
        let base = reqwest::Url::parse("http://127.0.0.1:9").expect("url");
        assert_eq!(endpoint(&base, "a/b").as_str(), "http://127.0.0.1:9/a/b");
    }
}
