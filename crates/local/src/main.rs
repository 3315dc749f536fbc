//! `spine-local`: run the whole spine on this machine (see the crate docs and README).

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use spine_local::{Host, HostOptions};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    version,
    about = "Run odoo-spine locally: emulated AWS, Odoo (simulated or real), every function"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Provision template.yaml into emulated AWS and run every function until Ctrl-C.
    ///
    /// Example: spine-local up --endpoint http://127.0.0.1:5000 --http 127.0.0.1:3000
    Up {
        /// The SAM template to run.
        #[arg(long, default_value = "template.yaml")]
        template: PathBuf,
        /// Where the function binaries are.
        #[arg(long, default_value = "target/debug")]
        bin_dir: PathBuf,
        /// The emulated AWS endpoint.
        #[arg(long, env = "AWS_ENDPOINT_URL")]
        endpoint: String,
        /// Where the HTTP API listens.
        #[arg(long, default_value = "127.0.0.1:3000")]
        http: SocketAddr,
        /// Where the Lambda Invoke API listens (repeatable), for `cargo lambda invoke`,
        /// which sends to [::1]:9000 unless told otherwise. An address that cannot be
        /// bound is reported and skipped.
        #[arg(long = "invoke-bind", value_name = "ADDRESS", default_values = ["127.0.0.1:9000", "[::1]:9000"])]
        invoke_binds: Vec<SocketAddr>,
        /// How often scheduled functions run (seconds; 0 = never, invoke by hand).
        #[arg(long, default_value_t = 60)]
        schedule_every: u64,
        /// A template parameter override, NAME=VALUE (repeatable).
        #[arg(long = "parameter", value_name = "NAME=VALUE")]
        parameters: Vec<String>,
        /// Print each function's cold-start initialisation time and peak memory this many
        /// seconds after start (then keep running): with all processes starting together,
        /// and each function's first process restarted alone on the idle host.
        #[arg(long, value_name = "SECONDS")]
        report_after: Option<u64>,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "spine_local=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let Command::Up {
        template,
        bin_dir,
        endpoint,
        http,
        invoke_binds,
        schedule_every,
        parameters,
        report_after,
    } = Cli::parse().command;
    let mut overrides = BTreeMap::new();
    for pair in parameters {
        let (name, value) = pair
            .split_once('=')
            .with_context(|| format!("--parameter {pair:?} is not NAME=VALUE"))?;
        overrides.insert(name.to_owned(), value.to_owned());
    }
    let odoo = spine_odoo::OdooConfig::from_env().context("the ODOO_* environment variables")?;
    let real_odoo = odoo.as_ref().map(|c| c.url.to_string());
    let options = HostOptions {
        template,
        bin_dir,
        aws_endpoint: endpoint.clone(),
        http_bind: http,
        schedule_every: (schedule_every > 0).then(|| Duration::from_secs(schedule_every)),
        parameters: overrides,
        odoo,
        sim: odoo_sim::SimConfig::default(),
        processes: 1,
        extra_env: Default::default(),
    };
    // An error here (e.g. a function crash-looping at start) ends the process non-zero.
    let mut host = Host::start(options).await?;
    let mut invoke = Vec::new();
    for bind in invoke_binds {
        match host.serve_invoke(bind).await {
            Ok(address) => invoke.push(address),
            Err(e) => eprintln!("spine-local: no Lambda Invoke API on {bind}: {e:#}"),
        }
    }
    print_banner(&host, &endpoint, real_odoo.as_deref(), &invoke);
    println!("Ctrl-C stops everything.");
    if let Some(seconds) = report_after {
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        print_report(&host).await;
    }
    // Ctrl-C, or SIGTERM from `timeout`/`kill`: either way every process started is stopped.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        stopped = tokio::signal::ctrl_c() => stopped?,
        _ = terminate.recv() => {}
    }
    eprintln!("stopping…");
    host.shutdown().await;
    Ok(())
}

/// Cold-start initialisation (process start to its first request for an event) and peak
/// resident memory of each function: first as every process started at once with the
/// host, then each function restarted alone, one after the other, on an idle host.
async fn print_report(host: &Host) {
    let ms =
        |d: Option<&Duration>| d.map_or("-".to_owned(), |d| format!("{:.1} ms", d.as_secs_f64() * 1000.0));
    let mut rows = Vec::new();
    for (name, function) in &host.functions {
        let times = function.init_times();
        let peak = function
            .peak_memory_kib()
            .map_or("-".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
        rows.push((name, ms(times.iter().min()), ms(times.iter().max()), peak));
    }
    println!(
        "{:<22} {:>14} {:>14} {:>12} {:>12}",
        "function", "init together", "(max)", "init alone", "peak memory"
    );
    for (name, together_min, together_max, peak) in rows {
        let alone = match host.function(name) {
            Some(function) => function.cold_start_alone(Duration::from_secs(30)).await,
            None => None,
        };
        println!(
            "{name:<22} {together_min:>14} {together_max:>14} {:>12} {peak:>12}",
            ms(alone.as_ref())
        );
    }
}

fn print_invoke_help(host: &Host, listening: &[SocketAddr]) {
    let Some(first) = listening.first() else {
        return;
    };
    let all: Vec<String> = listening.iter().map(ToString::to_string).collect();
    println!();
    println!(
        "Lambda Invoke API: POST http://{first}/2015-03-31/functions/{{name}}/invocations (on {})",
        all.join(", ")
    );
    let binaries: Vec<&str> = host.stack.functions.iter().map(|f| f.binary.as_str()).collect();
    println!("  name: a binary or a logical id ({})", binaries.join(", "));
    let mut command = "cargo lambda invoke".to_owned();
    if !listening.iter().any(|a| a.ip() == std::net::Ipv6Addr::LOCALHOST) {
        command.push_str(&format!(" --invoke-address {}", first.ip()));
    }
    if first.port() != 9000 {
        command.push_str(&format!(" --invoke-port {}", first.port()));
    }
    println!("  e.g. with cargo-lambda (infra/release installs it into infra/.venv-release/bin):");
    println!("  {command} order-sync --data-file events/sqs/poison.json");
    println!("  {command} reconcile --data-file events/reconcile/on-demand.json");
}

fn print_banner(host: &Host, endpoint: &str, real_odoo: Option<&str>, invoke: &[SocketAddr]) {
    let odoo = match (real_odoo, &host.sim) {
        (Some(url), _) => format!("{url} (real Odoo from ODOO_URL)"),
        (None, Some(sim)) => format!(
            "{} (simulator: database spine, login admin, key sim-api-key)",
            sim.url()
        ),
        (None, None) => "none".to_owned(),
    };
    println!("odoo-spine is running locally");
    println!("  webhooks:     POST {}/webhooks/{{source}}", host.http_url);
    println!("  emulated AWS: {endpoint}");
    println!("  Odoo:         {odoo}");
    println!(
        "  functions:    {}",
        host.functions.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    println!("  queues:");
    for (id, url) in &host.stack.queue_urls {
        println!("    {id:<22} {url}");
    }
    println!();
    println!("Try a sample (its signature is valid for the local test secrets):");
    println!("  infra/local send events/webhook/shopify-orders-create.json");
    print_invoke_help(host, invoke);
}
