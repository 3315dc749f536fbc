//! Reconciliation cost: wall time, Odoo round trips and peak memory for one day of
//! 10,000 and 100,000 applied events. Run with `cargo bench -p spine-reconcile`.
//!
//! The ledger is an in-memory fake that generates each page on demand (each entry with
//! its payload, about 1 KB, as stored entries carry their envelope), so its own storage
//! does not count in the memory figures. The events are orders, or orders and one
//! payment each (`stand-in+p`: the payment, invoice and credit-note sweeps then have
//! records to read). Odoo is:
//! - the project's simulator (seeded through its API: orders with a line, and their
//!   `ir.model.data` rows, in batches) for 10,000 events. The simulator evaluates every
//!   domain by scanning every row, and re-clones an `in` list for each row, so its own
//!   time grows with rows × page; 100,000 events on it would take many minutes;
//! - a hash-indexed stand-in speaking JSON-2 for the calls reconciliation makes, for
//!   10,000 and 100,000 events: what the reconciler itself costs as the day grows.
//!
//! One event in 100 is deleted in Odoo, one in 100 has a changed total and one in 100 a
//! copy typed in by hand (same reference, no external id), so the comparison and the
//! sweep have exceptions to build. Peak memory: `/proc/self/clear_refs` resets the
//! high-water mark before each run, then `VmHWM` minus the `VmRSS` before the run.

#[path = "support/fake.rs"]
mod fake;
#[path = "support/stand_in.rs"]
mod stand_in;

use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, Utc};
use odoo_sim::{SimConfig, SimHandle};
use serde_json::json;
use spine_odoo::{OdooClient, OdooConfig, Protocol, Record};
use spine_reconcile::{ExceptionKind, ReconcileConfig, Reconciler, Window};

fn status_kb(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

struct Row {
    odoo: &'static str,
    /// Ledger events: the orders, and as many payments when paid.
    events: usize,
    millis: u128,
    round_trips: u64,
    odoo_millis: u128,
    peak_mb: f64,
    missing: u64,
    mismatch: u64,
    duplicate: u64,
    unknown: u64,
}

async fn measure(
    odoo_label: &'static str,
    client: OdooClient,
    orders: usize,
    paid: bool,
    day: NaiveDate,
) -> Row {
    let ledger = Arc::new(fake::GenLedger::new(orders, paid, day));
    let events = if paid { 2 * orders } else { orders };
    let reconciler = Reconciler::new(ledger, client.clone(), None, ReconcileConfig::default());
    let window = Window::parse(day, day).expect("one day");
    // Resets VmHWM to the current RSS (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = status_kb("VmRSS:");
    let before = client.metrics();
    let started = Instant::now();
    let report = reconciler.run(window, Utc::now()).await.expect("run succeeds");
    let millis = started.elapsed().as_millis();
    let spent = client.metrics().since(&before);
    let peak = status_kb("VmHWM:").saturating_sub(rss_before);
    Row {
        odoo: odoo_label,
        events,
        millis,
        round_trips: report.odoo_round_trips,
        odoo_millis: spent.total_latency.as_millis(),
        peak_mb: peak as f64 / 1024.0,
        missing: report.counts[&ExceptionKind::Missing],
        mismatch: report.counts[&ExceptionKind::Mismatch],
        duplicate: report.counts[&ExceptionKind::Duplicate],
        unknown: report.counts[&ExceptionKind::Unknown],
    }
}

/// Seeds the simulator with the orders the fake ledger will name, in batches.
async fn seed_sim(client: &OdooClient, events: usize, day: NaiveDate) {
    let partner = client
        .create("res.partner", &[rec(json!({"name": "Bench"}))])
        .await
        .expect("partner")[0];
    let product = client
        .create(
            "product.product",
            &[rec(json!({"name": "Bench", "default_code": "BENCH-1"}))],
        )
        .await
        .expect("product")[0];
    let date = format!("{day} 10:00:00");
    for chunk in (0..events).collect::<Vec<_>>().chunks(1000) {
        let kept: Vec<usize> = chunk.iter().copied().filter(|i| !fake::deleted(*i)).collect();
        let orders: Vec<Record> = kept
            .iter()
            .map(|i| {
                let price = if fake::changed(*i) { 40.0 } else { 30.0 };
                rec(json!({"partner_id": partner, "client_order_ref": format!("#B{i}"), "date_order": date,
                    "order_line": [[0, 0, {"product_id": product, "product_uom_qty": 1, "price_unit": price}]]}))
            })
            .collect();
        let ids = client.create("sale.order", &orders).await.expect("orders");
        let xids: Vec<Record> = kept
            .iter()
            .zip(&ids)
            .map(|(i, id)| {
                rec(json!({"module": "spine", "name": fake::xid_name(*i), "model": "sale.order", "res_id": id}))
            })
            .collect();
        client.create("ir.model.data", &xids).await.expect("external ids");
        let copies: Vec<Record> = kept
            .iter()
            .filter(|i| fake::copied(**i))
            .map(|i| {
                rec(json!({"partner_id": partner, "client_order_ref": format!("#B{i}"), "date_order": date}))
            })
            .collect();
        client
            .create("sale.order", &copies)
            .await
            .expect("hand-made copies");
    }
}

fn rec(value: serde_json::Value) -> Record {
    value.as_object().cloned().unwrap_or_default()
}

fn client(url: &str, key: &str, db: &str, login: &str) -> OdooClient {
    let config = OdooConfig::new(url, db, login, key.to_owned().into())
        .expect("valid URL")
        .with_protocol(Protocol::Json2);
    OdooClient::new(config).expect("client")
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let day: NaiveDate = "2026-11-20".parse().expect("date");
    let rows = runtime.block_on(async {
        let mut rows = Vec::new();
        let config = SimConfig::default();
        let (key, db, login) = (
            config.api_key.clone(),
            config.database.clone(),
            config.login.clone(),
        );
        let sim = SimHandle::start(config).await.expect("simulator");
        let sim_client = client(&sim.url(), &key, &db, &login);
        seed_sim(&sim_client, 10_000, day).await;
        let sim_client = client(&sim.url(), &key, &db, &login);
        rows.push(measure("simulator", sim_client, 10_000, false, day).await);
        sim.shutdown().await;
        for (orders, paid) in [(10_000, false), (100_000, false), (5_000, true), (50_000, true)] {
            let stand_in = stand_in::FakeOdoo::start(orders, paid, day).await;
            let label = if paid { "stand-in+p" } else { "stand-in" };
            let odoo = client(&stand_in.url, "k", "db", "bench");
            rows.push(measure(label, odoo, orders, paid, day).await);
            stand_in.stop();
        }
        rows
    });
    println!(
        "\nreconciliation of one day of applied order events (1% deleted, 1% changed, 1% copied by hand in Odoo);\n\
         stand-in+p: half the events are payments, each with its order's invoice\n"
    );
    println!(
        "{:<10} {:>8} {:>9} {:>11} {:>9} {:>9} {:>10} {:>12} {:>8} {:>8} {:>9} {:>7}",
        "odoo",
        "events",
        "time ms",
        "us/event",
        "odoo ms",
        "own ms",
        "round trips",
        "peak MB",
        "missing",
        "mismatch",
        "duplicate",
        "unknown"
    );
    for r in rows {
        println!(
            "{:<10} {:>8} {:>9} {:>11.1} {:>9} {:>9} {:>10} {:>12.1} {:>8} {:>8} {:>9} {:>7}",
            r.odoo,
            r.events,
            r.millis,
            r.millis as f64 * 1000.0 / r.events as f64,
            r.odoo_millis,
            r.millis.saturating_sub(r.odoo_millis),
            r.round_trips,
            r.peak_mb,
            r.missing,
            r.mismatch,
            r.duplicate,
            r.unknown
        );
    }
}
