//! The Odoo client every spine flow uses: JSON-2 and JSON-RPC behind one typed API.
//!
//! - [`OdooClient`] speaks JSON-2 (`/json/2/<model>/<method>`, bearer API key) or
//!   JSON-RPC (`/jsonrpc`, uid cached per process), chosen by [`Protocol`] (`Auto` asks
//!   the server's version once).
//! - Every failure is an [`OdooError`] with an [`ErrorKind`] following ODOO.md's error
//!   table; transient ones are retried with full-jitter backoff, but a call that is not
//!   idempotent ([`CallKind`]) is never sent again once it may have reached Odoo.
//! - [`OdooClient::metrics`] counts every HTTP round trip and its latency.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use spine_odoo::{Domain, OdooClient, OdooConfig, Protocol, SearchOpts};
//! let key = secrecy::SecretString::from("api-key".to_owned());
//! let config = OdooConfig::new("http://127.0.0.1:8069", "spine", "admin", key)?.with_protocol(Protocol::Auto);
//! let odoo = OdooClient::new(config)?;
//! let before = odoo.metrics();
//! let skus = Domain::all().is_in("default_code", ["SKU-1", "SKU-2"]);
//! let products = odoo.search_read("product.product", &skus, &["default_code"], &SearchOpts::default()).await?;
//! println!("{} products in {} round trips", products.len(), odoo.metrics().since(&before).round_trips);
//! # Ok(()) }
//! ```

mod calls;
mod classify;
mod client;
mod config;
mod domain;
mod error;
mod load;
mod metrics;
pub mod wire;

pub use calls::{ExternalIdRow, Record, SearchOpts};
pub use classify::{classify_fault, is_conflict, parse_retry_after};
pub use client::OdooClient;
pub use config::{ConfigError, OdooConfig, Protocol, RetryPolicy};
pub use domain::{Domain, Op};
pub use error::{ErrorKind, LoadMessage, OdooError, Phase, ServerFault};
pub use load::{LoadResult, is_upsert};
pub use metrics::{MethodMetrics, RpcMetrics, counted};
pub use wire::{CallKind, Kwargs};
