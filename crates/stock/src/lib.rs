//! Stock push: Odoo's free quantity per SKU to every sales channel, only what changed.
//!
//! A run ([`StockPush::run`]) reads storable products' `free_qty` from Odoo in large
//! keyset pages ([`source`]), computes each channel's sellable level (free minus the
//! channel's buffer, floored at zero) and compares it with the level last pushed, kept in
//! DynamoDB ([`state`]); only changed levels go to the channel ([`channels`]: Shopify
//! GraphQL, WooCommerce REST, a signed generic HTTP POST). Levels a channel accepted are
//! recorded; failed ones are not, so the next run retries them. The [`RunSummary`] is
//! logged as one line, returned, and turned into CloudWatch EMF metrics ([`metrics`]).

pub mod channels;
pub mod config;
pub mod diff;
pub mod metrics;
pub mod run;
pub mod secrets;
pub mod source;
pub mod state;

pub use channels::{HttpClient, HttpPolicy, Pause, TokioPause};
pub use config::{ChannelConfig, ChannelKind, ConfigError, StockScope, parse_channels};
pub use diff::{Level, sellable};
pub use run::{ChannelStatus, ChannelSummary, RunSummary, StockPush};
pub use secrets::{ChannelCredentials, SecretError, SecretSource, SecretsManager};
pub use state::{StockState, create_table};
