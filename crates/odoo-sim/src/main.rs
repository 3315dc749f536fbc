//! `odoo-sim`: runs the simulated Odoo server for local use until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use odoo_sim::{Faults, SimConfig, SimHandle};

/// A simulated Odoo 19 server (JSON-RPC and JSON-2) keeping its data in memory.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8069")]
    bind: SocketAddr,
    /// The database name the server hosts.
    #[arg(long, default_value = "spine")]
    database: String,
    /// Login of the admin user (uid 2).
    #[arg(long, default_value = "admin")]
    login: String,
    /// API key accepted as password and bearer.
    #[arg(
        long,
        env = "ODOO_SIM_API_KEY",
        default_value = "sim-api-key",
        hide_env_values = true
    )]
    api_key: String,
    /// Server version; below 19 there is no JSON-2.
    #[arg(long, default_value = "19.0")]
    server_version: String,
    /// Sales tax in basis points (1500 = 15%).
    #[arg(long, default_value_t = 1500)]
    tax_rate_bp: u32,
    /// Simulate a database without the stock_delivery module (no carrier_tracking_ref).
    #[arg(long)]
    no_stock_delivery: bool,
    /// Milliseconds added to every answer.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fraction of requests answered 503.
    #[arg(long, default_value_t = 0.0)]
    rate_503: f64,
    /// Fraction of requests answered 429.
    #[arg(long, default_value_t = 0.0)]
    rate_429: f64,
    /// Fraction of requests that hang for --hang-ms first.
    #[arg(long, default_value_t = 0.0)]
    rate_timeout: f64,
    /// How long a hanging request waits, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    hang_ms: u64,
    /// Fraction of writes committed and then answered by closing the connection.
    #[arg(long, default_value_t = 0.0)]
    rate_drop_after_commit: f64,
    /// Rate limit: calls per second beyond which the server answers 429.
    #[arg(long)]
    max_calls_per_sec: Option<u32>,
    /// Seed of the fault RNG.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let a = Args::parse();
    let faults = Faults {
        latency: Duration::from_millis(a.latency_ms),
        rate_503: a.rate_503,
        rate_429: a.rate_429,
        rate_timeout: a.rate_timeout,
        hang_for: Duration::from_millis(a.hang_ms),
        rate_drop_after_commit: a.rate_drop_after_commit,
        max_calls_per_sec: a.max_calls_per_sec,
        seed: a.seed,
    };
    let config = SimConfig {
        database: a.database,
        login: a.login,
        api_key: a.api_key,
        server_version: a.server_version,
        tax_rate_bp: a.tax_rate_bp,
        stock_delivery: !a.no_stock_delivery,
        faults,
    };
    let sim = SimHandle::start_on(config, a.bind)
        .await
        .with_context(|| format!("binding {}", a.bind))?;
    // The one line scripts wait for; stdout is the interface here, not logging.
    println!("odoo-sim listening on {}", sim.url());
    wait_for_signal().await?;
    sim.shutdown().await;
    Ok(())
}

async fn wait_for_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for SIGINT")?,
        _ = term.recv() => {}
    }
    Ok(())
}
