//! Credentials: a narrow port for reading secrets, its Secrets Manager adapter, and the
//! JSON shapes of the channel and Odoo secrets.
//!
//! Channel credentials are read once per run through the port, so a rotated key is picked
//! up by the next run without a cold start. (The Odoo secret is read by the function with
//! the shared `spine_aws::secrets` cache.)

use async_trait::async_trait;
use secrecy::SecretString;

use crate::config::ChannelKind;

/// Why a secret could not be had or used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Secrets Manager refused or could not be reached.
    #[error("secret {name:?} could not be read")]
    Fetch {
        /// The secret's name.
        name: String,
        /// The SDK's error.
        #[source]
        source: Box<aws_sdk_secretsmanager::Error>,
    },
    /// The secret has no string value.
    #[error("secret {0:?} has no string value")]
    NotString(String),
    /// The value is not the documented JSON shape (the value itself is never shown).
    #[error("secret {name:?} is not the documented JSON shape: {reason}")]
    Shape {
        /// The secret's name.
        name: String,
        /// What is missing or wrong.
        reason: String,
    },
}

/// Reads the current value of a secret.
///
/// Contract: answers the value current at the time of the call (no stale cache across
/// runs); an absent secret is an error, never an empty value.
#[async_trait]
pub trait SecretSource: Send + Sync {
    /// The secret's string value.
    async fn secret(&self, name: &str) -> Result<SecretString, SecretError>;
}

/// [`SecretSource`] over AWS Secrets Manager (`GetSecretValue`, AWSCURRENT).
#[derive(Clone, Debug)]
pub struct SecretsManager {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManager {
    /// Wraps a client built once at cold start.
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl SecretSource for SecretsManager {
    async fn secret(&self, name: &str) -> Result<SecretString, SecretError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(name)
            .send()
            .await
            .map_err(|e| SecretError::Fetch {
                name: name.to_owned(),
                source: Box::new(e.into()),
            })?;
        out.secret_string
            .map(SecretString::from)
            .ok_or_else(|| SecretError::NotString(name.to_owned()))
    }
}

/// A channel's credentials, by kind.
///
/// Secret JSON: Shopify `{"access_token": "..."}`; WooCommerce `{"consumer_key": "...",
/// "consumer_secret": "..."}`; http `{"hmac_key": "..."}`.
pub enum ChannelCredentials {
    /// Admin API access token (`X-Shopify-Access-Token`).
    Shopify {
        /// The token.
        access_token: SecretString,
    },
    /// REST API keys (HTTP Basic over HTTPS).
    Woocommerce {
        /// `ck_...`
        consumer_key: SecretString,
        /// `cs_...`
        consumer_secret: SecretString,
    },
    /// Key of the HMAC-SHA256 signature header.
    Http {
        /// The shared key.
        hmac_key: SecretString,
    },
}

fn field(value: &serde_json::Value, name: &str, key: &str) -> Result<SecretString, SecretError> {
    value
        .get(key)
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| SecretString::from(s.to_owned()))
        .ok_or_else(|| SecretError::Shape {
            name: name.to_owned(),
            reason: format!("missing string field {key:?}"),
        })
}

impl ChannelCredentials {
    /// Reads the credentials of a `kind` channel from the secret `name`.
    pub async fn fetch(
        source: &dyn SecretSource,
        name: &str,
        kind: ChannelKind,
    ) -> Result<Self, SecretError> {
        use secrecy::ExposeSecret;
        let raw = source.secret(name).await?;
        let value: serde_json::Value =
            serde_json::from_str(raw.expose_secret()).map_err(|_| SecretError::Shape {
                name: name.to_owned(),
                reason: "not JSON".to_owned(),
            })?;
        Ok(match kind {
            ChannelKind::Shopify => Self::Shopify {
                access_token: field(&value, name, "access_token")?,
            },
            ChannelKind::Woocommerce => Self::Woocommerce {
                consumer_key: field(&value, name, "consumer_key")?,
                consumer_secret: field(&value, name, "consumer_secret")?,
            },
            ChannelKind::Http => Self::Http {
                hmac_key: field(&value, name, "hmac_key")?,
            },
        })
    }
}
