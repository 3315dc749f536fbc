//! The Odoo connection secret and the "refresh once on rejected credentials" wrapper.

use std::future::Future;

use secrecy::{ExposeSecret, SecretString};
use spine_core::disposition::{Classify, Disposition};
use spine_odoo::{ErrorKind, OdooClient, OdooConfig, OdooError, Protocol};

use super::{SecretFields, SecretsCache, SecretsError};

/// The Odoo connection as stored in Secrets Manager:
/// `{"url": "...", "db": "...", "login": "...", "api_key": "...", "protocol": "json2"}`.
/// `protocol` is optional (default `auto`); the others are required and non-empty.
#[derive(Clone, Debug)]
pub struct OdooSecret {
    /// Base URL of the Odoo server.
    pub url: String,
    /// Database name.
    pub db: String,
    /// Login the API key belongs to.
    pub login: String,
    /// The API key.
    pub api_key: SecretString,
    /// Wire protocol.
    pub protocol: Protocol,
}

impl OdooSecret {
    /// Reads the typed view from a secret's fields; errors name the field, never a value.
    pub fn from_fields(fields: &SecretFields) -> Result<Self, SecretsError> {
        let plain = |name: &str| fields.require(name).map(|v| v.expose_secret().to_owned());
        let protocol = match fields.get("protocol") {
            None => Protocol::Auto,
            Some(p) => p.expose_secret().parse().map_err(|_| SecretsError::Invalid {
                secret_id: fields.secret_id().to_owned(),
                field: "protocol",
                reason: "expected json2, jsonrpc or auto".into(),
            })?,
        };
        Ok(Self {
            url: plain("url")?,
            db: plain("db")?,
            login: plain("login")?,
            api_key: fields.require("api_key")?.clone(),
            protocol,
        })
    }

    /// The secret's JSON value for `config` (what [`Self::from_fields`] reads back): how
    /// local runs and tests store an Odoo connection in Secrets Manager.
    pub fn value_of(config: &OdooConfig) -> serde_json::Value {
        serde_json::json!({
            "url": config.url.as_str(),
            "db": config.database,
            "login": config.login,
            "api_key": config.api_key.expose_secret(),
            "protocol": config.protocol.to_string(),
        })
    }

    /// The client configuration (default timeouts and retries) for this secret.
    pub fn to_config(&self, secret_id: &str) -> Result<OdooConfig, SecretsError> {
        OdooConfig::new(&self.url, &self.db, &self.login, self.api_key.clone())
            .map(|c| c.with_protocol(self.protocol))
            .map_err(|e| SecretsError::Invalid {
                secret_id: secret_id.to_owned(),
                field: "url",
                reason: e.to_string(),
            })
    }
}

impl SecretsCache {
    /// The current Odoo secret stored under `secret_id`.
    pub async fn odoo(&self, secret_id: &str) -> Result<OdooSecret, SecretsError> {
        OdooSecret::from_fields(&self.get(secret_id).await?.current.fields)
    }

    /// The webhook secrets stored under `secret_id`, checked to hold field `name`.
    pub async fn webhook(&self, secret_id: &str, name: &str) -> Result<super::WebhookSecrets, SecretsError> {
        super::WebhookSecrets::new((*self.get(secret_id).await?).clone(), name)
    }
}

/// An Odoo call's failure, or the failure to re-read its credentials.
#[derive(Debug, thiserror::Error)]
pub enum CredentialedError {
    /// Odoo answered an error (after at most one credentials refresh).
    #[error(transparent)]
    Odoo(#[from] OdooError),
    /// Odoo rejected the key and reading the secret again failed.
    #[error("refreshing the Odoo secret after a credentials error failed")]
    Secrets(#[source] SecretsError),
}

impl Classify for CredentialedError {
    fn disposition(&self) -> Disposition {
        match self {
            CredentialedError::Odoo(e) => e.disposition(),
            CredentialedError::Secrets(e) => e.disposition(),
        }
    }
}

/// Runs `op`; when it fails with [`ErrorKind::Credentials`], re-reads `secret_id` at once
/// (ignoring the cache TTL), gives `client` the new key and runs `op` exactly once more.
/// A second credentials error is returned as is: the key really is wrong, park.
pub async fn call_with_rotation<T, F, Fut>(
    secrets: &SecretsCache,
    secret_id: &str,
    client: &OdooClient,
    mut op: F,
) -> Result<T, CredentialedError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, OdooError>>,
{
    match op().await {
        Err(e) if e.kind() == ErrorKind::Credentials => {
            tracing::warn!(secret_id, "Odoo rejected the credentials; re-reading the secret");
            let fresh = secrets
                .refresh_now(secret_id)
                .await
                .and_then(|s| OdooSecret::from_fields(&s.current.fields))
                .map_err(CredentialedError::Secrets)?;
            client.set_api_key(fresh.api_key).await;
            Ok(op().await?)
        }
        other => Ok(other?),
    }
}

/// Where a scheduled function's Odoo connection comes from.
#[derive(Clone, Debug)]
pub enum OdooFrom {
    /// The secret with this id: read when the client is built, and its key re-read on
    /// each run (within the cache TTL) so a rotated key reaches a warm function.
    Secret(String),
    /// A fixed configuration (the `ODOO_*` variables, or a test's simulator).
    Fixed(Box<OdooConfig>),
}

/// Why the environment names no usable Odoo connection.
#[derive(Debug, thiserror::Error)]
pub enum OdooFromError {
    /// Neither the secret variable nor `ODOO_URL` is set.
    #[error("{secret_var} is not set (and neither is ODOO_URL)")]
    Missing {
        /// The variable that names the secret.
        secret_var: &'static str,
    },
    /// `ODOO_URL` is set but the other `ODOO_*` variables are missing or invalid.
    #[error("the ODOO_* variables: {0}")]
    Env(#[from] spine_odoo::ConfigError),
}

/// Why the Odoo client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The secret is missing, unreadable or incomplete (the error names it).
    #[error(transparent)]
    Secret(#[from] SecretsError),
    /// The HTTP client could not be built.
    #[error("the Odoo client cannot be built")]
    Client(#[from] OdooError),
}

impl OdooFrom {
    /// The secret named by `secret_var` when it is set and not blank, else the `ODOO_*`
    /// variables ([`OdooConfig::from_env`]).
    pub fn from_env(secret_var: &'static str) -> Result<Self, OdooFromError> {
        if let Some(id) = std::env::var(secret_var).ok().filter(|v| !v.trim().is_empty()) {
            return Ok(Self::Secret(id));
        }
        match OdooConfig::from_env()? {
            Some(config) => Ok(Self::Fixed(Box::new(config))),
            None => Err(OdooFromError::Missing { secret_var }),
        }
    }

    /// Builds the client, reading the secret now when there is one.
    pub async fn connect(&self, secrets: &SecretsCache) -> Result<OdooConnection, ConnectError> {
        let (config, rotation) = match self {
            Self::Fixed(config) => ((**config).clone(), None),
            Self::Secret(id) => (
                secrets.odoo(id).await?.to_config(id)?,
                Some((secrets.clone(), id.clone())),
            ),
        };
        Ok(OdooConnection {
            client: OdooClient::new(config)?,
            rotation,
        })
    }
}

/// An Odoo client and, when it came from a secret, where its key is kept current.
#[derive(Clone)]
pub struct OdooConnection {
    /// The client (its clones share the key).
    pub client: OdooClient,
    rotation: Option<(SecretsCache, String)>,
}

impl OdooConnection {
    /// A client on a fixed configuration: [`Self::refresh_key`] does nothing.
    pub fn fixed(client: OdooClient) -> Self {
        Self {
            client,
            rotation: None,
        }
    }

    /// A client whose key [`Self::refresh_key`] takes from the secret `secret_id`.
    pub fn rotating(client: OdooClient, secrets: SecretsCache, secret_id: impl Into<String>) -> Self {
        Self {
            client,
            rotation: Some((secrets, secret_id.into())),
        }
    }

    /// Gives the client the secret's current key (as cached, within its TTL), so a run
    /// started after a rotation uses the new key.
    pub async fn refresh_key(&self) -> Result<(), SecretsError> {
        if let Some((secrets, id)) = &self.rotation {
            self.client.set_api_key(secrets.odoo(id).await?.api_key).await;
        }
        Ok(())
    }
}
