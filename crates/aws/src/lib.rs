//! AWS adapters for odoo-spine: the real SDK clients behind the core's ports.
//!
//! - [`idempotency`]: the worker idempotency store on DynamoDB.
//! - [`ledger`]: the event ledger on DynamoDB.
//! - [`secrets`]: Secrets Manager, cached, rotation-aware.
//! - [`queue`]: SQS publishing, visibility backoff, parking in the DLQ.

pub mod idempotency;
pub mod ledger;
pub mod queue;
pub mod secrets;
