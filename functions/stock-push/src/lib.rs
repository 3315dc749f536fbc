//! The stock-push function: settings from the environment, clients built once, and the
//! handler of the EventBridge schedule event, callable from tests and a local runner.
//!
//! The handler refreshes the Odoo key from its secret, loads the channel configuration
//! (from `STOCK_CHANNELS`, or the `STOCK_CHANNELS_SECRET` secret read each run so edits
//! apply without a deploy), runs [`StockPush::run`], writes one EMF line per channel and
//! answers the [`RunSummary`]. Per-channel and per-SKU failures are in the summary; the
//! invocation itself fails only when there is no usable configuration at all.

use std::io::Write;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use secrecy::ExposeSecret;
use spine_aws::secrets::{SecretsCache, SecretsConfig, SecretsError};
use spine_odoo::{OdooClient, OdooConfig, OdooError};
use spine_stock::config::{
    ENV_CHANNELS, ENV_CHANNELS_SECRET, ENV_ODOO_SECRET, ENV_STOCK_TABLE, page_size_from_env,
};
use spine_stock::metrics::emf_lines;
use spine_stock::{
    ChannelConfig, ConfigError, HttpClient, HttpPolicy, RunSummary, SecretError, SecretSource,
    SecretsManager, StockPush, StockState, TokioPause, parse_channels,
};
use tracing::{info, instrument};

/// Where the channel configuration comes from.
#[derive(Clone, Debug)]
pub enum ChannelsFrom {
    /// Parsed once from `STOCK_CHANNELS`.
    Inline(Vec<ChannelConfig>),
    /// Read from this secret on every run.
    Secret(String),
}

/// Where the Odoo connection comes from.
#[derive(Clone, Debug)]
pub enum OdooFrom {
    /// The secret named by `ODOO_SECRET_ID` (its key is re-read each run, for rotation).
    Secret(String),
    /// A fixed configuration (the `ODOO_*` variables, or a test's simulator).
    Fixed(Box<OdooConfig>),
}

/// Everything the function reads from its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The stock table.
    pub table: String,
    /// The channels.
    pub channels: ChannelsFrom,
    /// The Odoo connection.
    pub odoo: OdooFrom,
    /// Products per Odoo round trip.
    pub page_size: u32,
}

/// Why the function cannot start or run.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Missing or invalid settings or channel configuration.
    #[error("invalid configuration")]
    Config(#[from] ConfigError),
    /// The Odoo secret could not be read.
    #[error("Odoo secret")]
    OdooSecret(#[from] SecretsError),
    /// The Odoo client could not be built.
    #[error("Odoo client")]
    Odoo(#[from] OdooError),
    /// The channel configuration secret could not be read.
    #[error("channel configuration secret")]
    ChannelsSecret(#[from] SecretError),
    /// The HTTP client could not be built.
    #[error("HTTP client")]
    Http(#[from] spine_stock::channels::HttpError),
}

fn non_empty(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Reads `STOCK_TABLE`, `STOCK_CHANNELS` or `STOCK_CHANNELS_SECRET`, `ODOO_SECRET_ID` (or
    /// the `ODOO_*` variables) and `STOCK_PAGE_SIZE`; fails fast with the variable's name.
    pub fn from_env() -> Result<Self, HandlerError> {
        let table = non_empty(ENV_STOCK_TABLE).ok_or(ConfigError::MissingEnv(ENV_STOCK_TABLE))?;
        let channels = match (non_empty(ENV_CHANNELS), non_empty(ENV_CHANNELS_SECRET)) {
            (Some(json), _) => ChannelsFrom::Inline(parse_channels(&json)?),
            (None, Some(secret)) => ChannelsFrom::Secret(secret),
            (None, None) => return Err(ConfigError::MissingEnv(ENV_CHANNELS).into()),
        };
        let odoo = match non_empty(ENV_ODOO_SECRET) {
            Some(secret) => OdooFrom::Secret(secret),
            None => match OdooConfig::from_env() {
                Ok(Some(config)) => OdooFrom::Fixed(Box::new(config)),
                Ok(None) => return Err(ConfigError::MissingEnv(ENV_ODOO_SECRET).into()),
                Err(e) => {
                    let reason = e.to_string();
                    return Err(ConfigError::BadEnv {
                        name: "ODOO_*",
                        reason,
                    }
                    .into());
                }
            },
        };
        Ok(Self {
            table,
            channels,
            odoo,
            page_size: page_size_from_env()?,
        })
    }
}

/// The function's clients, built once at cold start.
pub struct App {
    push: StockPush,
    channels: ChannelsFrom,
    secrets: Arc<dyn SecretSource>,
    odoo_secret: Option<(SecretsCache, String)>,
}

impl App {
    /// Builds every client from `settings` and the AWS configuration.
    pub async fn build(settings: Settings, aws: &SdkConfig) -> Result<Self, HandlerError> {
        let sm = aws_sdk_secretsmanager::Client::new(aws);
        let cache = SecretsCache::new(sm.clone(), SecretsConfig::default());
        let (odoo_config, odoo_secret) = match settings.odoo {
            OdooFrom::Fixed(config) => (*config, None),
            OdooFrom::Secret(id) => (cache.odoo(&id).await?.to_config(&id)?, Some((cache, id))),
        };
        let http = HttpClient::new(HttpPolicy::default(), Arc::new(TokioPause))?;
        Ok(Self::new(
            StockPush::new(
                OdooClient::new(odoo_config)?,
                StockState::new(aws_sdk_dynamodb::Client::new(aws), settings.table),
                Arc::new(SecretsManager::new(sm.clone())),
                http,
                settings.page_size,
            ),
            settings.channels,
            Arc::new(SecretsManager::new(sm)),
            odoo_secret,
        ))
    }

    /// Wires an app from parts (tests and local runners).
    pub fn new(
        push: StockPush,
        channels: ChannelsFrom,
        secrets: Arc<dyn SecretSource>,
        odoo_secret: Option<(SecretsCache, String)>,
    ) -> Self {
        Self {
            push,
            channels,
            secrets,
            odoo_secret,
        }
    }

    /// Handles one schedule event: one run over every channel.
    #[instrument(skip_all, fields(flow = "stock", event_id = event.id.as_deref().unwrap_or("")))]
    pub async fn handle(&self, event: EventBridgeEvent) -> Result<RunSummary, HandlerError> {
        info!(detail_type = %event.detail_type, source = %event.source, "stock push scheduled");
        if let Some((cache, id)) = &self.odoo_secret {
            // A rotated key reaches the warm client within the cache's TTL.
            let secret = cache.odoo(id).await?;
            self.push.odoo().set_api_key(secret.api_key).await;
        }
        let channels = match &self.channels {
            ChannelsFrom::Inline(channels) => channels.clone(),
            ChannelsFrom::Secret(name) => parse_channels(self.secrets.secret(name).await?.expose_secret())?,
        };
        let summary = self.push.run(&channels).await;
        write_metrics(&summary);
        Ok(summary)
    }
}

/// EMF must be a raw JSON line of its own on stdout (not a field of a tracing record),
/// so this is the one place that writes to stdout directly.
fn write_metrics(summary: &RunSummary) {
    let mut out = std::io::stdout().lock();
    for line in emf_lines(summary) {
        // A lost metric line must not fail the run that already pushed.
        let _ = writeln!(out, "{line}");
    }
}
