//! The in-process path of one webhook on a Shopify order of about 4 KB: verify (HMAC),
//! parse (JSON), map (to order.v1) and validate (the contract), with the envelope built,
//! on one thread. Prints events per second and latency percentiles.
//!
//! Run: `cargo bench -p spine-ingest`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use spine_core::CorrelationId;
use spine_ingest::verify::verify_request;
use spine_ingest::{Headers, Outcome, SigningKeys, Sources, process};
use std::hint::black_box;
use std::time::{Duration, Instant};

const SAMPLE: &str = include_str!("../../../events/webhook/shopify-orders-create.json");
const ITERATIONS: usize = 100_000;
const WARM_UP: usize = 5_000;

fn main() {
    let event: serde_json::Value = serde_json::from_str(SAMPLE).expect("the sample is JSON");
    let body = event["body"].as_str().expect("a text body").as_bytes().to_vec();
    let headers: Headers = event["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let sources = Sources::from_json(r#"{"shopify":{"kind":"shopify","secret":"s"}}"#).expect("config");
    let config = sources.get("shopify").expect("configured");
    let keys = SigningKeys::current("shpss_spine_test_shopify".into());
    let now = DateTime::<Utc>::from_timestamp(1_795_168_805, 0).expect("a time");
    let correlation = CorrelationId::parse("bench").expect("valid");
    assert!(
        BASE64
            .decode(headers.get("x-shopify-hmac-sha256").unwrap_or(""))
            .is_ok()
    );

    let full = || {
        let outcome = process(config, &keys, &headers, &body, now, correlation.clone());
        assert!(matches!(outcome, Ok(Outcome::Accepted(_))));
        black_box(outcome)
    };
    let verify = || black_box(verify_request(&config.kind, &keys, &headers, &body, now).is_ok());
    let parse = || black_box(serde_json::from_slice::<serde_json::Value>(&body).is_ok());

    println!(
        "in-process webhook path, Shopify orders/create, body {} bytes, 1 thread",
        body.len()
    );
    println!(
        "{:<34} {:>12} {:>14} {:>10} {:>10} {:>10}",
        "step", "events/s", "per CPU-s", "p50 µs", "p99 µs", "max µs"
    );
    report("verify (HMAC-SHA256, base64)", measure(verify));
    report("reference: parse to serde_json::Value", measure(parse));
    report("verify + parse + map + validate", measure(full));
}

struct Figures {
    per_second: f64,
    /// Events per second of this thread's own CPU time: the per-core capacity even when
    /// other processes share the machine (`None` off Linux).
    per_cpu_second: Option<f64>,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn measure<T>(mut step: impl FnMut() -> T) -> Figures {
    for _ in 0..WARM_UP {
        black_box(step());
    }
    let mut latencies = Vec::with_capacity(ITERATIONS);
    let cpu_before = thread_cpu_ns();
    let started = Instant::now();
    for _ in 0..ITERATIONS {
        let t = Instant::now();
        black_box(step());
        latencies.push(t.elapsed());
    }
    let total = started.elapsed();
    let cpu = thread_cpu_ns()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    latencies.sort_unstable();
    Figures {
        per_second: ITERATIONS as f64 / total.as_secs_f64(),
        per_cpu_second: cpu
            .filter(|ns| *ns > 0)
            .map(|ns| ITERATIONS as f64 / (ns as f64 / 1e9)),
        p50: latencies[ITERATIONS / 2],
        p99: latencies[ITERATIONS * 99 / 100],
        max: latencies[ITERATIONS - 1],
    }
}

/// This thread's time on a CPU in nanoseconds (Linux `schedstat`), excluding the time
/// it waited while other processes ran.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn report(step: &str, f: Figures) {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let cpu = f.per_cpu_second.map_or("n/a".to_owned(), |v| format!("{v:.0}"));
    println!(
        "{:<34} {:>12.0} {:>14} {:>10.2} {:>10.2} {:>10.2}",
        step,
        f.per_second,
        cpu,
        us(f.p50),
        us(f.p99),
        us(f.max)
    );
}
