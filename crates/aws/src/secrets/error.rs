//! Why a secret could not be read. No variant ever holds a secret value: field names and
//! secret ids only.

use spine_core::disposition::{Classify, Disposition};

/// Failure to read or interpret a secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// Secrets Manager has no such secret (or no such version stage).
    #[error("secret {secret_id} not found")]
    NotFound {
        /// The secret id asked for.
        secret_id: String,
    },
    /// The secret has no string value (a binary secret) or it is not a JSON object.
    #[error("secret {secret_id} is not a JSON object of strings")]
    NotJson {
        /// The secret id.
        secret_id: String,
        /// The JSON syntax error (positions only, never content), when there was one.
        #[source]
        source: Option<serde_json::Error>,
    },
    /// A field the caller needs is absent or empty.
    #[error("secret {secret_id} lacks field {field}")]
    MissingField {
        /// The secret id.
        secret_id: String,
        /// The missing field's name.
        field: String,
    },
    /// A field is present but is not a string/number/bool (nested objects are refused).
    #[error("secret {secret_id} field {field} is not a scalar")]
    WrongType {
        /// The secret id.
        secret_id: String,
        /// The field's name.
        field: String,
    },
    /// A field holds a value the typed view cannot accept (a bad URL or protocol name).
    #[error("secret {secret_id} field {field} is invalid: {reason}")]
    Invalid {
        /// The secret id.
        secret_id: String,
        /// The field's name.
        field: &'static str,
        /// What is wrong, without the value.
        reason: String,
    },
    /// A failure that may pass on its own: network, timeout, throttling, 5xx.
    #[error("transient Secrets Manager failure reading {secret_id}")]
    Transient {
        /// The secret id.
        secret_id: String,
        /// The SDK's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A failure retrying cannot fix: access denied, decryption failure, bad request.
    #[error("Secrets Manager refused reading {secret_id}")]
    Aws {
        /// The secret id.
        secret_id: String,
        /// The SDK's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Classify for SecretsError {
    fn disposition(&self) -> Disposition {
        match self {
            SecretsError::Transient { .. } => Disposition::TRANSIENT,
            _ => Disposition::Permanent,
        }
    }
}
