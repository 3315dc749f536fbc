//! Reconciliation (issue 7): proves that Odoo holds what the spine accepted.
//!
//! - [`Reconciler::run`] compares the ledger with Odoo over a [`Window`] of local days
//!   (in a [`DayZone`]: a fixed offset or an IANA zone with daylight saving): counts and
//!   totals per currency per flow and day, and every exception: missing (APPLIED in the
//!   ledger, absent in Odoo), unknown (a spine external id on a sale order, invoice,
//!   credit note or payment dated in the window, without a ledger entry), duplicates
//!   (several live records for one source id: orders per `client_order_ref`, invoices
//!   per order, credit notes per refund marker, payments per memo), mismatches (total
//!   beyond the tolerance, payment versus invoice, invoice not paid), stuck
//!   (RECEIVED/QUEUED beyond the flow's SLA) and parked (DLQ depth and oldest age). The
//!   answer is a [`Report`] (`report.v1`).
//! - [`ReportStore`] keeps reports by run id in DynamoDB; [`render_table`] and
//!   [`render_html`] are the operator's views; [`metrics`] has the EMF lines.
//! - [`Healer`] re-enqueues missing events from the ledger's stored envelope: a dry-run
//!   [`Healer::plan`] first, then [`Healer::apply`]. It never writes to Odoo.
//!
//! Odoo is read in pages (see [`odoo`](crate) module docs): per ledger page one
//! `ir.model.data` `search_read` and one `search_read` per model; memory holds one page
//! and compact per-key state, never payloads beyond the page being read.

mod compare;
pub mod config;
mod error;
mod heal;
pub mod metrics;
mod odoo;
mod queues;
mod render;
mod report;
mod run;
mod scan;
mod store;
mod sweep;
mod sweep_rules;
mod zone;

pub use config::{ConfigError, ReconcileConfig, Window, env_names};
pub use error::ReconcileError;
pub use heal::{HealItem, HealOutcome, HealPlan, Healer};
pub use queues::{ParkedProbe, SqsParked};
pub use render::{render_html, render_table};
pub use report::{
    Amount, DayFlow, Exception, ExceptionKind, ParkedQueue, REPORT_VERSION, Report, Totals, WindowInfo,
};
pub use run::{Reconciler, new_run_id};
pub use store::{ATTR_BODY, ATTR_PART, ATTR_PARTS, ATTR_RUN_ID, ReportStore, create_reports_table};
pub use zone::{DayZone, ZoneError};
