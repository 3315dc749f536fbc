//! Channel configuration: which channels exist, how each is reached, which Odoo stock it
//! sells from, its safety buffer and SKU mapping; and the environment variable names the
//! stock-push function reads (listed once here so the template can be checked against them).
//!
//! The configuration is JSON (`{"channels": [...]}`, see the crate README) read from
//! [`ENV_CHANNELS`] or from the secret named by [`ENV_CHANNELS_SECRET`]. Every rule is
//! checked when it is parsed, so a bad configuration is one clear error, never a panic
//! half-way through a run.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Url;
use serde::{Deserialize, Serialize};
use spine_core::{IdError, Sku, SourceName};

/// DynamoDB table holding the last pushed level per (channel, SKU).
pub const ENV_STOCK_TABLE: &str = "STOCK_TABLE";
/// The channel configuration as JSON (takes precedence over [`ENV_CHANNELS_SECRET`]).
pub const ENV_CHANNELS: &str = "STOCK_CHANNELS";
/// Name of a Secrets Manager secret whose value is the channel configuration JSON.
pub const ENV_CHANNELS_SECRET: &str = "STOCK_CHANNELS_SECRET";
/// Name of the Secrets Manager secret holding the Odoo connection (`spine_aws::secrets::OdooSecret`
/// shape); without it the `ODOO_*` variables are read.
pub const ENV_ODOO_SECRET: &str = "ODOO_SECRET_ID";
/// Products read from Odoo per round trip (default [`DEFAULT_PAGE_SIZE`]).
pub const ENV_PAGE_SIZE: &str = "STOCK_PAGE_SIZE";
/// Every environment variable the function reads (besides the `ODOO_*` fallback).
pub const ENV_VARS: [&str; 5] = [
    ENV_STOCK_TABLE,
    ENV_CHANNELS,
    ENV_CHANNELS_SECRET,
    ENV_ODOO_SECRET,
    ENV_PAGE_SIZE,
];
/// Default Odoo page size: large, because `search_read` of two fields is cheap per row
/// and round trips are what costs time.
pub const DEFAULT_PAGE_SIZE: u32 = 5_000;

/// Why a channel configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not JSON of the documented shape.
    #[error("channel configuration is not valid JSON of the documented shape: {source}")]
    Json {
        /// The parser's error (it names the line and the field).
        #[source]
        source: serde_json::Error,
    },
    /// A field breaks a rule.
    #[error("channel {channel:?}: {field}: {reason}")]
    Invalid {
        /// The channel's name as written.
        channel: String,
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A channel name or SKU is not a valid identifier.
    #[error("channel {channel:?}: {field}: {source}")]
    Id {
        /// The channel's name as written.
        channel: String,
        /// The offending field.
        field: &'static str,
        /// The identifier rule that was broken.
        #[source]
        source: IdError,
    },
    /// Two channels share a name (their pushed levels would mix in the table).
    #[error("channel {0:?} is configured twice")]
    Duplicate(String),
    /// A required environment variable is missing or empty.
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    /// An environment variable holds something unusable.
    #[error("environment variable {name}: {reason}")]
    BadEnv {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// The kind of API a channel speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Shopify Admin GraphQL `inventorySetQuantities`.
    Shopify,
    /// WooCommerce REST `products/batch` with `stock_quantity`.
    Woocommerce,
    /// The documented generic JSON POST with an HMAC signature.
    Http,
}

impl ChannelKind {
    /// Largest batch the API accepts in one request.
    pub fn max_batch(self) -> usize {
        match self {
            ChannelKind::Shopify => 250,
            ChannelKind::Woocommerce => 100,
            ChannelKind::Http => 1_000,
        }
    }

    fn default_batch(self) -> usize {
        match self {
            ChannelKind::Shopify | ChannelKind::Woocommerce => 100,
            ChannelKind::Http => 500,
        }
    }
}

/// Which Odoo stock a channel sells from: the `free_qty` context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StockScope {
    /// Every internal location of the company (no context).
    All,
    /// One `stock.location` and its children (context `location`).
    Location(i64),
    /// One `stock.warehouse` (context `warehouse`).
    Warehouse(i64),
}

/// One validated channel.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelConfig {
    /// Unique name; the partition key of its pushed levels.
    pub name: SourceName,
    /// The API it speaks.
    pub kind: ChannelKind,
    /// Shop base URL (Shopify `https://x.myshopify.com`, WooCommerce site root) or, for
    /// `http`, the exact URL to POST to.
    pub base_url: Url,
    /// Secrets Manager secret with this channel's credentials.
    pub credentials_secret: String,
    /// Odoo stock the channel sells from.
    pub scope: StockScope,
    /// Units held back from the channel (sellable = max(0, free - buffer)).
    pub buffer: u32,
    /// Odoo SKU to channel id (Shopify inventory item gid, WooCommerce product id,
    /// generic target's own SKU); unmapped SKUs are looked up (Shopify, WooCommerce) or
    /// sent as they are (http).
    pub sku_map: BTreeMap<Sku, String>,
    /// Shopify location gid the quantities are set at (required for Shopify).
    pub shopify_location_id: Option<String>,
    /// SKUs per request, within [`ChannelKind::max_batch`].
    pub batch_size: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    channels: Vec<RawChannel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    name: String,
    kind: ChannelKind,
    base_url: String,
    credentials_secret: String,
    location_id: Option<i64>,
    warehouse_id: Option<i64>,
    #[serde(default)]
    buffer: u32,
    #[serde(default)]
    sku_map: BTreeMap<String, String>,
    shopify_location_id: Option<String>,
    batch_size: Option<usize>,
}

/// Parses and checks the channel configuration JSON.
///
/// Fails on unknown fields, duplicate names, bad URLs, a channel with both a location and
/// a warehouse, a Shopify channel without a location gid, and batch sizes outside the
/// API's limits. An empty list is allowed (the run then does nothing).
pub fn parse_channels(json: &str) -> Result<Vec<ChannelConfig>, ConfigError> {
    let raw: RawConfig = serde_json::from_str(json).map_err(|source| ConfigError::Json { source })?;
    let mut seen = BTreeSet::new();
    let mut channels = Vec::with_capacity(raw.channels.len());
    for channel in raw.channels {
        if !seen.insert(channel.name.clone()) {
            return Err(ConfigError::Duplicate(channel.name));
        }
        channels.push(validate(channel)?);
    }
    Ok(channels)
}

fn validate(raw: RawChannel) -> Result<ChannelConfig, ConfigError> {
    let channel = raw.name.clone();
    let invalid = |field, reason: &str| ConfigError::Invalid {
        channel: channel.clone(),
        field,
        reason: reason.to_owned(),
    };
    let name = SourceName::parse(&raw.name).map_err(|source| ConfigError::Id {
        channel: channel.clone(),
        field: "name",
        source,
    })?;
    let base_url = Url::parse(raw.base_url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| invalid("base_url", "must be an absolute http(s) URL"))?;
    if raw.credentials_secret.trim().is_empty() {
        return Err(invalid("credentials_secret", "must name a secret"));
    }
    let scope = match (raw.location_id, raw.warehouse_id) {
        (Some(_), Some(_)) => return Err(invalid("location_id", "set a location or a warehouse, not both")),
        (Some(id), None) if id > 0 => StockScope::Location(id),
        (None, Some(id)) if id > 0 => StockScope::Warehouse(id),
        (None, None) => StockScope::All,
        _ => return Err(invalid("location_id", "Odoo ids are positive")),
    };
    if raw.kind == ChannelKind::Shopify && raw.shopify_location_id.as_deref().is_none_or(str::is_empty) {
        return Err(invalid("shopify_location_id", "required for a Shopify channel"));
    }
    let batch_size = raw.batch_size.unwrap_or(raw.kind.default_batch());
    if batch_size == 0 || batch_size > raw.kind.max_batch() {
        let reason = format!("must be 1 to {}", raw.kind.max_batch());
        return Err(invalid("batch_size", &reason));
    }
    let mut sku_map = BTreeMap::new();
    for (sku, id) in raw.sku_map {
        let sku = Sku::parse(&sku).map_err(|source| ConfigError::Id {
            channel: channel.clone(),
            field: "sku_map",
            source,
        })?;
        if id.trim().is_empty() {
            return Err(invalid("sku_map", "a channel id is empty"));
        }
        sku_map.insert(sku, id);
    }
    Ok(ChannelConfig {
        name,
        kind: raw.kind,
        base_url,
        credentials_secret: raw.credentials_secret,
        scope,
        buffer: raw.buffer,
        sku_map,
        shopify_location_id: raw.shopify_location_id,
        batch_size,
    })
}

/// Reads [`ENV_PAGE_SIZE`] (default [`DEFAULT_PAGE_SIZE`]); 1 to 50,000.
pub fn page_size_from_env() -> Result<u32, ConfigError> {
    let Ok(raw) = std::env::var(ENV_PAGE_SIZE) else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=50_000).contains(n))
        .ok_or_else(|| ConfigError::BadEnv {
            name: ENV_PAGE_SIZE,
            reason: format!("{raw:?} is not a number from 1 to 50000"),
        })
}

#[cfg(test)]
mod tests;
