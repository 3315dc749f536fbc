//! A simulated Odoo 19 server for tests and local runs.
//!
//! It speaks JSON-RPC (`/jsonrpc`) and JSON-2 (`/json/2/<model>/<method>`) with the
//! paths, status codes, envelopes and error bodies of a real server as recorded in
//! ODOO.md, keeps its data in memory (each call one transaction), and injects faults
//! (latency, 503, 429, hangs, "commit then drop the connection") from a seeded RNG.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = odoo_sim::SimHandle::start(odoo_sim::SimConfig::default()).await?;
//! println!("{}", sim.url());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod config;
mod db;
mod error;
mod faults;
mod models;
mod orm;
mod protocol;
mod server;

pub use config::{Faults, SimConfig, SimStats};
pub use server::SimHandle;
