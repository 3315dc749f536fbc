//! Secrets Manager, cached and rotation-aware.
//!
//! A secret is a flat JSON object of named strings (`{"api_key": "...", "url": "..."}`).
//! [`SecretsCache`] reads the `AWSCURRENT` version and, when there is one, the
//! `AWSPREVIOUS` version, keeps both in memory per secret id for a configurable TTL and
//! lets concurrent callers share one fetch. Every value is held as a
//! [`secrecy::SecretString`], so no `Debug` or log line can show it.
//!
//! Typed views on top: [`OdooSecret`] (the Odoo connection) and [`WebhookSecrets`] (a
//! source's signing secrets, current and previous for the rotation grace period).
//! [`call_with_rotation`] retries an Odoo call once with a freshly read key when Odoo
//! rejects the credentials.

mod cache;
mod error;
mod odoo;
mod value;

pub use cache::{SecretsCache, SecretsConfig};
pub use error::SecretsError;
pub use odoo::{
    ConnectError, CredentialedError, OdooConnection, OdooFrom, OdooFromError, OdooSecret, call_with_rotation,
};
pub use value::{SecretFields, SecretSnapshot, SecretVersion, WebhookSecrets};
