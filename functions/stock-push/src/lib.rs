//! The stock-push function: settings from the environment, clients built on the first
//! invocation ([`Function`]), and the handler of the EventBridge schedule event, callable from tests and a local runner.
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
pub use spine_aws::secrets::OdooFrom;
use spine_aws::secrets::{
    ConnectError, OdooConnection, OdooFromError, SecretsCache, SecretsConfig, SecretsError,
};
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
    /// The environment names no usable Odoo connection.
    #[error("Odoo connection settings")]
    OdooFrom(#[from] OdooFromError),
    /// The Odoo secret could not be read or the client built.
    #[error("cannot connect to Odoo")]
    Connect(#[from] ConnectError),
    /// The Odoo secret could not be read again for its current key.
    #[error("Odoo secret")]
    OdooSecret(#[from] SecretsError),
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
        let odoo = OdooFrom::from_env(ENV_ODOO_SECRET)?;
        Ok(Self {
            table,
            channels,
            odoo,
            page_size: page_size_from_env()?,
        })
    }
}

/// The function as the Lambda loop serves it: [`Settings`] read at cold start, the
/// [`App`] built on the first invocation (it reads the Odoo secret) with
/// [`App::build`].
pub type Function = spine_runtime::FirstInvocation<Settings, App>;

/// One invocation: builds the [`App`] when none was built yet, then handles `event`.
pub async fn invoke(function: &Function, event: EventBridgeEvent) -> Result<RunSummary, HandlerError> {
    let build = |settings, aws: SdkConfig| Box::pin(async move { App::build(settings, &aws).await });
    function.get(build).await?.handle(event).await
}

/// The function's clients.
pub struct App {
    push: StockPush,
    channels: ChannelsFrom,
    secrets: Arc<dyn SecretSource>,
    odoo: OdooConnection,
}

impl App {
    /// Builds every client from `settings` and the AWS configuration (reads the Odoo
    /// secret when there is one).
    pub async fn build(settings: Settings, aws: &SdkConfig) -> Result<Self, HandlerError> {
        let sm = aws_sdk_secretsmanager::Client::new(aws);
        let cache = SecretsCache::new(sm.clone(), SecretsConfig::default());
        let odoo = settings.odoo.connect(&cache).await?;
        let http = HttpClient::new(HttpPolicy::default(), Arc::new(TokioPause))?;
        Ok(Self::new(
            StockPush::new(
                odoo.client.clone(),
                StockState::new(aws_sdk_dynamodb::Client::new(aws), settings.table),
                Arc::new(SecretsManager::new(sm.clone())),
                http,
                settings.page_size,
            ),
            settings.channels,
            Arc::new(SecretsManager::new(sm)),
            odoo,
        ))
    }

    /// Wires an app from parts (tests and local runners); `odoo` must be the client
    /// `push` uses, so a refreshed key reaches it.
    pub fn new(
        push: StockPush,
        channels: ChannelsFrom,
        secrets: Arc<dyn SecretSource>,
        odoo: OdooConnection,
    ) -> Self {
        Self {
            push,
            channels,
            secrets,
            odoo,
        }
    }

    /// Handles one schedule event: one run over every channel.
    #[instrument(skip_all, fields(flow = "stock", event_id = event.id.as_deref().unwrap_or("")))]
    pub async fn handle(&self, event: EventBridgeEvent) -> Result<RunSummary, HandlerError> {
        info!(detail_type = %event.detail_type, source = %event.source, "stock push scheduled");
        // A rotated key reaches the warm client within the cache's TTL.
        self.odoo.refresh_key().await?;
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
