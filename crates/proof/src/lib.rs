//! The proof of the spine's promises under the faults that break integrations in
//! production, and its end-to-end figures.
//!
//! A run ([`run::execute`]) plans N orders with payments, refunds and shipments
//! ([`plan`]), turns them into signed vendor webhooks delivered 1..=5 times in random
//! order with bad requests mixed in ([`deliveries`], [`sign`], [`payload`]), sends them
//! through the local spine while Odoo faults, workers are killed and the Odoo key is
//! rotated ([`drive`]), waits for quiet, fixes the business failures and redrives them
//! with spinectl's library ([`settle`]), then judges from Odoo and the ledger
//! ([`verdict`], [`odoo_facts`]) and measures ([`figures`]).

pub mod config;
pub mod deliveries;
pub mod drive;
pub mod figures;
pub mod odoo_facts;
pub mod payload;
pub mod plan;
pub mod run;
pub mod settle;
pub mod sign;
pub mod spine;
pub mod verdict;

pub use config::ScenarioConfig;
pub use plan::Shop;
