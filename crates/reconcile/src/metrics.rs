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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ExceptionKind, REPORT_VERSION, WindowInfo};

    #[test]
    fn one_line_per_kind_and_a_total_under_the_documented_names() {
        let mut counts: std::collections::BTreeMap<ExceptionKind, u64> =
            ExceptionKind::ALL.iter().map(|k| (*k, 0)).collect();
        counts.insert(ExceptionKind::Parked, 2);
        counts.insert(ExceptionKind::Missing, 1);
        let day = "2026-11-20".parse().unwrap();
        let report = Report {
            version: REPORT_VERSION.into(),
            run_id: "r1".into(),
            started_at: "2026-11-21T01:00:00Z".parse().unwrap(),
            finished_at: "2026-11-21T01:00:01Z".parse().unwrap(),
            window: WindowInfo {
                from: day,
                to: day,
                utc_offset: "+00:00".into(),
            },
            days: vec![],
            parked: vec![],
            exceptions: vec![],
            counts,
            odoo_round_trips: 3,
        };
        let lines = emf_lines(&report);
        assert_eq!(lines.len(), 7);
        assert_eq!(lines[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"], "OdooSpine");
        assert_eq!(lines[0]["Kind"], "missing");
        assert_eq!(lines[0]["ReconciliationExceptions"], 1);
        let parked = lines.iter().find(|l| l["Kind"] == "parked").unwrap();
        assert_eq!(parked["ReconciliationExceptions"], 2);
        assert_eq!(lines[6]["ReconciliationExceptionsTotal"], 3);
        let summary = summary_line(&report);
        assert!(
            summary.contains("run r1") && summary.contains("exceptions=3") && summary.contains("parked=2")
        );
    }
}
