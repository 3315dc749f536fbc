//! One reconciliation run: the ledger scan, the Odoo sweep, stuck entries and parked
//! messages, assembled into a sorted `report.v1`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use spine_core::Ledger;
use spine_odoo::OdooClient;

use crate::config::{ReconcileConfig, Window};
use crate::error::ReconcileError;
use crate::queues::{self, ParkedProbe};
use crate::report::{REPORT_VERSION, Report, WindowInfo, count_kinds};
use crate::scan::Scan;
use crate::sweep::Sweep;

/// Compares the ledger with Odoo. Built once per process; cheap to share.
pub struct Reconciler {
    ledger: Arc<dyn Ledger>,
    odoo: OdooClient,
    parked: Option<Arc<dyn ParkedProbe>>,
    config: ReconcileConfig,
}

impl Reconciler {
    /// A reconciler over this ledger and Odoo; `parked` reads the DLQs (none: the report
    /// lists no parked queues).
    pub fn new(
        ledger: Arc<dyn Ledger>,
        odoo: OdooClient,
        parked: Option<Arc<dyn ParkedProbe>>,
        config: ReconcileConfig,
    ) -> Self {
        Self {
            ledger,
            odoo,
            parked,
            config,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &ReconcileConfig {
        &self.config
    }

    /// Runs over `window` as of `now`. Reads only: running twice over the same state
    /// gives the same report apart from `run_id` and times.
    #[tracing::instrument(skip(self), fields(from = %window.from(), to = %window.to()))]
    pub async fn run(&self, window: Window, now: DateTime<Utc>) -> Result<Report, ReconcileError> {
        let before = self.odoo.metrics();
        let zone = self.config.offset;
        let range = window.utc_range(zone);
        let scan = Scan {
            ledger: self.ledger.as_ref(),
            odoo: &self.odoo,
            range,
            zone,
            tolerance_minor: self.config.tolerance_minor,
            page_size: self.config.page_size,
        };
        let scanned = scan.run().await?;
        let mut exceptions = scanned.exceptions;
        let sweep = Sweep {
            odoo: &self.odoo,
            window,
            range,
            zone,
            known: &scanned.known,
            page_size: self.config.page_size,
        };
        exceptions.extend(sweep.run().await?);
        drop(scanned.known);
        exceptions.extend(queues::stuck(self.ledger.as_ref(), &self.config, zone, now).await?);
        let parked = match &self.parked {
            Some(probe) => probe.parked(now).await?,
            None => Vec::new(),
        };
        exceptions.extend(queues::parked_exceptions(&parked));
        exceptions.sort();
        exceptions.dedup();
        Ok(Report {
            version: REPORT_VERSION.to_owned(),
            run_id: new_run_id(now),
            started_at: now,
            finished_at: Utc::now().max(now),
            window: WindowInfo {
                from: window.from(),
                to: window.to(),
                utc_offset: zone.to_string(),
            },
            days: scanned.days.into_values().collect(),
            parked,
            counts: count_kinds(&exceptions),
            exceptions,
            odoo_round_trips: self.odoo.metrics().since(&before).round_trips,
        })
    }
}

/// A run id that sorts by time and is unique: `20261123T170000Z-<8 hex>`.
pub fn new_run_id(now: DateTime<Utc>) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}", now.format("%Y%m%dT%H%M%SZ"), &random[..8])
}
