//! `cargo bench -p spine-proof`: the happy path (no faults) of 200 orders through the
//! local spine, printing the figures table (latency, throughput, requests per event,
//! cost estimate, cold starts). Needs `cargo build --bins --workspace` first.

use spine_proof::{ScenarioConfig, run, spine};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let orders = std::env::var("PROOF_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let config = ScenarioConfig {
        orders,
        rate_503: 0.0,
        rate_429: 0.0,
        rate_timeout: 0.0,
        rate_drop: 0.0,
        kill_every: None,
        rotate_key: false,
        bad_share: 0.0,
        unknown_sku_share: 0.0,
        ..ScenarioConfig::default()
    };
    let spine = spine::start(&config).await?;
    let outcome = run::execute(&spine, &config).await;
    spine.shutdown().await;
    let outcome = outcome?;
    println!(
        "end-to-end, {orders} orders, no faults (verdict: {})",
        if outcome.verdict.passed() { "PASS" } else { "FAIL" }
    );
    println!("{}", outcome.figures);
    Ok(())
}
