//! The run's measurements: latency and throughput from the ledger's own timestamps,
//! Odoo round trips from the simulator's request counter, SQS requests from the local
//! pollers' counters, DynamoDB requests from the code paths, cold starts and memory
//! from the local host, and the AWS cost those counts imply at list prices.

use crate::drive::Driven;
use crate::spine::Spine;
use anyhow::Result;
use chrono::{DateTime, Utc};
use spine_core::Flow;
use spine_core::ledger::{Ledger, LedgerEntry, LedgerStatus};
use std::fmt::Write as _;
use std::time::Duration;

/// us-east-1 list prices used for the estimate (USD).
pub mod prices {
    /// Lambda, per request.
    pub const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
    /// Lambda arm64, per GB-second.
    pub const LAMBDA_GB_S: f64 = 0.000_013_333_4;
    /// SQS standard, per request (64 KB chunk).
    pub const SQS_REQUEST: f64 = 0.40 / 1e6;
    /// DynamoDB on-demand, per write request unit.
    pub const DDB_WRITE: f64 = 1.25 / 1e6;
    /// DynamoDB on-demand, per read request unit.
    pub const DDB_READ: f64 = 0.25 / 1e6;
    /// API Gateway HTTP API, per request.
    pub const HTTP_REQUEST: f64 = 1.00 / 1e6;
}

/// Counters sampled from the host before and after the measured phase.
#[derive(Clone, Debug, Default)]
pub struct Counters {
    pub odoo_requests: u64,
    /// Non-empty receives (each followed by at most one DeleteMessageBatch).
    pub sqs_batches: u64,
    pub sqs_deleted: u64,
}

/// Samples the counters now.
pub fn sample(spine: &Spine) -> Counters {
    let mut counters = Counters {
        odoo_requests: spine.host.sim.as_ref().map_or(0, |s| s.stats().requests),
        ..Counters::default()
    };
    for stats in spine.host.poll_stats.values() {
        let stats = stats.lock().unwrap_or_else(|e| e.into_inner());
        counters.sqs_batches += stats.batches;
        counters.sqs_deleted += stats.deleted;
    }
    counters
}

/// Every ledger entry received today or yesterday (UTC), all flows.
pub async fn entries(ledger: &dyn Ledger) -> Result<Vec<LedgerEntry>> {
    let today = Utc::now().date_naive();
    let mut out = Vec::new();
    for day in [today.pred_opt().unwrap_or(today), today] {
        for flow in Flow::ALL {
            let mut page = None;
            loop {
                let got = ledger.query_by_flow_day(flow, day, 500, page).await?;
                out.extend(got.items);
                match got.next {
                    Some(next) => page = Some(next),
                    None => break,
                }
            }
        }
    }
    Ok(out)
}

fn applied_at(entry: &LedgerEntry) -> Option<DateTime<Utc>> {
    let LedgerStatus::Applied { .. } = entry.status else {
        return None;
    };
    // An event parked and redriven waited for an operator: not a latency of the spine.
    if entry.history.iter().any(|h| h.action == "PARKED") {
        return None;
    }
    entry
        .history
        .iter()
        .rev()
        .find(|h| h.action == "APPLIED")
        .map(|h| h.at)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Renders the benchmark table for the run.
pub async fn report(
    spine: &Spine,
    driven: &Driven,
    before: &Counters,
    after: &Counters,
    orders: usize,
) -> Result<String> {
    let entries = entries(spine.ledger.as_ref()).await?;
    let mut latencies: Vec<f64> = entries
        .iter()
        .filter_map(|e| Some((applied_at(e)? - e.received_at).num_milliseconds() as f64 / 1000.0))
        .collect();
    latencies.sort_by(f64::total_cmp);
    let first = entries.iter().map(|e| e.received_at).min();
    let last = entries.iter().filter_map(applied_at).max();
    let span = match (first, last) {
        (Some(a), Some(b)) => (b - a).num_milliseconds().max(1) as f64 / 1000.0,
        _ => 0.0,
    };
    let events = entries.len().max(1) as f64;
    let deliveries = driven.answers.len() as f64;
    let duplicates = driven.answers.iter().filter(|a| a.outcome == "duplicate").count() as f64;
    let mut ingress: Vec<f64> = driven
        .answers
        .iter()
        .map(|a| a.latency.as_secs_f64() * 1000.0)
        .collect();
    ingress.sort_by(f64::total_cmp);
    let odoo = (after.odoo_requests - before.odoo_requests) as f64;
    let batches = (after.sqs_batches - before.sqs_batches) as f64;
    // SQS: one SendMessage per accepted event, one ReceiveMessage and one
    // DeleteMessageBatch per non-empty batch (measured); empty long polls not counted.
    let sqs = events + 2.0 * batches;
    // DynamoDB (code paths): ingress put + QUEUED mark per event, one failed conditional
    // put per duplicate delivery; worker: idempotency put + complete, ledger APPLIED.
    let (ddb_writes, ddb_reads) = (5.0 * events + duplicates, 0.0);
    let mut out = String::new();
    writeln!(out, "| figure | value |\n| --- | ---: |")?;
    writeln!(out, "| events in the ledger | {} |", entries.len())?;
    writeln!(
        out,
        "| webhook deliveries (incl. copies and bad) | {deliveries} |"
    )?;
    writeln!(
        out,
        "| webhook answer p50 / p99 (ms) | {:.1} / {:.1} |",
        percentile(&ingress, 50.0),
        percentile(&ingress, 99.0)
    )?;
    writeln!(
        out,
        "| webhook-to-Odoo p50 / p99 (s) | {:.2} / {:.2} |",
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0)
    )?;
    writeln!(
        out,
        "| throughput (events applied / s) | {:.1} |",
        latencies.len() as f64 / span.max(0.001)
    )?;
    writeln!(
        out,
        "| Odoo requests per event (sim counter) | {:.2} |",
        odoo / events
    )?;
    writeln!(
        out,
        "| SQS requests per event (measured batches) | {:.2} |",
        sqs / events
    )?;
    writeln!(
        out,
        "| DynamoDB writes per event (code paths) | {:.2} |",
        ddb_writes / events
    )?;
    let per_order = events / orders.max(1) as f64;
    let lambda_requests = deliveries + batches;
    let gb_s = deliveries * 0.25 * percentile(&ingress, 50.0) / 1000.0 + batches * 0.25 * 1.0;
    let cost = (lambda_requests * prices::LAMBDA_REQUEST
        + gb_s * prices::LAMBDA_GB_S
        + sqs * prices::SQS_REQUEST
        + ddb_writes * prices::DDB_WRITE
        + ddb_reads * prices::DDB_READ
        + deliveries * prices::HTTP_REQUEST)
        / orders.max(1) as f64
        * 1e6;
    writeln!(out, "| events per order | {per_order:.2} |")?;
    writeln!(out, "| est. AWS cost per million orders (USD) | {cost:.2} |")?;
    out.push_str(&cold_starts(spine));
    Ok(out)
}

fn cold_starts(spine: &Spine) -> String {
    let mut out = String::from(
        "\n| function | cold starts | init mean (ms) | init max (ms) | peak RSS (MiB) |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for (name, function) in &spine.host.functions {
        let times = function.init_times();
        let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
        let mean = times.iter().map(ms).sum::<f64>() / times.len().max(1) as f64;
        let max = times.iter().map(ms).fold(0.0, f64::max);
        let rss = function
            .peak_memory_kib()
            .map_or("-".into(), |k| format!("{:.1}", k as f64 / 1024.0));
        let _ = writeln!(out, "| {name} | {} | {mean:.1} | {max:.1} | {rss} |", times.len());
    }
    out
}
