//! The command line (clap derive). Help texts are the user manual's first page.

use clap::{Args, Parser, Subcommand};
use spine_core::Flow;

const EXAMPLES: &str = "\
Examples:
  spinectl dlq list                                 every parked message, all flows
  spinectl dlq list --flow order --reason permanent --since 6h
  spinectl dlq show shopify-fe931f7f1fa341f00cd5232f
  spinectl dlq redrive --flow order --reason waiting_on_dependency --dry-run
  spinectl dlq redrive --flow order --event shopify-fe93... --note \"SKU created\"
  spinectl dlq redrive --flow payment --bulk        real AWS only (StartMessageMoveTask)
  spinectl dlq discard shopify-fe93... --reason \"test order, cancelled in the shop\"
  spinectl --json dlq list | jq '.[].event_key'

Exit codes: 0 ok (also nothing to do), 1 some items failed, 2 usage or configuration
error, 3 AWS unreachable or credentials refused, 4 message or event not found.

Environment: <FLOW>_QUEUE_URL and <FLOW>_DLQ_URL per flow (e.g. ORDER_QUEUE_URL and
ORDER_DLQ_URL; flows ORDER, PAYMENT, REFUND, SHIPMENT), LEDGER_TABLE (needed by redrive
and discard, used by show), AWS_REGION / AWS_PROFILE / AWS_ENDPOINT_URL as for any AWS
tool, SPINECTL_ACTOR (who you are in the audit), SPINECTL_HOLD_SECONDS (how long a scan
hides messages before releasing them; default 300).";

/// Inspect, redrive and discard the spine's dead-lettered events; every redrive and
/// discard is recorded in the event ledger with who, when, what and why.
#[derive(Debug, Parser)]
#[command(name = "spinectl", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// Who you are in the audit trail [default: $USER]. Not verified by AWS.
    #[arg(long, global = true, env = "SPINECTL_ACTOR")]
    pub actor: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Dead-letter queues: list, show, redrive, discard.
    #[command(subcommand, after_help = EXAMPLES)]
    Dlq(Dlq),
    /// Reconciliation (spine-reconcile): compare the ledger with Odoo, show stored reports.
    #[command(subcommand, after_help = RECONCILE_HELP)]
    Reconcile(Reconcile),
}

const RECONCILE_HELP: &str = "\
Examples:
  spinectl reconcile run                                   yesterday in RECONCILE_TIME_ZONE
  spinectl reconcile run --from 2026-11-01 --to 2026-11-07 --html week.html
  spinectl reconcile show 20261123T170000Z-1a2b3c4d

Exit codes: 0 no exceptions, 1 the report has exceptions, 2 usage or configuration,
3 AWS unreachable or credentials, 4 no report with that run id.

Environment: LEDGER_TABLE, ODOO_URL, ODOO_DB, ODOO_LOGIN, ODOO_API_KEY (run), REPORTS_TABLE
(show; run stores its report there when set), RECONCILE_* (see crates/reconcile), and
the <FLOW>_DLQ_URL variables for the parked counts.";

#[derive(Debug, Subcommand)]
pub enum Reconcile {
    /// Run a reconciliation over local days (default: yesterday) and print the report.
    Run {
        /// First day, YYYY-MM-DD (with --to).
        #[arg(long, requires = "to")]
        from: Option<chrono::NaiveDate>,
        /// Last day, YYYY-MM-DD (with --from).
        #[arg(long, requires = "from")]
        to: Option<chrono::NaiveDate>,
        /// Also write the report as one HTML page to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<std::path::PathBuf>,
    },
    /// Print a stored report by its run id.
    Show {
        run_id: String,
        /// Also write the report as one HTML page to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Dlq {
    /// Table of parked messages: event key, source id, reason, attempts, age. Does not
    /// consume them.
    List(ListArgs),
    /// One message in full: envelope, park reason, ledger history.
    Show {
        /// Event key or SQS message id.
        id: String,
        #[arg(long, value_parser = parse_flow)]
        flow: Option<Flow>,
    },
    /// Send matching messages back to their work queue (deleted from the DLQ only after
    /// the send succeeded), each audited in the ledger.
    Redrive(RedriveArgs),
    /// Remove one event's message for good; its ledger entry becomes DISCARDED.
    Discard {
        /// Event key (or SQS message id).
        event_key: String,
        /// Why: recorded in the ledger.
        #[arg(long)]
        reason: String,
        #[arg(long, value_parser = parse_flow)]
        flow: Option<Flow>,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// order, payment, refund or shipment [default: every configured flow].
    #[arg(long, value_parser = parse_flow)]
    pub flow: Option<Flow>,
    /// Reason class, e.g. permanent, parse, waiting_on_dependency, unknown.
    #[arg(long)]
    pub reason: Option<String>,
    /// First failure at or after: RFC 3339 time or a duration back (30m, 6h, 2d).
    #[arg(long)]
    pub since: Option<String>,
}

#[derive(Debug, Args)]
pub struct RedriveArgs {
    #[command(flatten)]
    pub select: ListArgs,
    /// Only these event keys or message ids (repeatable).
    #[arg(long = "event", value_name = "KEY")]
    pub events: Vec<String>,
    /// Stop after N matching messages.
    #[arg(long, value_name = "N")]
    pub max: Option<u64>,
    /// Show what would be redriven; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Why you redrive (recorded in the audit line).
    #[arg(long)]
    pub note: Option<String>,
    /// Move the whole DLQ of --flow with SQS StartMessageMoveTask (real AWS only; no
    /// filters).
    #[arg(long, requires = "flow", conflicts_with_all = ["events", "max", "dry_run", "reason", "since"])]
    pub bulk: bool,
}

fn parse_flow(value: &str) -> Result<Flow, String> {
    value.parse().map_err(|e: spine_core::ids::IdError| e.to_string())
}
