//! The reconcile function: settings from the environment, clients built on the first
//! invocation ([`Function`]), and the handler, callable from tests and a local runner.
//!
//! Two triggers: the EventBridge schedule (daily; the window is yesterday in the
//! configured time zone, no healing) and a direct invoke `{"from": "2026-11-20", "to":
//! "2026-11-22", "heal": false}`. The handler runs [`Reconciler::run`], stores the
//! report, logs one summary line, writes the EMF lines, and with `"heal": true` logs
//! the dry-run plan first and then re-enqueues the missing events. It answers the run
//! id, the counts and what healing did.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use aws_config::SdkConfig;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig};
use spine_aws::queue::{QueueConfig, QueueConfigError, SqsQueues};
use spine_aws::secrets::{
    ConnectError, OdooConnection, OdooFrom, OdooFromError, SecretsCache, SecretsConfig, SecretsError,
};
use spine_core::Flow;
use spine_odoo::OdooClient;
use spine_reconcile::{
    ConfigError, ExceptionKind, HealOutcome, HealPlan, Healer, ReconcileConfig, ReconcileError, Reconciler,
    ReportStore, SqsParked, Window, env_names, metrics,
};
use tracing::{info, instrument};

/// The secret holding the Odoo connection (as the sync functions read it).
pub const ENV_ODOO_SECRET_ID: &str = "ODOO_SECRET_ID";

/// Why the function cannot start or a run failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("queue configuration")]
    Queues(#[from] QueueConfigError),
    #[error("{0} is not set")]
    MissingEnv(&'static str),
    #[error("Odoo connection settings")]
    OdooFrom(#[from] OdooFromError),
    #[error("cannot connect to Odoo")]
    Connect(#[from] ConnectError),
    #[error("Odoo secret")]
    OdooSecret(#[from] SecretsError),
    #[error("the request is neither a schedule event nor {{\"from\", \"to\", \"heal\"}}")]
    BadRequest(#[source] serde_json::Error),
    #[error("reconciliation failed")]
    Reconcile(#[from] ReconcileError),
}

/// Everything the function reads from its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    pub ledger_table: String,
    /// The workers' idempotency table: healing forgets the COMPLETED record of each
    /// event it re-enqueues, so the worker writes the deleted records again.
    pub idempotency_table: String,
    pub reports_table: String,
    pub queues: QueueConfig,
    pub odoo: OdooFrom,
    pub reconcile: ReconcileConfig,
}

fn non_empty(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Reads `LEDGER_TABLE`, `IDEMPOTENCY_TABLE`, `REPORTS_TABLE`, the flows' queue and DLQ URLs,
    /// `ODOO_SECRET_ID` (or the `ODOO_*` variables) and the `RECONCILE_*` settings;
    /// fails fast naming the variable.
    pub fn from_env() -> Result<Self, HandlerError> {
        let ledger_table = non_empty(spine_aws::ledger::ENV_LEDGER_TABLE)
            .ok_or(HandlerError::MissingEnv(spine_aws::ledger::ENV_LEDGER_TABLE))?;
        let reports_table =
            non_empty(env_names::REPORTS_TABLE).ok_or(HandlerError::MissingEnv(env_names::REPORTS_TABLE))?;
        let idempotency_table = non_empty(spine_aws::idempotency::ENV_IDEMPOTENCY_TABLE).ok_or(
            HandlerError::MissingEnv(spine_aws::idempotency::ENV_IDEMPOTENCY_TABLE),
        )?;
        let odoo = OdooFrom::from_env(ENV_ODOO_SECRET_ID)?;
        Ok(Self {
            ledger_table,
            idempotency_table,
            reports_table,
            queues: QueueConfig::from_env()?,
            odoo,
            reconcile: ReconcileConfig::from_env()?,
        })
    }
}

/// What invoked the function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// The daily schedule: yesterday, no healing.
    Scheduled,
    /// A direct invoke for a window, healing when asked.
    OnDemand { window: Window, heal: bool },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OnDemand {
    from: NaiveDate,
    to: NaiveDate,
    #[serde(default)]
    heal: bool,
}

impl Request {
    /// Reads a schedule event (it has `detail-type`) or an on-demand request.
    pub fn parse(event: serde_json::Value) -> Result<Self, HandlerError> {
        if event.get("detail-type").is_some() {
            return Ok(Self::Scheduled);
        }
        let asked: OnDemand = serde_json::from_value(event).map_err(HandlerError::BadRequest)?;
        Ok(Self::OnDemand {
            window: Window::parse(asked.from, asked.to)?,
            heal: asked.heal,
        })
    }
}

/// The invocation's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub run_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub exceptions: BTreeMap<ExceptionKind, u64>,
    /// The dry-run plan, when healing was asked.
    pub heal_plan: Option<HealPlan>,
    /// What healing did, when asked.
    pub healed: Option<HealOutcome>,
}

/// The function as the Lambda loop serves it: [`Settings`] read at cold start, the
/// [`App`] built on the first invocation (it reads the Odoo secret) with
/// [`App::build`].
pub type Function = spine_runtime::FirstInvocation<Settings, App>;

/// One invocation: builds the [`App`] when none was built yet, then handles `event`.
pub async fn invoke(function: &Function, event: serde_json::Value) -> Result<Answer, HandlerError> {
    let build = |settings, aws: SdkConfig| Box::pin(async move { App::build(settings, &aws).await });
    function.get(build).await?.handle(event).await
}

/// The function's clients.
pub struct App {
    reconciler: Reconciler,
    store: ReportStore,
    healer: Healer,
    odoo: OdooConnection,
}

impl App {
    /// Builds every client from `settings` and the AWS configuration (reads the Odoo
    /// secret when there is one).
    pub async fn build(settings: Settings, aws: &SdkConfig) -> Result<Self, HandlerError> {
        let cache = SecretsCache::new(aws_sdk_secretsmanager::Client::new(aws), SecretsConfig::default());
        let odoo = settings.odoo.connect(&cache).await?;
        let dynamodb = aws_sdk_dynamodb::Client::new(aws);
        let sqs = aws_sdk_sqs::Client::new(aws);
        let ledger = Arc::new(DynamoLedger::new(
            dynamodb.clone(),
            LedgerTableConfig {
                table: settings.ledger_table,
            },
        ));
        let dlqs = Flow::ALL
            .iter()
            .map(|f| (*f, settings.queues.for_flow(*f).dlq_url.clone()))
            .collect();
        let urls = Flow::ALL
            .iter()
            .map(|f| (*f, settings.queues.for_flow(*f).queue_url.clone()))
            .collect();
        Ok(Self {
            reconciler: Reconciler::new(
                ledger.clone(),
                odoo.client.clone(),
                Some(Arc::new(SqsParked::new(sqs.clone(), dlqs))),
                settings.reconcile,
            ),
            store: ReportStore::new(dynamodb.clone(), settings.reports_table),
            healer: Healer::new(
                ledger,
                Arc::new(spine_aws::idempotency::DynamoIdempotencyStore::new(
                    dynamodb.clone(),
                    spine_aws::idempotency::IdempotencyTableConfig {
                        table: settings.idempotency_table,
                    },
                )),
                SqsQueues::new(sqs),
                urls,
            ),
            odoo,
        })
    }

    /// Wires an app from parts (tests and local runners); no secret rotation.
    pub fn new(reconciler: Reconciler, store: ReportStore, healer: Healer, odoo: OdooClient) -> Self {
        Self {
            reconciler,
            store,
            healer,
            odoo: OdooConnection::fixed(odoo),
        }
    }

    /// Handles one invocation (see the module documentation).
    #[instrument(skip_all)]
    pub async fn handle(&self, event: serde_json::Value) -> Result<Answer, HandlerError> {
        let now = Utc::now();
        let (window, heal) = match Request::parse(event)? {
            Request::Scheduled => (Window::yesterday(now, self.reconciler.config().offset), false),
            Request::OnDemand { window, heal } => (window, heal),
        };
        self.odoo.refresh_key().await?;
        let report = self.reconciler.run(window, now).await?;
        self.store.put(&report).await?;
        info!(run_id = %report.run_id, "{}", metrics::summary_line(&report));
        write_metrics(&report);
        let (mut heal_plan, mut healed) = (None, None);
        if heal {
            let plan = self.healer.plan(&report).await?;
            info!(run_id = %report.run_id, planned = plan.items.len(), skipped = plan.skipped.len(), "heal dry-run");
            healed = Some(self.healer.apply(&report, "reconcile", Utc::now()).await?);
            heal_plan = Some(plan);
        }
        Ok(Answer {
            run_id: report.run_id,
            from: window.from(),
            to: window.to(),
            exceptions: report.counts,
            heal_plan,
            healed,
        })
    }
}

/// EMF must be a raw JSON line of its own on stdout (not a field of a tracing record),
/// so this is the one place that writes to stdout directly.
fn write_metrics(report: &spine_reconcile::Report) {
    let mut out = std::io::stdout().lock();
    for line in metrics::emf_lines(report) {
        // A lost metric line must not fail a run whose report is stored.
        let _ = writeln!(out, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_sample_events_parse_to_their_requests() {
        assert_eq!(
            Request::parse(event(include_str!("../../../events/schedule/reconcile.json"))).unwrap(),
            Request::Scheduled
        );
        let on_demand =
            Request::parse(event(include_str!("../../../events/reconcile/on-demand.json"))).unwrap();
        let window = Window::parse("2026-11-20".parse().unwrap(), "2026-11-22".parse().unwrap()).unwrap();
        assert_eq!(on_demand, Request::OnDemand { window, heal: false });
        let heal = Request::parse(event(include_str!("../../../events/reconcile/heal.json"))).unwrap();
        assert!(matches!(heal, Request::OnDemand { heal: true, .. }));
    }

    #[test]
    fn bad_requests_are_refused_with_the_reason() {
        let backwards = Request::parse(event(include_str!("../../../events/reconcile/bad-window.json")));
        assert!(matches!(
            backwards,
            Err(HandlerError::Config(ConfigError::Window { .. }))
        ));
        assert!(matches!(
            Request::parse(event(r#"{"from": "yesterday"}"#)),
            Err(HandlerError::BadRequest(_))
        ));
        assert!(matches!(
            Request::parse(event(r#"{"from": "2026-11-20", "to": "2026-11-20", "extra": 1}"#)),
            Err(HandlerError::BadRequest(_))
        ));
    }
}
