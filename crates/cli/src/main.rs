//! spinectl: the operator CLI. Parses the command line, reads the configuration from the
//! environment, calls the library, prints a table or JSON, and exits with the documented
//! code (see `spinectl --help`). Every error is one line on stderr.

mod args;
mod output;
mod reconcile_cmd;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use args::{Cli, Command, Dlq, ListArgs};
use aws_sdk_sqs::config::ProvideCredentials;
use clap::Parser;
use clap::error::ErrorKind;
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig};
use spine_aws::queue::SqsQueues;
use spinectl::error::{EXIT_OK, EXIT_PARTIAL, EXIT_USAGE};
use spinectl::{Actor, Filter, OpError, Operator, Progress, RedriveRequest};

/// Test-only: abort after this many redrive sends, before the delete (kill simulation).
const ABORT_AFTER_SENDS: &str = "SPINECTL_TEST_ABORT_AFTER_SENDS";
/// How long a scan keeps messages invisible before releasing them (default 300 s).
const HOLD_SECONDS: &str = "SPINECTL_HOLD_SECONDS";

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => e.exit(),
        Err(e) => {
            let text = e.to_string();
            let line = text
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("spinectl: {line} (see spinectl --help)");
            return ExitCode::from(EXIT_USAGE as u8);
        }
    };
    match run(cli).await {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("spinectl: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

async fn run(cli: Cli) -> Result<i32, OpError> {
    let command = match cli.command {
        Command::Dlq(command) => command,
        Command::Reconcile(command) => {
            let aws = aws_checked().await?;
            return reconcile_cmd::run(command, &aws, cli.json).await;
        }
    };
    let operator = operator().await?;
    let actor = Actor::first_of("cli", &[cli.actor.clone(), std::env::var("USER").ok()]);
    match command {
        Dlq::List(select) => {
            let filter = filter(&select, Vec::new())?;
            let parked = operator.list(select.flow, &filter).await?;
            if parked.is_empty() {
                eprintln!("spinectl: no parked messages match (the DLQs looked at may be empty)");
            }
            println!("{}", output::list(&parked, cli.json));
            Ok(EXIT_OK)
        }
        Dlq::Show { id, flow } => {
            let shown = operator.show(flow, &id).await?;
            println!("{}", output::show(&shown, cli.json));
            Ok(EXIT_OK)
        }
        Dlq::Discard {
            event_key,
            reason,
            flow,
        } => {
            let done = operator.discard(flow, &event_key, &reason, &actor).await?;
            println!("{}", output::discarded(&done, cli.json));
            Ok(EXIT_OK)
        }
        Dlq::Redrive(args) if args.bulk => {
            let flow = args
                .select
                .flow
                .ok_or(OpError::Usage("--bulk needs --flow".into()))?;
            let started = operator.bulk_redrive(flow, args.note.as_deref(), &actor).await?;
            let line = format!(
                "bulk move started for {flow}: task {}, {} events audited",
                started.task_handle, started.audited
            );
            println!(
                "{}",
                if cli.json {
                    serde_json::to_string(&started).unwrap_or_default()
                } else {
                    line
                }
            );
            Ok(EXIT_OK)
        }
        Dlq::Redrive(args) => {
            let request = RedriveRequest {
                flow: args.select.flow,
                filter: filter(&args.select, args.events)?,
                max: args.max,
                dry_run: args.dry_run,
                note: args.note,
            };
            let summary = operator.redrive(&request, &actor, &mut progress_line()).await?;
            if std::io::stderr().is_terminal() {
                eprintln!();
            }
            if summary.scanned == 0 {
                eprintln!("spinectl: nothing to redrive: the DLQ is empty");
            } else if summary.matched == 0 {
                eprintln!("spinectl: nothing to redrive: no parked message matches the filters");
            }
            println!("{}", output::redrive(&summary, cli.json));
            Ok(if summary.failed > 0 { EXIT_PARTIAL } else { EXIT_OK })
        }
    }
}

fn filter(select: &ListArgs, events: Vec<String>) -> Result<Filter, OpError> {
    let since = select
        .since
        .as_deref()
        .map(|s| spinectl::parse_since(s, chrono::Utc::now()))
        .transpose()
        .map_err(OpError::Usage)?;
    Ok(Filter {
        reason: select.reason.clone(),
        events,
        since,
    })
}

/// A carriage-return progress line on a terminal; a line per 500 messages otherwise.
fn progress_line() -> impl FnMut(Progress) + Send {
    let terminal = std::io::stderr().is_terminal();
    let mut last = 0;
    move |p: Progress| {
        let text = format!(
            "{}: {} done, {} matching, {} scanned of ~{}",
            p.flow, p.done, p.matched, p.scanned, p.total
        );
        if terminal {
            eprint!("\r{text}   ");
        } else if p.scanned >= last + 500 {
            last = p.scanned;
            eprintln!("{text}");
        }
    }
}

/// The AWS configuration, with a region and credentials checked before any work.
async fn aws_checked() -> Result<aws_config::SdkConfig, OpError> {
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    if aws.region().is_none() {
        return Err(OpError::Usage(
            "no AWS region: set AWS_REGION (or a region in your AWS profile)".into(),
        ));
    }
    let credentials = match aws.credentials_provider() {
        Some(provider) => provider.provide_credentials().await.is_ok(),
        None => false,
    };
    if !credentials {
        return Err(OpError::NoCredentials);
    }
    Ok(aws)
}

/// Configuration from the environment, AWS credentials checked before any work.
async fn operator() -> Result<Operator, OpError> {
    let flows = spinectl::flows_from_env();
    if flows.is_empty() {
        return Err(OpError::NoFlowConfigured);
    }
    let aws = aws_checked().await?;
    let ledger = match std::env::var(spine_aws::ledger::ENV_LEDGER_TABLE) {
        Ok(_) => {
            let config = LedgerTableConfig::from_env().map_err(|e| OpError::Usage(e.to_string()))?;
            let ledger: Arc<dyn spine_core::Ledger> =
                Arc::new(DynamoLedger::new(aws_sdk_dynamodb::Client::new(&aws), config));
            Some(ledger)
        }
        Err(_) => None,
    };
    let abort = std::env::var(ABORT_AFTER_SENDS).ok().and_then(|n| n.parse().ok());
    let queues = SqsQueues::new(aws_sdk_sqs::Client::new(&aws));
    let hold = match std::env::var(HOLD_SECONDS) {
        Ok(v) => v
            .parse()
            .map(std::time::Duration::from_secs)
            .map_err(|_| OpError::Usage(format!("{HOLD_SECONDS} must be a number of seconds, not {v:?}")))?,
        Err(_) => spinectl::operator::DEFAULT_HOLD,
    };
    Ok(Operator::new(queues, flows, ledger)
        .with_hold(hold)
        .with_abort_after_sends(abort))
}
