//! The function's configuration, read once at cold start from environment variables.
//!
//! Every variable the function reads is named in [`VARIABLES`], so template.yaml can be
//! checked against this list (one source of truth for names).

use spine_core::Flow;
use spine_ingest::pipeline::DEFAULT_MAX_BODY_BYTES;
use spine_ingest::{Limits, Sources};
use std::collections::BTreeMap;

/// The sources as JSON, keyed by source name (see `spine_ingest::config`), e.g.
/// `{"shopify":{"kind":"shopify","secret":"spine/webhooks/shopify"}}`. Required.
pub const WEBHOOK_SOURCES: &str = "WEBHOOK_SOURCES";
/// The DynamoDB table of the event ledger. Required.
pub const LEDGER_TABLE: &str = "LEDGER_TABLE";
/// The SQS queue URL of the order flow. Required.
pub const ORDER_QUEUE_URL: &str = "ORDER_QUEUE_URL";
/// The SQS queue URL of the payment flow. Required.
pub const PAYMENT_QUEUE_URL: &str = "PAYMENT_QUEUE_URL";
/// The SQS queue URL of the refund flow. Optional: refunds go to the payment queue
/// when unset (the payment sync handles refunds as credit notes).
pub const REFUND_QUEUE_URL: &str = "REFUND_QUEUE_URL";
/// The SQS queue URL of the shipment flow. Required.
pub const SHIPMENT_QUEUE_URL: &str = "SHIPMENT_QUEUE_URL";
/// Largest accepted body in bytes. Optional, default 262144 (the SQS message limit).
pub const WEBHOOK_MAX_BODY_BYTES: &str = "WEBHOOK_MAX_BODY_BYTES";
/// How long after a rotation the previous secret is still accepted, in seconds.
/// Optional, default 86400.
pub const WEBHOOK_SECRET_GRACE_SECS: &str = "WEBHOOK_SECRET_GRACE_SECS";
/// How long a fetched secret is cached, in seconds. Optional, default 300.
pub const WEBHOOK_SECRET_CACHE_SECS: &str = "WEBHOOK_SECRET_CACHE_SECS";

/// Every environment variable the function reads (besides the AWS SDK's own, such as
/// `AWS_REGION` and `AWS_ENDPOINT_URL`).
pub const VARIABLES: [&str; 9] = [
    WEBHOOK_SOURCES,
    LEDGER_TABLE,
    ORDER_QUEUE_URL,
    PAYMENT_QUEUE_URL,
    REFUND_QUEUE_URL,
    SHIPMENT_QUEUE_URL,
    WEBHOOK_MAX_BODY_BYTES,
    WEBHOOK_SECRET_GRACE_SECS,
    WEBHOOK_SECRET_CACHE_SECS,
];

/// Why the configuration cannot be used: the function refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is not valid: {problem}")]
    Invalid { name: &'static str, problem: String },
    #[error("environment variable WEBHOOK_SOURCES: {0}")]
    Sources(#[from] spine_ingest::config::ConfigError),
}

/// The function's typed configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub sources: Sources,
    pub ledger_table: String,
    /// The queue URL of every flow.
    pub queues: BTreeMap<Flow, String>,
    pub limits: Limits,
    pub secret_grace: chrono::Duration,
    pub secret_cache: std::time::Duration,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match lookup(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(text) => text.trim().parse().map_err(|_| ConfigError::Invalid {
                    name,
                    problem: format!("{text:?} is not a whole number"),
                }),
            }
        };
        let payment = required(PAYMENT_QUEUE_URL)?;
        let refund = lookup(REFUND_QUEUE_URL)
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| payment.clone());
        let queues = BTreeMap::from([
            (Flow::Order, required(ORDER_QUEUE_URL)?),
            (Flow::Payment, payment),
            (Flow::Refund, refund),
            (Flow::Shipment, required(SHIPMENT_QUEUE_URL)?),
        ]);
        let max_body = number(WEBHOOK_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES as u64)?;
        let grace = number(WEBHOOK_SECRET_GRACE_SECS, 86_400)?;
        Ok(Self {
            sources: Sources::from_json(&required(WEBHOOK_SOURCES)?)?,
            ledger_table: required(LEDGER_TABLE)?,
            queues,
            limits: Limits {
                max_body_bytes: usize::try_from(max_body).unwrap_or(usize::MAX),
            },
            secret_grace: chrono::Duration::seconds(i64::try_from(grace).unwrap_or(i64::MAX / 1000)),
            secret_cache: std::time::Duration::from_secs(number(WEBHOOK_SECRET_CACHE_SECS, 300)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const BASE: [(&str, &str); 5] = [
        (WEBHOOK_SOURCES, r#"{"shopify":{"kind":"shopify","secret":"s"}}"#),
        (LEDGER_TABLE, "ledger"),
        (ORDER_QUEUE_URL, "http://q/order"),
        (PAYMENT_QUEUE_URL, "http://q/payment"),
        (SHIPMENT_QUEUE_URL, "http://q/shipment"),
    ];

    #[test]
    fn defaults_apply_and_refunds_share_the_payment_queue() {
        let config = Config::from_lookup(env(&BASE)).unwrap();
        assert_eq!(config.queues[&Flow::Refund], "http://q/payment");
        assert_eq!(config.limits.max_body_bytes, 262_144);
        assert_eq!(config.secret_grace, chrono::Duration::hours(24));
    }

    #[test]
    fn names_agree_with_the_aws_adapters() {
        assert_eq!(LEDGER_TABLE, spine_aws::ledger::ENV_LEDGER_TABLE);
        let queues: BTreeMap<Flow, &str> = spine_aws::queue::QueueConfig::ENV
            .iter()
            .map(|(flow, queue, _dlq)| (*flow, *queue))
            .collect();
        assert_eq!(queues[&Flow::Order], ORDER_QUEUE_URL);
        assert_eq!(queues[&Flow::Payment], PAYMENT_QUEUE_URL);
        assert_eq!(queues[&Flow::Refund], REFUND_QUEUE_URL);
        assert_eq!(queues[&Flow::Shipment], SHIPMENT_QUEUE_URL);
    }

    #[test]
    fn missing_and_invalid_variables_are_named() {
        let error = Config::from_lookup(env(&BASE[1..])).unwrap_err();
        assert!(error.to_string().contains(WEBHOOK_SOURCES), "{error}");
        let mut bad = BASE.to_vec();
        bad.push((WEBHOOK_MAX_BODY_BYTES, "lots"));
        let error = Config::from_lookup(env(&bad)).unwrap_err();
        assert!(error.to_string().contains(WEBHOOK_MAX_BODY_BYTES), "{error}");
        for name in VARIABLES {
            assert!(name.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        }
    }
}
