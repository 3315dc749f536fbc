//! `spine-proof run` (the fault-injection scenario and its verdict) and `spine-proof
//! bench` (the same path without faults, for the figures). Exit 1 when a claim fails.

use clap::{Parser, Subcommand};
use spine_proof::{ScenarioConfig, Shop, run, spine};
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Fault-injection proof and end-to-end benchmarks of the local spine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The scenario with faults; prints the verdict and the figures.
    Run(Args),
    /// No faults, no bad input: the figures of the happy path.
    Bench(Args),
}

#[derive(clap::Args)]
struct Args {
    #[arg(long, default_value_t = 2000)]
    orders: usize,
    /// Shops: shopify (Stripe, carrier), woocommerce (Midtrans, Xendit).
    #[arg(long, value_delimiter = ',', default_value = "shopify,woocommerce")]
    sources: Vec<String>,
    #[arg(long, default_value_t = 5)]
    dup_max: u32,
    #[arg(long, default_value_t = 0.03)]
    rate_503: f64,
    #[arg(long, default_value_t = 0.03)]
    rate_429: f64,
    #[arg(long, default_value_t = 0.003)]
    rate_timeout: f64,
    #[arg(long, default_value_t = 0.02)]
    rate_drop: f64,
    /// Seconds between kills of a busy sync worker (0: never).
    #[arg(long, default_value_t = 10)]
    kill_every: u64,
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    rotate_key: bool,
    #[arg(long, default_value_t = 0.05)]
    bad_share: f64,
    #[arg(long, default_value_t = 0.02)]
    unknown_sku_share: f64,
    #[arg(long, default_value_t = 20261123)]
    seed: u64,
    /// Use target/release binaries.
    #[arg(long)]
    release: bool,
    /// First and longest retry wait, in seconds, of an event waiting on another.
    #[arg(long, value_delimiter = ',', default_value = "10,300", num_args = 1)]
    dependency_retry: Vec<u64>,
    /// Minutes to wait for the spine to go quiet, per phase.
    #[arg(long, default_value_t = 20)]
    settle_minutes: u64,
    /// Switch idempotency layers 1 and 2 off (SPINE_UNSAFE_SKIP_IDEMPOTENCY=yes): the
    /// verdict is then expected to FAIL.
    #[arg(long)]
    unsafe_skip_idempotency: bool,
}

impl Args {
    fn config(&self, faults: bool) -> anyhow::Result<ScenarioConfig> {
        let sources = self
            .sources
            .iter()
            .map(|s| match s.as_str() {
                "shopify" => Ok(Shop::Shopify),
                "woocommerce" => Ok(Shop::WooCommerce),
                other => anyhow::bail!("unknown source {other} (shopify, woocommerce)"),
            })
            .collect::<anyhow::Result<_>>()?;
        let on = |rate: f64| if faults { rate } else { 0.0 };
        let &[retry, retry_max] = self.dependency_retry.as_slice() else {
            anyhow::bail!("--dependency-retry takes FIRST,MAX seconds, e.g. 2,20");
        };
        if retry == 0 || retry_max < retry {
            anyhow::bail!("--dependency-retry {retry},{retry_max}: need 1 <= FIRST <= MAX");
        }
        Ok(ScenarioConfig {
            orders: self.orders,
            sources,
            dup_max: self.dup_max,
            rate_503: on(self.rate_503),
            rate_429: on(self.rate_429),
            rate_timeout: on(self.rate_timeout),
            rate_drop: on(self.rate_drop),
            kill_every: (faults && self.kill_every > 0).then(|| Duration::from_secs(self.kill_every)),
            rotate_key: faults && self.rotate_key,
            bad_share: on(self.bad_share),
            unknown_sku_share: on(self.unknown_sku_share),
            seed: self.seed,
            release: self.release,
            dependency_retry: (Duration::from_secs(retry), Duration::from_secs(retry_max)),
            settle_timeout: Duration::from_secs(self.settle_minutes.max(1) * 60),
            skip_idempotency: self.unsafe_skip_idempotency,
            ..ScenarioConfig::default()
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<std::process::ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "spine_proof=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let (config, judge) = match &cli.command {
        Command::Run(args) => (args.config(true)?, true),
        Command::Bench(args) => (args.config(false)?, false),
    };
    let spine = spine::start(&config).await?;
    let outcome = run::execute(&spine, &config).await;
    spine.shutdown().await;
    let outcome = outcome?;
    let d = &outcome.driven;
    println!(
        "{} orders, {} requests in {:.1} s, {} worker processes killed, key rotated: {}; quiet after {:.0} s, again {:.0} s after redrive",
        outcome.plan.orders.len(),
        d.answers.len(),
        d.elapsed.as_secs_f64(),
        d.kills,
        d.rotated,
        outcome.first_settle.waited.as_secs_f64(),
        outcome.second_settle.waited.as_secs_f64()
    );
    if judge {
        println!("\n{}\n", outcome.verdict);
    }
    println!("{}", outcome.figures);
    let ok = !judge || outcome.verdict.passed();
    Ok(if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}
