//! What a proof run does: its size, its sources and the rates of every injected fault.

use crate::plan::Shop;
use std::time::Duration;

/// The scenario's settings. `Default` is the local run (2,000 orders).
#[derive(Clone, Debug)]
pub struct ScenarioConfig {
    pub orders: usize,
    /// Shops the orders come from (their gateways and carrier follow).
    pub sources: Vec<Shop>,
    /// Every webhook is delivered 1..=dup_max times.
    pub dup_max: u32,
    /// Share of events whose repeated deliveries are sent at the same time.
    pub concurrent_share: f64,
    pub rate_503: f64,
    pub rate_429: f64,
    pub rate_timeout: f64,
    pub rate_drop: f64,
    /// Kill a busy sync worker process this often (`None`: never).
    pub kill_every: Option<Duration>,
    /// Rotate the Odoo API key half-way through the deliveries.
    pub rotate_key: bool,
    /// Malformed, oversized, forged and stale webhooks per order.
    pub bad_share: f64,
    /// Orders naming a SKU Odoo does not have yet.
    pub unknown_sku_share: f64,
    pub refund_share: f64,
    pub ship_share: f64,
    pub seed: u64,
    /// Webhook requests in flight at once.
    pub senders: usize,
    /// Use `target/release` binaries instead of `target/debug`.
    pub release: bool,
    /// The work queues' visibility timeout during the run (see README: the template's
    /// 360 s would make every killed batch wait six minutes).
    pub visibility: Duration,
    /// Longest wait for the spine to go quiet, per phase.
    pub settle_timeout: Duration,
    /// First and longest wait of an event waiting on another (template parameters
    /// DependencyRetrySeconds / DependencyRetryMaxSeconds). The template's 30 s to 1 h
    /// suits production; a run of a few minutes needs seconds.
    pub dependency_retry: (Duration, Duration),
    /// Turn idempotency layers 1 and 2 off (`SPINE_UNSAFE_SKIP_IDEMPOTENCY`): the run
    /// that shows the verdict fails without them.
    pub skip_idempotency: bool,
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        Self {
            orders: 2000,
            sources: vec![Shop::Shopify, Shop::WooCommerce],
            dup_max: 5,
            concurrent_share: 0.3,
            rate_503: 0.03,
            rate_429: 0.03,
            rate_timeout: 0.003,
            rate_drop: 0.02,
            kill_every: Some(Duration::from_secs(10)),
            rotate_key: true,
            bad_share: 0.05,
            unknown_sku_share: 0.02,
            refund_share: 0.2,
            ship_share: 0.5,
            seed: 20261123,
            senders: 16,
            release: false,
            visibility: Duration::from_secs(60),
            settle_timeout: Duration::from_secs(20 * 60),
            dependency_retry: (Duration::from_secs(10), Duration::from_secs(300)),
            skip_idempotency: false,
        }
    }
}

impl ScenarioConfig {
    /// How many bad webhooks are mixed in (at least 4 when any are asked for: one of
    /// each kind).
    pub fn bad_count(&self) -> usize {
        if self.bad_share <= 0.0 {
            return 0;
        }
        ((self.orders as f64 * self.bad_share).ceil() as usize).max(4)
    }

    /// True when any Odoo fault is injected.
    pub fn odoo_faults(&self) -> bool {
        self.rate_503 + self.rate_429 + self.rate_timeout + self.rate_drop > 0.0
    }
}
