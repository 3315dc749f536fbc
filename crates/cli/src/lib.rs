//! spinectl: operator tooling for the spine's dead-letter queues.
//!
//! - [`Operator::list`] / [`Operator::show`]: see parked messages and why they failed,
//!   without consuming them ([`dlq`] explains the receive-hold-release scan).
//! - [`Operator::redrive`]: send selected messages back to their work queue, deleting
//!   from the DLQ only after the send; each one audited in the ledger ([`redrive`]).
//! - [`Operator::discard`]: remove a message for good, ledger entry DISCARDED first.
//! - [`Operator::bulk_redrive`]: SQS StartMessageMoveTask for a whole DLQ (real AWS).
//!
//! The `spinectl` binary and the `redrive` Lambda function are thin shells over these.

pub mod actor;
pub mod audit;
pub mod bulk;
pub mod dlq;
pub mod error;
pub mod operator;
pub mod parked;
pub mod redrive;

pub use actor::Actor;
pub use bulk::BulkStarted;
pub use error::OpError;
pub use operator::{Discarded, Operator, Shown, flows_from_env};
pub use parked::{Filter, Parked, ParkedView, parse_since};
pub use redrive::{Item, Outcome, Progress, RedriveRequest, RedriveSummary};
