//! One stock-push run: read Odoo once per stock scope, then per channel load its last
//! pushed levels, push what changed, record what was accepted, and summarize.
//!
//! Nothing here fails the run as a whole: an Odoo, state or credential failure fails the
//! channels it concerns, with the reason in their summary, and the other channels go on.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use spine_core::Sku;
use spine_odoo::OdooClient;
use tracing::{info, instrument, warn};

use crate::channels::{self, HttpClient, PushReport, SkuFailure, chain};
use crate::config::{ChannelConfig, ChannelKind, StockScope};
use crate::diff;
use crate::secrets::{ChannelCredentials, SecretSource};
use crate::source::{FreeStock, read_free_stock};
use crate::state::StockState;

/// At most this many failures are listed per channel in the summary (all are counted).
pub const MAX_LISTED_FAILURES: usize = 50;

/// How a channel's run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelStatus {
    /// Every changed level was accepted (or there was nothing to push).
    Ok,
    /// Some levels failed; they are retried next run.
    Partial,
    /// Nothing could be pushed: the alarm metric fires.
    Failed,
}

/// One channel's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChannelSummary {
    /// Channel name.
    pub channel: String,
    /// Channel kind.
    pub kind: ChannelKind,
    /// Outcome.
    pub status: ChannelStatus,
    /// Levels accepted and recorded this run.
    pub pushed: usize,
    /// SKUs whose level had not changed.
    pub unchanged: usize,
    /// Levels not accepted (retried next run).
    pub failed: usize,
    /// SKUs the channel has no listing for.
    pub unmapped: usize,
    /// The first [`MAX_LISTED_FAILURES`] failures.
    pub failures: Vec<SkuFailure>,
    /// Why the whole channel failed, when it did before pushing anything.
    pub error: Option<String>,
}

/// The run's result, logged as one line and returned by the function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// Odoo HTTP round trips the run made.
    pub odoo_round_trips: u64,
    /// Products read per scope (`all`, `location:8`, `warehouse:2`).
    pub products_read: BTreeMap<String, usize>,
    /// One entry per configured channel, in configuration order.
    pub channels: Vec<ChannelSummary>,
}

impl RunSummary {
    /// Sum of `pushed` over the channels.
    pub fn pushed(&self) -> usize {
        self.channels.iter().map(|c| c.pushed).sum()
    }

    /// Sum of `failed` over the channels.
    pub fn failed(&self) -> usize {
        self.channels.iter().map(|c| c.failed).sum()
    }
}

/// The stock push with its clients, built once at cold start.
pub struct StockPush {
    odoo: OdooClient,
    state: StockState,
    secrets: Arc<dyn SecretSource>,
    http: HttpClient,
    page_size: u32,
}

fn scope_label(scope: StockScope) -> String {
    match scope {
        StockScope::All => "all".to_owned(),
        StockScope::Location(id) => format!("location:{id}"),
        StockScope::Warehouse(id) => format!("warehouse:{id}"),
    }
}

impl StockPush {
    /// Wires the clients; `page_size` products are read per Odoo round trip.
    pub fn new(
        odoo: OdooClient,
        state: StockState,
        secrets: Arc<dyn SecretSource>,
        http: HttpClient,
        page_size: u32,
    ) -> Self {
        Self {
            odoo,
            state,
            secrets,
            http,
            page_size: page_size.max(1),
        }
    }

    /// The Odoo client (for its round-trip metrics).
    pub fn odoo(&self) -> &OdooClient {
        &self.odoo
    }

    /// Runs once over `channels` and answers the summary (also logged as one line).
    #[instrument(skip_all, fields(flow = "stock", channels = channels.len()))]
    pub async fn run(&self, channels: &[ChannelConfig]) -> RunSummary {
        let started_at = Utc::now();
        let before = self.odoo.metrics();
        // The Odoo read and the state reads are independent: overlap them.
        let (stock, states) = tokio::join!(self.read_stock(channels), self.read_states(channels));
        let mut summaries = Vec::with_capacity(channels.len());
        for (channel, last) in channels.iter().zip(states) {
            let summary = match (&stock[&channel.scope], last) {
                (Err(reason), _) => failed_channel(channel, format!("Odoo read failed: {reason}")),
                (Ok(_), Err(reason)) => failed_channel(channel, format!("state read failed: {reason}")),
                (Ok(free), Ok(last)) => self.run_channel(channel, free, &last).await,
            };
            summaries.push(summary);
        }
        let products_read = stock
            .iter()
            .map(|(scope, r)| (scope_label(*scope), r.as_ref().map_or(0, |s| s.by_sku.len())))
            .collect();
        let summary = RunSummary {
            started_at,
            odoo_round_trips: self.odoo.metrics().since(&before).round_trips,
            products_read,
            channels: summaries,
        };
        let line = serde_json::to_string(&summary).unwrap_or_default();
        info!(summary = %line, "stock push run");
        summary
    }

    /// Free stock once per distinct scope.
    async fn read_stock(
        &self,
        channels: &[ChannelConfig],
    ) -> BTreeMap<StockScope, Result<FreeStock, String>> {
        let mut stock = BTreeMap::new();
        for channel in channels {
            if let Entry::Vacant(slot) = stock.entry(channel.scope) {
                let read = read_free_stock(&self.odoo, channel.scope, self.page_size).await;
                slot.insert(read.map_err(|e| chain(&e)));
            }
        }
        stock
    }

    /// Last pushed levels per channel, in channel order.
    async fn read_states(&self, channels: &[ChannelConfig]) -> Vec<Result<HashMap<Sku, i64>, String>> {
        let mut states = Vec::with_capacity(channels.len());
        for channel in channels {
            states.push(self.state.last_pushed(&channel.name).await.map_err(|e| chain(&e)));
        }
        states
    }

    async fn run_channel(
        &self,
        channel: &ChannelConfig,
        free: &FreeStock,
        last: &HashMap<Sku, i64>,
    ) -> ChannelSummary {
        let plan = diff::plan(&free.by_sku, channel.buffer, last);
        if plan.changed.is_empty() {
            return summarize(channel, plan.unchanged, PushReport::default(), None);
        }
        let kind = channel.kind;
        let credentials =
            match ChannelCredentials::fetch(self.secrets.as_ref(), &channel.credentials_secret, kind).await {
                Ok(c) => c,
                Err(e) => return failed_channel(channel, format!("credentials: {}", chain(&e))),
            };
        let mut adapter = channels::build(channel, credentials, self.http.clone());
        let report = adapter.push(&plan.changed).await;
        let mut error = None;
        if let Err(e) = self.state.record(&channel.name, &report.pushed, Utc::now()).await {
            // Accepted but not recorded: the next run pushes the same levels again, which
            // is harmless; the summary says so.
            warn!(channel = channel.name.as_str(), error = %chain(&e), "pushed levels not recorded");
            error = Some(format!("pushed levels not recorded: {}", chain(&e)));
        }
        summarize(channel, plan.unchanged, report, error)
    }
}

fn failed_channel(channel: &ChannelConfig, reason: String) -> ChannelSummary {
    warn!(channel = channel.name.as_str(), reason = %reason, "stock push channel failed");
    ChannelSummary {
        channel: channel.name.to_string(),
        kind: channel.kind,
        status: ChannelStatus::Failed,
        pushed: 0,
        unchanged: 0,
        failed: 0,
        unmapped: 0,
        failures: Vec::new(),
        error: Some(reason),
    }
}

fn summarize(
    channel: &ChannelConfig,
    unchanged: usize,
    report: PushReport,
    error: Option<String>,
) -> ChannelSummary {
    let (pushed, failed) = (report.pushed.len(), report.failed.len());
    let status = match (pushed, failed) {
        (_, 0) if error.is_none() => ChannelStatus::Ok,
        (0, _) => ChannelStatus::Failed,
        _ => ChannelStatus::Partial,
    };
    let mut failures = report.failed;
    failures.truncate(MAX_LISTED_FAILURES);
    ChannelSummary {
        channel: channel.name.to_string(),
        kind: channel.kind,
        status,
        pushed,
        unchanged,
        failed,
        unmapped: report.unmapped.len(),
        failures,
        error,
    }
}
