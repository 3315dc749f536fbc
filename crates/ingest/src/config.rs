//! Sources as configuration: which source names exist, what kind of system each one is
//! (and so how it signs and what its payloads look like), and its per-source options.
//!
//! The configuration is one JSON object keyed by source name, e.g.
//! `{"shopify":{"kind":"shopify","secret":"spine/webhooks/shopify"},
//!   "stripe":{"kind":"stripe","secret":"spine/webhooks/stripe","order_source":"shopify"}}`.
//! Options that do not apply to a kind are refused, so a typo cannot silently weaken a
//! check.

use serde::Deserialize;
use spine_core::{Flow, SourceName};
use std::collections::BTreeMap;

/// Stripe's own default tolerance for the `t=` timestamp of `Stripe-Signature`.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;
/// The generic source's signature header when none is configured.
pub const DEFAULT_GENERIC_HEADER: &str = "X-Signature";

/// How a generic source encodes its HMAC in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Hex,
    Base64,
}

/// What kind of system a source is, with the options that kind takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    Shopify,
    WooCommerce,
    Stripe {
        tolerance_secs: u64,
    },
    Midtrans,
    Xendit,
    Tokopedia,
    /// An in-house system signing with HMAC-SHA256 of the body (or of `"{timestamp}.{body}"`
    /// when a timestamp header is configured).
    Generic {
        header: String,
        encoding: Encoding,
        timestamp_header: Option<String>,
        tolerance_secs: u64,
    },
}

impl SourceKind {
    /// The flow a source of this kind mostly feeds: shops orders, gateways payments,
    /// generic sources (carriers) shipments. Used to file events of ignored topics,
    /// which have no canonical event to take a flow from.
    pub fn home_flow(&self) -> Flow {
        match self {
            Self::Shopify | Self::WooCommerce | Self::Tokopedia => Flow::Order,
            Self::Stripe { .. } | Self::Midtrans | Self::Xendit => Flow::Payment,
            Self::Generic { .. } => Flow::Shipment,
        }
    }
}

/// One configured source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    pub name: SourceName,
    pub kind: SourceKind,
    /// The Secrets Manager secret holding this source's signing secret or token.
    pub secret: String,
    /// The source whose order ids this source's payments, refunds and shipments refer to
    /// (a Stripe payment for a Shopify order names `shopify`); the source itself by default.
    pub order_source: SourceName,
}

/// Why the sources configuration cannot be used. Fail fast at cold start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the sources configuration is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("source {name:?}: {problem}")]
    Source { name: String, problem: String },
    #[error("no source is configured")]
    Empty,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceSpec {
    kind: String,
    secret: String,
    order_source: Option<String>,
    tolerance_secs: Option<u64>,
    header: Option<String>,
    encoding: Option<Encoding>,
    timestamp_header: Option<String>,
}

/// Every configured source, by name.
#[derive(Debug, Clone, Default)]
pub struct Sources(BTreeMap<String, SourceConfig>);

impl Sources {
    /// Parses the JSON configuration (see the module documentation).
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let specs: BTreeMap<String, SourceSpec> = serde_json::from_str(text)?;
        if specs.is_empty() {
            return Err(ConfigError::Empty);
        }
        let mut sources = BTreeMap::new();
        for (name, spec) in specs {
            let config = build(&name, spec).map_err(|problem| ConfigError::Source {
                name: name.clone(),
                problem,
            })?;
            sources.insert(name, config);
        }
        Ok(Self(sources))
    }

    /// Adds or replaces one source (for tests and programmatic setups).
    pub fn insert(&mut self, config: SourceConfig) {
        self.0.insert(config.name.as_str().to_owned(), config);
    }

    /// The source configured under `name`, if any.
    pub fn get(&self, name: &str) -> Option<&SourceConfig> {
        self.0.get(name)
    }

    /// Every configured source, in name order.
    pub fn iter(&self) -> impl Iterator<Item = &SourceConfig> {
        self.0.values()
    }
}

fn build(name: &str, spec: SourceSpec) -> Result<SourceConfig, String> {
    let name = SourceName::parse(name).map_err(|e| e.to_string())?;
    if spec.secret.trim().is_empty() {
        return Err("secret must name a Secrets Manager secret".into());
    }
    let order_source = match &spec.order_source {
        Some(other) => SourceName::parse(other).map_err(|e| format!("order_source: {e}"))?,
        None => name.clone(),
    };
    let kind = kind(&spec)?;
    Ok(SourceConfig {
        name,
        kind,
        secret: spec.secret,
        order_source,
    })
}

fn kind(spec: &SourceSpec) -> Result<SourceKind, String> {
    let generic_only = spec.header.is_some() || spec.encoding.is_some() || spec.timestamp_header.is_some();
    if spec.kind != "generic" && generic_only {
        return Err("header, encoding and timestamp_header apply to kind generic only".into());
    }
    let timed = matches!(spec.kind.as_str(), "stripe" | "generic");
    if !timed && spec.tolerance_secs.is_some() {
        return Err("tolerance_secs applies to kinds stripe and generic only".into());
    }
    let tolerance_secs = spec.tolerance_secs.unwrap_or(DEFAULT_TOLERANCE_SECS);
    Ok(match spec.kind.as_str() {
        "shopify" => SourceKind::Shopify,
        "woocommerce" => SourceKind::WooCommerce,
        "stripe" => SourceKind::Stripe { tolerance_secs },
        "midtrans" => SourceKind::Midtrans,
        "xendit" => SourceKind::Xendit,
        "tokopedia" => SourceKind::Tokopedia,
        "generic" => SourceKind::Generic {
            header: spec
                .header
                .clone()
                .unwrap_or_else(|| DEFAULT_GENERIC_HEADER.to_owned()),
            encoding: spec.encoding.unwrap_or(Encoding::Hex),
            timestamp_header: spec.timestamp_header.clone(),
            tolerance_secs,
        },
        other => {
            return Err(format!(
                "unknown kind {other:?} (expected shopify, woocommerce, stripe, midtrans, \
                 xendit, tokopedia or generic)"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_configuration_parses() {
        let sources = Sources::from_json(
            r#"{"shopify":{"kind":"shopify","secret":"s/shopify"},
                "stripe":{"kind":"stripe","secret":"s/stripe","order_source":"shopify","tolerance_secs":60},
                "erp-eu":{"kind":"generic","secret":"s/erp","header":"X-Erp-Sig","encoding":"base64","timestamp_header":"X-Erp-Time"}}"#,
        )
        .unwrap();
        let stripe = sources.get("stripe").unwrap();
        assert_eq!(stripe.kind, SourceKind::Stripe { tolerance_secs: 60 });
        assert_eq!(stripe.order_source.as_str(), "shopify");
        assert_eq!(sources.get("shopify").unwrap().order_source.as_str(), "shopify");
        let SourceKind::Generic { header, encoding, .. } = &sources.get("erp-eu").unwrap().kind else {
            panic!("generic expected");
        };
        assert_eq!((header.as_str(), *encoding), ("X-Erp-Sig", Encoding::Base64));
        assert!(sources.get("nope").is_none());
    }

    #[test]
    fn mistakes_are_refused_with_the_source_named() {
        for bad in [
            r#"{"shopify":{"kind":"shopify","secret":"s","tolerance_secs":5}}"#,
            r#"{"shopify":{"kind":"shopify","secret":"s","header":"X"}}"#,
            r#"{"shop":{"kind":"magento","secret":"s"}}"#,
            r#"{"Shop":{"kind":"shopify","secret":"s"}}"#,
            r#"{"shop":{"kind":"shopify","secret":" "}}"#,
            r#"{"shop":{"kind":"shopify","secret":"s","typo":1}}"#,
            r#"{}"#,
        ] {
            assert!(Sources::from_json(bad).is_err(), "{bad}");
        }
    }
}
