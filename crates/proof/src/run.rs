//! One proof run from start to verdict: deliver, settle, fix and redrive, settle again,
//! then judge from Odoo and the ledger and measure.

use crate::config::ScenarioConfig;
use crate::deliveries;
use crate::drive::{self, Driven};
use crate::figures;
use crate::plan::{self, Plan};
use crate::settle::{self, Settled};
use crate::sign::Secrets;
use crate::spine::Spine;
use crate::verdict::{self, Evidence, Verdict};
use anyhow::{Context, Result};
use chrono::Utc;
use spine_reconcile::{ReconcileConfig, Reconciler, Report, SqsParked, Window};
use std::sync::Arc;
use std::time::Duration;

/// Everything a run produced.
pub struct Outcome {
    pub plan: Plan,
    pub evidence: Evidence,
    pub driven: Driven,
    pub first_settle: Settled,
    pub second_settle: Settled,
    pub verdict: Verdict,
    /// The benchmark table (markdown).
    pub figures: String,
}

/// The Odoo faults of `config` on the simulator (none on a real Odoo).
pub fn apply_faults(spine: &Spine, config: &ScenarioConfig) {
    if let Some(sim) = &spine.host.sim {
        sim.set_faults(odoo_sim::Faults {
            rate_503: config.rate_503,
            rate_429: config.rate_429,
            rate_timeout: config.rate_timeout,
            hang_for: Duration::from_secs(35),
            rate_drop_after_commit: config.rate_drop,
            seed: config.seed,
            ..odoo_sim::Faults::default()
        });
    }
}

/// Runs the scenario on a started spine.
pub async fn execute(spine: &Spine, config: &ScenarioConfig) -> Result<Outcome> {
    let plan = plan::build(config);
    let secrets = Secrets::local()?;
    let slots = deliveries::schedule(&plan, config, &secrets, Utc::now().timestamp())?;
    tracing::info!(orders = plan.orders.len(), slots = slots.len(), "delivering");
    apply_faults(spine, config);
    let before = figures::sample(spine);
    let driven = drive::drive(spine, slots, config).await?;
    tracing::info!(
        requests = driven.answers.len(),
        kills = driven.kills,
        "delivered; settling"
    );
    let first_settle = settle::quiet(spine, config.settle_timeout).await?;
    let before_redrive = reconcile(spine).await?;
    // The operator's fix is not under test: a create lost to an injected fault would
    // only stop the run, so Odoo faults pause while the SKUs are created.
    let calm = ScenarioConfig {
        rate_503: 0.0,
        rate_429: 0.0,
        rate_timeout: 0.0,
        rate_drop: 0.0,
        ..config.clone()
    };
    apply_faults(spine, &calm);
    settle::create_missing_skus(spine, &plan)
        .await
        .context("fixing the business failures")?;
    apply_faults(spine, config);
    let redriven = settle::redrive_all(spine).await.context("redrive")?;
    tracing::info!(redriven = redriven.len(), "redriven; settling");
    let second_settle = settle::quiet(spine, config.settle_timeout).await?;
    let after = figures::sample(spine);
    // The verdict's own reads must not be hit by the injected faults.
    apply_faults(
        spine,
        &ScenarioConfig {
            rate_503: 0.0,
            rate_429: 0.0,
            rate_timeout: 0.0,
            rate_drop: 0.0,
            ..config.clone()
        },
    );
    let evidence = Evidence {
        answers: driven.answers.clone(),
        redriven,
        before_redrive: Some(before_redrive),
    };
    let verdict = judge(spine, &plan, &evidence).await?;
    let figures = figures::report(spine, &driven, &before, &after, config.orders).await?;
    Ok(Outcome {
        plan,
        evidence,
        driven,
        first_settle,
        second_settle,
        verdict,
        figures,
    })
}

/// Reconciles today and checks every claim (also used on a deliberately corrupted world).
pub async fn judge(spine: &Spine, plan: &Plan, evidence: &Evidence) -> Result<Verdict> {
    let report = reconcile(spine).await?;
    verdict::check(spine, plan, evidence, &report).await
}

/// The reconciliation report of today (UTC), DLQs included.
pub async fn reconcile(spine: &Spine) -> Result<Report> {
    let dlqs = spine
        .flow_queues()
        .into_iter()
        .map(|(flow, q)| (flow, q.dlq_url))
        .collect();
    let parked = Arc::new(SqsParked::new(spine.sqs.clone(), dlqs));
    let reconciler = Reconciler::new(
        spine.ledger.clone(),
        spine.odoo.clone(),
        Some(parked),
        ReconcileConfig::default(),
    );
    let today = Utc::now().date_naive();
    let window = Window::parse(today, today)?;
    Ok(reconciler.run(window, Utc::now()).await?)
}
