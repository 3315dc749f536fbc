//! `spinectl reconcile run|show`: the reconciliation of spine-reconcile, wired to the
//! environment. The comparison, storage and renderings are that crate's.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig};
use spine_odoo::{OdooClient, OdooConfig};
use spine_reconcile::{ReconcileConfig, ReconcileError, Reconciler, Report, ReportStore, SqsParked, Window};
use spinectl::OpError;
use spinectl::error::{EXIT_OK, EXIT_PARTIAL};

use crate::args::Reconcile;

/// Runs one reconcile subcommand; exit code 1 when the report has exceptions.
pub async fn run(command: Reconcile, aws: &aws_config::SdkConfig, json: bool) -> Result<i32, OpError> {
    let report = match command {
        Reconcile::Run { from, to, html } => {
            let report = reconcile(from.zip(to), aws).await?;
            write_html(html.as_deref(), &report)?;
            report
        }
        Reconcile::Show { run_id, html } => {
            let report = store(aws)?.load(&run_id).await.map_err(|e| match e {
                ReconcileError::NotFound(id) => OpError::NotFound(id),
                e => other("loading the report", e),
            })?;
            write_html(html.as_deref(), &report)?;
            report
        }
    };
    if json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        println!("{}", spine_reconcile::render_table(&report));
    }
    Ok(if report.total_exceptions() == 0 {
        EXIT_OK
    } else {
        EXIT_PARTIAL
    })
}

async fn reconcile(
    days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    aws: &aws_config::SdkConfig,
) -> Result<Report, OpError> {
    let config = ReconcileConfig::from_env().map_err(|e| OpError::Usage(e.to_string()))?;
    let window = match days {
        Some((from, to)) => Window::parse(from, to).map_err(|e| OpError::Usage(e.to_string()))?,
        None => Window::yesterday(Utc::now(), config.offset),
    };
    let odoo_config = OdooConfig::from_env()
        .map_err(|e| OpError::Usage(e.to_string()))?
        .ok_or_else(|| {
            OpError::Usage(
                "Odoo is not configured: set ODOO_URL, ODOO_DB, ODOO_LOGIN and ODOO_API_KEY".into(),
            )
        })?;
    let odoo = OdooClient::new(odoo_config).map_err(|e| other("the Odoo client", e))?;
    let ledger_config = LedgerTableConfig::from_env().map_err(|e| OpError::Usage(e.to_string()))?;
    let ledger = Arc::new(DynamoLedger::new(
        aws_sdk_dynamodb::Client::new(aws),
        ledger_config,
    ));
    let dlqs: Vec<_> = spinectl::flows_from_env()
        .into_iter()
        .map(|(f, q)| (f, q.dlq_url))
        .collect();
    let parked: Option<Arc<dyn spine_reconcile::ParkedProbe>> =
        (!dlqs.is_empty()).then(|| Arc::new(SqsParked::new(aws_sdk_sqs::Client::new(aws), dlqs)) as _);
    let reconciler = Reconciler::new(ledger, odoo, parked, config);
    let report = reconciler
        .run(window, Utc::now())
        .await
        .map_err(|e| other("reconciliation", e))?;
    if std::env::var(spine_reconcile::env_names::REPORTS_TABLE).is_ok() {
        store(aws)?
            .put(&report)
            .await
            .map_err(|e| other("storing the report", e))?;
        eprintln!("spinectl: report stored as {}", report.run_id);
    }
    Ok(report)
}

fn store(aws: &aws_config::SdkConfig) -> Result<ReportStore, OpError> {
    let name = spine_reconcile::env_names::REPORTS_TABLE;
    let table = std::env::var(name)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| OpError::Usage(format!("the reports table is not configured: set {name}")))?;
    Ok(ReportStore::new(aws_sdk_dynamodb::Client::new(aws), table))
}

fn write_html(path: Option<&Path>, report: &Report) -> Result<(), OpError> {
    let Some(path) = path else { return Ok(()) };
    std::fs::write(path, spine_reconcile::render_html(report))
        .map_err(|e| other("writing the HTML report", e))?;
    eprintln!("spinectl: HTML report written to {}", path.display());
    Ok(())
}

fn other<E: std::error::Error + Send + Sync + 'static>(what: &'static str, e: E) -> OpError {
    OpError::Other {
        what,
        source: Box::new(e),
    }
}
