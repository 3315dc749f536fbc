//! Metrics as CloudWatch embedded metric format (EMF) lines, named in one place.
//!
//! One line per channel per run, in namespace [`NAMESPACE`] with dimension `Channel`:
//! [`METRIC_PUSHED`], [`METRIC_FAILED`] (levels) and [`METRIC_CHANNEL_FAILED`] (1 when the
//! channel pushed nothing while it had something to push, else 0). The alarm "a channel
//! keeps failing" is `StockPushChannelFailed >= 1` for N consecutive schedule periods.

use serde_json::{Value, json};

use crate::run::{ChannelStatus, RunSummary};

/// CloudWatch namespace of every spine metric.
pub const NAMESPACE: &str = "OdooSpine";
/// Levels accepted by a channel in a run.
pub const METRIC_PUSHED: &str = "StockPushPushed";
/// Levels a channel did not accept in a run (retried next run).
pub const METRIC_FAILED: &str = "StockPushFailed";
/// 1 when a channel failed as a whole in a run: the alarm's metric.
pub const METRIC_CHANNEL_FAILED: &str = "StockPushChannelFailed";

/// The EMF lines of a run, one JSON object per channel. The Lambda writes each to
/// stdout as a line of its own, which is how CloudWatch Logs extracts the metrics.
pub fn emf_lines(summary: &RunSummary) -> Vec<Value> {
    let timestamp = summary.started_at.timestamp_millis();
    summary
        .channels
        .iter()
        .map(|c| {
            let metric = |name: &str| json!({"Name": name, "Unit": "Count"});
            json!({
                "_aws": {
                    "Timestamp": timestamp,
                    "CloudWatchMetrics": [{
                        "Namespace": NAMESPACE,
                        "Dimensions": [["Channel"]],
                        "Metrics": [metric(METRIC_PUSHED), metric(METRIC_FAILED), metric(METRIC_CHANNEL_FAILED)],
                    }],
                },
                "Channel": c.channel,
                METRIC_PUSHED: c.pushed,
                METRIC_FAILED: c.failed,
                METRIC_CHANNEL_FAILED: u8::from(c.status == ChannelStatus::Failed),
            })
        })
        .collect()
}
