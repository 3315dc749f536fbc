//! The sync workers' flow logic: what each canonical event writes to Odoo, and how.
//!
//! - [`Syncer::apply`] takes an accepted [`Envelope`](spine_core::Envelope) and runs its
//!   flow: [`order`] (partner, sale order and lines, confirmation), [`payment`] (invoice
//!   created and posted when missing, payment registered), [`refund`] (credit note
//!   through the reversal wizard) or [`shipment`] (tracking reference and validation of
//!   the delivery).
//! - Every record the spine creates carries the external id defined once in
//!   `spine_core::contracts` (module `spine`), so a retry after Odoo committed finds the
//!   record instead of creating a second one; where Odoo creates the record itself (a
//!   wizard), the flow looks for it by a marker it left (memo, reversal reason) before
//!   creating it again, then registers the external id.
//! - Each flow answers [`Applied`]: the Odoo records it touched (for the ledger), the
//!   round trips it spent, and any flags (partial or over-payment, refund left in draft).
//! - Each failure is a [`SyncError`] implementing [`Classify`](spine_core::Classify)
//!   after DESIGN.md's error table: Odoo's transient errors retry (overload flagged),
//!   missing orders and invoices wait on their dependency, everything else parks with a
//!   reason an operator can read.
//!
//! No AWS here: the Lambda functions wrap this with idempotency, the ledger and the
//! partial-batch wrapper.

mod applied;
mod breaker;
mod config;
mod error;
mod invoice;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod order;
mod order_rows;
pub mod payment;
pub mod refund;
pub mod shipment;
mod syncer;
pub mod worker;
mod xids;

pub use applied::{Applied, Touched};
pub use config::{ConfigError, SyncConfig, env_names};
pub use error::SyncError;
pub use syncer::Syncer;
pub use worker::{ApiKeySource, Handled, Worker, WorkerError};
