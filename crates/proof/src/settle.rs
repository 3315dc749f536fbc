//! After the deliveries: wait until the spine is quiet (no ledger entry RECEIVED or
//! QUEUED), fix the business failures (create the missing SKUs in Odoo), redrive the
//! DLQs with the operator's own library (spinectl), and wait again.

use crate::plan::Plan;
use crate::spine::Spine;
use anyhow::{Context, Result};
use chrono::Utc;
use spine_core::ledger::{Ledger, StatusKind};
use spinectl::{Actor, Filter, Operator, RedriveRequest};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one settle phase saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    /// Entries still RECEIVED or QUEUED when the phase ended (0 when it went quiet).
    pub open: u64,
    pub waited: Duration,
}

/// Counts ledger entries in a non-final, not-parked status (RECEIVED, QUEUED).
pub async fn open_entries(ledger: &dyn Ledger) -> Result<Vec<spine_core::ledger::LedgerEntry>> {
    let far = Utc::now() + chrono::Duration::days(1);
    let mut open = Vec::new();
    for status in [StatusKind::Received, StatusKind::Queued] {
        let mut page = None;
        loop {
            let got = ledger.query_by_status(status, None, far, 500, page).await?;
            open.extend(got.items);
            match got.next {
                Some(next) => page = Some(next),
                None => break,
            }
        }
    }
    Ok(open)
}

/// Waits until no entry is open for two polls in a row, or `timeout`.
pub async fn quiet(spine: &Spine, timeout: Duration) -> Result<Settled> {
    let started = Instant::now();
    let mut calm = 0;
    loop {
        let open = open_entries(spine.ledger.as_ref()).await?.len() as u64;
        calm = if open == 0 { calm + 1 } else { 0 };
        if calm >= 2 || started.elapsed() >= timeout {
            return Ok(Settled {
                open,
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
}

/// Creates every SKU the plan's business failures named (with stock on the simulator).
pub async fn create_missing_skus(spine: &Spine, plan: &Plan) -> Result<usize> {
    let skus: Vec<&String> = plan
        .orders
        .iter()
        .filter_map(|o| o.unknown_sku.as_ref())
        .collect();
    for sku in &skus {
        let product = serde_json::json!({"default_code": sku, "name": format!("Proof product {sku}"),
                                         "list_price": 12.5, "is_storable": true});
        let ids = spine
            .odoo
            .create(
                "product.product",
                &[product.as_object().cloned().unwrap_or_default()],
            )
            .await
            .with_context(|| format!("creating {sku}"))?;
        if spine.host.sim.is_some() {
            let quant = serde_json::json!({"product_id": ids.first(), "quantity": 100.0});
            spine
                .odoo
                .create("stock.quant", &[quant.as_object().cloned().unwrap_or_default()])
                .await?;
        }
    }
    Ok(skus.len())
}

/// One redriven (or failed) DLQ message: flow, event key, park reason, redriven.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redriven {
    pub flow: spine_core::Flow,
    pub event_key: Option<String>,
    pub reason_class: String,
    pub ok: bool,
}

/// Redrives every DLQ message of every flow as an operator would after the fix.
pub async fn redrive_all(spine: &Spine) -> Result<Vec<Redriven>> {
    let queues = spine_aws::queue::SqsQueues::new(spine.sqs.clone());
    let ledger: Arc<dyn Ledger> = spine.ledger.clone();
    let operator =
        Operator::new(queues, spine.flow_queues(), Some(ledger)).with_hold(Duration::from_secs(20));
    let actor = Actor::parse("proof", "spine-proof").map_err(anyhow::Error::msg)?;
    let request = RedriveRequest {
        flow: None,
        filter: Filter::default(),
        max: None,
        dry_run: false,
        note: Some("missing SKUs created in Odoo by the proof".into()),
    };
    let summary = operator.redrive(&request, &actor, &mut |_| {}).await?;
    Ok(summary
        .items
        .into_iter()
        .map(|item| Redriven {
            flow: item.flow,
            event_key: item.event_key,
            reason_class: item.reason_class,
            ok: item.outcome == spinectl::Outcome::Redriven,
        })
        .collect())
}
