//! The webhook ingest Lambda's library: everything but `main`, so the handler runs in
//! tests without the Lambda runtime.
//!
//! - [`env`]: configuration from environment variables (every name in [`env::VARIABLES`]).
//! - [`service`]: the handler's path (checks and mapping in spine-ingest, then ledger,
//!   queue and answer).
//! - [`ports`]: signing keys and flow queues; [`adapters`]: their AWS implementations.
//! - [`http`]: API Gateway HTTP API (payload 2.0) events in and responses out.

pub mod adapters;
pub mod env;
pub mod http;
pub mod ports;
pub mod record;
pub mod service;

pub use env::Config;
pub use service::Webhook;
