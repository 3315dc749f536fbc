//! Signing keys from Secrets Manager, through spine-aws's rotation-aware cache.
//!
//! A source's `secret` names a Secrets Manager secret holding a flat JSON object; the
//! field named after the source (`{"shopify": "shpss_..."}`) is its signing secret or
//! token. One secret may hold the fields of several sources.

use crate::ports::{KeyError, KeySource};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spine_aws::secrets::SecretsCache;
use spine_ingest::{SigningKeys, SourceConfig};

/// Keys read from Secrets Manager, current and (within `grace` of a rotation) previous.
pub struct SecretsManagerKeys {
    cache: SecretsCache,
    grace: chrono::Duration,
}

impl SecretsManagerKeys {
    /// Keys through `cache`, accepting the previous version for `grace` after a rotation.
    pub fn new(cache: SecretsCache, grace: chrono::Duration) -> Self {
        Self { cache, grace }
    }
}

#[async_trait]
impl KeySource for SecretsManagerKeys {
    #[tracing::instrument(skip_all, fields(source = %source.name))]
    async fn keys(&self, source: &SourceConfig, now: DateTime<Utc>) -> Result<SigningKeys, KeyError> {
        let field = source.name.as_str();
        let secrets = self
            .cache
            .webhook(&source.secret, field)
            .await
            .map_err(|e| KeyError::Unavailable {
                secret: source.secret.clone(),
                source: e.into(),
            })?;
        let mut candidates = secrets.candidates(field, now, self.grace).into_iter().cloned();
        let current = candidates
            .next()
            .ok_or_else(|| KeyError::Empty(source.secret.clone()))?;
        Ok(SigningKeys::accepting(current, candidates.next()))
    }
}
