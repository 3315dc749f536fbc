//! The run's telemetry: one summary log line and CloudWatch embedded metric format
//! (EMF) lines, named in one place so template.yaml's alarms can watch them.
//!
//! Namespace [`NAMESPACE`]: [`METRIC_EXCEPTIONS`] once per kind with dimension
//! [`DIMENSION_KIND`] (`missing`, `unknown`, `duplicate`, `mismatch`, `stuck`, `parked`),
//! and [`METRIC_EXCEPTIONS_TOTAL`] without dimensions.

use serde_json::{Value, json};

use crate::report::Report;

/// CloudWatch namespace of every spine metric.
pub const NAMESPACE: &str = "OdooSpine";
/// Exceptions of one kind in a run.
pub const METRIC_EXCEPTIONS: &str = "ReconciliationExceptions";
/// All exceptions of a run: the alarm "reconciliation found anything".
pub const METRIC_EXCEPTIONS_TOTAL: &str = "ReconciliationExceptionsTotal";
/// The dimension of [`METRIC_EXCEPTIONS`].
pub const DIMENSION_KIND: &str = "Kind";

/// The EMF lines of a run: one per kind, then the total. Each is written to stdout as a
/// line of its own, which is how CloudWatch Logs extracts the metrics.
pub fn emf_lines(report: &Report) -> Vec<Value> {
    let timestamp = report.started_at.timestamp_millis();
    let metric = |name: &str| json!({"Name": name, "Unit": "Count"});
    let mut lines: Vec<Value> = report
        .counts
        .iter()
        .map(|(kind, count)| {
            json!({
                "_aws": {"Timestamp": timestamp, "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE, "Dimensions": [[DIMENSION_KIND]], "Metrics": [metric(METRIC_EXCEPTIONS)],
                }]},
                DIMENSION_KIND: kind.as_str(),
                METRIC_EXCEPTIONS: count,
                "run_id": report.run_id,
            })
        })
        .collect();
    lines.push(json!({
        "_aws": {"Timestamp": timestamp, "CloudWatchMetrics": [{
            "Namespace": NAMESPACE, "Dimensions": [[]], "Metrics": [metric(METRIC_EXCEPTIONS_TOTAL)],
        }]},
        METRIC_EXCEPTIONS_TOTAL: report.total_exceptions(),
        "run_id": report.run_id,
    }));
    lines
}

/// The one summary line: run id, window, events, exceptions per kind, round trips.
pub fn summary_line(report: &Report) -> String {
    let accepted: u64 = report.days.iter().map(|d| d.accepted).sum();
    let applied: u64 = report.days.iter().map(|d| d.applied).sum();
    let kinds: Vec<String> = report
        .counts
        .iter()
        .map(|(k, n)| format!("{}={n}", k.as_str()))
        .collect();
    format!(
        "reconcile run {} window {}..{} ({}): accepted={accepted} applied={applied} exceptions={} [{}] odoo_round_trips={}",
        report.run_id,
        report.window.from,
        report.window.to,
        report.window.utc_offset,
        report.total_exceptions(),
        kinds.join(" "),
        report.odoo_round_trips
    )
}
